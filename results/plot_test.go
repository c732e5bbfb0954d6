package results

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ltsbench/ltsbench/bench"
)

func TestWritePlotSVG(t *testing.T) {
	runs := loadFixtures(t)
	path := filepath.Join(t.TempDir(), "front.svg")
	if err := WritePlot(path, runs); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("root element %q, want svg", root)
	}
	// Every feasible archive point is drawn faint in both panels of its run, every front
	// point highlighted, plus one legend thumbnail of each per panel.
	feasible, front := 0, 0
	for _, r := range runs {
		feasible += len(r.Archive) - r.Infeasible()
		front += len(r.Front)
	}
	legend := 2 * len(runs)
	if n := bytes.Count(data, []byte(`style="fill:#777777;fill-opacity:0.43137"`)); n != 2*feasible+legend {
		t.Errorf("%d faint points, want 2 × %d measured + %d in legends", n, feasible, legend)
	}
	if n := bytes.Count(data, []byte(`style="fill:#D62728"`)); n != 2*front+legend {
		t.Errorf("%d front points, want 2 × %d + %d in legends", n, front, legend)
	}
	for _, want := range []string{"decoder parameters (millions)", "latency, median (ms)",
		"memory, nvml_process_peak_bytes (MiB)", "cuda:0 (NVIDIA GeForce RTX 3060): latency", "Pareto front (4)", "measured (6)"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("SVG lacks the text %q", want)
		}
	}
}

func TestWritePlotPNG(t *testing.T) {
	runs := loadFixtures(t)
	path := filepath.Join(t.TempDir(), "front.PNG") // extensions are case-insensitive
	if err := WritePlot(path, runs); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// 10 in × (3.75 in per run) at 150 dpi.
	wantW, wantH := 1500, int(math.Round(2*3.75*150))
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("PNG is %d×%d, want %d×%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	// The front is drawn in its colour.
	front := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r > 180 && g < 80 && bl < 80 {
				front++
			}
		}
	}
	if front < 500 {
		t.Errorf("%d front-coloured pixels: the front is missing", front)
	}
}

func TestWritePlotPDF(t *testing.T) {
	runs := loadFixtures(t)
	path := filepath.Join(t.TempDir(), "front.pdf")
	if err := WritePlot(path, runs[:1]); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
		t.Errorf("not a PDF: starts %q, ends %q", data[:min(8, len(data))], data[max(0, len(data)-8):])
	}
}

func TestWritePlotErrors(t *testing.T) {
	runs := loadFixtures(t)
	dir := t.TempDir()
	for _, name := range []string{"front.jpg", "front", "front.svg.txt"} {
		err := WritePlot(filepath.Join(dir, name), runs)
		if !errors.Is(err, ErrPlotExtension) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want ErrPlotExtension naming the file", name, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed plots left %d files", len(ents))
	}
	if err := WritePlot(filepath.Join(dir, "none.svg"), nil); err == nil {
		t.Error("plotting no run succeeded")
	}
}

func TestWritePlotNothingMeasured(t *testing.T) {
	r := &Run{Dir: "d", Info: RunInfo{Device: "cpu", MemoryMetric: DefaultMemoryMetric,
		Protocol: bench.Protocol{Batch: 1, SeqLen: 192}},
		Archive: []Record{{Seq: 0, Key: "k", Error: "out of memory"}}}
	path := filepath.Join(t.TempDir(), "empty.svg")
	if err := WritePlot(path, []*Run{r}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte("no architecture measured")) {
		t.Error("empty plot does not say that nothing was measured")
	}
}
