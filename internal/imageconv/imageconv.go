package imageconv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
)

// MaxPixels bounds the images accepted (8K × 8K).
const MaxPixels = 8192 * 8192

// RGB is a packed 8-bit RGB image, row-major, 3 bytes a pixel, no padding.
type RGB struct {
	Width, Height int
	Pix           []uint8
}

func (m *RGB) resize(w, h int) {
	m.Width, m.Height = w, h
	n := 3 * w * h
	if cap(m.Pix) < n {
		m.Pix = make([]uint8, n)
	}
	m.Pix = m.Pix[:n]
}

// Depth is a metric depth image in metres; 0 marks pixels without depth.
type Depth struct {
	Width, Height int
	M             []float32
}

// Raw describes an uncompressed image as sensor_msgs/Image carries it.
type Raw struct {
	Encoding      string
	Width, Height int
	Step          int
	BigEndian     bool
	Data          []byte
}

// BytesPerPixel returns the pixel size of a raw encoding (for nv12, the
// luma plane's), 0 when the encoding is unknown.
func BytesPerPixel(enc string) int {
	switch enc {
	case "rgb8", "bgr8":
		return 3
	case "rgba8", "bgra8":
		return 4
	case "mono8", "8UC1", "nv12":
		return 1
	case "mono16", "16UC1", "yuv422", "uyvy", "yuv422_yuy2", "yuyv":
		return 2
	case "32FC1":
		return 4
	}
	return 0
}

// check validates dimensions, step and data length; rows is how many rows
// of step bytes the encoding stores (1.5 × height for nv12).
func (r *Raw) check() error {
	fail := func(err error, d string) error {
		return &Error{Encoding: r.Encoding, Width: r.Width, Height: r.Height, Detail: d, Err: err}
	}
	bpp := BytesPerPixel(r.Encoding)
	if bpp == 0 {
		return fail(ErrEncoding, "")
	}
	if r.Width <= 0 || r.Height <= 0 {
		return fail(ErrEmpty, "")
	}
	if r.Width > MaxPixels || r.Height > MaxPixels || r.Width*r.Height > MaxPixels || r.Step > 16*MaxPixels {
		return fail(ErrTooLarge, fmt.Sprintf("limit %d pixels", MaxPixels))
	}
	if r.Step < r.Width*bpp {
		return fail(ErrStep, fmt.Sprintf("step %d < %d × %d", r.Step, r.Width, bpp))
	}
	rows := r.Height
	if r.Encoding == "nv12" {
		if r.Width%2 != 0 || r.Height%2 != 0 {
			return fail(ErrEncoding, "nv12 needs even width and height")
		}
		rows = r.Height + r.Height/2
	}
	if (r.Encoding == "yuv422" || r.Encoding == "uyvy" || r.Encoding == "yuv422_yuy2" || r.Encoding == "yuyv") && r.Width%2 != 0 {
		return fail(ErrEncoding, "yuv422 needs an even width")
	}
	if need := (rows-1)*r.Step + r.Width*bpp; len(r.Data) < need {
		return fail(ErrShortData, fmt.Sprintf("%d bytes, need %d", len(r.Data), need))
	}
	return nil
}

// DecodeRGB converts a raw colour or mono image to packed RGB in dst.
func DecodeRGB(r *Raw, dst *RGB) error {
	if err := r.check(); err != nil {
		return err
	}
	dst.resize(r.Width, r.Height)
	w, h, s, d := r.Width, r.Height, r.Step, r.Data
	out := dst.Pix
	switch r.Encoding {
	case "rgb8":
		for y := 0; y < h; y++ {
			copy(out[3*w*y:3*w*(y+1)], d[s*y:s*y+3*w])
		}
	case "bgr8", "rgba8", "bgra8":
		bpp := BytesPerPixel(r.Encoding)
		bgr := r.Encoding[0] == 'b'
		for y := 0; y < h; y++ {
			row, o := d[s*y:], out[3*w*y:]
			for x := 0; x < w; x++ {
				p := row[bpp*x:]
				if bgr {
					o[3*x], o[3*x+1], o[3*x+2] = p[2], p[1], p[0]
				} else {
					o[3*x], o[3*x+1], o[3*x+2] = p[0], p[1], p[2]
				}
			}
		}
	case "mono8", "8UC1":
		for y := 0; y < h; y++ {
			row, o := d[s*y:], out[3*w*y:]
			for x := 0; x < w; x++ {
				o[3*x], o[3*x+1], o[3*x+2] = row[x], row[x], row[x]
			}
		}
	case "mono16":
		var bo binary.ByteOrder = binary.LittleEndian
		if r.BigEndian {
			bo = binary.BigEndian
		}
		for y := 0; y < h; y++ {
			row, o := d[s*y:], out[3*w*y:]
			for x := 0; x < w; x++ {
				v := uint8(bo.Uint16(row[2*x:]) >> 8)
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
	case "yuv422", "uyvy", "yuv422_yuy2", "yuyv":
		uyvy := r.Encoding == "yuv422" || r.Encoding == "uyvy"
		for y := 0; y < h; y++ {
			row, o := d[s*y:], out[3*w*y:]
			for x := 0; x < w; x += 2 {
				p := row[2*x:]
				var y0, y1, u, v uint8
				if uyvy {
					u, y0, v, y1 = p[0], p[1], p[2], p[3]
				} else {
					y0, u, y1, v = p[0], p[1], p[2], p[3]
				}
				o[3*x], o[3*x+1], o[3*x+2] = color.YCbCrToRGB(y0, u, v)
				o[3*x+3], o[3*x+4], o[3*x+5] = color.YCbCrToRGB(y1, u, v)
			}
		}
	case "nv12":
		for y := 0; y < h; y++ {
			row, uv, o := d[s*y:], d[s*(h+y/2):], out[3*w*y:]
			for x := 0; x < w; x++ {
				o[3*x], o[3*x+1], o[3*x+2] = color.YCbCrToRGB(row[x], uv[x&^1], uv[x|1])
			}
		}
	default:
		return &Error{Encoding: r.Encoding, Width: w, Height: h, Detail: "not a colour encoding", Err: ErrEncoding}
	}
	return nil
}

// DecodeDepth converts a 16UC1 (millimetres) or 32FC1 (metres) depth image
// to metres in dst; zero, NaN and infinite depths become 0 (no depth).
func DecodeDepth(r *Raw, dst *Depth) error {
	if r.Encoding != "16UC1" && r.Encoding != "mono16" && r.Encoding != "32FC1" {
		return &Error{Encoding: r.Encoding, Width: r.Width, Height: r.Height, Detail: "depth must be 16UC1 (mm) or 32FC1 (m)", Err: ErrEncoding}
	}
	if err := r.check(); err != nil {
		return err
	}
	w, h := r.Width, r.Height
	dst.Width, dst.Height = w, h
	if cap(dst.M) < w*h {
		dst.M = make([]float32, w*h)
	}
	dst.M = dst.M[:w*h]
	var bo binary.ByteOrder = binary.LittleEndian
	if r.BigEndian {
		bo = binary.BigEndian
	}
	for y := 0; y < h; y++ {
		row, o := r.Data[r.Step*y:], dst.M[w*y:w*(y+1)]
		if r.Encoding == "32FC1" {
			for x := range o {
				v := math.Float32frombits(bo.Uint32(row[4*x:]))
				if v != v || math.IsInf(float64(v), 0) || v < 0 {
					v = 0
				}
				o[x] = v
			}
			continue
		}
		for x := range o {
			o[x] = float32(bo.Uint16(row[2*x:])) * 0.001
		}
	}
	return nil
}

// DecodeCompressed decodes a sensor_msgs/CompressedImage payload. format is
// the message's format field ("jpeg", "png", or image_transport's
// "bgr8; jpeg compressed bgr8"); the payload's own magic bytes decide when
// the format is vague. Dimensions are checked before the pixels are decoded.
func DecodeCompressed(format string, data []byte, dst *RGB) error {
	kind := ""
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8}):
		kind = "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		kind = "png"
	}
	f := strings.ToLower(format)
	if kind == "" {
		detailMsg := "payload is neither JPEG nor PNG"
		if !strings.Contains(f, "jpeg") && !strings.Contains(f, "jpg") && !strings.Contains(f, "png") {
			return &Error{Encoding: format, Detail: detailMsg, Err: ErrEncoding}
		}
		return &Error{Encoding: format, Detail: detailMsg, Err: ErrCorrupt}
	}
	var cfg image.Config
	var err error
	if kind == "jpeg" {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return &Error{Encoding: kind, Detail: err.Error(), Err: ErrCorrupt}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return &Error{Encoding: kind, Width: cfg.Width, Height: cfg.Height, Err: ErrEmpty}
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return &Error{Encoding: kind, Width: cfg.Width, Height: cfg.Height, Err: ErrTooLarge}
	}
	var img image.Image
	if kind == "jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return &Error{Encoding: kind, Width: cfg.Width, Height: cfg.Height, Detail: err.Error(), Err: ErrCorrupt}
	}
	FromImage(img, dst)
	return nil
}

// FromImage copies any image.Image into dst, with fast paths for the types
// the standard decoders return.
func FromImage(img image.Image, dst *RGB) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst.resize(w, h)
	out := dst.Pix
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				o := out[3*(w*y+x):]
				o[0], o[1], o[2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y)]
				o := out[3*(w*y+x):]
				o[0], o[1], o[2] = v, v, v
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y):]
				o := out[3*(w*y+x):]
				o[0], o[1], o[2] = p[0], p[1], p[2]
			}
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := m.Pix[m.PixOffset(b.Min.X+x, b.Min.Y+y):]
				o := out[3*(w*y+x):]
				o[0], o[1], o[2] = p[0], p[1], p[2]
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				o := out[3*(w*y+x):]
				o[0], o[1], o[2] = uint8(r>>8), uint8(g>>8), uint8(bb>>8)
			}
		}
	}
}

// ToImage wraps dst's pixels as an image.RGBA copy (for PNG writing).
func (m *RGB) ToImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, m.Width, m.Height))
	for i := 0; i < m.Width*m.Height; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2], 255
	}
	return img
}
