package space

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseArch checks that no input makes ParseArch panic, and that whatever it
// accepts is a valid, normalised architecture that survives a JSON round trip. The seed
// corpus is testdata/fuzz/FuzzParseArch plus the golden configs.
func FuzzParseArch(f *testing.F) {
	files, _ := filepath.Glob("../testdata/golden/*/config.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArch(data)
		if err != nil {
			if a != nil {
				t.Fatalf("error %v with a non-nil architecture", err)
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("accepted an invalid architecture: %v", err)
		}
		if len(a.NHead) != a.NLayer || len(a.DInner) != a.NLayer || a.DEmbed <= 0 {
			t.Fatalf("not normalised: %+v", a)
		}
		if a.IsAdaptive() && len(a.TieProjs) != a.NClusters()+1 {
			t.Fatalf("tie_projs %v for %d clusters", a.TieProjs, a.NClusters())
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseArch(out)
		if err != nil {
			t.Fatalf("%s does not parse back: %v", out, err)
		}
		if a.Key() != b.Key() {
			t.Fatalf("round trip changed %s into %s", a.Key(), b.Key())
		}
		dec, tot := a.DecoderParams(), a.TotalParams()
		if dec <= 0 || tot < dec || float64(tot)*4 > MaxWeightBytes {
			t.Fatalf("params: decoder %d, total %d", dec, tot)
		}
		if fl := a.FLOPsPerToken(); !(fl > 0) || math.IsInf(fl, 0) {
			t.Fatalf("FLOPsPerToken = %v", fl)
		}
	})
}
