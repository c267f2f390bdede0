package lift

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/spatial/r3"
)

// TestProcrustesAgainstSciPy compares the PA-MPJPE alignment with SciPy's
// orthogonal_procrustes on the golden cases (testdata/gen_procrustes_golden.py).
func TestProcrustesAgainstSciPy(t *testing.T) {
	raw, err := os.ReadFile("testdata/procrustes_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Pred, GT [][3]float64
			Valid    []bool
			Scale    float64
			Errors   []float64
		}
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("no golden cases")
	}
	vec := func(a [][3]float64) []r3.Vec {
		out := make([]r3.Vec, len(a))
		for i, v := range a {
			out[i] = r3.Vec{X: v[0], Y: v[1], Z: v[2]}
		}
		return out
	}
	for i, c := range g.Cases {
		pred, gt := vec(c.Pred), vec(c.GT)
		s, _, _, ok := Procrustes(pred, gt, c.Valid)
		if !ok || math.Abs(s-c.Scale) > 1e-9*c.Scale {
			t.Fatalf("case %d: scale %.12g ok %v, SciPy %.12g", i, s, ok, c.Scale)
		}
		errs, ok := ProcrustesErrors(pred, gt, c.Valid, nil)
		if !ok || len(errs) != len(c.Errors) {
			t.Fatalf("case %d: %d errors (ok %v), SciPy %d", i, len(errs), ok, len(c.Errors))
		}
		for j := range errs {
			if math.Abs(errs[j]-c.Errors[j]) > 1e-9 {
				t.Fatalf("case %d joint %d: error %.12g, SciPy %.12g", i, j, errs[j], c.Errors[j])
			}
		}
	}
}

// TestProcrustesRejectsReflection: a mirrored copy is not aligned by a
// reflection (PA-MPJPE aligns by rotations only), so its error stays.
func TestProcrustesRejectsReflection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var p, q []r3.Vec
	for range 17 {
		v := r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()}
		p = append(p, v)
		q = append(q, r3.Vec{X: -v.X, Y: v.Y, Z: v.Z})
	}
	s, R, _, ok := Procrustes(p, q, nil)
	if !ok {
		t.Fatal("not aligned")
	}
	if det := R.At(0, 0)*(R.At(1, 1)*R.At(2, 2)-R.At(1, 2)*R.At(2, 1)) - R.At(0, 1)*(R.At(1, 0)*R.At(2, 2)-R.At(1, 2)*R.At(2, 0)) + R.At(0, 2)*(R.At(1, 0)*R.At(2, 1)-R.At(1, 1)*R.At(2, 0)); math.Abs(det-1) > 1e-9 {
		t.Fatalf("det R = %g, want a rotation", det)
	}
	errs, _ := ProcrustesErrors(p, q, nil, nil)
	mean := 0.0
	for _, e := range errs {
		mean += e / float64(len(errs))
	}
	if mean < 0.1 || !(s > 0) {
		t.Fatalf("mirror aligned to mean error %g (scale %g): a reflection was used", mean, s)
	}
}

// standing returns COCO-17 joints of a standing person 1.7 m tall, feet on
// the ground (z = 0, up +z), in a world frame with x forward.
func standing(x, y float64) []r3.Vec {
	h := 1.7
	p := make([]r3.Vec, pose.NumKeypoints)
	for s, side := range []float64{1, -1} {
		p[kLHip+s] = r3.Vec{X: x, Y: y + side*0.057*h, Z: 0.53 * h}
		p[kLKnee+s] = r3.Vec{X: x, Y: y + side*0.057*h, Z: 0.285 * h}
		p[kLAnkle+s] = r3.Vec{X: x, Y: y + side*0.057*h, Z: 0.039 * h}
		p[kLShoulder+s] = r3.Vec{X: x, Y: y + side*0.118*h, Z: 0.818 * h}
		p[7+s] = r3.Vec{X: x, Y: y + side*0.12*h, Z: 0.63 * h}
		p[9+s] = r3.Vec{X: x, Y: y + side*0.12*h, Z: 0.48 * h}
		p[1+s] = r3.Vec{X: x - 0.08, Y: y + side*0.03, Z: 0.94 * h}
		p[3+s] = r3.Vec{X: x, Y: y + side*0.07, Z: 0.93 * h}
	}
	p[0] = r3.Vec{X: x - 0.1, Y: y, Z: 0.92 * h}
	return p
}

// camFromWorld maps a world point to the optical frame of a camera at
// height ch looking along +x (optical z = world x, x = −y, y = −z).
func camFromWorld(p r3.Vec, ch float64) r3.Vec { return r3.Vec{X: -p.Y, Y: ch - p.Z, Z: p.X} }

func TestPlaceRootAndGroundScale(t *testing.T) {
	const ch = 1.55
	world := standing(9, 1.5)
	cam := make([]r3.Vec, len(world))
	xy := make([][2]float64, len(world))
	used := make([]bool, len(world))
	for j, w := range world {
		cam[j] = camFromWorld(w, ch)
		xy[j] = [2]float64{cam[j].X / cam[j].Z, cam[j].Y / cam[j].Z}
		used[j] = true
	}
	used[3] = false // a missing ear changes nothing
	root := Root(cam)
	// The shape at the right scale: PlaceRoot recovers the root exactly.
	rel := make([]r3.Vec, len(cam))
	for j := range cam {
		rel[j] = r3.Sub(cam[j], root)
	}
	T, ok := PlaceRoot(rel, xy, used)
	if !ok || r3.Norm(r3.Sub(T, root)) > 1e-9 {
		t.Fatalf("root %v ok %v, want %v", T, ok, root)
	}
	// The shape 20% too small (a wrong height prior): placed 20% too near;
	// the ground brings it back, ankles at their true height.
	for j := range rel {
		rel[j] = r3.Scale(0.8, rel[j])
	}
	T, _ = PlaceRoot(rel, xy, used)
	placed := make([]r3.Vec, len(rel))
	for j := range rel {
		placed[j] = r3.Add(T, rel[j])
	}
	B := SkeletonScale(placed)
	contact := 0.039 * 1.7 / SkeletonScale(world) * B
	alpha, ok := GroundScale(placed, r3.Vec{Y: -1}, ch, contact, 0.5, 2)
	if !ok || math.Abs(alpha-1.25) > 1e-9 {
		t.Fatalf("ground scale %g ok %v, want 1.25", alpha, ok)
	}
	if math.Abs(SkeletonScale(world)-0.779*1.7) > 1e-9 {
		t.Fatalf("B %g, want 0.779 H", SkeletonScale(world))
	}
	// Ankles above the camera: no ground contact to use.
	if _, ok := GroundScale(placed, r3.Vec{Y: 1}, ch, contact, 0.5, 2); ok {
		t.Fatal("ground scale with the ankles above the camera")
	}
}

func TestMonoFeatures(t *testing.T) {
	xy := make([][2]float64, pose.NumKeypoints)
	used := make([]bool, pose.NumKeypoints)
	for j := range xy {
		xy[j] = [2]float64{0.1 + 0.01*float64(j), -0.2 + 0.02*float64(j)}
		used[j] = j != 0
	}
	dst := make([]float32, MonoInputs)
	if err := MonoFeatures(xy, used, dst); err != nil {
		t.Fatal(err)
	}
	rx, ry := 0.5*(xy[kLHip][0]+xy[kRHip][0]), 0.5*(xy[kLHip][1]+xy[kRHip][1])
	ss := 0.0
	for j := 1; j < pose.NumKeypoints; j++ {
		ss += (xy[j][0]-rx)*(xy[j][0]-rx) + (xy[j][1]-ry)*(xy[j][1]-ry)
	}
	s := math.Sqrt(ss / 16)
	K := pose.NumKeypoints
	if dst[0] != 0 || dst[1] != 0 || dst[2*K] != 0 || dst[2*K+1] != 1 ||
		math.Abs(float64(dst[2*5])-(xy[5][0]-rx)/s) > 1e-6 || math.Abs(float64(dst[3*K+2])-s) > 1e-7 || math.Abs(float64(dst[3*K])-rx) > 1e-7 {
		t.Fatalf("features %v", dst)
	}
	used[kRHip] = false
	if err := MonoFeatures(xy, used, dst); !errors.Is(err, ErrInput) {
		t.Fatalf("no hip: %v", err)
	}
}
