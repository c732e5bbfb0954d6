package results

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ltsbench/ltsbench/internal/atomicfile"
)

// WriteJSON replaces path atomically with v as indented JSON and a final newline
// (run.json).
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// WriteJSONL replaces path atomically with one record a line, in the form Archive.Append
// writes (pareto.jsonl).
func WriteJSONL(path string, recs []Record) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		for i := range recs {
			line, err := json.Marshal(&recs[i])
			if err != nil {
				return fmt.Errorf("record %d (%s): %w", i, recs[i].Key, err)
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	})
}
