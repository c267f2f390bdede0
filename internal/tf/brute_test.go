package tf

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// twin is a brute-force model of a Buffer: it keeps every edge's samples in
// plain slices and answers lookups by finding the paths to the root with
// explicit ancestor lists, interpolating with quaternion powers instead of
// the slerp formula, and composing and inverting 4×4 matrices with gonum/mat.
type twin struct {
	parent  map[string]string
	samples map[string][]sample // nil for a static edge
	static  map[string]Transform
}

func newTwin() *twin {
	return &twin{parent: map[string]string{}, samples: map[string][]sample{}, static: map[string]Transform{}}
}

// ancestors returns f, its parent, …, the root.
func (w *twin) ancestors(f string) []string {
	path := []string{f}
	for {
		p, ok := w.parent[f]
		if !ok {
			return path
		}
		path = append(path, p)
		f = p
	}
}

// known reports whether f appears in any edge.
func (w *twin) known(f string) bool {
	if _, ok := w.parent[f]; ok {
		return true
	}
	for _, p := range w.parent {
		if p == f {
			return true
		}
	}
	return false
}

// edge returns the matrix parent←f at stamp, or false outside the data.
func (w *twin) edge(f string, stamp int64) (*mat.Dense, bool) {
	if tr, ok := w.static[f]; ok {
		return twinMatrix(tr.Translation, tr.Rotation), true
	}
	s := w.samples[f]
	for i := range s {
		if s[i].stamp == stamp {
			return twinMatrix(s[i].tf.Translation, s[i].tf.Rotation), true
		}
		if i > 0 && s[i-1].stamp < stamp && stamp < s[i].stamp {
			a, c := s[i-1].tf, s[i].tf
			r := float64(stamp-s[i-1].stamp) / float64(s[i].stamp-s[i-1].stamp)
			tr := r3.Add(r3.Scale(1-r, a.Translation), r3.Scale(r, c.Translation))
			q1 := c.Rotation
			if a.Rotation.Real*q1.Real+a.Rotation.Imag*q1.Imag+a.Rotation.Jmag*q1.Jmag+a.Rotation.Kmag*q1.Kmag < 0 {
				q1 = quat.Scale(-1, q1)
			}
			// q(r) = q0·(q0⁻¹·q1)^r.
			q := quat.Mul(a.Rotation, quat.PowReal(quat.Mul(quat.Conj(a.Rotation), q1), r))
			return twinMatrix(tr, q), true
		}
	}
	return nil, false
}

// toAncestor returns anc←f at stamp as the product of the edge matrices.
func (w *twin) toAncestor(f, anc string, stamp int64) (*mat.Dense, bool) {
	m := eye4()
	for f != anc {
		e, ok := w.edge(f, stamp)
		if !ok {
			return nil, false
		}
		var p mat.Dense
		p.Mul(e, m)
		m = &p
		f = w.parent[f]
	}
	return m, true
}

// lookup returns target←source at stamp, or the sentinel error expected
// from Buffer.Lookup.
func (w *twin) lookup(target, source string, stamp int64) (*mat.Dense, error) {
	if target == source { // identity even for an unknown frame, as tf2
		return eye4(), nil
	}
	if !w.known(target) || !w.known(source) {
		return nil, ErrUnknownFrame
	}
	ta, sa := w.ancestors(target), w.ancestors(source)
	anc := ""
	in := map[string]bool{}
	for _, f := range ta {
		in[f] = true
	}
	for _, f := range sa {
		if in[f] {
			anc = f
			break
		}
	}
	if anc == "" {
		return nil, ErrNotConnected
	}
	if stamp == Latest {
		m := int64(math.MaxInt64)
		for _, path := range [][]string{ta, sa} {
			for _, f := range path {
				if f == anc {
					break
				}
				if s := w.samples[f]; s != nil {
					m = min(m, s[len(s)-1].stamp)
				}
			}
		}
		if m != math.MaxInt64 {
			stamp = m
		}
	}
	ms, ok1 := w.toAncestor(source, anc, stamp)
	mt, ok2 := w.toAncestor(target, anc, stamp)
	if !ok1 || !ok2 {
		return nil, ErrExtrapolation
	}
	var inv, out mat.Dense
	if err := inv.Inverse(mt); err != nil {
		panic(err)
	}
	out.Mul(&inv, ms)
	return &out, nil
}

func (w *twin) lookupFull(target string, tt int64, source string, ts int64, fixed string) (*mat.Dense, error) {
	if !w.known(target) || !w.known(source) || !w.known(fixed) {
		return nil, ErrUnknownFrame
	}
	fs, err := w.lookup(fixed, source, ts)
	if err != nil {
		return nil, err
	}
	ft, err := w.lookup(fixed, target, tt)
	if err != nil {
		return nil, err
	}
	var inv, out mat.Dense
	if err := inv.Inverse(ft); err != nil {
		panic(err)
	}
	out.Mul(&inv, fs)
	return &out, nil
}

// twinMatrix builds the homogeneous matrix by rotating the basis vectors
// with q·v·q* (gonum's r3.Rotation), independently of ToMatrix.
func twinMatrix(t r3.Vec, q quat.Number) *mat.Dense {
	q = quat.Scale(1/quat.Abs(q), q)
	rot := r3.Rotation(q)
	m := mat.NewDense(4, 4, nil)
	for j, e := range []r3.Vec{{X: 1}, {Y: 1}, {Z: 1}} {
		c := rot.Rotate(e)
		m.Set(0, j, c.X)
		m.Set(1, j, c.Y)
		m.Set(2, j, c.Z)
	}
	m.Set(0, 3, t.X)
	m.Set(1, 3, t.Y)
	m.Set(2, 3, t.Z)
	m.Set(3, 3, 1)
	return m
}

func eye4() *mat.Dense {
	m := mat.NewDense(4, 4, nil)
	for i := 0; i < 4; i++ {
		m.Set(i, i, 1)
	}
	return m
}

func randUnitQuat(rng *rand.Rand) quat.Number {
	for {
		q := quat.Number{Real: rng.NormFloat64(), Imag: rng.NormFloat64(), Jmag: rng.NormFloat64(), Kmag: rng.NormFloat64()}
		if n := quat.Abs(q); n > 1e-3 {
			return quat.Scale(1/n, q)
		}
	}
}

func randTransform(rng *rand.Rand) Transform {
	return Transform{
		Translation: r3.Vec{X: 10*rng.Float64() - 5, Y: 10*rng.Float64() - 5, Z: 10*rng.Float64() - 5},
		Rotation:    randUnitQuat(rng),
	}
}

// randomForest fills b and its twin with n frames in two trees; about a
// third of the edges are static, the others hold 2–7 samples whose first
// stamp lies in [t0, t0+0.2 s] and last in [t0+0.8 s, t0+1 s], with random
// signs on the quaternions.
func randomForest(t testing.TB, rng *rand.Rand, n int) (*Buffer, *twin, []string) {
	b := newBuffer(t, Config{})
	w := newTwin()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("f%d", i)
	}
	for i := 2; i < n; i++ {
		p := names[rng.IntN(i)]
		c := names[i]
		w.parent[c] = p
		if rng.IntN(3) == 0 {
			tr := randTransform(rng)
			w.static[c] = tr
			mustSet(t, b, p, c, 0, tr, true)
			continue
		}
		k := 2 + rng.IntN(6)
		stamps := []int64{t0 + rng.Int64N(200*ms), t0 + 800*ms + rng.Int64N(200*ms+1)}
		for len(stamps) < k {
			stamps = append(stamps, t0+200*ms+1+rng.Int64N(600*ms))
		}
		var s []sample
		for _, st := range stamps {
			tr := randTransform(rng)
			mustSet(t, b, p, c, st, tr, false)
			s = append(s, sample{stamp: st, tf: tr})
		}
		// The twin keeps its samples sorted by insertion sort.
		for i := 1; i < len(s); i++ {
			for j := i; j > 0 && s[j].stamp < s[j-1].stamp; j-- {
				s[j], s[j-1] = s[j-1], s[j]
			}
		}
		w.samples[c] = s
	}
	return b, w, names
}

func matNear(got [16]float64, want *mat.Dense, tol float64) bool {
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if math.Abs(got[4*i+j]-want.At(i, j)) > tol {
				return false
			}
		}
	}
	return true
}

func TestLookupAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ok, extrap, disc int
	for tree := 0; tree < 20; tree++ {
		b, w, names := randomForest(t, rng, 16)
		for q := 0; q < 200; q++ {
			target, source := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
			var stamp int64
			switch rng.IntN(10) {
			case 0:
				stamp = Latest
			case 1:
				stamp = t0 + rng.Int64N(sec+1) // may extrapolate
			case 2: // an exact sample stamp of some edge
				for _, s := range w.samples {
					stamp = s[rng.IntN(len(s))].stamp
					break
				}
			default:
				stamp = t0 + 200*ms + rng.Int64N(600*ms+1) // inside every edge
			}
			want, werr := w.lookup(target, source, stamp)
			got, err := b.Lookup(target, source, stamp)
			if werr != nil {
				if !errors.Is(err, werr) {
					t.Fatalf("tree %d: Lookup(%s, %s, %d) error = %v, twin says %v", tree, target, source, stamp, err, werr)
				}
				if errors.Is(werr, ErrExtrapolation) {
					extrap++
				} else {
					disc++
				}
				continue
			}
			if err != nil {
				t.Fatalf("tree %d: Lookup(%s, %s, %d): %v", tree, target, source, stamp, err)
			}
			if !matNear(got.ToMatrix(), want, matTol) {
				t.Fatalf("tree %d: Lookup(%s, %s, %d) =\n%v\ntwin\n%v", tree, target, source, stamp, got.ToMatrix(), mat.Formatted(want))
			}
			ok++

			// LookupFull through a random fixed frame at two stamps.
			fixed := names[rng.IntN(len(names))]
			tt := t0 + 200*ms + rng.Int64N(600*ms+1)
			wantF, werr := w.lookupFull(target, tt, source, stamp, fixed)
			gotF, err := b.LookupFull(target, tt, source, stamp, fixed)
			if werr != nil {
				if !errors.Is(err, werr) {
					t.Fatalf("tree %d: LookupFull error = %v, twin says %v", tree, err, werr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("tree %d: LookupFull(%s, %d, %s, %d, %s): %v", tree, target, tt, source, stamp, fixed, err)
			}
			if !matNear(gotF.ToMatrix(), wantF, matTol) {
				t.Fatalf("tree %d: LookupFull(%s, %d, %s, %d, %s) =\n%v\ntwin\n%v", tree, target, tt, source, stamp, fixed, gotF.ToMatrix(), mat.Formatted(wantF))
			}
		}
	}
	t.Logf("%d lookups matched the twin, %d extrapolation and %d not-connected errors agreed", ok, extrap, disc)
	if ok < 1000 || extrap == 0 || disc == 0 {
		t.Errorf("coverage too thin: %d ok, %d extrapolation, %d not connected", ok, extrap, disc)
	}
}
