package lidarseg

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/camera"
)

// paintRig is two cameras at the sensor's origin: "front" looking along +x
// (fx 50, 100×80, principal point (50, 40)) and "left" looking along +y
// (fx 20, wider). Each image encodes its pixels: r = u, g = v, b = 100 +
// camera index, so a sampled colour names the pixel and the camera.
func paintRig(t *testing.T, distortion []float64) []PaintCamera {
	t.Helper()
	model := func(f float64, dist []float64) *camera.Model {
		name := camera.None
		if dist != nil {
			name = camera.PlumbBob
		}
		m, err := camera.FromCameraInfo(100, 80, name, dist, [9]float64{f, 0, 50, 0, f, 40, 0, 0, 1})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	image := func(cam int) []byte {
		b := make([]byte, 100*80*3)
		for v := range 80 {
			for u := range 100 {
				k := 3 * (v*100 + u)
				b[k], b[k+1], b[k+2] = byte(u), byte(v), byte(100+cam)
			}
		}
		return b
	}
	return []PaintCamera{
		// optical x = −y, y = −z, z = x
		{Model: model(50, distortion), RGB: image(0), FromSensor: [16]float64{0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0, 0, 0, 0, 1}},
		// optical x = x, y = −z, z = y
		{Model: model(20, nil), RGB: image(1), FromSensor: [16]float64{1, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1}},
	}
}

// TestSampleKnownPixels checks points against pixels worked out by hand.
func TestSampleKnownPixels(t *testing.T) {
	cams := paintRig(t, nil)
	rgb := func(u, v, cam int) [4]float32 {
		return [4]float32{float32(u) / 255, float32(v) / 255, float32(100+cam) / 255, 1}
	}
	for _, tc := range []struct {
		name    string
		x, y, z float32
		want    [4]float32
		ok      bool
	}{
		{"front centre", 10, 0, 0, rgb(50, 40, 0), true},
		// (2, −1, 10) in the front optical frame: u = 50 + 50·0.2, v = 40 − 50·0.1.
		{"front off-centre", 10, -2, 1, rgb(60, 35, 0), true},
		// Front u = 20 (0.3 from centre), left u = 50 + 20·10/6 = 83.3 (0.34): front wins.
		{"both, front nearer centre", 10, 6, 0, rgb(20, 40, 0), true},
		// Front u = 0 (its edge), left u = 70: left wins.
		{"both, left nearer centre", 8, 8, 0, rgb(70, 40, 1), true},
		// Left u = 50 + 20·0.6 = 62.
		{"left only", 6, 10, 0, rgb(62, 40, 1), true},
		// Rounds to the nearest pixel: front u = 50 + 50·0.109 = 55.45 → 55, v 40 − 50·0.049 = 37.55 → 38.
		{"nearest pixel", 10, -1.09, 0.49, rgb(55, 38, 0), true},
		{"behind both", -10, -1, 0, [4]float32{}, false},
		{"outside both images (below)", 10, -20, -30, [4]float32{}, false},
		{"not finite", float32(math.NaN()), 0, 0, [4]float32{}, false},
	} {
		got, ok := Sample(cams, tc.x, tc.y, tc.z)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: (%g, %g, %g) → %v %v, want %v %v", tc.name, tc.x, tc.y, tc.z, got, ok, tc.want, tc.ok)
		}
	}

	// A camera without an image this frame sees nothing: the point only
	// the left camera saw is unpainted, and one both saw falls to front.
	cams[1].RGB = nil
	if got, ok := Sample(cams, 6, 10, 0); ok || got != ([4]float32{}) {
		t.Errorf("left camera without an image: %v %v, want unpainted", got, ok)
	}
	if got, _ := Sample(cams, 8, 8, 0); got != rgb(0, 40, 0) {
		t.Errorf("left camera without an image: (8, 8, 0) → %v, want front's pixel (0, 40)", got)
	}
}

// TestSampleDistortion checks that the lens distortion moves the pixel:
// with plumb_bob k1 = −0.5 the normalised x 0.4 becomes 0.4·(1 − 0.5·0.16)
// = 0.368, u = 68.4 → 68 (70 without distortion).
func TestSampleDistortion(t *testing.T) {
	cams := paintRig(t, []float64{-0.5, 0, 0, 0, 0})
	got, ok := Sample(cams[:1], 10, -4, 0)
	if want := [4]float32{68.0 / 255, 40.0 / 255, 100.0 / 255, 1}; !ok || got != want {
		t.Errorf("distorted: %v %v, want %v (pixel 68, 40)", got, ok, want)
	}
}

// TestPaintRangeImage paints a projected cloud and checks every pixel:
// the nearest point's normalised colour where a point shows, the
// normalised unpainted values for points no camera sees, 0 for empty
// pixels; and that a warmed-up Painter allocates nothing.
func TestPaintRangeImage(t *testing.T) {
	cams := paintRig(t, nil)
	pr, err := NewProjector(ProjectionConfig{Height: 16, Width: 64, FovUpDeg: 10, FovDownDeg: -30})
	if err != nil {
		t.Fatal(err)
	}
	c := Cloud{
		X: []float32{10, 10, 6, -10, 8, 20},
		Y: []float32{0, -2, 10, -1, 8, 0},
		Z: []float32{0, 1, 0, 0, 0, 0}, // the last hides behind the first
	}
	proj, err := pr.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := PaintConfig{Channels: []string{PaintValid, PaintR, PaintG, PaintB},
		Means: []float32{0.5, 0.2, 0.3, 0.4}, Stds: []float32{0.5, 0.1, 0.2, 0.25}}
	p, err := NewPainter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	plane := 16 * 64
	dst := make([]float32, 4*plane)
	for i := range dst {
		dst[i] = 42 // every value must be written
	}
	n, err := p.Paint(dst, proj, c, cams)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("painted %d pixels, want 4 (the point behind is unpainted, the far one hidden)", n)
	}
	if proj.Projected != 6 {
		t.Fatalf("test cloud: %d points projected, want 6", proj.Projected)
	}
	shown := 0
	for pix, j := range proj.PixelPoint {
		var want [4]float32
		if j >= 0 {
			shown++
			raw, _ := Sample(cams, c.X[j], c.Y[j], c.Z[j])
			order := [4]int{3, 0, 1, 2} // valid, r, g, b
			for ch, s := range order {
				want[ch] = (raw[s] - cfg.Means[ch]) / cfg.Stds[ch]
			}
		}
		for ch := range 4 {
			if got := dst[ch*plane+pix]; got != want[ch] {
				t.Errorf("pixel %d (point %d) channel %d: %g, want %g", pix, j, ch, got, want[ch])
			}
		}
	}
	if shown != 5 {
		t.Errorf("%d pixels hold a point, want 5", shown)
	}
	// The first point's pixel: front centre (50, 40).
	pix := int(proj.PointV[0])*64 + int(proj.PointU[0])
	if got, want := dst[plane+pix], (50.0/255-0.2)/0.1; math.Abs(float64(got)-want) > 1e-6 {
		t.Errorf("first point's r: %g, want %g", got, want)
	}
	if got := dst[pix]; got != 1 {
		t.Errorf("first point's valid: %g, want (1 − 0.5)/0.5 = 1", got)
	}
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := p.Paint(dst, proj, c, cams); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Paint allocates %g times per frame after warm-up, want 0", allocs)
	}
}

func TestPainterConfigErrors(t *testing.T) {
	names := strings.Join(PaintChannelNames, ", ")
	for _, c := range []struct {
		cfg           PaintConfig
		param, reason string
	}{
		{PaintConfig{}, "lidarseg.PaintConfig.Channels", "empty, want some of " + names},
		{PaintConfig{Channels: []string{"r", "x"}}, "lidarseg.PaintConfig.Channels[1]", "want one of " + names},
		{PaintConfig{Channels: []string{"r", "r"}}, "lidarseg.PaintConfig.Channels[1]", "repeated"},
		{PaintConfig{Channels: []string{"r", "g"}, Means: []float32{0}, Stds: []float32{1}}, "lidarseg.PaintConfig.Means", "1 means and 1 stds for 2 channels"},
		{PaintConfig{Channels: []string{"r"}, Means: []float32{0}, Stds: []float32{0}}, "lidarseg.PaintConfig.Stds[0]", "want finite > 0"},
	} {
		_, err := NewPainter(c.cfg)
		wantConfigErr(t, fmt.Sprintf("%+v", c.cfg), err, c.param, c.reason)
	}
	p, err := NewPainter(PaintConfig{Channels: []string{"r", "g", "b", "valid"}})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := NewProjector(ProjectionConfig{Height: 4, Width: 8, FovUpDeg: 10, FovDownDeg: -30})
	if err != nil {
		t.Fatal(err)
	}
	c := Cloud{X: []float32{1}, Y: []float32{0}, Z: []float32{0}}
	proj, err := pr.Project(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Paint(make([]float32, 3*32), proj, c, nil); !errors.Is(err, ErrInput) {
		t.Errorf("short paint buffer: error %v, want ErrInput", err)
	}
	short := paintRig(t, nil)
	short[0].RGB = short[0].RGB[:10]
	if _, err := p.Paint(make([]float32, 4*32), proj, c, short); !errors.Is(err, ErrInput) {
		t.Errorf("short image: error %v, want ErrInput", err)
	}
}
