//go:build unix

package preprocess

import "syscall"

// cpuSeconds returns the process's user and system CPU time in seconds, so
// that benchmarks can report CPU time per operation beside wall time: on a
// shared machine the wall time includes other processes' turns.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
