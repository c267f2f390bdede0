package preprocess

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
)

func randomImage(w, h int, seed uint64) *imageconv.RGB {
	r := rand.New(rand.NewPCG(seed, 7))
	img := &imageconv.RGB{Width: w, Height: h, Pix: make([]uint8, 3*w*h)}
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

// bruteLetterbox is the twin of Letterbox.Run: every output pixel sampled
// independently in float64 from the definitions.
func bruteLetterbox(img *imageconv.RGB, s int, pad float64, n Norm) []float32 {
	w, h := img.Width, img.Height
	r := math.Min(float64(s)/float64(w), float64(s)/float64(h))
	nw, nh := int(math.RoundToEven(float64(w)*r)), int(math.RoundToEven(float64(h)*r))
	left := int(math.RoundToEven(float64(s-nw)/2 - 0.1))
	top := int(math.RoundToEven(float64(s-nh)/2 - 0.1))
	out := make([]float32, 3*s*s)
	for v := range s {
		for u := range s {
			var px [3]float64
			if u < left || u >= left+nw || v < top || v >= top+nh {
				px = [3]float64{pad, pad, pad}
			} else {
				fx := math.Max(0, (float64(u-left)+0.5)*float64(w)/float64(nw)-0.5)
				fy := math.Max(0, (float64(v-top)+0.5)*float64(h)/float64(nh)-0.5)
				for c := range 3 {
					px[c] = bilinearClamp(img, fx, fy, c)
				}
			}
			for c := range 3 {
				sc := c
				if n.BGR {
					sc = 2 - c
				}
				out[c*s*s+v*s+u] = float32((px[sc] - float64(n.Mean[sc])) / float64(n.Std[sc]))
			}
		}
	}
	return out
}

func bilinearClamp(img *imageconv.RGB, fx, fy float64, c int) float64 {
	at := func(x, y int) float64 {
		x = min(max(x, 0), img.Width-1)
		y = min(max(y, 0), img.Height-1)
		return float64(img.Pix[3*(y*img.Width+x)+c])
	}
	x0, y0 := math.Floor(fx), math.Floor(fy)
	tx, ty := fx-x0, fy-y0
	xi, yi := int(x0), int(y0)
	return (1-ty)*((1-tx)*at(xi, yi)+tx*at(xi+1, yi)) + ty*((1-tx)*at(xi, yi+1)+tx*at(xi+1, yi+1))
}

// bilinearBorder samples with a constant border per tap, as warpAffine.
func bilinearBorder(img *imageconv.RGB, fx, fy float64, c int, border float64) float64 {
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= img.Width || y >= img.Height {
			return border
		}
		return float64(img.Pix[3*(y*img.Width+x)+c])
	}
	x0, y0 := math.Floor(fx), math.Floor(fy)
	tx, ty := fx-x0, fy-y0
	xi, yi := int(x0), int(y0)
	return (1-ty)*((1-tx)*at(xi, yi)+tx*at(xi+1, yi)) + ty*((1-tx)*at(xi, yi+1)+tx*at(xi+1, yi+1))
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

func TestLetterboxAgainstBrute(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		size int
		norm Norm
	}{
		{"wide", 97, 41, 64, UnitScale},
		{"tall", 30, 77, 48, ImageNet},
		{"square-up", 20, 20, 50, UnitScale},
		{"bgr", 64, 48, 32, Norm{Mean: [3]float32{1, 2, 3}, Std: [3]float32{10, 20, 30}, BGR: true}},
		{"1px", 1, 1, 8, UnitScale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := randomImage(tc.w, tc.h, uint64(tc.w*tc.h))
			l, err := NewLetterbox(LetterboxConfig{Size: tc.size, Norm: tc.norm})
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float32, l.TensorLen())
			a, err := l.Run(img, dst)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteLetterbox(img, tc.size, 114, tc.norm)
			// Tolerance: float32 interpolation of 0..255 values, divided by std.
			if d := maxDiff(dst, want); d > 1e-3 {
				t.Fatalf("max |letterbox − brute| = %g > 1e-3", d)
			}
			// The transform maps the image corners onto the content's edges.
			x, y := a.Apply(float64(tc.w), float64(tc.h))
			x0, y0 := a.Apply(0, 0)
			if math.Abs((x-x0)-(y-y0)*float64(tc.w)/float64(tc.h)) > 1e-9 || x > float64(tc.size)+0.5 || y > float64(tc.size)+0.5 || x0 < -0.5 || y0 < -0.5 {
				t.Fatalf("transform %v maps the image to (%g,%g)–(%g,%g)", a, x0, y0, x, y)
			}
		})
	}
}

func TestLetterboxGeometry1080p(t *testing.T) {
	l, _ := NewLetterbox(LetterboxConfig{})
	a := l.Transform(1920, 1080)
	want := pose.Affine{1.0 / 3, 0, 0, 0, 1.0 / 3, 140}
	for i := range a {
		if math.Abs(a[i]-want[i]) > 1e-12 {
			t.Fatalf("transform %v, want %v", a, want)
		}
	}
	// 1280×721: content height 360.5 rounds to even (360, as Python's
	// round), so the top padding is round(139.9) = 140, not 139.
	if a := l.Transform(1280, 721); a[5] != 140 {
		t.Fatalf("1280×721 top padding %g, want 140", a[5])
	}
	img := &imageconv.RGB{Width: 1920, Height: 1080, Pix: make([]uint8, 3*1920*1080)}
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	dst := make([]float32, l.TensorLen())
	if _, err := l.Run(img, dst); err != nil {
		t.Fatal(err)
	}
	// Row 139 is padding, rows 140..499 content, row 500 padding.
	check := func(v int, want float32) {
		for c := range 3 {
			if got := dst[c*640*640+v*640+320]; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("row %d channel %d = %g, want %g", v, c, got, want)
			}
		}
	}
	check(139, 114.0/255)
	check(140, 200.0/255)
	check(499, 200.0/255)
	check(500, 114.0/255)
	if a := testing.AllocsPerRun(3, func() { _, _ = l.Run(img, dst) }); a != 0 {
		t.Fatalf("Letterbox.Run allocates %v per frame", a)
	}
}

func TestCropAgainstBrute(t *testing.T) {
	img := randomImage(80, 60, 3)
	c, err := NewCropper(CropConfig{Width: 24, Height: 32, Border: 17})
	if err != nil {
		t.Fatal(err)
	}
	boxes := [][4]float32{
		{10, 10, 40, 50},     // inside
		{-20, -5, 30, 20},    // crosses the top-left corner
		{70.3, 40.7, 95, 90}, // crosses the bottom-right corner
		{200, 200, 210, 220}, // entirely outside
		{5.5, 20.25, 75, 30}, // wide: height grown to the aspect ratio
	}
	dst := make([]float32, c.TensorLen(len(boxes)))
	xf := make([]pose.Affine, len(boxes))
	if err := c.Run(img, boxes, dst, xf); err != nil {
		t.Fatal(err)
	}
	for i, b := range boxes {
		inv, err := xf[i].Inverse()
		if err != nil {
			t.Fatal(err)
		}
		// The scaled box's centre maps to the crop centre.
		u, v := xf[i].Apply((float64(b[0])+float64(b[2]))/2, (float64(b[1])+float64(b[3]))/2)
		if math.Abs(u-12) > 1e-9 || math.Abs(v-16) > 1e-9 {
			t.Fatalf("box %d centre maps to (%g,%g)", i, u, v)
		}
		for ch := range 3 {
			for y := range 32 {
				for x := range 24 {
					fx, fy := inv.Apply(float64(x), float64(y))
					want := (bilinearBorder(img, fx, fy, ch, 17) - float64(ImageNet.Mean[ch])) / float64(ImageNet.Std[ch])
					got := dst[i*3*32*24+ch*32*24+y*24+x]
					if math.Abs(float64(got)-want) > 1e-4 {
						t.Fatalf("box %d ch %d (%d,%d): got %g want %g", i, ch, x, y, got, want)
					}
				}
			}
		}
	}
	if a := testing.AllocsPerRun(3, func() { _ = c.Run(img, boxes, dst, xf) }); a != 0 {
		t.Fatalf("Cropper.Run allocates %v per frame", a)
	}
}

func TestCenterScale(t *testing.T) {
	c, _ := NewCropper(CropConfig{})
	// Square 100 px box: ×1.25 = 125, height grown to 125/0.75.
	cx, cy, sw, sh, err := c.CenterScale([4]float32{50, 50, 150, 150})
	if err != nil || cx != 100 || cy != 100 || math.Abs(sw-125) > 1e-9 || math.Abs(sh-125/0.75) > 1e-9 {
		t.Fatalf("got %g %g %g %g %v", cx, cy, sw, sh, err)
	}
	// Tall 30×200 box: width grown to 250·0.75.
	_, _, sw, sh, _ = c.CenterScale([4]float32{0, 0, 30, 200})
	if math.Abs(sh-250) > 1e-9 || math.Abs(sw-187.5) > 1e-9 {
		t.Fatalf("tall: %g×%g", sw, sh)
	}
	a, _ := c.BoxTransform([4]float32{0, 0, 30, 200})
	if math.Abs(a.Scale()-256.0/250) > 1e-12 {
		t.Fatalf("scale %g", a.Scale())
	}
}

func TestErrors(t *testing.T) {
	var ce *configerr.Error
	if _, err := NewLetterbox(LetterboxConfig{Size: -3}); !errors.As(err, &ce) || !errors.Is(err, configerr.ErrInvalid) ||
		ce.Param != "preprocess.LetterboxConfig.Size" || ce.Value != -3 || ce.Reason != "want 1..8192" {
		t.Fatalf("size: %v", err)
	}
	if _, err := NewCropper(CropConfig{Width: 10, Height: 10, Norm: Norm{Std: [3]float32{1, 0, 1}}}); !errors.As(err, &ce) ||
		ce.Param != "preprocess.CropConfig.Norm.Std[1]" || ce.Value != float32(0) || ce.Reason != "want > 0" {
		t.Fatalf("std: %v", err)
	}
	if _, err := NewCropper(CropConfig{Width: 10, Height: 10, Padding: math.Inf(1)}); !errors.As(err, &ce) ||
		ce.Param != "preprocess.CropConfig.Padding" || ce.Reason != "want finite > 0" {
		t.Fatalf("padding: %v", err)
	}
	l, _ := NewLetterbox(LetterboxConfig{Size: 8})
	if _, err := l.Run(&imageconv.RGB{Width: 4, Height: 4, Pix: make([]uint8, 10)}, make([]float32, 192)); !errors.Is(err, ErrImage) {
		t.Fatalf("short image: %v", err)
	}
	if _, err := l.Run(&imageconv.RGB{}, make([]float32, 192)); !errors.Is(err, ErrImage) {
		t.Fatalf("empty image: %v", err)
	}
	if _, err := l.Run(randomImage(4, 4, 1), make([]float32, 191)); !errors.Is(err, ErrTensor) {
		t.Fatalf("short tensor: %v", err)
	}
	c, _ := NewCropper(CropConfig{})
	img := randomImage(8, 8, 1)
	if err := c.Run(img, [][4]float32{{5, 5, 5, 9}}, make([]float32, c.TensorLen(1)), make([]pose.Affine, 1)); !errors.Is(err, ErrBox) {
		t.Fatalf("empty box: %v", err)
	}
	nan := float32(math.NaN())
	if err := c.Run(img, [][4]float32{{0, 0, nan, 9}}, make([]float32, c.TensorLen(1)), make([]pose.Affine, 1)); !errors.Is(err, ErrBox) {
		t.Fatalf("NaN box: %v", err)
	}
	if err := c.Run(img, [][4]float32{{0, 0, 4, 4}}, make([]float32, 5), make([]pose.Affine, 1)); !errors.Is(err, ErrTensor) {
		t.Fatalf("short tensor: %v", err)
	}
}

func BenchmarkLetterbox1080p(b *testing.B) {
	img := randomImage(1920, 1080, 1)
	l, _ := NewLetterbox(LetterboxConfig{Size: 640})
	dst := make([]float32, l.TensorLen())
	b.ReportAllocs()
	c0 := cpuSeconds()
	for b.Loop() {
		if _, err := l.Run(img, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/frame")
}

func BenchmarkCrop5(b *testing.B) {
	img := randomImage(1920, 1080, 1)
	c, _ := NewCropper(CropConfig{})
	boxes := [][4]float32{{100, 200, 300, 700}, {500, 100, 800, 1000}, {900, 300, 1000, 600}, {1200, 0, 1500, 1080}, {1700, 500, 1950, 1100}}
	dst := make([]float32, c.TensorLen(len(boxes)))
	xf := make([]pose.Affine, len(boxes))
	b.ReportAllocs()
	c0 := cpuSeconds()
	for b.Loop() {
		if err := c.Run(img, boxes, dst, xf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*5/b.Elapsed().Seconds(), "crops/s")
	b.ReportMetric((cpuSeconds()-c0)*1e3/float64(b.N), "cpu-ms/frame")
}
