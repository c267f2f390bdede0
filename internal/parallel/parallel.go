// Package parallel runs a frame's loops on both (or all) cores without
// allocating: long-lived workers shared by every package that takes their
// loops, so that the nodes' stages need no goroutine per frame.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var (
	poolOnce sync.Once
	poolJobs chan *Loop
)

// startPool starts one long-lived worker per CPU. The workers are shared by
// every value of the package and never stop; keeping them alive is what
// lets a frame run in parallel without allocating goroutine closures.
func startPool() {
	n := runtime.GOMAXPROCS(0)
	poolJobs = make(chan *Loop, 4*n)
	for range n {
		go func() {
			for p := range poolJobs {
				p.run()
				p.wg.Done()
			}
		}()
	}
}

// Loop runs loops over index ranges on the package's worker pool. The
// range is cut into up to four chunks per CPU that the caller and the
// workers take in turn, so that a busy CPU delays a frame by one chunk at
// most. The zero value is ready; a Loop runs one loop at a time.
type Loop struct {
	wg     sync.WaitGroup
	next   atomic.Int64
	chunks int
	step   int
	n      int
	fn     func(lo, hi int)
}

// For runs fn over [0, n) in chunks of at least minChunk indices and
// returns when all are done. It allocates nothing when fn is a function
// value built once (a method value kept in a field).
func (p *Loop) For(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := min(4*workers, n/max(minChunk, 1))
	if chunks <= 1 || workers == 1 {
		fn(0, n)
		return
	}
	poolOnce.Do(startPool)
	p.step = (n + chunks - 1) / chunks
	p.chunks = (n + p.step - 1) / p.step
	p.n, p.fn = n, fn
	p.next.Store(0)
	helpers := min(workers, p.chunks) - 1
	p.wg.Add(helpers)
	for range helpers {
		poolJobs <- p
	}
	p.run()
	p.wg.Wait()
	p.fn = nil
}

// run takes chunks until none is left.
func (p *Loop) run() {
	for {
		c := int(p.next.Add(1)) - 1
		if c >= p.chunks {
			return
		}
		lo := c * p.step
		p.fn(lo, min(lo+p.step, p.n))
	}
}
