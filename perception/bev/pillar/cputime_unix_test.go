//go:build unix

package pillar

import (
	"syscall"
	"time"
)

// processCPU returns the user+system CPU time of the whole process, all
// threads, so benchmarks can report CPU cost apart from the wall time that
// other load on a shared machine inflates.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
