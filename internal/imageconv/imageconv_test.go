package imageconv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
)

// reference is a 4×2 test pattern in RGB.
var reference = []uint8{
	255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128,
	10, 20, 30, 200, 100, 50, 0, 0, 0, 255, 255, 255,
}

// blocky is constant over 2×2 blocks, so chroma-subsampled encodings
// (yuv422, nv12) can reproduce it.
var blocky = []uint8{
	200, 30, 40, 200, 30, 40, 20, 180, 90, 20, 180, 90,
	200, 30, 40, 200, 30, 40, 20, 180, 90, 20, 180, 90,
}

func subsampled(enc string) bool { return enc == "yuv422" || enc == "yuv422_yuy2" || enc == "nv12" }

// encodeRaw packs the reference pattern (blocky for subsampled encodings)
// in enc with row padding pad.
func encodeRaw(enc string, pad int) Raw {
	reference := reference
	if subsampled(enc) {
		reference = blocky
	}
	w, h := 4, 2
	bpp := BytesPerPixel(enc)
	step := w*bpp + pad
	rows := h
	if enc == "nv12" {
		rows = h + h/2
	}
	data := make([]byte, step*rows)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := reference[3*(w*y+x):]
			r, g, b := p[0], p[1], p[2]
			o := data[step*y+bpp*x:]
			switch enc {
			case "rgb8":
				o[0], o[1], o[2] = r, g, b
			case "bgr8":
				o[0], o[1], o[2] = b, g, r
			case "rgba8":
				o[0], o[1], o[2], o[3] = r, g, b, 255
			case "bgra8":
				o[0], o[1], o[2], o[3] = b, g, r, 255
			case "mono8":
				o[0] = g
			case "mono16":
				binary.LittleEndian.PutUint16(o, uint16(g)<<8)
			case "yuv422", "yuv422_yuy2", "nv12":
				yy, cb, cr := color.RGBToYCbCr(r, g, b)
				switch enc {
				case "yuv422":
					o[1] = yy
					if x%2 == 0 {
						o[0], o[2] = cb, cr
					}
				case "yuv422_yuy2":
					o[0] = yy
					if x%2 == 0 {
						o[1], o[3] = cb, cr
					}
				case "nv12":
					o[0] = yy
					if x%2 == 0 && y%2 == 0 {
						uv := data[step*(h+y/2)+x:]
						uv[0], uv[1] = cb, cr
					}
				}
			}
		}
	}
	return Raw{Encoding: enc, Width: w, Height: h, Step: step, Data: data}
}

func TestDecodeRGBEncodings(t *testing.T) {
	cases := []struct {
		enc string
		tol int // YCbCr round trips lose a few levels; the others are exact
	}{{"rgb8", 0}, {"bgr8", 0}, {"rgba8", 0}, {"bgra8", 0}, {"mono8", 0}, {"mono16", 0}, {"yuv422", 3}, {"yuv422_yuy2", 3}, {"nv12", 3}}
	for _, c := range cases {
		for _, pad := range []int{0, 5} {
			r := encodeRaw(c.enc, pad)
			var dst RGB
			if err := DecodeRGB(&r, &dst); err != nil {
				t.Fatalf("%s pad %d: %v", c.enc, pad, err)
			}
			ref := reference
			if subsampled(c.enc) {
				ref = blocky
			}
			for i := 0; i < 8; i++ {
				want := ref[3*i : 3*i+3]
				if c.enc == "mono8" || c.enc == "mono16" {
					want = []uint8{reference[3*i+1], reference[3*i+1], reference[3*i+1]}
				}
				got := dst.Pix[3*i : 3*i+3]
				for k := 0; k < 3; k++ {
					if d := int(got[k]) - int(want[k]); d > c.tol || -d > c.tol {
						t.Fatalf("%s pad %d pixel %d: got %v want %v", c.enc, pad, i, got, want)
					}
				}
			}
		}
	}
}

func TestDecodeRGBBadInput(t *testing.T) {
	good := encodeRaw("rgb8", 0)
	cases := []struct {
		name string
		mod  func(r *Raw)
		want error
	}{
		{"unknown encoding", func(r *Raw) { r.Encoding = "bayer_rggb8x" }, ErrEncoding},
		{"zero size", func(r *Raw) { r.Width, r.Height = 0, 0 }, ErrEmpty},
		{"step too small", func(r *Raw) { r.Step = 11 }, ErrStep},
		{"truncated", func(r *Raw) { r.Data = r.Data[:len(r.Data)-1] }, ErrShortData},
		{"huge", func(r *Raw) { r.Width, r.Height, r.Step = 1<<20, 1<<20, 3<<20 }, ErrTooLarge},
	}
	for _, c := range cases {
		r := good
		c.mod(&r)
		var dst RGB
		err := DecodeRGB(&r, &dst)
		var e *Error
		if !errors.Is(err, c.want) || !errors.As(err, &e) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDecodeDepth(t *testing.T) {
	mm := make([]byte, 4)
	binary.LittleEndian.PutUint16(mm, 1500)
	r := Raw{Encoding: "16UC1", Width: 2, Height: 1, Step: 4, Data: mm}
	var d Depth
	if err := DecodeDepth(&r, &d); err != nil || math.Abs(float64(d.M[0])-1.5) > 1e-6 || d.M[1] != 0 {
		t.Fatalf("16UC1: %v %v", d.M, err)
	}
	f := make([]byte, 8)
	binary.LittleEndian.PutUint32(f, math.Float32bits(2.25))
	binary.LittleEndian.PutUint32(f[4:], math.Float32bits(float32(math.NaN())))
	r = Raw{Encoding: "32FC1", Width: 2, Height: 1, Step: 8, Data: f}
	if err := DecodeDepth(&r, &d); err != nil || d.M[0] != 2.25 || d.M[1] != 0 {
		t.Fatalf("32FC1: %v %v", d.M, err)
	}
	r.Encoding = "rgb8"
	if err := DecodeDepth(&r, &d); !errors.Is(err, ErrEncoding) {
		t.Fatalf("rgb8 as depth: %v", err)
	}
}

func compressedSamples(t testing.TB) (jpg, pngb []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		t.Fatal(err)
	}
	return jb.Bytes(), pb.Bytes()
}

func TestDecodeCompressed(t *testing.T) {
	jpg, pngb := compressedSamples(t)
	var dst RGB
	if err := DecodeCompressed("png", pngb, &dst); err != nil || dst.Width != 16 || dst.Height != 8 {
		t.Fatalf("png: %v %dx%d", err, dst.Width, dst.Height)
	}
	if dst.Pix[0] != 0 || dst.Pix[1] != 7 || dst.Pix[3] != 28 {
		t.Fatalf("png pixels %v", dst.Pix[:6])
	}
	if err := DecodeCompressed("rgb8; jpeg compressed bgr8", jpg, &dst); err != nil || dst.Width != 16 {
		t.Fatalf("jpeg: %v", err)
	}
	if err := DecodeCompressed("jpeg", jpg[:len(jpg)/2], &dst); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated jpeg: %v", err)
	}
	if err := DecodeCompressed("tiff", []byte("II*\x00"), &dst); !errors.Is(err, ErrEncoding) {
		t.Fatalf("tiff: %v", err)
	}
}

func FuzzDecodeRGB(f *testing.F) {
	for _, enc := range []string{"rgb8", "bgra8", "mono16", "yuv422", "nv12"} {
		r := encodeRaw(enc, 1)
		f.Add(enc, r.Width, r.Height, r.Step, r.Data)
	}
	f.Fuzz(func(t *testing.T, enc string, w, h, step int, data []byte) {
		r := Raw{Encoding: enc, Width: w, Height: h, Step: step, Data: data}
		var dst RGB
		if DecodeRGB(&r, &dst) == nil && len(dst.Pix) != 3*w*h {
			t.Fatalf("decoded %d bytes for %dx%d", len(dst.Pix), w, h)
		}
		var d Depth
		_ = DecodeDepth(&r, &d)
	})
}

func FuzzDecodeCompressed(f *testing.F) {
	jpg, pngb := compressedSamples(f)
	f.Add("jpeg", jpg)
	f.Add("png", pngb)
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		var dst RGB
		_ = DecodeCompressed(format, data, &dst)
	})
}
