package bevfusionnode

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/perception/bev"
)

// preprocessTwin is the straightforward per-pixel bilinear resample of
// preprocess, in float64.
func preprocessTwin(c *camState, iw, ih int, mean, std [3]float64, scale float64, bgr bool) []float64 {
	src := &c.rgb
	W, H := src.Width, src.Height
	s, cx, cy := augFor(W, H, iw, ih, 0)
	out := make([]float64, 3*iw*ih)
	at := func(x, y, ch int) float64 {
		x, y = min(max(x, 0), W-1), min(max(y, 0), H-1)
		return float64(src.Pix[(y*W+x)*3+ch])
	}
	for y := range ih {
		for x := range iw {
			sx, sy := (float64(x)+cx+0.5)/s-0.5, (float64(y)+cy+0.5)/s-0.5
			for ch := range 3 {
				srcCh := ch
				if bgr {
					srcCh = 2 - ch
				}
				v := mean[ch] / scale
				if sx > -1 && sx < float64(W) && sy > -1 && sy < float64(H) {
					x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
					fx, fy := sx-float64(x0), sy-float64(y0)
					v = (1-fx)*(1-fy)*at(x0, y0, srcCh) + fx*(1-fy)*at(x0+1, y0, srcCh) + (1-fx)*fy*at(x0, y0+1, srcCh) + fx*fy*at(x0+1, y0+1, srcCh)
				}
				out[ch*iw*ih+y*iw+x] = (v*scale - mean[ch]) / std[ch]
			}
		}
	}
	return out
}

func TestPreprocessTwin(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tc := range []struct {
		w, h, iw, ih int
		bgr          bool
	}{{50, 30, 32, 16, false}, {64, 32, 32, 16, true}, {40, 10, 32, 16, false}, {1600, 900, 704, 256, false},
		{32, 16, 32, 16, false}, {32, 40, 32, 16, true}, {704, 256, 704, 256, false}} { // the last three: no resize, the copy path
		c := &camState{}
		c.rgb.Width, c.rgb.Height = tc.w, tc.h
		c.rgb.Pix = make([]uint8, 3*tc.w*tc.h)
		for i := range c.rgb.Pix {
			c.rgb.Pix[i] = uint8(rng.IntN(256))
		}
		mean, std := [3]float32{123.675, 116.28, 103.53}, [3]float32{58.395, 57.12, 57.375}
		dst := make([]float32, 3*tc.iw*tc.ih)
		for range 2 { // the second run reuses the column taps
			c.preprocess(dst, tc.iw, tc.ih, 0, mean, std, 1, tc.bgr)
		}
		want := preprocessTwin(c, tc.iw, tc.ih, [3]float64{123.675, 116.28, 103.53}, [3]float64{58.395, 57.12, 57.375}, 1, tc.bgr)
		for i := range want {
			if math.Abs(float64(dst[i])-want[i]) > 1e-4 {
				t.Fatalf("%+v: element %d = %g, twin %g", tc, i, dst[i], want[i])
			}
		}
		s, cx, cy := augFor(tc.w, tc.h, tc.iw, tc.ih, 0)
		if c.aug != bev.ResizeCrop(s, s, cx, cy) {
			t.Fatalf("%+v: aug %v", tc, c.aug)
		}
	}
}

// TestAugFor checks BEVDet's test-time transform on nuScenes' cameras:
// 1600×900 to 704×256 scales by 0.44 to 704×396 and keeps the bottom 256
// rows.
func TestAugFor(t *testing.T) {
	s, cx, cy := augFor(1600, 900, 704, 256, 0)
	if s != 0.44 || cx != 0 || cy != 140 {
		t.Fatalf("scale %g crop (%g, %g), want 0.44, (0, 140)", s, cx, cy)
	}
	// CUDA-BEVFusion: ×0.48 to 768×432, crop (32, 176).
	s, cx, cy = augFor(1600, 900, 704, 256, 0.48)
	if s != 0.48 || cx != 32 || cy != 176 {
		t.Fatalf("scale %g crop (%g, %g), want 0.48, (32, 176)", s, cx, cy)
	}
}
