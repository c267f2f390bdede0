package bevfusionnode

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestLidarBranchTwin checks the extraction (row by row, float32 fast
// path) against the per-point accessors, the in-place transform against tf.Transform.Apply, and that the
// occupancy grid is the same whichever layout the planes use.
func TestLidarBranchTwin(t *testing.T) {
	g := bev.Grid{XMin: -10, XMax: 10, YMin: -6, YMax: 8, Resolution: 0.5}
	rng := rand.New(rand.NewPCG(9, 9))
	pts := make([][4]float32, 3000)
	for i := range pts {
		pts[i] = [4]float32{float32(rng.Float64()*24 - 12), float32(rng.Float64()*18 - 8), float32(rng.Float64()*6 - 2), float32(rng.Float64() * 50)}
	}
	msg := cloudXYZI(0, "lidar", pts)
	l := pointcloud.Layout{Width: msg.Width, Height: 1, PointStep: msg.PointStep, RowStep: msg.RowStep}
	for _, f := range msg.Fields {
		l.Fields = append(l.Fields, pointcloud.Field{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	acc, err := l.Lidar(len(msg.Data), 0)
	if err != nil {
		t.Fatal(err)
	}
	toBase := tf.Transform{Translation: r3.Vec{X: 1, Y: 0.2, Z: 1.8}, Rotation: tf.QuatFromRPY(0.02, -0.03, 0.4)}
	var grids [2][]int8
	for k, layout := range []bev.Layout{bev.LayoutYX, bev.LayoutXY} {
		fast, err := newLidarBranch(g, layout, -1, 2.5)
		if err != nil {
			t.Fatal(err)
		}
		fast.extract(acc, msg.Data, len(pts), 1, false, 0)
		slow := &lidarBranch{}
		for i := range pts {
			slow.x = append(slow.x, float32(acc.X.Float(msg.Data, i)))
			slow.y = append(slow.y, float32(acc.Y.Float(msg.Data, i)))
			slow.z = append(slow.z, float32(acc.Z.Float(msg.Data, i)))
			slow.intensity = append(slow.intensity, float32(acc.Intensity.Float(msg.Data, i)))
		}
		if !slices.Equal(fast.x, slow.x) || !slices.Equal(fast.y, slow.y) || !slices.Equal(fast.z, slow.z) || !slices.Equal(fast.intensity, slow.intensity) {
			t.Fatal("extraction and the per-point accessors differ")
		}
		fast.transform(toBase.ToMatrix())
		for i := range pts {
			q := toBase.Apply(r3.Vec{X: float64(slow.x[i]), Y: float64(slow.y[i]), Z: float64(slow.z[i])})
			if d := r3.Norm(r3.Sub(q, r3.Vec{X: float64(fast.x[i]), Y: float64(fast.y[i]), Z: float64(fast.z[i])})); d > 1e-5 {
				t.Fatalf("point %d moved %g m off the twin", i, d)
			}
		}
		if _, err := fast.run(); err != nil {
			t.Fatal(err)
		}
		grids[k] = fast.occupancy(nil, 0.3)
	}
	if !slices.Equal(grids[0], grids[1]) {
		t.Fatal("occupancy differs between the yx and xy layouts")
	}
	seen := map[int8]bool{}
	for _, v := range grids[0] {
		seen[v] = true
	}
	if !seen[-1] || !seen[0] || !seen[100] {
		t.Fatalf("occupancy values %v, want unknown, free and occupied cells", seen)
	}
}
