package bevfusionnode

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/perception/bev"
)

// rigCamera is base_link ← optical for a camera at t whose optical axis
// (z) is fwd and whose image x axis is right (y points down).
func rigCamera(t, right, down, fwd [3]float64) [16]float64 {
	return [16]float64{
		right[0], down[0], fwd[0], t[0],
		right[1], down[1], fwd[1], t[1],
		right[2], down[2], fwd[2], t[2],
		0, 0, 0, 1}
}

// TestLidar2ImgKnownRig projects points of a known rig (K of a 704×256
// image: f 500, centre (352, 128); the card's resize 0.5 and bottom crop to
// 352×96, i.e. 32 rows off the top) to the pixels worked out by hand:
// u = ½(f·x/z + cx), v = ½(f·y/z + cy) − 32, with depth z.
func TestLidar2ImgKnownRig(t *testing.T) {
	s, cx, cy := augFor(704, 256, 352, 96, 0.5)
	if s != 0.5 || cx != 0 || cy != 32 {
		t.Fatalf("augFor: scale %g crop (%g, %g), want 0.5 (0, 32)", s, cx, cy)
	}
	aug := bev.ResizeCrop(s, s, cx, cy)
	front := rigCamera([3]float64{1, 0, 1.5}, [3]float64{0, -1, 0}, [3]float64{0, 0, -1}, [3]float64{1, 0, 0})
	left := rigCamera([3]float64{0, 0.5, 1.5}, [3]float64{1, 0, 0}, [3]float64{0, 0, -1}, [3]float64{0, 1, 0})
	for _, tc := range []struct {
		name    string
		extr    [16]float64
		p       [3]float64
		u, v, d float64
	}{
		// Optical (−2, 1, 10): original pixel (252, 178).
		{"front", front, [3]float64{11, 2, 0.5}, 126, 57, 10},
		// Optical (4, 0, 20): original pixel (452, 128).
		{"front far right", front, [3]float64{21, -4, 1.5}, 226, 32, 20},
		// Optical (3, 1, 10): original pixel (502, 178).
		{"left", left, [3]float64{3, 10.5, 0.5}, 251, 57, 10},
	} {
		m := lidar2img(500, 500, 352, 128, aug, tc.extr)
		var h [4]float64
		for r := range 4 {
			h[r] = m[4*r]*tc.p[0] + m[4*r+1]*tc.p[1] + m[4*r+2]*tc.p[2] + m[4*r+3]
		}
		if math.Abs(h[0]/h[2]-tc.u) > 1e-9 || math.Abs(h[1]/h[2]-tc.v) > 1e-9 || math.Abs(h[2]-tc.d) > 1e-12 || h[3] != 1 {
			t.Errorf("%s: %v → (%g, %g) at depth %g (w %g), want (%g, %g) at %g", tc.name, tc.p, h[0]/h[2], h[1]/h[2], h[2], h[3], tc.u, tc.v, tc.d)
		}
	}
	// Without augmentation the same point lands on the original pixel.
	m := lidar2img(500, 500, 352, 128, [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, front)
	x, y, z := 11.0, 2.0, 0.5
	u := (m[0]*x + m[1]*y + m[2]*z + m[3]) / (m[8]*x + m[9]*y + m[10]*z + m[11])
	v := (m[4]*x + m[5]*y + m[6]*z + m[7]) / (m[8]*x + m[9]*y + m[10]*z + m[11])
	if math.Abs(u-252) > 1e-9 || math.Abs(v-178) > 1e-9 {
		t.Errorf("identity augmentation: (%g, %g), want (252, 178)", u, v)
	}
}

// TestMLPInputBEVDepth fills BEVDepth's 27 camera-aware values for a known
// camera: K, the resize-and-crop as ida (its translation in column 3), the
// identity bda, and the extrinsic's top three rows.
func TestMLPInputBEVDepth(t *testing.T) {
	aug := bev.ResizeCrop(0.48, 0.48, 32, 176)
	extr := rigCamera([3]float64{1.5, 0.1, 1.6}, [3]float64{0, -1, 0}, [3]float64{0, 0, -1}, [3]float64{1, 0, 0})
	got := make([]float32, 27)
	mlpInput(got, infer.MLPLayoutBEVDepth, 1266.4, 1266.4, 816.3, 491.5, aug, extr)
	want := []float64{1266.4, 1266.4, 816.3, 491.5,
		0.48, 0, -32, 0, 0.48, -176,
		1, 0, 0, 1, 1,
		0, 0, 1, 1.5, -1, 0, 0, 0.1, 0, -1, 0, 1.6}
	for i := range want {
		if got[i] != float32(want[i]) {
			t.Errorf("value %d (%s) = %g, want %g", i, infer.MLPLayoutBEVDepth[i], got[i], want[i])
		}
	}
	sub := make([]float32, 3)
	mlpInput(sub, []string{"cy", "e13", "ida13"}, 1266.4, 1266.4, 816.3, 491.5, aug, extr)
	if sub[0] != 491.5 || sub[1] != 0.1 || sub[2] != -176 {
		t.Errorf("subset: %v", sub)
	}
}

// TestLidar2ImgPETR compares lidar2img with PETR's own (get_data_info's
// lidar2img and the test-time ResizeCropFlipImage, run from its source by
// testdata/gen_lidar2img.py) for three nuScenes-like cameras and two
// input sizes: 1600×900 into 800×320 (resize 0.5, 130 rows cropped) and
// into 704×256 (resize 0.44, 140 rows). PETR's ida_mat is float32, so the
// entries agree to float64 rounding at scale 0.5 (measured 7e-16) and to
// float32 rounding of 0.44 (1.7e-8).
func TestLidar2ImgPETR(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden/lidar2img.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Camera        string
			Width, Height int
			InputWidth    int `json:"input_width"`
			InputHeight   int `json:"input_height"`
			Resize        float64
			K             [3][3]float64
			Rotation      [3][3]float64 `json:"sensor2lidar_rotation"`
			Translation   [3]float64    `json:"sensor2lidar_translation"`
			Lidar2Img     [4][4]float64
		}
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 6 {
		t.Fatalf("%d cases, want 6", len(g.Cases))
	}
	for _, c := range g.Cases {
		var e [16]float64
		for r := range 3 {
			for k := range 3 {
				e[4*r+k] = c.Rotation[r][k]
			}
			e[4*r+3] = c.Translation[r]
		}
		e[15] = 1
		s, cx, cy := augFor(c.Width, c.Height, c.InputWidth, c.InputHeight, c.Resize)
		m := lidar2img(c.K[0][0], c.K[1][1], c.K[0][2], c.K[1][2], bev.ResizeCrop(s, s, cx, cy), e)
		worst := 0.0
		for r := range 4 {
			for k := range 4 {
				want := c.Lidar2Img[r][k]
				worst = max(worst, math.Abs(m[4*r+k]-want)/math.Max(1, math.Abs(want)))
			}
		}
		if worst > 5e-8 {
			t.Errorf("%s %d×%d: lidar2img %v, PETR %v (worst relative difference %.2g)", c.Camera, c.InputWidth, c.InputHeight, m, c.Lidar2Img, worst)
		}
	}
}

// TestMLPInputBEVDepthGolden compares mlp_input with BEVDepth's own
// (its test-time ida augmentation and DepthNet.forward's assembly, run
// from its source by testdata/gen_mlp_input.py) for two cameras at two
// input sizes; both are float32 of the same numbers, so they must be equal.
func TestMLPInputBEVDepthGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden/mlp_input.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Width, Height int
			InputWidth    int `json:"input_width"`
			InputHeight   int `json:"input_height"`
			Resize        float64
			K             [3][3]float64
			Extrinsic     [3][4]float64
			MLPInput      []float32 `json:"mlp_input"`
		}
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) != 4 {
		t.Fatalf("%d cases, want 4", len(g.Cases))
	}
	for i, c := range g.Cases {
		var e [16]float64
		for r := range 3 {
			for k := range 4 {
				e[4*r+k] = c.Extrinsic[r][k]
			}
		}
		e[15] = 1
		s, cx, cy := augFor(c.Width, c.Height, c.InputWidth, c.InputHeight, c.Resize)
		got := make([]float32, 27)
		mlpInput(got, infer.MLPLayoutBEVDepth, c.K[0][0], c.K[1][1], c.K[0][2], c.K[1][2], bev.ResizeCrop(s, s, cx, cy), e)
		for j := range got {
			if got[j] != c.MLPInput[j] {
				t.Errorf("case %d value %d (%s) = %g, BEVDepth %g", i, j, infer.MLPLayoutBEVDepth[j], got[j], c.MLPInput[j])
			}
		}
	}
}
