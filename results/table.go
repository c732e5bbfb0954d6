package results

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable prints each run's front as a terminal table under its caption, one run
// after the other.
func WriteTable(w io.Writer, runs []*Run) error {
	for i, r := range runs {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "%s\n", caption(r, plainCaption)); err != nil {
			return err
		}
		if len(r.Front) == 0 {
			if _, err := fmt.Fprintln(w, "(no architecture on the front)"); err != nil {
				return err
			}
			continue
		}
		header := tableHeaderOf(r)
		align := []tw.Align{tw.AlignLeft}
		for range header[1:] {
			align = append(align, tw.AlignRight)
		}
		t := tablewriter.NewTable(w,
			tablewriter.WithHeaderAutoFormat(tw.Off),
			tablewriter.WithRowAutoWrap(tw.WrapNone),
			tablewriter.WithHeaderAutoWrap(tw.WrapNone),
			tablewriter.WithHeaderAlignment(tw.AlignCenter),
			tablewriter.WithRowAlignmentConfig(tw.CellAlignment{
				PerColumn: align,
			}),
		)
		t.Header(header)
		for _, rw := range rowsOf(r, plainCaption.dash) {
			if err := t.Append(rw.Cells()); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	return nil
}
