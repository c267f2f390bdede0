//go:build !purego

package decode

import "testing"

// TestPortablePaths runs the checks of the vector kernels' results again
// with the portable code this build would otherwise skip.
func TestPortablePaths(t *testing.T) {
	saved := hasAVX
	hasAVX = false
	defer func() { hasAVX = saved }()
	t.Run("argmax", TestArgmaxAgainstBrute)
	t.Run("dark", TestDARKAgainstBrute)
	t.Run("mmpose", TestDARKAgainstMMPose)
	t.Run("peaks", TestPAFPeaksAgainstScan)
}
