package testfix

import (
	"runtime"
	"sync"
	"time"
)

// Block blocks for a few hundred microseconds as a node waiting on its
// worker goroutines does: a wait on goroutines it starts, then a sleep.
// Both park the caller, which is what lets the Go scheduler move a goroutine
// that is not locked to its OS thread onto another one.
func Block() {
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) + 1 {
		wg.Add(1)
		go func() { time.Sleep(50 * time.Microsecond); wg.Done() }()
	}
	wg.Wait()
	time.Sleep(100 * time.Microsecond)
}
