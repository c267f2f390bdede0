// Package par runs a loop body over index ranges on a fixed pool of worker
// goroutines, so that per-frame parallel loops allocate nothing: the body is
// passed as an interface holding a pointer, and the pool is started once.
package par

import (
	"runtime"
	"sync"
)

// Body is a loop body over the half-open index range [lo, hi).
type Body interface {
	Range(lo, hi int)
}

type job struct {
	body   Body
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	once sync.Once
	jobs chan job
	nw   int
)

func start() {
	nw = runtime.GOMAXPROCS(0)
	jobs = make(chan job, 4*nw)
	for range nw - 1 {
		go func() {
			for j := range jobs {
				j.body.Range(j.lo, j.hi)
				j.wg.Done()
			}
		}()
	}
}

// For runs body over [0, n) split into at most workers chunks (GOMAXPROCS at
// the first call when workers ≤ 0), the calling goroutine taking the first; it returns when all
// chunks are done. wg must be a WaitGroup owned by the caller and not in use.
// Several goroutines may call For at once; a Body must not call For itself
// (the workers would wait on work queued behind them).
func For(n, workers int, body Body, wg *sync.WaitGroup) {
	once.Do(start)
	if workers <= 0 || workers > nw {
		workers = nw
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		if n > 0 {
			body.Range(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		lo := w * chunk
		hi := min(n, lo+chunk)
		if lo >= hi {
			wg.Done()
			continue
		}
		jobs <- job{body, lo, hi, wg}
	}
	body.Range(0, min(n, chunk))
	wg.Wait()
}
