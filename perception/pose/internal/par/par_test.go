package par

import (
	"sync"
	"sync/atomic"
	"testing"
)

type counter struct{ hits []atomic.Int32 }

func (c *counter) Range(lo, hi int) {
	for i := lo; i < hi; i++ {
		c.hits[i].Add(1)
	}
}

func TestForCoversOnce(t *testing.T) {
	var wg sync.WaitGroup
	for _, n := range []int{0, 1, 2, 3, 7, 100} {
		for _, w := range []int{0, 1, 2, 5} {
			c := &counter{hits: make([]atomic.Int32, n)}
			For(n, w, c, &wg)
			for i := range c.hits {
				if c.hits[i].Load() != 1 {
					t.Fatalf("n=%d w=%d: index %d run %d times", n, w, i, c.hits[i].Load())
				}
			}
		}
	}
	c := &counter{hits: make([]atomic.Int32, 64)}
	if a := testing.AllocsPerRun(20, func() { For(64, 0, c, &wg) }); a != 0 {
		t.Fatalf("For allocates %v", a)
	}
}
