package parallel

import (
	"sync/atomic"
	"testing"
)

// counter counts the visits of each index; its method value is kept so
// that For allocates nothing.
type counter struct {
	hits []atomic.Int32
	fn   func(lo, hi int)
}

func (c *counter) visit(lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
}

// TestForVisitsEachIndexOnce runs loops of many sizes and chunk floors
// and checks every index is visited exactly once, without allocating.
func TestForVisitsEachIndexOnce(t *testing.T) {
	var l Loop
	c := &counter{hits: make([]atomic.Int32, 5000)}
	c.fn = c.visit
	for _, n := range []int{0, 1, 2, 7, 64, 999, 5000} {
		for _, minChunk := range []int{0, 1, 3, 100, 10000} {
			for i := range c.hits {
				c.hits[i].Store(0)
			}
			l.For(n, minChunk, c.fn)
			for i := range c.hits {
				want := int32(0)
				if i < n {
					want = 1
				}
				if got := c.hits[i].Load(); got != want {
					t.Fatalf("n %d, minChunk %d: index %d visited %d times", n, minChunk, i, got)
				}
			}
		}
	}
	if a := testing.AllocsPerRun(20, func() { l.For(5000, 16, c.fn) }); a != 0 {
		t.Fatalf("For allocates %v times", a)
	}
}
