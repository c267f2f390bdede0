//go:build unix

package kernelbench

import (
	"syscall"
	"time"
)

// CPUTime is the process's user + system CPU time so far: per-operation CPU
// time is the fair figure when other work shares the cores.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
