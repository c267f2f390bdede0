package decode

import (
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

// darkGolden is testdata/dark_golden.bin, written by
// testdata/gen_dark_golden.py with mmpose's refine_keypoints_dark.
type darkGolden struct {
	n, h, w int
	kernels []int
	maps    []float32   // [n,h,w]
	want    [][]float32 // per kernel, [n,2] (x, y) in cells
}

func loadDARKGolden(t *testing.T) darkGolden {
	t.Helper()
	data, err := os.ReadFile("testdata/dark_golden.bin")
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	i32 := func() int {
		if off+4 > len(data) {
			t.Fatalf("dark_golden.bin: truncated at byte %d", off)
		}
		v := int(int32(binary.LittleEndian.Uint32(data[off:])))
		off += 4
		return v
	}
	f32s := func(n int) []float32 {
		if off+4*n > len(data) {
			t.Fatalf("dark_golden.bin: truncated at byte %d, want %d floats", off, n)
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
		}
		off += 4 * n
		return out
	}
	if m := i32(); m != 0x4b524144 {
		t.Fatalf("dark_golden.bin: magic %#x", m)
	}
	g := darkGolden{n: i32(), h: i32(), w: i32()}
	nk := i32()
	for range nk {
		g.kernels = append(g.kernels, i32())
	}
	g.maps = f32s(g.n * g.h * g.w)
	for range nk {
		g.want = append(g.want, f32s(2*g.n))
	}
	if off != len(data) || g.n == 0 || nk == 0 {
		t.Fatalf("dark_golden.bin: %d of %d bytes read, %d maps, %d kernels", off, len(data), g.n, nk)
	}
	return g
}

// TestDARKAgainstMMPose checks DARK against mmpose's refine_keypoints_dark
// (OpenCV's GaussianBlur at σ = 0 for the smoothing) for every kernel size
// 3..17 on noise, model-like blobs, two-blob, elongated and border maps.
func TestDARKAgainstMMPose(t *testing.T) {
	g := loadDARKGolden(t)
	out := make([]pose.Keypoint, g.n)
	for ki, k := range g.kernels {
		d, err := NewDARK(k)
		if err != nil {
			t.Fatal(err)
		}
		d.Decode(g.maps, g.n, g.w, g.h, out)
		worst := 0.0
		for j := range g.n {
			m := g.maps[j*g.w*g.h : (j+1)*g.w*g.h]
			ax, ay, _ := Argmax(m, g.w, g.h)
			wx, wy := g.want[ki][2*j], g.want[ki][2*j+1]
			e := max(math.Abs(float64(out[j].X-wx)), math.Abs(float64(out[j].Y-wy)))
			step := math.Hypot(float64(wx)-float64(ax), float64(wy)-float64(ay))
			worst = max(worst, e/((1+step)*(1+step)))
			// mmpose blurs, logs and solves in float32, we in float64: a
			// relative rounding δ of the logs moves the step −H⁻¹∇ by about
			// |H⁻¹|·δ·|step|, and |H⁻¹| grows with the step (noise maps
			// give steps of hundreds of cells). A peaked map (step < 1) is
			// held to 4e-5 cells, well below the 3e-4..0.02 of a kernel off
			// by the σ formula.
			if e > 1e-5*(1+step)*(1+step) {
				t.Errorf("kernel %d map %d: DARK (%.6f, %.6f), mmpose (%.6f, %.6f), step %.3g", k, j, out[j].X, out[j].Y, wx, wy, step)
			}
		}
		t.Logf("kernel %2d: worst |Δ|/(1+|step|)² %.2g", k, worst)
	}
}
