package results

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot geometry: one row of two panels per run, decoder parameters against latency on
// the left and against memory on the right.
const (
	PlotWidth     = 10 * vg.Inch
	PlotRowHeight = 3.75 * vg.Inch
	PlotPNGDPI    = 150
)

var (
	measuredColor = color.NRGBA{R: 120, G: 120, B: 120, A: 110} // faint: context, not the result
	frontColor    = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255}
)

// PlotExtensions are the file types WritePlot draws, by extension.
var PlotExtensions = []string{".svg", ".png", ".pdf"}

// ErrPlotExtension is wrapped by WritePlot's error for a file name it cannot draw.
var ErrPlotExtension = fmt.Errorf("plot file must end in %s", strings.Join(PlotExtensions, ", "))

// CheckPlotPath reports whether WritePlot can draw to path (by its extension), before
// any work is done.
func CheckPlotPath(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range PlotExtensions {
		if ext == e {
			return nil
		}
	}
	return fmt.Errorf("%s: %w", path, ErrPlotExtension)
}

// WritePlot draws every run as one row of two panels: decoder parameters (millions)
// against latency (ms; the run's objective — a full forward, the prefill or the decode
// step — the median or LTS's mean) and against the
// run's memory metric (MiB). Every measured architecture is a faint gray point; the
// Pareto front is highlighted and connected in order of decoder parameters. The format
// follows the extension (.svg, .png, .pdf); the file is replaced atomically.
func WritePlot(path string, runs []*Run) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("%s: no run to plot", path)
	}
	h := PlotRowHeight * vg.Length(len(runs))
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		c = vgsvg.New(PlotWidth, h)
	case ".png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(PlotWidth, h), vgimg.UseDPI(PlotPNGDPI))}
	case ".pdf":
		c = vgpdf.New(PlotWidth, h)
	}
	plots := make([][]*plot.Plot, len(runs))
	for i, r := range runs {
		stat := "median"
		if r.Info.Protocol.LTSCompat {
			stat = "mean"
		}
		what, title := "latency", "latency"
		if g := r.Info.Generation; r.Info.Generative() && g != nil {
			switch r.Info.ObjectiveOf() {
			case ObjectivePrefill:
				what, title = "prefill", fmt.Sprintf("prefill of %d tokens", g.PromptLen)
			case ObjectiveDecode:
				what, title = "decode step", fmt.Sprintf("decode at context %d", g.Context)
			case ObjectiveGenerate:
				what, title = "decode step", fmt.Sprintf("generate %d after %d tokens, per token", g.NewTokens, g.PromptLen)
			}
		}
		lat, err := panel(r, what+", "+stat+" (ms)", func(rec *Record) float64 { return rec.LatencyMS })
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		mem, err := panel(r, "memory, "+r.Info.MemoryMetric+" (MiB)", func(rec *Record) float64 {
			return float64(rec.MemoryBytes) / BytesPerMB
		})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		lat.Title.Text = r.DeviceLabel() + ": " + title
		mem.Title.Text = r.DeviceLabel() + ": memory"
		plots[i] = []*plot.Plot{lat, mem}
	}
	dc := draw.New(c)
	tiles := draw.Tiles{
		Rows: len(runs), Cols: 2,
		PadX: 8 * vg.Millimeter, PadY: 8 * vg.Millimeter,
		PadTop: 2 * vg.Millimeter, PadBottom: 2 * vg.Millimeter,
		PadLeft: 2 * vg.Millimeter, PadRight: 4 * vg.Millimeter,
	}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}

// panel plots decoder parameters against y for a run: the feasible archive faint, the
// front on top.
func panel(r *Run, yLabel string, y func(*Record) float64) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = "decoder parameters (millions)"
	p.Y.Label.Text = yLabel
	// Costs grow with decoder parameters, so the upper left corner stays empty.
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = 2 * vg.Millimeter
	p.Legend.YOffs = -2 * vg.Millimeter
	p.Add(plotter.NewGrid())

	var all, front plotter.XYs
	for i := range r.Archive {
		rec := &r.Archive[i]
		if rec.Feasible {
			all = append(all, plotter.XY{X: float64(rec.DecoderParams) / 1e6, Y: y(rec)})
		}
	}
	for i := range r.Front {
		rec := &r.Front[i]
		front = append(front, plotter.XY{X: float64(rec.DecoderParams) / 1e6, Y: y(rec)})
	}
	if len(all) == 0 {
		// Nothing measured: keep the axes and say so rather than fail the report.
		p.X.Label.Text += " — no architecture measured"
		return p, nil
	}
	s, err := plotter.NewScatter(all)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: measuredColor, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
	p.Add(s)
	p.Legend.Add(fmt.Sprintf("measured (%d)", len(all)), s)
	if len(front) > 0 {
		l, pts, err := plotter.NewLinePoints(front)
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color = frontColor
		l.LineStyle.Width = vg.Points(1.2)
		pts.GlyphStyle = draw.GlyphStyle{Color: frontColor, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		p.Add(l, pts)
		p.Legend.Add(fmt.Sprintf("Pareto front (%d)", len(front)), l, pts)
	}
	pad(&p.X)
	pad(&p.Y)
	return p, nil
}

// pad widens an axis by 5% of its span on each side so no point sits on the frame.
func pad(a *plot.Axis) {
	span := a.Max - a.Min
	if span <= 0 {
		span = math.Max(math.Abs(a.Max), 1)
	}
	a.Min -= 0.05 * span
	a.Max += 0.05 * span
}
