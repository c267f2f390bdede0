package testfix

import (
	"math"
	"testing"
)

// TestOpticalExtrinsic checks the optical axes: z along the yaw, x to the
// camera's right, y down, at the given position.
func TestOpticalExtrinsic(t *testing.T) {
	e := OpticalExtrinsic(math.Pi/2, 0, 1, 2, 3) // looking along +y (left)
	want := [16]float64{1, 0, 0, 1, 0, 0, 1, 2, 0, -1, 0, 3, 0, 0, 0, 1}
	for i := range want {
		if math.Abs(e[i]-want[i]) > 1e-12 {
			t.Fatalf("OpticalExtrinsic(90°) = %v, want %v", e, want)
		}
	}
	rig := NuScenesRig()
	if len(rig) != 6 || rig[3].Fx != 800 || rig[0].Fx != 1260 {
		t.Errorf("NuScenesRig: %d cameras, focal lengths %g / %g", len(rig), rig[0].Fx, rig[3].Fx)
	}
}
