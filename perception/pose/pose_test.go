package pose

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestCOCOTables(t *testing.T) {
	if KeypointIndex("right_ankle") != RightAnkle || KeypointIndex("nose") != Nose || KeypointIndex("tail") != -1 {
		t.Fatal("KeypointIndex disagrees with the constants")
	}
	for _, l := range Skeleton {
		if l[0] < 0 || l[0] >= NumKeypoints || l[1] < 0 || l[1] >= NumKeypoints || l[0] == l[1] {
			t.Fatalf("bad limb %v", l)
		}
	}
	for _, f := range FlipPairs {
		if KeypointNames[f[0]][:5] != "left_" || KeypointNames[f[1]][:6] != "right_" || KeypointNames[f[0]][5:] != KeypointNames[f[1]][6:] {
			t.Fatalf("bad flip pair %v", f)
		}
		if Sigmas[f[0]] != Sigmas[f[1]] {
			t.Fatalf("asymmetric sigmas for %v", f)
		}
	}
}

func TestAffineInverseThen(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var m Affine
		for i := range m {
			m[i] = r.Float64()*4 - 2
		}
		inv, err := m.Inverse()
		if err != nil {
			continue
		}
		id := m.Then(inv)
		for i := range id {
			if math.Abs(id[i]-Identity[i]) > 1e-9 {
				t.Fatalf("m·m⁻¹ = %v", id)
			}
		}
		x, y := r.Float64()*100, r.Float64()*100
		u, v := m.Apply(x, y)
		bx, by := inv.Apply(u, v)
		if math.Abs(bx-x) > 1e-9 || math.Abs(by-y) > 1e-9 {
			t.Fatalf("round trip (%g,%g) → (%g,%g)", x, y, bx, by)
		}
		// Then agrees with applying one after the other.
		n := Affine{r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64()}
		a, b := n.Apply(m.Apply(x, y))
		c, d := m.Then(n).Apply(x, y)
		if math.Abs(a-c) > 1e-9 || math.Abs(b-d) > 1e-9 {
			t.Fatal("Then disagrees with successive Apply")
		}
	}
	if _, err := (Affine{1, 2, 0, 2, 4, 0}).Inverse(); !errors.Is(err, ErrSingular) {
		t.Fatalf("singular: got %v", err)
	}
}

func TestGrowReuses(t *testing.T) {
	var ps []Person
	ps, p := Grow(ps, NumKeypoints)
	p.Keypoints[3].X = 5
	p.Score = 1
	ps, _ = Grow(ps, NumKeypoints)
	ps = ps[:0]
	allocs := testing.AllocsPerRun(10, func() {
		ps = ps[:0]
		ps, p = Grow(ps, NumKeypoints)
		ps, _ = Grow(ps, NumKeypoints)
	})
	if allocs != 0 {
		t.Fatalf("Grow allocates %v after warm-up", allocs)
	}
	if p.Keypoints[3].X != 0 || p.Score != 0 || len(ps) != 2 {
		t.Fatal("Grow did not reset the reused person")
	}
}

func TestMapPersonBox(t *testing.T) {
	p := Person{Box: [4]float32{0, 0, 10, 20}, Keypoints: []Keypoint{{X: 1, Y: 2, Score: 0.5, Visibility: Visible}}}
	Affine{0, 1, 100, 1, 0, 0}.MapPerson(&p) // swap x and y, shift x.
	if p.Box != [4]float32{100, 0, 120, 10} || p.Keypoints[0] != (Keypoint{X: 102, Y: 1, Score: 0.5, Visibility: Visible}) {
		t.Fatalf("mapped %+v", p)
	}
	b, ok := p.KeypointBox()
	if !ok || b != [4]float32{102, 1, 102, 1} {
		t.Fatal("KeypointBox")
	}
}
