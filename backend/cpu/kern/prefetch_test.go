package kern

import "testing"

// TestBPrefetchCoversBlock: the steps of one block prefetch every row once, in order,
// and stop at the block's end however many calls follow.
func TestBPrefetchCoversBlock(t *testing.T) {
	b := make([]float32, 40*7)
	for _, c := range []struct{ rows, calls, wantSteps int }{
		{10, 3, 3}, {10, 10, 10}, {10, 40, 10}, {1, 5, 1}, {7, 1, 1},
	} {
		var pf bPrefetch
		pf.plan(b, 3, 7, 5, c.rows, c.calls)
		if !hasPrefetch {
			if pf.rows != 0 {
				t.Fatalf("rows %d planned without a prefetch instruction", pf.rows)
			}
			continue
		}
		steps := 0
		for range c.calls + 5 {
			before := pf.next
			pf.step()
			if pf.next != before {
				steps++
			}
		}
		if pf.next != c.rows || steps != c.wantSteps {
			t.Errorf("rows %d over %d calls: prefetched %d rows in %d steps, want %d in %d",
				c.rows, c.calls, pf.next, steps, c.rows, c.wantSteps)
		}
		pf.done()
		if pf.b != nil {
			t.Error("done kept the reference to B")
		}
	}
}
