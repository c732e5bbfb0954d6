package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ltsbench/ltsbench/backend"
	"github.com/ltsbench/ltsbench/bench"
	"github.com/ltsbench/ltsbench/fleet"
	"github.com/ltsbench/ltsbench/results"
	"github.com/ltsbench/ltsbench/search"
	"github.com/ltsbench/ltsbench/space"
	"github.com/nats-io/nats.go"
	"github.com/urfave/cli/v2"
)

// FleetFile is the run directory's record of a fleet run: its id on the NATS server
// and the device class it measures on. NATSDir holds the embedded server's store.
const (
	FleetFile = "fleet.json"
	NATSDir   = "nats"
)

// fleetFlags are run's flags for measuring through NATS JetStream.
func fleetFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "fleet", Usage: "measure through an embedded NATS JetStream server (store in DIR/nats, no port) and --local-workers workers on --device"},
		&cli.StringFlag{Name: "listen", Usage: "embed a NATS JetStream server listening on `ADDR` (host:port) that remote `ltsbench worker`s join; needs --user/--password or --nkey"},
		&cli.StringFlag{Name: "nats", Usage: "measure through the existing NATS server at `URL` (nats://host:4222, tls://…) and the workers connected to it"},
		&cli.StringFlag{Name: "class", Usage: "device class `NAME` of the workers that measure (default: the local --device's, as ltsbench worker names it)"},
		&cli.IntFlag{Name: "local-workers", Usage: "workers on --device in this process: 0 or 1 (default 1 with --fleet and --listen, 0 with --nats); two on one device would measure at once and disturb each other, so more workers are more devices, each with ltsbench worker"},
		&cli.StringFlag{Name: "user", Usage: "NATS user (--listen: the one workers log in as; --nats: this process's)"},
		&cli.StringFlag{Name: "password", Usage: "NATS password of --user (default: $" + passwordEnv + " when --user is given)"},
		&cli.StringFlag{Name: "nkey", Usage: "NATS user NKey seed `FILE` (--listen: workers holding it are admitted; --nats: this process's key)"},
		&cli.StringFlag{Name: "creds", Usage: "--nats: NATS credentials `FILE` (JWT and seed)"},
		&cli.StringFlag{Name: "ca", Usage: "--nats: PEM `FILE` of the roots that sign the server's TLS certificate"},
		&cli.StringFlag{Name: "tls-cert", Usage: "--listen: the server's TLS certificate `FILE` (PEM); workers then connect with tls://"},
		&cli.StringFlag{Name: "tls-key", Usage: "--listen: the TLS certificate's key `FILE` (PEM)"},
		&cli.DurationFlag{Name: "generation-timeout", Usage: "record a generation's architectures still unmeasured after this long as failed (0: wait for them)"},
		&cli.StringSliceFlag{Name: "also-measure", Usage: "when the search ends, measure its front on these device `CLASS`es too (repeatable; DIR/devices.jsonl and a table of latency per device with Kendall's τ between devices)"},
		&cli.IntFlag{Name: "max-deliver", Value: 3, Usage: "times a job is handed to a worker at most before it is recorded as failed (1 to 10)"},
	}
}

// fleetOptions is what the fleet flags ask for.
type fleetOptions struct {
	embedded     bool // run a server in this process (--fleet or --listen)
	listen, url  string
	class        string
	localWorkers int
	cred         fleet.Credentials
	tlsCert      string
	tlsKey       string
	timeout      time.Duration
	maxDeliver   int
	also         []string // --also-measure classes
}

// fleetOptionsOf reads the fleet flags; nil when none asks for a fleet run.
func fleetOptionsOf(c *cli.Context) (*fleetOptions, error) {
	o := &fleetOptions{listen: c.String("listen"), url: c.String("nats"), class: c.String("class"),
		cred: fleet.Credentials{User: c.String("user"), Password: natsPassword(c), NKeySeedFile: c.String("nkey"),
			CredsFile: c.String("creds"), CAFile: c.String("ca")},
		tlsCert: c.String("tls-cert"), tlsKey: c.String("tls-key"), timeout: c.Duration("generation-timeout"), maxDeliver: c.Int("max-deliver")}
	if !c.Bool("fleet") && o.listen == "" && o.url == "" {
		for _, f := range []string{"also-measure", "class", "local-workers", "user", "nkey", "creds", "ca", "tls-cert", "tls-key", "generation-timeout", "max-deliver"} {
			if c.IsSet(f) {
				return nil, usagef("--%s: only for a fleet run (--fleet, --listen or --nats)", f)
			}
		}
		return nil, nil
	}
	o.embedded = o.url == ""
	switch {
	case o.listen != "" && o.url != "":
		return nil, usagef("--listen and --nats: either embed a server or use an existing one, not both")
	case o.url != "" && (o.tlsCert != "" || o.tlsKey != ""):
		return nil, usagef("--tls-cert and --tls-key are the embedded server's (--listen); with --nats give the server's roots with --ca")
	case o.embedded && (o.cred.CredsFile != "" || o.cred.CAFile != ""):
		return nil, usagef("--creds and --ca are for connecting to an existing server (--nats)")
	case o.listen == "" && o.embedded && (o.cred.User != "" || o.cred.Password != "" || o.cred.NKeySeedFile != "" || o.tlsCert != "" || o.tlsKey != ""):
		return nil, usagef("--user, --password, --nkey and --tls-*: the embedded server of --fleet opens no port; use --listen ADDR for remote workers")
	case (o.cred.User == "") != (o.cred.Password == ""):
		return nil, usagef("--user and --password go together")
	case o.listen != "" && o.cred.User == "" && o.cred.NKeySeedFile == "":
		return nil, usagef("--listen %s needs credentials (--user and --password, or --nkey FILE): workers would otherwise join unchecked", o.listen)
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return nil, usagef("--tls-cert and --tls-key go together")
	case o.maxDeliver < 1 || o.maxDeliver > 10:
		return nil, usagef("--max-deliver: want 1 to 10, got %d", o.maxDeliver)
	case o.timeout < 0:
		return nil, usagef("--generation-timeout: must be ≥ 0, got %s", o.timeout)
	}
	o.localWorkers = 1
	if !o.embedded {
		o.localWorkers = 0
	}
	if c.IsSet("local-workers") {
		o.localWorkers = c.Int("local-workers")
	}
	if o.localWorkers < 0 || o.localWorkers > 1 {
		return nil, usagef("--local-workers: want 0 or 1, got %d (workers on one device would measure at once and disturb each other's latency and memory; run ltsbench worker on each further device)", o.localWorkers)
	}
	if o.localWorkers == 0 && o.embedded && o.listen == "" {
		return nil, usagef("--local-workers 0 with --fleet leaves no worker to measure: use --listen ADDR for remote workers")
	}
	if o.localWorkers == 0 && !c.Bool("resume") && o.class == "" {
		return nil, usagef("--class: with no local worker, name the device class of the workers that measure (ltsbench worker prints it)")
	}
	if c.IsSet("class") {
		if err := fleetToken("--class", o.class); err != nil {
			return nil, err
		}
	}
	for _, cl := range c.StringSlice("also-measure") {
		if err := fleetToken("--also-measure", cl); err != nil {
			return nil, err
		}
		o.also = append(o.also, cl)
	}
	if len(o.also) > 0 && o.embedded && o.listen == "" {
		return nil, usagef("--also-measure %s: no worker of another class can join the embedded server of --fleet (it opens no port); use --listen ADDR or --nats URL", o.also[0])
	}
	return o, nil
}

// passwordEnv holds the NATS password of --user when --password is not given.
const passwordEnv = "LTSBENCH_NATS_PASSWORD"

// natsPassword is --password, or $LTSBENCH_NATS_PASSWORD when --user is given
// without it: the environment's password belongs to a user, so that it does not
// stand in the way of --nkey or --creds, or of --fleet, which needs none.
func natsPassword(c *cli.Context) string {
	if p := c.String("password"); p != "" || c.String("user") == "" {
		return p
	}
	return os.Getenv(passwordEnv)
}

func fleetToken(flag, s string) error {
	if fleet.Token(s) != s {
		return usagef("%s %q: use 1 to 64 letters, digits, '-' and '_'", flag, s)
	}
	return nil
}

// fleetInfo is DIR/fleet.json.
type fleetInfo struct {
	Run   string `json:"run"`   // the run's id on the NATS server
	Class string `json:"class"` // the device class that measures it
}

func readFleetInfo(dir string) (*fleetInfo, error) {
	b, err := os.ReadFile(filepath.Join(dir, FleetFile))
	if err != nil {
		return nil, err
	}
	var fi fleetInfo
	if err := json.Unmarshal(b, &fi); err != nil || fi.Run == "" || fi.Class == "" {
		return nil, fmt.Errorf("%s: not a fleet run's settings (%v)", filepath.Join(dir, FleetFile), err)
	}
	return &fi, nil
}

// checkFleetResume refuses to resume a fleet run without the fleet, a run measured
// in this process through one, or a fleet run on another class.
func checkFleetResume(dir string, o *fleetOptions) error {
	fi, err := readFleetInfo(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && o != nil:
		return usagef("--resume: the run in %s was measured in its own process, not through a fleet: resume it without --fleet, --listen or --nats", dir)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case o == nil:
		return usagef("--resume: the run in %s was measured through a fleet on class %s: resume it with --fleet, --listen or --nats", dir, fi.Class)
	case o.class != "" && o.class != fi.Class:
		return usagef("--class: the run in %s was measured on class %s, not %s: resuming would mix two devices in one archive", dir, fi.Class, o.class)
	}
	o.class = fi.Class
	return nil
}

// fleetRun is a run's connection to its fleet: the server (when embedded), the
// coordinator and the local workers.
type fleetRun struct {
	server  *fleet.Server
	nc      *nats.Conn
	coord   *fleet.Coordinator
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	workers []*fleetMeasurer
	// alone: no worker but the local ones can reach the server (--fleet); lost is
	// closed when every one of them has stopped with an error, lostErr.
	alone   bool
	errMu   sync.Mutex
	errs    []error
	lost    chan struct{}
	lostErr error
}

// startFleet connects run dir to its fleet: it starts the embedded server (store in
// DIR/nats) or dials --nats, starts the local workers on dev, and the coordinator
// of the run (fleet.json's id, made anew for a new run, so that no result of an
// earlier attempt in DIR is taken for one of this run).
func startFleet(ctx context.Context, stderr io.Writer, dir string, o *fleetOptions, dev backend.Device, resume bool) (*fleetRun, error) {
	f := &fleetRun{alone: o.embedded && o.listen == "", lost: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			f.close()
		}
	}()
	// Local workers first: their device names the class when --class does not.
	var fp fleet.Fingerprint
	for i := 0; i < o.localWorkers; i++ {
		m := &fleetMeasurer{dev: dev, logf: func(format string, args ...any) {
			fmt.Fprintf(stderr, "local worker %d: "+format+"\n", append([]any{i}, args...)...)
		}}
		f.workers = append(f.workers, m)
		if i == 0 {
			var envir bench.Environment
			var err error
			if fp, envir, err = workerFingerprint(m); err != nil {
				return nil, err
			}
			if o.class == "" {
				o.class = fleet.Token(defaultClass(envir))
			}
		}
	}
	fi, err := readFleetInfo(dir)
	if !resume {
		fi = &fleetInfo{Run: fleet.Token(filepath.Base(dir)) + "-" + randomID(), Class: o.class}
		if len(fi.Run) > 64 {
			fi.Run = fi.Run[len(fi.Run)-64:]
		}
		b, _ := json.MarshalIndent(fi, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, FleetFile), append(b, '\n'), 0o644); err != nil {
			return nil, err
		}
		err = nil
	}
	if err != nil {
		return nil, err
	}
	if o.embedded {
		f.server, err = fleet.StartServer(fleet.ServerConfig{StoreDir: filepath.Join(dir, NATSDir), Listen: o.listen,
			User: o.cred.User, Password: o.cred.Password, NKeySeedFile: o.cred.NKeySeedFile, TLSCert: o.tlsCert, TLSKey: o.tlsKey})
		if err != nil {
			return nil, err
		}
		f.nc, err = f.server.Connect()
	} else {
		f.nc, err = fleet.Dial(o.url, o.cred)
	}
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	f.cancel = cancel
	for i, m := range f.workers {
		nc := f.nc
		if f.server != nil {
			if nc, err = f.server.Connect(); err != nil {
				return nil, err
			}
		}
		w := &fleet.Worker{Class: fi.Class, Fingerprint: fp, ID: localWorkerID(fi.Run, i), Measure: m.measure}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			if err := w.Run(wctx, nc); err != nil && wctx.Err() == nil {
				f.errMu.Lock()
				f.errs = append(f.errs, fmt.Errorf("local worker %d: %w", i, err))
				if f.alone && len(f.errs) == len(f.workers) {
					f.lostErr = fmt.Errorf("every worker stopped: %w", errors.Join(f.errs...))
					close(f.lost)
				}
				f.errMu.Unlock()
				fmt.Fprintf(stderr, "local worker %d stopped: %v\n", i, err)
			}
			if nc != f.nc {
				nc.Close()
			}
		}()
	}
	f.coord, err = fleet.NewCoordinator(ctx, f.nc, fleet.CoordinatorConfig{Run: fi.Run, AckWait: 30 * time.Second, MaxDeliver: o.maxDeliver})
	if err != nil {
		return nil, err
	}
	o.class = fi.Class
	if err := recordFleetClass(dir, fi.Class); err != nil {
		return nil, err
	}
	where := "the embedded server (no port)"
	if o.listen != "" {
		where = fmt.Sprintf("%s; workers join with: ltsbench worker --nats %s --class %s and the credentials", f.server.ClientURL(), f.server.ClientURL(), fi.Class)
	} else if !o.embedded {
		where = o.url
	}
	fmt.Fprintf(stderr, "fleet run %s on class %s: %d local worker(s), jobs through %s\n", fi.Run, fi.Class, len(f.workers), where)
	ok = true
	return f, nil
}

// recordFleetClass notes in run.json that class measures the run (a run.json
// written before fleet runs recorded it gets it on resume).
func recordFleetClass(dir, class string) error {
	ri, err := results.ReadRunInfo(dir)
	if err != nil {
		return err
	}
	if ri.Fleet != nil && ri.Fleet.Class == class {
		return nil
	}
	ri.Fleet = &results.FleetInfo{Class: class}
	return results.WriteRunInfo(dir, ri)
}

// recordClassEnvironment puts the environment of a result of the run's class into
// run.json, in place of the coordinator's, once: reports then name the class's
// device. It reports whether run.json has a class environment now.
func recordClassEnvironment(dir string, o fleet.Outcome) (bool, error) {
	var r measureJSON
	if o.Status != fleet.Done || json.Unmarshal(o.Result, &r) != nil || r.Environment.OS == "" {
		return false, nil
	}
	ri, err := results.ReadRunInfo(dir)
	if err != nil {
		return false, err
	}
	if ri.Fleet == nil {
		ri.Fleet = &results.FleetInfo{Class: o.Job.Class}
	}
	if ri.Fleet.Worker != "" {
		return true, nil
	}
	ri.Fleet.Worker, ri.Environment = o.Worker, r.Environment
	return true, results.WriteRunInfo(dir, ri)
}

// close stops the local workers, the coordinator and the embedded server.
func (f *fleetRun) close() {
	if f.cancel != nil {
		f.cancel()
	}
	f.wg.Wait()
	if f.coord != nil {
		f.coord.Close()
	}
	if f.nc != nil {
		f.nc.Close()
	}
	if f.server != nil {
		f.server.Shutdown()
	}
	for _, m := range f.workers {
		m.close()
	}
}

// localWorkerID names local worker i of run: "<run>-local<i>" when that fits a
// token (64 bytes), else the run's first 40 bytes and a hash of the whole run id,
// so that two long run ids with a common start do not give the same worker id.
func localWorkerID(run string, i int) string {
	id := fmt.Sprintf("%s-local%d", run, i)
	if len(id) <= 64 {
		return id
	}
	h := sha256.Sum256([]byte(run))
	return fmt.Sprintf("%s-%s-local%d", run[:40], hex.EncodeToString(h[:6]), i)
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// fleetGenerations measures a search's generations through a fleet: one job per
// candidate on the run's class, the records in the order of the candidates. It is a
// search.GenerationMeasurer.
type fleetGenerations struct {
	fleet    *fleetRun
	coord    *fleet.Coordinator
	class    string
	protocol json.RawMessage           // FleetProtocol
	gen      *bench.GenerationProtocol // the generation objective's, nil for latency
	metric   string
	timeout  time.Duration
	stderr   io.Writer
	// runDir is the run whose run.json takes the environment of the class's first
	// result ("" once it has it, and for --also-measure's classes).
	runDir string
}

func newFleetGenerations(f *fleetRun, o *fleetOptions, proto bench.Protocol, gen *bench.GenerationProtocol, seed uint64, metric, dir string, stderr io.Writer) *fleetGenerations {
	p, _ := json.Marshal(FleetProtocol{Protocol: proto, Seed: seed, Generation: gen})
	g := &fleetGenerations{fleet: f, coord: f.coord, class: o.class, protocol: p, gen: gen, metric: metric, timeout: o.timeout, stderr: stderr, runDir: dir}
	if ri, err := results.ReadRunInfo(dir); err == nil && ri.Fleet != nil && ri.Fleet.Worker != "" {
		g.runDir = ""
	}
	return g
}

func (g *fleetGenerations) Measure(ctx context.Context, a *space.Arch) (*search.Measurement, error) {
	atts, err := g.MeasureGeneration(ctx, []*space.Arch{a})
	if err != nil {
		return nil, err
	}
	return atts[0].Measurement, atts[0].Err
}

func (g *fleetGenerations) MeasureGeneration(ctx context.Context, as []*space.Arch) ([]search.Attempt, error) {
	jobs := make([]fleet.Job, len(as))
	for i, a := range as {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		jobs[i] = fleet.Job{ArchKey: a.Key(), Class: g.class, Arch: b, Protocol: g.protocol}
	}
	deadline := time.Now().Add(100 * 365 * 24 * time.Hour)
	if g.timeout > 0 {
		deadline = time.Now().Add(g.timeout)
	}
	// Stop waiting when no worker is left to measure (--fleet, every local one failed).
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-g.fleet.lost:
			cancel()
		case <-gctx.Done():
		}
	}()
	outs, err := g.coord.RunGeneration(gctx, jobs, deadline)
	if err != nil {
		select {
		case <-g.fleet.lost:
			return nil, g.fleet.lostErr
		default:
			return nil, err
		}
	}
	for _, o := range outs {
		if g.runDir == "" {
			break
		}
		done, err := recordClassEnvironment(g.runDir, o)
		if err != nil {
			return nil, err
		}
		if done {
			g.runDir = ""
		}
	}
	atts := make([]search.Attempt, len(outs))
	count := map[fleet.Status]int{}
	measured, cached, workers := 0, 0, map[string]bool{}
	for i, o := range outs {
		atts[i] = g.attempt(o)
		count[o.Status]++
		switch {
		case o.Cached:
			cached++
		case o.Status == fleet.Done:
			measured++
			workers[o.Worker] = true
		}
	}
	fmt.Fprintf(g.stderr, "class %s: %d jobs: %d measured by %d workers, %d found in the results already, %d failed, %d timed out, %d refused\n",
		g.class, len(outs), measured, len(workers), cached, count[fleet.Failed], count[fleet.TimedOut], count[fleet.Refused])
	return atts, nil
}

// attempt is a job's outcome as the search sees it: a measurement, or an error that
// makes the architecture an infeasible record, saying how the job ended and why. A
// result not measured as the job asked (the full forward for a generation objective,
// from a worker whose ltsbench predates them, or another mode or lengths) is refused.
func (g *fleetGenerations) attempt(o fleet.Outcome) search.Attempt {
	if o.Status != fleet.Done {
		return search.Attempt{Err: fmt.Errorf("%s on class %s: %s", o.Status, g.class, o.Reason)}
	}
	var r fleetResult
	if err := json.Unmarshal(o.Result, &r); err != nil || r.Result == nil {
		return search.Attempt{Err: fmt.Errorf("unreadable result from worker %s: %v", o.Worker, err)}
	}
	if err := g.measuredAsAsked(r.Generation); err != nil {
		return search.Attempt{Err: fmt.Errorf("result from worker %s refused: %v", o.Worker, err)}
	}
	m, err := searchMeasurement(r.Result, r.Generation, g.metric)
	if err != nil {
		return search.Attempt{Err: err}
	}
	m.Worker = &results.WorkerInfo{ID: o.Worker, Fingerprint: o.Fingerprint, Ltsbench: r.Environment.Ltsbench}
	return search.Attempt{Measurement: m}
}

// measuredAsAsked checks that a result's generation measurement (nil: the full
// forward) is the one the run's jobs ask for.
func (g *fleetGenerations) measuredAsAsked(got *bench.Generation) error {
	switch {
	case g.gen == nil && got == nil:
		return nil
	case g.gen == nil:
		return fmt.Errorf("it measured %s, the job asked for the full forward", objectiveLabel(got.Mode, &got.GenerationProtocol))
	case got == nil:
		return fmt.Errorf("it measured the full forward, the job asked for %s (the worker's ltsbench predates fleet runs of generation objectives: update the workers; this architecture stays unmeasured in this run)", objectiveLabel(g.gen.Mode, g.gen))
	case got.GenerationProtocol != *g.gen:
		return fmt.Errorf("it measured %s, the job asked for %s", objectiveLabel(got.Mode, &got.GenerationProtocol), objectiveLabel(g.gen.Mode, g.gen))
	}
	return nil
}

var _ search.GenerationMeasurer = (*fleetGenerations)(nil)

// workerFingerprint opens m's backend under default options and returns its
// fingerprint and environment.
func workerFingerprint(m *fleetMeasurer) (fleet.Fingerprint, bench.Environment, error) {
	be, err := m.backend(backend.Options{Threads: runtime.NumCPU()})
	if err != nil {
		return fleet.Fingerprint{}, bench.Environment{}, err
	}
	envir := bench.CaptureEnvironment(runtime.NumCPU(), be)
	fp, err := fleet.NewFingerprint(fingerprintJSON(envir))
	return fp, envir, err
}

// alsoMeasure measures the front of a finished search on each --also-measure class
// (through the same fleet, one generation per class), writes DIR/devices.jsonl with
// the front on the run's class and on the others, and prints the table of latency
// per device with Kendall's τ between devices. A resumed run finds the measurements
// already taken in the results and does not take them again.
func alsoMeasure(ctx context.Context, stdout io.Writer, dir string, g *fleetGenerations, also []string, front []results.Record) error {
	classes := []string{g.class}
	var ms []results.DeviceMeasurement
	archs := make([]*space.Arch, len(front))
	for i, r := range front {
		archs[i] = r.Arch
		ms = append(ms, results.DeviceMeasurement{Key: r.Key, Class: g.class, DecoderParams: r.DecoderParams, Feasible: r.Feasible,
			LatencyMS: r.LatencyMS, MemoryBytes: r.MemoryBytes, Error: r.Error})
	}
	for _, cl := range also {
		if slices.Contains(classes, cl) {
			continue
		}
		classes = append(classes, cl)
		other := *g
		other.class, other.runDir = cl, ""
		atts, err := other.MeasureGeneration(ctx, archs)
		if err != nil {
			return fmt.Errorf("--also-measure %s: %w", cl, err)
		}
		for i, a := range atts {
			m := results.DeviceMeasurement{Key: front[i].Key, Class: cl, DecoderParams: front[i].DecoderParams}
			if a.Err != nil {
				m.Error = a.Err.Error()
			} else {
				m.Feasible, m.LatencyMS, m.MemoryBytes = true, a.Measurement.LatencyMS, a.Measurement.MemoryBytes
			}
			ms = append(ms, m)
		}
	}
	if err := results.WriteDevices(filepath.Join(dir, results.DevicesFile), ms); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nThe front on %d device classes (%s):\n", len(classes), results.DevicesFile)
	return results.WriteDeviceTable(stdout, ms, classes)
}
