package search

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/space"
)

// killChildEnv is "SPACE:DIR" when the test binary is re-executed as the search that
// TestResumeAfterSIGKILL kills.
const killChildEnv = "LTSBENCH_SEARCH_KILL_CHILD"

func TestMain(m *testing.M) {
	if v := os.Getenv(killChildEnv); v != "" {
		// The child: the same search as the test's uninterrupted run, slowed to about
		// a millisecond an architecture so the parent can kill it mid-iteration.
		name, dir, _ := strings.Cut(v, ":")
		dir, mode, _ := strings.Cut(dir, ":")
		cfg, oom := killConfig(name)
		// "resume": continue whatever DIR holds, a little slower (TestResumeAfterTwentySIGKILLs).
		resume, sleep := mode == "resume", time.Millisecond
		if resume {
			sleep = 5 * time.Millisecond
		}
		_, err := runDir(context.Background(), cfg, &fakeMeasurer{Sleep: sleep, OOMBytes: oom}, dir, resume, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killConfig is the search the test kills, in wideSpace ("fake") or the paper's GPT-2
// space ("gpt2"), and the memory above which its architectures are infeasible:
// 10 = 2 + 4 + 4, 6 iterations, budget 50; iteration 2 is records 18–25.
func killConfig(name string) (Config, int64) {
	var s Space = wideSpace()
	oom := int64(5_000_000)
	if name == "gpt2" {
		s, _ = space.DefaultSpace(space.GPT2)
		oom = 150 << 20
	}
	c := smallConfig(s, Evolution)
	c.Iterations = 6
	return c, oom
}

// countLines counts the complete lines of a file (0 if it does not exist yet).
func countLines(path string) int {
	data, _ := os.ReadFile(path)
	n := 0
	for _, b := range data {
		if b == '\n' {
			n++
		}
	}
	return n
}

// A search killed with SIGKILL in the middle of an iteration and resumed ends with the
// same archive (keys as a set and in order) and the same Pareto front as a search that
// was never interrupted; nothing is measured twice, and a partial last line (a kill
// during a write) is dropped and its architecture measured again.
func TestResumeAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, name := range []string{"fake", "gpt2"} {
		t.Run(name, func(t *testing.T) { testResumeAfterSIGKILL(t, name) })
	}
}

func testResumeAfterSIGKILL(t *testing.T, name string) {
	cfg, oom := killConfig(name)
	want := run(t, cfg, &fakeMeasurer{OOMBytes: oom}, t.TempDir(), false, nil)
	if want.Infeasible == 0 || want.Infeasible == len(want.Records) {
		t.Fatalf("%d of %d infeasible; the test wants some of each in the run it kills", want.Infeasible, len(want.Records))
	}

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+name+":"+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	archivePath := filepath.Join(dir, results.ArchiveFile)
	const killAt = 20 // inside iteration 2 (records 18–25)
	deadline := time.Now().Add(60 * time.Second)
	for countLines(archivePath) < killAt {
		select {
		case err := <-done:
			t.Fatalf("the search finished (%v) before it could be killed", err)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child search wrote nothing for 60 s")
		}
		time.Sleep(100 * time.Microsecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done

	killed, partial, err := results.ReadArchive(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	n := len(killed)
	if n < killAt || n >= cfg.Budget() {
		t.Fatalf("killed search archived %d records; want between %d and the budget %d", n, killAt, cfg.Budget())
	}
	last := killed[n-1].Iteration
	iterEnd := cfg.Population + last*cfg.Offspring()
	t.Logf("killed after %d records (partial line %d bytes), in iteration %d which ends at record %d", n, partial, last, iterEnd)
	if !slices.Equal(keysOf(killed), keysOf(want.Records[:n])) {
		t.Fatal("the killed search's archive is not a prefix of the uninterrupted one")
	}
	// A kill during a write leaves a partial line; make sure there is one.
	f, err := os.OpenFile(archivePath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, `{"seq":%d,"iteration":%d,"key":"gpt2:L3:d1`, n, last)
	f.Close()

	m := &fakeMeasurer{OOMBytes: oom}
	p := &logProgress{}
	got := run(t, cfg, m, dir, true, p)
	if got.Resumed != n || got.Measured != cfg.Budget()-n || !p.logged("partial last line") {
		t.Errorf("resume: %d resumed, %d measured (want %d, %d); partial line logged %v", got.Resumed, got.Measured, n, cfg.Budget()-n, p.logged("partial last line"))
	}
	if len(p.starts) != 1 || p.starts[0].Measured != n || p.starts[0].Iteration != last+1 {
		t.Errorf("progress started at %+v, want %d measured in iteration %d", p.starts, n, last+1)
	}
	for _, k := range m.measured() {
		if slices.Contains(keysOf(killed), k) {
			t.Errorf("%s measured again after resume", k)
		}
	}
	archive := readArchive(t, dir)
	if !slices.Equal(keysOf(archive), keysOf(want.Records)) {
		t.Errorf("resumed archive keys (in order) differ from the uninterrupted run's:\n%v\n%v", keysOf(archive), keysOf(want.Records))
	}
	if !slices.Equal(sortedKeys(archive), sortedKeys(want.Records)) {
		t.Error("resumed archive keys (as a set) differ from the uninterrupted run's")
	}
	for i := range archive {
		if archive[i].Seq != i || archive[i].Iteration != want.Records[i].Iteration {
			t.Fatalf("record %d: seq %d iteration %d, want iteration %d", i, archive[i].Seq, archive[i].Iteration, want.Records[i].Iteration)
		}
	}
	if !slices.Equal(keysOf(got.Front), keysOf(want.Front)) || !slices.Equal(keysOf(readFront(t, dir)), keysOf(want.Front)) {
		t.Errorf("resumed front %v, uninterrupted %v", keysOf(got.Front), keysOf(want.Front))
	}
}

// A search killed with SIGKILL at 20 random moments, resumed after each kill, ends with
// the archive and front of a search never interrupted: after every kill the archive
// reads (at most a partial last line, which the next resume drops) and is a prefix of
// the uninterrupted one, so no record is lost, duplicated or torn.
func TestResumeAfterTwentySIGKILLs(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	cfg, oom := killConfig("fake")
	want := run(t, cfg, &fakeMeasurer{OOMBytes: oom}, t.TempDir(), false, nil)
	dir := t.TempDir()
	archivePath := filepath.Join(dir, results.ArchiveFile)
	rng := rand.New(rand.NewPCG(20, 24))
	kills, finished := 0, false
	for attempt := 0; !finished && attempt < 400; attempt++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"=fake:"+dir+":resume")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills == 20 {
			if err := <-done; err != nil {
				t.Fatalf("the last, uninterrupted resume: %v", err)
			}
			finished = true
			break
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("resume %d: %v", attempt, err)
			}
			finished = true
		case <-time.After(time.Duration(2000+rng.IntN(14000)) * time.Microsecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
		recs, _, err := results.ReadArchive(archivePath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("after kill %d: the archive does not read: %v", kills, err)
		}
		if len(recs) > len(want.Records) || !slices.Equal(keysOf(recs), keysOf(want.Records[:len(recs)])) {
			t.Fatalf("after kill %d: the archive (%d records) is not a prefix of the uninterrupted one", kills, len(recs))
		}
	}
	if kills < 20 {
		t.Fatalf("only %d kills landed before the search finished; want 20", kills)
	}
	archive := readArchive(t, dir)
	if !slices.Equal(keysOf(archive), keysOf(want.Records)) {
		t.Errorf("archive after 20 kills differs from the uninterrupted run's:\n%v\n%v", keysOf(archive), keysOf(want.Records))
	}
	for i := range archive {
		if archive[i].Seq != i {
			t.Fatalf("record %d has seq %d", i, archive[i].Seq)
		}
	}
	if !slices.Equal(keysOf(readFront(t, dir)), keysOf(want.Front)) {
		t.Errorf("front after 20 kills %v, uninterrupted %v", keysOf(readFront(t, dir)), keysOf(want.Front))
	}
}
