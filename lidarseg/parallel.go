package lidarseg

import (
	"runtime"
	"sync"
)

// job is one chunk of a parallel loop handed to a pool worker.
type job struct {
	fn     func(lo, hi int)
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	poolOnce sync.Once
	poolJobs chan job
)

// startPool starts one long-lived worker per CPU. The workers are shared by
// every value of the package and never stop; keeping them alive is what
// lets a frame run in parallel without allocating goroutine closures.
func startPool() {
	n := runtime.GOMAXPROCS(0)
	poolJobs = make(chan job, 4*n)
	for range n {
		go func() {
			for j := range poolJobs {
				j.fn(j.lo, j.hi)
				j.wg.Done()
			}
		}()
	}
}

// parallelFor runs fn over [0, n) split into at most GOMAXPROCS chunks of
// at least minChunk items, the caller running the last chunk itself. fn must
// be a function value built once (a method value stored at construction),
// so that the call allocates nothing; wg must be owned by the caller and
// idle.
func parallelFor(wg *sync.WaitGroup, n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	chunks := min(runtime.GOMAXPROCS(0), n/max(minChunk, 1))
	if chunks <= 1 {
		fn(0, n)
		return
	}
	poolOnce.Do(startPool)
	step := (n + chunks - 1) / chunks
	lo := 0
	for c := 0; c < chunks-1; c++ {
		hi := min(lo+step, n)
		wg.Add(1)
		poolJobs <- job{fn: fn, lo: lo, hi: hi, wg: wg}
		lo = hi
	}
	fn(lo, n)
	wg.Wait()
}

// Parallel runs loops over index ranges on the package's worker pool, one
// chunk per CPU. The zero value is ready; a Parallel runs one loop at a
// time.
type Parallel struct{ wg sync.WaitGroup }

// For runs fn over [0, n) in at most GOMAXPROCS chunks of at least minChunk
// indices and returns when all are done. It allocates nothing when fn is a
// function value built once (a method value kept in a field).
func (p *Parallel) For(n, minChunk int, fn func(lo, hi int)) { parallelFor(&p.wg, n, minChunk, fn) }
