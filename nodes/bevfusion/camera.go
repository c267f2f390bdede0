package bevfusionnode

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/bev"
	"github.com/gopercept/gopercept/camera"
	"github.com/gopercept/gopercept/imageconv"
	"github.com/gopercept/gopercept/rosmsg/sensor_msgs"
)

// imagesPerCamera is how many recent images of each camera are kept for
// matching.
const imagesPerCamera = 4

// bufferedImage is a copy of one image message, decoded only when fused.
type bufferedImage struct {
	stamp      int64 // ns
	frame      string
	compressed bool
	format     string // compressed format or raw encoding
	w, h, step int
	bigEndian  bool
	data       []byte
}

// camState is everything the node keeps about one camera.
type camState struct {
	name       string
	imageTopic string
	infoTopic  string
	model      *camera.Model // from the latest valid CameraInfo
	infoErr    error         // why the latest CameraInfo is unusable
	infoW      int           // size of the latest CameraInfo, px
	infoH      int
	images     []bufferedImage // oldest first
	rgb        imageconv.RGB
	aug        [9]float64 // input pixel ← original pixel, row-major 3×3
}

// setInfo records a CameraInfo, keeping the reason when it is unusable.
func (c *camState) setInfo(ci *sensor_msgs.CameraInfo) {
	c.infoW, c.infoH = int(ci.Width), int(ci.Height)
	m, err := camera.FromCameraInfo(ci.Width, ci.Height, ci.DistortionModel, ci.D, ci.K)
	if err != nil {
		c.model, c.infoErr = nil, fmt.Errorf("%s: %w: %w", c.infoTopic, ErrCameraInfo, err)
		return
	}
	c.model, c.infoErr = m, nil
}

// push keeps a copy of an image, dropping the oldest beyond
// imagesPerCamera; the slot's buffer is reused.
func (c *camState) push(b bufferedImage, src []byte) {
	var slot bufferedImage
	if len(c.images) == imagesPerCamera {
		slot = c.images[0]
		copy(c.images, c.images[1:])
		c.images = c.images[:imagesPerCamera-1]
	}
	b.data = append(slot.data[:0], src...)
	c.images = append(c.images, b)
}

// nearest returns the buffered image closest in stamp to t and the absolute
// difference in ns, or nil.
func (c *camState) nearest(t int64) (*bufferedImage, int64) {
	var best *bufferedImage
	bestD := int64(math.MaxInt64)
	for i := range c.images {
		d := c.images[i].stamp - t
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = &c.images[i], d
		}
	}
	return best, bestD
}

// decode decodes a buffered image into c.rgb.
func (c *camState) decode(b *bufferedImage) error {
	if b.compressed {
		return imageconv.DecodeCompressed(b.format, b.data, &c.rgb)
	}
	return imageconv.DecodeRGB(&imageconv.Raw{Encoding: b.format, Width: b.w, Height: b.h, Step: b.step, BigEndian: b.bigEndian, Data: b.data}, &c.rgb)
}

// augFor returns BEVDet's test-time image transform for an image of w×h
// into an input of iw×ih: scale s = iw/w, keep the bottom ih rows (crop the
// top), centre horizontally. It returns s and the crop offsets in scaled
// pixels; input pixel = s·original − crop.
func augFor(w, h, iw, ih int) (s, cropX, cropY float64) {
	s = float64(iw) / float64(w)
	newW, newH := math.Round(float64(w)*s), math.Round(float64(h)*s)
	return s, math.Floor((newW - float64(iw)) / 2), newH - float64(ih)
}

// preprocess writes the normalised, resized and cropped image into dst
// ([3, ih, iw], planar in the model's colour order) and records the
// augmentation matrix. Pixels that fall outside the source are 0 after
// normalisation's mean is subtracted (i.e. the mean colour).
func (c *camState) preprocess(dst []float32, iw, ih int, mean, std [3]float32, scale float32, bgr bool) {
	src := &c.rgb
	s, cx, cy := augFor(src.Width, src.Height, iw, ih)
	c.aug = bev.ResizeCrop(s, s, cx, cy)
	plane := iw * ih
	W, H := src.Width, src.Height
	for y := range ih {
		sy := (float64(y)+cy+0.5)/s - 0.5
		y0 := int(math.Floor(sy))
		fy := float32(sy - float64(y0))
		for x := range iw {
			sx := (float64(x)+cx+0.5)/s - 0.5
			x0 := int(math.Floor(sx))
			fx := float32(sx - float64(x0))
			var px [3]float32
			inside := sy > -1 && sy < float64(H) && sx > -1 && sx < float64(W)
			if inside {
				for _, tap := range [4]struct {
					dx, dy int
					w      float32
				}{{0, 0, (1 - fx) * (1 - fy)}, {1, 0, fx * (1 - fy)}, {0, 1, (1 - fx) * fy}, {1, 1, fx * fy}} {
					xx, yy := min(max(x0+tap.dx, 0), W-1), min(max(y0+tap.dy, 0), H-1)
					o := (yy*W + xx) * 3
					px[0] += tap.w * float32(src.Pix[o])
					px[1] += tap.w * float32(src.Pix[o+1])
					px[2] += tap.w * float32(src.Pix[o+2])
				}
			}
			if bgr {
				px[0], px[2] = px[2], px[0]
			}
			for ch := range 3 {
				v := mean[ch]
				if inside {
					v = px[ch] * scale
				}
				dst[ch*plane+y*iw+x] = (v - mean[ch]) / std[ch]
			}
		}
	}
}
