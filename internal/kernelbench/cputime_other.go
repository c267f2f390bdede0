//go:build !unix

package kernelbench

import "time"

// CPUTime is not measured on this platform.
func CPUTime() time.Duration { return 0 }
