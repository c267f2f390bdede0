package lss

import (
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
)

// FuzzGeometry builds geometries from arbitrary calibration numbers, as a
// bad CameraInfo or TF would give them: NewGeometry must either fail with
// an error or return sorted, consistent intervals, never panic.
func FuzzGeometry(f *testing.F) {
	f.Add(100.0, 100.0, 50.0, 25.0, 0.5, 0.5, 0.0, 2.0, 1.0, 0.0, 1.5, 0.5, 1.0, 8.0, 0.5)
	f.Add(0.0, 100.0, 50.0, 25.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 1.0, 8.0, 1.0)
	f.Add(1e-9, 1e9, -5.0, 1e12, 1e-12, 3.0, -1e9, 7.0, 1e9, -1e9, 1e9, 1e-3, 0.5, 1e6, 1e-4)
	f.Fuzz(func(t *testing.T, fx, fy, cx, cy, sx, sy, cropX, cropY, tx, ty, tz, res, dmin, dmax, dstep float64) {
		cam := bev.Camera{Name: "fuzz", Width: 100, Height: 50, Fx: fx, Fy: fy, Cx: cx, Cy: cy,
			Aug:       bev.ResizeCrop(sx, sy, cropX, cropY),
			Extrinsic: [16]float64{0, 0, 1, tx, -1, 0, 0, ty, 0, -1, 0, tz, 0, 0, 0, 1}}
		cfg := Config{
			Grid:     bev.Grid{XMin: -4, XMax: 4, YMin: -4, YMax: 4, Resolution: res},
			DepthMin: dmin, DepthMax: dmax, DepthStep: dstep,
			InputWidth: 24, InputHeight: 12, FeatWidth: 6, FeatHeight: 3,
		}
		g, err := NewGeometry(cfg, []bev.Camera{cam})
		if err != nil {
			return
		}
		var n int32
		prev := int32(-1)
		for _, iv := range g.Intervals {
			if iv.Start != n || iv.Len < 1 || iv.Cell <= prev || int(iv.Cell) >= g.Cells() {
				t.Fatalf("bad interval %+v after %d points, previous cell %d", iv, n, prev)
			}
			n += iv.Len
			prev = iv.Cell
		}
		if int(n) != g.Kept() {
			t.Fatalf("intervals hold %d points, kept %d", n, g.Kept())
		}
	})
}
