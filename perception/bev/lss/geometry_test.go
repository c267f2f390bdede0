package lss

import (
	"errors"
	"fmt"
	"github.com/gopercept/gopercept/internal/testfix"
	"math"
	"sort"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// brutePoint lifts one frustum point the long way: input pixel, inverse
// augmentation by a general matrix inverse, undistortion, ray·depth, full
// 4×4 extrinsic. It returns the base_link point.
func brutePoint(c Config, cam *bev.Camera, k, v, u int) r3.Vec {
	var px, py float64
	if c.Sampling == SampleLinspace {
		px = float64(u) * float64(c.InputWidth-1) / float64(c.FeatWidth-1)
		py = float64(v) * float64(c.InputHeight-1) / float64(c.FeatHeight-1)
	} else {
		s := float64(c.InputWidth) / float64(c.FeatWidth)
		px = float64(u)*s + s/2 - 0.5
		s = float64(c.InputHeight) / float64(c.FeatHeight)
		py = float64(v)*s + s/2 - 0.5
	}
	a := cam.AugMatrix()
	var inv mat.Dense
	if err := inv.Inverse(mat.NewDense(3, 3, a[:])); err != nil {
		panic(err)
	}
	var o mat.VecDense
	o.MulVec(&inv, mat.NewVecDense(3, []float64{px, py, 1}))
	x, y := cam.LensModel().Undistort(o.AtVec(0)/o.AtVec(2), o.AtVec(1)/o.AtVec(2))
	d := c.DepthMin + float64(k)*c.DepthStep
	pc := mat.NewVecDense(4, []float64{x * d, y * d, d, 1})
	var pb mat.VecDense
	pb.MulVec(mat.NewDense(4, 4, cam.Extrinsic[:]), pc)
	return r3.Vec{X: pb.AtVec(0), Y: pb.AtVec(1), Z: pb.AtVec(2)}
}

// nearEdge reports whether p lies within eps of a cell edge or a height
// bound, where float rounding may pick either side.
func nearEdge(c Config, p r3.Vec, eps float64) bool {
	g := c.Grid
	fx := (p.X - g.XMin) / g.Resolution
	fy := (p.Y - g.YMin) / g.Resolution
	return math.Abs(fx-math.Round(fx)) < eps || math.Abs(fy-math.Round(fy)) < eps ||
		math.Abs(p.Z-c.ZMin) < eps || math.Abs(p.Z-c.ZMax) < eps
}

// TestGeometryBrute checks every frustum point's cell, the sort and the
// intervals against the long-hand lift and a comparison sort.
func TestGeometryBrute(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ncam   int
		layout bev.Layout
		samp   Sampling
	}{
		{"1cam", 1, bev.LayoutYX, SampleCentre},
		{"3cam", 3, bev.LayoutYX, SampleLinspace},
		{"5cam-xy", 5, bev.LayoutXY, SampleCentre},
		{"8cam", 8, bev.LayoutYX, SampleCentre},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Layout, cfg.Sampling = tc.layout, tc.samp
			cams := testRig(tc.ncam)
			g, err := NewGeometry(cfg, cams)
			if err != nil {
				t.Fatal(err)
			}
			c := g.Config
			gw, gh := c.Grid.Width(), c.Grid.Height()
			type pt struct{ idx, cell int32 }
			var want []pt
			mismatch := 0
			idx := 0
			for n := range cams {
				for k := 0; k < g.D; k++ {
					for v := 0; v < g.FH; v++ {
						for u := 0; u < g.FW; u++ {
							p := brutePoint(c, &cams[n], k, v, u)
							cell := int32(-1)
							if p.Z >= c.ZMin && p.Z < c.ZMax {
								if i, j, ok := c.Grid.Cell(p.X, p.Y); ok {
									cell = int32(c.Grid.Offset(c.Layout, i, j))
									_ = gw
									_ = gh
								}
							}
							if got := g.PointCells()[idx]; got != cell {
								if !nearEdge(c, p, 1e-9) {
									t.Fatalf("point (n%d k%d v%d u%d) at %v: cell %d, brute %d", n, k, v, u, p, got, cell)
								}
								mismatch++
								cell = got // follow the fast path so the sort can be compared
							}
							if cell >= 0 {
								want = append(want, pt{int32(idx), cell})
							}
							idx++
						}
					}
				}
			}
			if mismatch > 3 {
				t.Errorf("%d edge mismatches", mismatch)
			}
			if len(want) == 0 || len(want) == idx {
				t.Fatalf("kept %d of %d: test rig is degenerate", len(want), idx)
			}
			sort.SliceStable(want, func(a, b int) bool { return want[a].cell < want[b].cell })
			if g.Kept() != len(want) || g.Frustum() != idx {
				t.Fatalf("kept %d of %d, brute %d of %d", g.Kept(), g.Frustum(), len(want), idx)
			}
			for i, w := range want {
				if g.DepthIndex[i] != w.idx {
					t.Fatalf("sorted point %d: %d, brute %d", i, g.DepthIndex[i], w.idx)
				}
			}
			// Intervals: maximal runs of equal cells.
			var iv []Interval
			for i := 0; i < len(want); {
				j := i
				for j < len(want) && want[j].cell == want[i].cell {
					j++
				}
				iv = append(iv, Interval{Start: int32(i), Len: int32(j - i), Cell: want[i].cell})
				i = j
			}
			if len(iv) != len(g.Intervals) {
				t.Fatalf("%d intervals, brute %d", len(g.Intervals), len(iv))
			}
			for i := range iv {
				if iv[i] != g.Intervals[i] {
					t.Fatalf("interval %d: %+v, brute %+v", i, g.Intervals[i], iv[i])
				}
			}
			// Source decodes the depth index.
			n, k, v, u := g.Source(len(want) / 2)
			if int32(((n*g.D+k)*g.FH+v)*g.FW+u) != g.DepthIndex[len(want)/2] {
				t.Error("Source does not decode DepthIndex")
			}
		})
	}
}

// TestGeometryKnownPoint lifts the principal ray of a forward camera with
// no augmentation: the point at depth d must be d metres ahead of it.
func TestGeometryKnownPoint(t *testing.T) {
	cam := bev.Camera{Name: "front", Width: 16, Height: 8, Fx: 10, Fy: 10, Cx: 7.5, Cy: 3.5,
		Extrinsic: testfix.OpticalExtrinsic(0, 0, 1.0, 0.25, 1.5)}
	cfg := Config{
		Grid:     bev.Grid{XMin: 0, XMax: 20, YMin: -5, YMax: 5, Resolution: 0.5},
		DepthMin: 2, DepthMax: 10, DepthStep: 1,
		InputWidth: 16, InputHeight: 8, FeatWidth: 16, FeatHeight: 8,
	}
	g, err := NewGeometry(cfg, []bev.Camera{cam})
	if err != nil {
		t.Fatal(err)
	}
	// Feature cell (7, 3) sits at input pixel (7, 3), 0.05 rad left and up
	// of the axis; cell (u=7, v=3) at depth bin k=3 (5 m): x = 1 + 5,
	// y = 0.25 + 5·0.05, z = 1.5 + 5·0.05.
	idx := ((0*g.D+3)*g.FH+3)*g.FW + 7
	i, j, _ := cfg.Grid.Cell(6, 0.5)
	if got, want := g.PointCells()[idx], int32(cfg.Grid.Offset(bev.LayoutYX, i, j)); got != want {
		t.Errorf("cell %d, want %d (x 6 m, y 0.5 m)", got, want)
	}
	if fp := Fingerprint(cfg, []bev.Camera{cam}); fp != g.Fingerprint {
		t.Error("fingerprint differs from the geometry's")
	}
	cam.Extrinsic[3] += 0.01
	if Fingerprint(cfg, []bev.Camera{cam}) == g.Fingerprint {
		t.Error("fingerprint missed an extrinsic change")
	}
}

func TestGeometryErrors(t *testing.T) {
	cams := testRig(2)
	var ce *configerr.Error
	if _, err := NewGeometry(testConfig(), nil); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
		ce.Param != "lss.NewGeometry cams" || ce.Value != 0 || ce.Reason != "need 1 to 8 cameras" {
		t.Errorf("no cameras: %v", err)
	}
	if _, err := NewGeometry(testConfig(), testRig(9)); !errors.As(err, &ce) || ce.Param != "lss.NewGeometry cams" || ce.Value != 9 {
		t.Errorf("9 cameras: %v", err)
	}
	bad := testConfig()
	bad.ZMax = -5
	if _, err := NewGeometry(bad, cams); !errors.As(err, &ce) || ce.Param != "lss.Config.ZMax" || ce.Value != -5.0 ||
		ce.Reason != fmt.Sprintf("must exceed ZMin %v m", bad.ZMin) {
		t.Errorf("ZMax: %v", err)
	}
	bad = testConfig()
	bad.Grid.Resolution = -1
	if _, err := NewGeometry(bad, cams); !errors.As(err, &ce) || ce.Param != "bev.Grid.Resolution" || ce.Value != -1.0 {
		t.Errorf("grid: %v", err)
	}
	cams[1].Fx = 0
	if _, err := NewGeometry(testConfig(), cams); !errors.Is(err, ErrCamera) || !errors.Is(err, bev.ErrInvalidCamera) {
		t.Errorf("camera: %v", err)
	}
	bad = testConfig()
	bad.DepthStep = 1e-300
	if _, err := NewGeometry(bad, testRig(1)); !errors.As(err, &ce) || ce.Param != "lss.Config.DepthStep" || ce.Value != 1e-300 {
		t.Errorf("tiny depth step: %v", err)
	}
	if n := (Config{}).DepthBins(); n != 118 {
		t.Errorf("default depth bins %d, want 118", n)
	}
}

// TestLifterRebuild checks that the Lifter rebuilds only on a rig change.
func TestLifterRebuild(t *testing.T) {
	l, err := NewLifter(testConfig(), 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cams := testRig(2)
	for i, want := range []bool{true, false, false} {
		if got, err := l.Update(cams); err != nil || got != want {
			t.Fatalf("update %d: rebuilt %v, %v", i, got, err)
		}
	}
	cams[0].Extrinsic[7] += 0.1
	if got, _ := l.Update(cams); !got {
		t.Error("extrinsic change not rebuilt")
	}
	if got, _ := l.Update(testRig(3)); !got || l.Geometry().NCam != 3 {
		t.Error("camera count change not rebuilt")
	}
	cams[1].Fy = -1
	if _, err := l.Update(cams); !errors.Is(err, ErrCamera) || l.Geometry() != nil {
		t.Errorf("bad camera: %v", err)
	}
	var ce *configerr.Error
	if _, err := NewLifter(testConfig(), 0, 1); !errors.As(err, &ce) || ce.Param != "lss.NewLifter channels" || ce.Value != 0 || ce.Reason != "need 1..65536" {
		t.Errorf("zero channels: %v", err)
	}
}
