//go:build unix

package lidarseg

import "syscall"

// cpuSeconds returns the process's user and system CPU time in seconds: on
// a shared machine wall time includes other processes' turns, CPU time
// does not.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
