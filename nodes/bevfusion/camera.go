package bevfusionnode

import (
	"fmt"
	"math"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/perception/bev"
)

// imagesPerCamera is how many recent images of each camera are kept for
// matching.
const imagesPerCamera = 4

// camState is everything the node keeps about one camera.
type camState struct {
	name       string
	label      string // name resolved as a topic (Env.Topic), for facts and logs
	factState  string // "camera.<label>": its fact keys, made once
	factMasked string // "camera.<label>.masked_frames"
	factMotion string // "camera.<label>.motion"
	maskedFact string // the state fact's value while masked, kept while the reason holds
	// The camera's last decoded message, one per camera so that its
	// strings (frame, encoding) are kept rather than made again each image.
	image        sensor_msgs.Image
	cimage       sensor_msgs.CompressedImage
	imageTopic   string
	infoTopic    string
	infoName     string        // infoTopic resolved, for errors
	model        *camera.Model // from the latest valid CameraInfo
	infoErr      error         // why the latest CameraInfo is unusable
	infoW        int           // size of the latest CameraInfo, px
	infoH        int
	ring         rosconv.ImageRing // the newest imagesPerCamera images
	maskedFrames int64             // frames in which the camera was masked
	lastReason   string            // mask reason of the previous frame ("" = fused)
	rgb          imageconv.RGB
	aug          [9]float64 // input pixel ← original pixel, row-major 3×3
	// Column taps of preprocess for the last image size: byte offsets of
	// the two source columns, the weight of the second and whether the
	// sample is inside the image; colFor is (width, scale, crop x) they
	// were computed for.
	colX0, colX1 []int
	colF         []float32
	colIn        []bool
	colFor       [3]float64
}

// setInfo records a CameraInfo, keeping the reason when it is unusable.
func (c *camState) setInfo(ci *sensor_msgs.CameraInfo) {
	if rosconv.SameCalibration(c.model, ci) {
		return
	}
	c.infoW, c.infoH = int(ci.Width), int(ci.Height)
	m, err := rosconv.CameraModel(ci)
	if err != nil {
		c.model, c.infoErr = nil, fmt.Errorf("%s: %w: %w", c.infoName, ErrCameraInfo, err)
		return
	}
	c.model, c.infoErr = m, nil
}

// decode decodes a buffered image into c.rgb.
func (c *camState) decode(b *rosconv.BufferedImage) error { return b.Decode(&c.rgb) }

// augFor returns BEVDet's test-time image transform for an image of w×h
// into an input of iw×ih: scale by resize (0 means iw/w, fitting the width),
// keep the bottom ih rows (crop the top), centre horizontally. It returns
// the scale and the crop offsets in scaled pixels; input pixel =
// s·original − crop. CUDA-BEVFusion's nuScenes setting, resize 0.48 on
// 1600×900 into 704×256, gives the crop (32, 176).
func augFor(w, h, iw, ih int, resize float64) (s, cropX, cropY float64) {
	s = float64(iw) / float64(w)
	if resize > 0 {
		s = resize
	}
	newW, newH := math.Round(float64(w)*s), math.Round(float64(h)*s)
	return s, math.Floor((newW - float64(iw)) / 2), newH - float64(ih)
}

// preprocess writes the normalised, resized and cropped image into dst
// ([3, ih, iw], planar in the model's colour order) and records the
// augmentation matrix. Sampling is bilinear with pixel centres at
// (i + ½)/s − ½ in the source, neighbours clamped to the image; input pixels
// whose sample falls outside the source get the mean colour (0 after
// normalisation).
func (c *camState) preprocess(dst []float32, iw, ih int, imgScale float64, mean, std [3]float32, scale float32, bgr bool) {
	src := &c.rgb
	s, cx, cy := augFor(src.Width, src.Height, iw, ih, imgScale)
	c.aug = bev.ResizeCrop(s, s, cx, cy)
	W, H := src.Width, src.Height
	// Per-column taps, computed once per image size.
	if len(c.colX0) != iw || c.colFor != [3]float64{float64(W), s, cx} {
		// (The taps depend on the width, scale and crop only.)
		c.colX0, c.colX1 = resize(c.colX0, iw), resize(c.colX1, iw)
		c.colF, c.colIn = resize(c.colF, iw), resize(c.colIn, iw)
		for x := range iw {
			sx := (float64(x)+cx+0.5)/s - 0.5
			x0 := int(math.Floor(sx))
			c.colF[x] = float32(sx - float64(x0))
			c.colIn[x] = sx > -1 && sx < float64(W)
			c.colX0[x], c.colX1[x] = 3*min(max(x0, 0), W-1), 3*min(max(x0+1, 0), W-1)
		}
		c.colFor = [3]float64{float64(W), s, cx}
	}
	r, g, b := 0, 1, 2
	if bgr {
		r, b = 2, 0
	}
	// k[ch]·v + o[ch] = (v·scale − mean)/std.
	var k, o [3]float32
	for ch := range 3 {
		k[ch], o[ch] = scale/std[ch], -mean[ch]/std[ch]
	}
	plane := iw * ih
	d0, d1, d2 := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	if x0, y0 := int(cx), int(cy); s == 1 && float64(x0) == cx && float64(y0) == cy && x0 >= 0 && y0 >= 0 && x0+iw <= W && y0+ih <= H {
		// No resize (the simulator's and many rigs' images are the input's
		// size): every tap has weight 1 on one pixel, so the bilinear loop
		// would compute exactly this.
		for y := range ih {
			row := src.Pix[((y0+y)*W+x0)*3:][: 3*iw : 3*iw]
			o0, o1, o2 := d0[y*iw:(y+1)*iw], d1[y*iw:(y+1)*iw], d2[y*iw:(y+1)*iw]
			for x := range o0 {
				p := row[3*x : 3*x+3 : 3*x+3]
				o0[x] = float32(p[r])*k[0] + o[0]
				o1[x] = float32(p[g])*k[1] + o[1]
				o2[x] = float32(p[b])*k[2] + o[2]
			}
		}
		return
	}
	for y := range ih {
		sy := (float64(y)+cy+0.5)/s - 0.5
		y0 := int(math.Floor(sy))
		fy := float32(sy - float64(y0))
		rowIn := sy > -1 && sy < float64(H)
		r0 := src.Pix[min(max(y0, 0), H-1)*3*W:]
		r1 := src.Pix[min(max(y0+1, 0), H-1)*3*W:]
		base := y * iw
		for x := range iw {
			if !rowIn || !c.colIn[x] {
				d0[base+x], d1[base+x], d2[base+x] = 0, 0, 0
				continue
			}
			fx := c.colF[x]
			a, bb := c.colX0[x], c.colX1[x]
			w00, w01, w10, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
			px := func(ch int) float32 {
				return w00*float32(r0[a+ch]) + w01*float32(r0[bb+ch]) + w10*float32(r1[a+ch]) + w11*float32(r1[bb+ch])
			}
			d0[base+x] = px(r)*k[0] + o[0]
			d1[base+x] = px(g)*k[1] + o[1]
			d2[base+x] = px(b)*k[2] + o[2]
		}
	}
}

// bevCamera is the camera for bev's geometry: its calibrated model, the
// extrinsic (base ← optical) and the image augmentation (zero for none).
func (c *camState) bevCamera(extrinsic [16]float64, aug [9]float64) bev.Camera {
	m := c.model
	return bev.Camera{Name: c.name, Width: m.Width, Height: m.Height, Fx: m.Fx, Fy: m.Fy, Cx: m.Cx, Cy: m.Cy,
		Distortion: m.Distortion, D: m.D, Lens: m, Aug: aug, Extrinsic: extrinsic}
}
