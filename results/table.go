package results

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable prints each run's front as a terminal table under its caption, one run
// after the other; a run that measured its front on other device classes has their
// table (WriteDeviceTable) under its own.
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
		if err := writeFrontTable(w, r); err != nil {
			return err
		}
		if len(r.Devices) > 0 {
			if _, err := fmt.Fprintf(w, "%s\n", devicesCaption(r, plainCaption, tausFollow(r))); err != nil {
				return err
			}
			if err := WriteDeviceTable(w, r.Devices, r.DeviceClasses); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeFrontTable prints r's front as a terminal table.
func writeFrontTable(w io.Writer, r *Run) error {
	if len(r.Front) == 0 {
		_, err := fmt.Fprintln(w, "(no architecture on the front)")
		return err
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
	return t.Render()
}
