package lss

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// frustumGolden is testdata/frustum_golden.json, written by
// gen_frustum_golden.py with BEVFusion's own create_frustum: the frustum's
// three axes (it is their product grid; the script checks that).
type frustumGolden struct {
	Cases []struct {
		ImageSize   [2]int     `json:"image_size"`   // H, W
		FeatureSize [2]int     `json:"feature_size"` // fH, fW
		DBound      [3]float64 `json:"dbound"`
		Shape       [3]int     `json:"shape"` // D, fH, fW
		XS, YS, DS  []float64
	} `json:"cases"`
}

// TestFrustumGolden compares our linspace frustum, point by point along
// each axis, with BEVFusion's float32 create_frustum: within 2 float32 ulps
// of the axis' far end (its linspace runs in float32), and the same number
// of depth bins.
func TestFrustumGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "frustum_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g frustumGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("frustum_golden.json: %v", err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("frustum_golden.json has no cases")
	}
	const ulps = 2 * 0x1p-23
	for _, c := range g.Cases {
		name := fmt.Sprintf("image %v feature %v dbound %v", c.ImageSize, c.FeatureSize, c.DBound)
		cfg := Config{InputHeight: c.ImageSize[0], InputWidth: c.ImageSize[1], FeatHeight: c.FeatureSize[0], FeatWidth: c.FeatureSize[1],
			DepthMin: c.DBound[0], DepthMax: c.DBound[1], DepthStep: c.DBound[2], Sampling: SampleLinspace}
		if d := cfg.DepthBins(); d != c.Shape[0] || len(c.DS) != d || len(c.XS) != c.Shape[2] || len(c.YS) != c.Shape[1] {
			t.Fatalf("%s: %d depth bins, BEVFusion %v (axes %d, %d, %d)", name, d, c.Shape, len(c.DS), len(c.YS), len(c.XS))
		}
		check := func(axis string, i int, got, want, end float64) {
			if math.Abs(got-want) > ulps*math.Max(math.Abs(end), 1) {
				t.Errorf("%s: %s[%d] = %.9g, BEVFusion %.9g", name, axis, i, got, want)
			}
		}
		for u, want := range c.XS {
			x, _, _ := cfg.FrustumPoint(0, 0, u)
			check("x", u, x, want, float64(c.ImageSize[1]-1))
		}
		for v, want := range c.YS {
			_, y, _ := cfg.FrustumPoint(0, v, 0)
			check("y", v, y, want, float64(c.ImageSize[0]-1))
		}
		for k, want := range c.DS {
			_, _, d := cfg.FrustumPoint(k, 0, 0)
			check("depth", k, d, want, c.DBound[1])
		}
		// The frustum is separable in ours too: one interior point.
		k, v, u := c.Shape[0]/2, c.Shape[1]/2, c.Shape[2]/2
		x, y, d := cfg.FrustumPoint(k, v, u)
		check("x at (k, v, u)", u, x, c.XS[u], float64(c.ImageSize[1]-1))
		check("y at (k, v, u)", v, y, c.YS[v], float64(c.ImageSize[0]-1))
		check("depth at (k, v, u)", k, d, c.DS[k], c.DBound[1])
	}
}

// TestParseSampling checks the card spellings and that pixel centres sit
// half a stride in, where BEVFusion's linspace puts cell 0 at pixel 0.
func TestParseSampling(t *testing.T) {
	for _, s := range []Sampling{SampleLinspace, SampleCentre} {
		got, err := ParseSampling(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSampling(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseSampling("centre"); err == nil {
		t.Error(`ParseSampling("centre") accepted`)
	}
	x, y, _ := Config{InputWidth: 704, InputHeight: 256, FeatWidth: 44, FeatHeight: 16}.FrustumPoint(0, 0, 0)
	if x != 7.5 || y != 7.5 {
		t.Errorf("pixel-centre cell (0, 0) at (%g, %g), want (7.5, 7.5)", x, y)
	}
}
