package track

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/pose"
)

// bruteAssign tries every injective map of the smaller side into the larger
// and returns the least total cost.
func bruteAssign(cost []float64, rows, cols int) float64 {
	best := math.Inf(1)
	if rows <= cols {
		perm := make([]int, 0, rows)
		used := make([]bool, cols)
		var rec func(i int, s float64)
		rec = func(i int, s float64) {
			if i == rows {
				best = math.Min(best, s)
				return
			}
			for j := 0; j < cols; j++ {
				if !used[j] {
					used[j] = true
					perm = append(perm, j)
					rec(i+1, s+cost[i*cols+j])
					perm = perm[:len(perm)-1]
					used[j] = false
				}
			}
		}
		rec(0, 0)
		return best
	}
	t := make([]float64, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = cost[i*cols+j]
		}
	}
	return bruteAssign(t, cols, rows)
}

func TestHungarianAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Hungarian
	for trial := 0; trial < 400; trial++ {
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		cost := make([]float64, rows*cols)
		for i := range cost {
			cost[i] = rng.Float64() * 10
			if trial%3 == 0 {
				cost[i] = float64(rng.IntN(4)) // ties
			}
		}
		a := h.Solve(cost, rows, cols)
		seen := map[int]bool{}
		sum, n := 0.0, 0
		for i, j := range a {
			if j < 0 {
				continue
			}
			if seen[j] {
				t.Fatalf("column %d assigned twice: %v", j, a)
			}
			seen[j] = true
			sum += cost[i*cols+j]
			n++
		}
		if n != min(rows, cols) {
			t.Fatalf("%d×%d: %d pairs, want %d", rows, cols, n, min(rows, cols))
		}
		if want := bruteAssign(cost, rows, cols); math.Abs(sum-want) > 1e-9 {
			t.Fatalf("%d×%d trial %d: cost %v, brute force %v (%v)", rows, cols, trial, sum, want, a)
		}
	}
	if a := h.Solve(nil, 0, 3); len(a) != 0 {
		t.Errorf("empty: %v", a)
	}
	if a := h.Solve(nil, 2, 0); len(a) != 2 || a[0] != -1 || a[1] != -1 {
		t.Errorf("no columns: %v", a)
	}
}

func TestOneEuro(t *testing.T) {
	const dt = 1.0 / 30
	// A constant signal passes unchanged.
	f := NewOneEuro(1, 0.01, 1)
	for i := 0; i < 100; i++ {
		if y := f.Filter(42.5, dt); y != 42.5 {
			t.Fatalf("constant: sample %d = %v", i, y)
		}
	}
	// Noise on a constant is reduced.
	rng := rand.New(rand.NewPCG(3, 4))
	f = NewOneEuro(1, 0.001, 1)
	var in, out float64
	for i := 0; i < 600; i++ {
		n := rng.NormFloat64() * 2
		y := f.Filter(100+n, dt)
		if i >= 100 {
			in += n * n
			out += (y - 100) * (y - 100)
		}
	}
	ratio := math.Sqrt(out / in)
	if ratio > 0.35 {
		t.Errorf("noise: output/input RMS = %.3f, want ≤ 0.35", ratio)
	}
	// Fast motion lags little with beta: a 300 px/s ramp.
	f = NewOneEuro(1, 0.05, 1)
	slow := NewOneEuro(1, 0, 1)
	var lag, slowLag float64
	for i := 0; i < 90; i++ {
		x := 300 * float64(i) * dt
		lag = x - f.Filter(x, dt)
		slowLag = x - slow.Filter(x, dt)
	}
	if lag > 3 || lag > slowLag/5 {
		t.Errorf("ramp: lag %.2f px with beta, %.2f px without; want ≤ 3 and ≤ a fifth", lag, slowLag)
	}
}

func TestOKS(t *testing.T) {
	a := make([]pose.Keypoint, pose.NumKeypoints)
	for i := range a {
		a[i] = pose.Keypoint{X: float32(10 * i), Y: float32(5 * i), Score: 0.9, Visibility: pose.Visible}
	}
	b := append([]pose.Keypoint(nil), a...)
	if s, n := OKS(a, b, 5000, 0.3); s != 1 || n != 17 {
		t.Errorf("identical: %v, %d", s, n)
	}
	b[pose.LeftHip].X += 10
	b[pose.Nose].Score = 0.1 // ignored
	s, n := OKS(a, b, 5000, 0.3)
	k := 2 * 0.107
	want := (15 + math.Exp(-100/(2*5000*k*k))) / 16
	if n != 16 || math.Abs(s-want) > 1e-12 {
		t.Errorf("OKS = %v (%d), want %v (16)", s, n, want)
	}
	if IoU([4]float32{0, 0, 10, 10}, [4]float32{5, 0, 15, 10}) != 50.0/150 {
		t.Error("IoU")
	}
}

// person makes a standing figure at (x, y) of height h pixels.
func person(x, y, h float32) pose.Person {
	p := pose.Person{Score: 0.9, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	for i := range p.Keypoints {
		fx := float32(i%2)*0.3*h - 0.15*h
		fy := float32(i) / 17 * h
		p.Keypoints[i] = pose.Keypoint{X: x + fx, Y: y + fy, Score: 0.9, Visibility: pose.Visible}
	}
	p.Box = [4]float32{x - 0.2*h, y, x + 0.2*h, y + h}
	return p
}

func TestTrackerIdentities(t *testing.T) {
	tr, err := New(Config{MinHits: 3, MaxMisses: 2})
	if err != nil {
		t.Fatal(err)
	}
	const step = int64(33_333_333)
	// Two people walking towards each other's side at 6 px per frame, given
	// in alternating order.
	var idA, idB uint64
	for f := 0; f < 30; f++ {
		a := person(100+6*float32(f), 50, 200)
		b := person(400-6*float32(f), 60, 180)
		people := []pose.Person{a, b}
		ia, ib := 0, 1
		if f%2 == 1 {
			people = []pose.Person{b, a}
			ia, ib = 1, 0
		}
		ids := tr.Update(int64(f)*step, people)
		switch {
		case f < 2:
			if ids[0] != 0 || ids[1] != 0 {
				t.Fatalf("frame %d: ids %v before birth", f, ids)
			}
		case f == 2:
			idA, idB = ids[ia], ids[ib]
			if idA == 0 || idB == 0 || idA == idB {
				t.Fatalf("frame 2: ids %v at birth", ids)
			}
		default:
			if ids[ia] != idA || ids[ib] != idB {
				t.Fatalf("frame %d: ids %d,%d want %d,%d", f, ids[ia], ids[ib], idA, idB)
			}
		}
	}
	// A misses two frames and comes back with its id; a third miss kills it.
	f := 30
	for ; f < 32; f++ {
		ids := tr.Update(int64(f)*step, []pose.Person{person(400-6*float32(f), 60, 180)})
		if ids[0] != idB {
			t.Fatalf("frame %d: B = %d", f, ids[0])
		}
	}
	ids := tr.Update(int64(f)*step, []pose.Person{person(100+6*float32(f), 50, 200), person(400-6*float32(f), 60, 180)})
	if ids[0] != idA || ids[1] != idB {
		t.Fatalf("after 2 misses: %v want %d,%d", ids, idA, idB)
	}
	for f++; f < 36; f++ {
		tr.Update(int64(f)*step, []pose.Person{person(400-6*float32(f), 60, 180)})
	}
	ids = tr.Update(int64(f)*step, []pose.Person{person(100+6*float32(f), 50, 200), person(400-6*float32(f), 60, 180)})
	if ids[0] != 0 || ids[1] != idB {
		t.Fatalf("after 3 misses A should restart untracked: %v", ids)
	}
	if n := len(tr.Tracks()); n != 2 {
		t.Errorf("%d live tracks, want 2", n)
	}
}

func TestTrackerBoxFallbackAndSmoothing(t *testing.T) {
	tr, _ := New(Config{MinHits: 1, Smooth: true, MinCutoff: 0.5, Beta: 0.001})
	rng := rand.New(rand.NewPCG(5, 6))
	var noisy, smooth float64
	for f := 0; f < 60; f++ {
		p := person(200, 100, 200)
		for i := range p.Keypoints {
			p.Keypoints[i].X += float32(rng.NormFloat64() * 2)
		}
		truth := person(200, 100, 200)
		raw := p.Keypoints[pose.LeftWrist].X - truth.Keypoints[pose.LeftWrist].X
		people := []pose.Person{p}
		ids := tr.Update(int64(f)*33_000_000, people)
		if ids[0] != 1 {
			t.Fatalf("frame %d id %d", f, ids[0])
		}
		if f > 10 {
			noisy += float64(raw * raw)
			d := people[0].Keypoints[pose.LeftWrist].X - truth.Keypoints[pose.LeftWrist].X
			smooth += float64(d * d)
		}
	}
	if smooth > noisy/4 {
		t.Errorf("smoothing: %v vs raw %v", smooth, noisy)
	}
	// Without keypoints, boxes decide.
	tb, _ := New(Config{MinHits: 1})
	box := pose.Person{Box: [4]float32{10, 10, 60, 110}, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	id0 := tb.Update(0, []pose.Person{box})[0]
	box.Box[0] += 5
	box.Box[2] += 5
	if id := tb.Update(1e8, []pose.Person{box})[0]; id != id0 || id == 0 {
		t.Errorf("box fallback id %d want %d", id, id0)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{MinHits: -1}, "track.Config.MinHits", -1, "want ≥ 1"},
		{Config{MinSimilarity: 2}, "track.Config.MinSimilarity", 2.0, "want (0, 1]"},
		{Config{Beta: -1}, "track.Config.Beta", -1.0, "want ≥ 0"},
		{Config{MinCutoff: -1}, "track.Config.MinCutoff", -1.0, "want > 0 Hz"},
	} {
		_, err := New(tc.cfg)
		var ce *configerr.Error
		if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
			ce.Param != tc.param || ce.Value != tc.value || ce.Reason != tc.reason {
			t.Errorf("%+v: got %v, want %s = %v: %s", tc.cfg, err, tc.param, tc.value, tc.reason)
		}
	}
}

func BenchmarkUpdate10People(b *testing.B) {
	tr, _ := New(Config{MinHits: 1, Smooth: true})
	people := make([]pose.Person, 10)
	for i := range people {
		people[i] = person(50+60*float32(i), 50, 150)
	}
	b.ReportAllocs()
	f := 0
	for b.Loop() {
		for i := range people {
			q := person(50+60*float32(i)+float32(f%10), 50, 150)
			copy(people[i].Keypoints, q.Keypoints)
			people[i].Box = q.Box
		}
		tr.Update(int64(f)*33_000_000, people)
		f++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkHungarian20(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	cost := make([]float64, 400)
	for i := range cost {
		cost[i] = rng.Float64()
	}
	var h Hungarian
	b.ReportAllocs()
	for b.Loop() {
		h.Solve(cost, 20, 20)
	}
}

// TestSetConfig: a running tracker takes a new configuration from the next
// Update, keeping its ids; the filters take the new One-Euro parameters; a
// bad configuration changes nothing.
func TestSetConfig(t *testing.T) {
	tr, _ := New(Config{MinHits: 1, Smooth: true})
	const step = int64(33_333_333)
	id := tr.Update(0, []pose.Person{person(100, 50, 200)})[0]
	tr.Update(step, []pose.Person{person(102, 50, 200)})
	if err := tr.SetConfig(Config{MinHits: 1, Smooth: true, MinCutoff: 3, Beta: 0.5, DCutoff: 2}); err != nil {
		t.Fatal(err)
	}
	if f := tr.Tracks()[0].filters[0]; f.MinCutoff != 3 || f.Beta != 0.5 || f.DCutoff != 2 || !f.primed {
		t.Errorf("filter after SetConfig: %+v, want the new parameters and its state kept", f)
	}
	if got := tr.Update(2*step, []pose.Person{person(104, 50, 200)})[0]; got != id {
		t.Errorf("id %d after SetConfig, want %d kept", got, id)
	}
	// A new person is born only after three hits now.
	if err := tr.SetConfig(Config{MinHits: 3}); err != nil {
		t.Fatal(err)
	}
	ids := tr.Update(3*step, []pose.Person{person(106, 50, 200), person(400, 60, 180)})
	if ids[0] != id || ids[1] != 0 {
		t.Errorf("ids %v with MinHits 3, want [%d 0]", ids, id)
	}
	before := tr.Config()
	var ce *configerr.Error
	if err := tr.SetConfig(Config{MinSimilarity: 2}); !errors.As(err, &ce) || ce.Param != "track.Config.MinSimilarity" {
		t.Errorf("MinSimilarity 2: %v", err)
	}
	if tr.Config() != before {
		t.Errorf("a refused SetConfig changed the configuration: %+v", tr.Config())
	}
	// Smoothing turned back on starts the filters afresh.
	if err := tr.SetConfig(Config{MinHits: 3, Smooth: true}); err != nil {
		t.Fatal(err)
	}
	if f := tr.Tracks()[0].filters[0]; f.primed {
		t.Error("filters kept stale state when smoothing turned on")
	}
	// Reset drops the tracks; the next person gets a new id, not an old one.
	tr.Reset()
	if len(tr.Tracks()) != 0 {
		t.Fatalf("%d tracks after Reset", len(tr.Tracks()))
	}
	if err := tr.SetConfig(Config{MinHits: 1}); err != nil {
		t.Fatal(err)
	}
	if got := tr.Update(4*step, []pose.Person{person(108, 50, 200)})[0]; got == 0 || got == id {
		t.Errorf("id %d after Reset, want a new one (old %d)", got, id)
	}
}
