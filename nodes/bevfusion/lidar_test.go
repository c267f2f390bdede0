package bevfusionnode

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/bev"
	"github.com/gopercept/gopercept/pointcloud"
	"github.com/gopercept/gopercept/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestPillarsAgainstTwin checks the pillar statistics, with and without the
// float32 fast path, against a per-point twin that uses tf.Transform.Apply
// and bev.Grid.Index.
func TestPillarsAgainstTwin(t *testing.T) {
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
	const zMin, zMax, obst = -1.0, 2.5, 0.3
	// Twin.
	w, h := g.Width(), g.Height()
	count := make([]int32, w*h)
	ground := make([]int32, w*h)
	maxZ := make([]float32, w*h)
	sumI := make([]float64, w*h)
	for i := range pts {
		q := toBase.Apply(r3.Vec{X: acc.X.Float(msg.Data, i), Y: acc.Y.Float(msg.Data, i), Z: acc.Z.Float(msg.Data, i)})
		if q.Z < zMin || q.Z > zMax {
			continue
		}
		c, ok := g.Index(q.X, q.Y)
		if !ok {
			continue
		}
		count[c]++
		if q.Z <= obst {
			ground[c]++
		}
		maxZ[c] = max(maxZ[c], float32(q.Z-zMin))
		sumI[c] += acc.Intensity.Float(msg.Data, i)
	}
	for _, fast := range []bool{false, true} {
		p := newPillars(g)
		p.fill(g, acc, msg.Data, len(pts), toBase, zMin, zMax, obst, fast)
		if !slices.Equal(p.count, count) || !slices.Equal(p.ground, ground) {
			t.Fatalf("fast %v: counts differ from the twin", fast)
		}
		hw := w * h
		for c := range hw {
			if count[c] == 0 {
				if p.features[c] != 0 || p.features[hw+c] != 0 || p.features[2*hw+c] != 0 {
					t.Fatalf("fast %v: empty cell %d has features", fast, c)
				}
				continue
			}
			mi := float32(sumI[c] / float64(count[c]))
			if p.features[c] != 1 || abs32(p.features[hw+c]-maxZ[c]) > 1e-5 || abs32(p.features[2*hw+c]-mi) > 1e-3 {
				t.Fatalf("fast %v: cell %d features %v %v %v, twin 1 %v %v", fast, c, p.features[c], p.features[hw+c], p.features[2*hw+c], maxZ[c], mi)
			}
		}
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}
