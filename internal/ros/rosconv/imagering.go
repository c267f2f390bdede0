package rosconv

import (
	"math"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// BufferedImage is a copy of one sensor_msgs/Image or CompressedImage,
// kept until a frame matched to it by stamp decodes it.
type BufferedImage struct {
	Stamp               int64 // header stamp, ns
	Frame               string
	Compressed          bool
	Format              string // the compressed format, or the raw encoding
	Width, Height, Step int    // raw images only
	BigEndian           bool
	Data                []byte
}

// Decode decodes b into dst, reusing dst's memory.
func (b *BufferedImage) Decode(dst *imageconv.RGB) error {
	if b.Compressed {
		return imageconv.DecodeCompressed(b.Format, b.Data, dst)
	}
	return imageconv.DecodeRGB(&imageconv.Raw{Encoding: b.Format, Width: b.Width, Height: b.Height, Step: b.Step, BigEndian: b.BigEndian, Data: b.Data}, dst)
}

// ImageRing keeps copies of the newest Size images of one camera, oldest
// first, for nodes that match images to another sensor's frame by stamp
// (bevfusion's cameras, lidarseg's painting). The copies' buffers are
// reused, so a ring stops allocating once they have grown to the largest
// image.
type ImageRing struct {
	Size   int
	images []BufferedImage
}

// PushImage copies m in as the newest image, dropping the oldest beyond Size.
func (r *ImageRing) PushImage(m *sensor_msgs.Image) *BufferedImage {
	return r.push(BufferedImage{Stamp: stampNS(m.Header.Stamp), Frame: m.Header.FrameID, Format: m.Encoding,
		Width: int(m.Width), Height: int(m.Height), Step: int(m.Step), BigEndian: m.IsBigendian != 0}, m.Data)
}

// PushCompressed copies m in as the newest image, dropping the oldest beyond Size.
func (r *ImageRing) PushCompressed(m *sensor_msgs.CompressedImage) *BufferedImage {
	return r.push(BufferedImage{Stamp: stampNS(m.Header.Stamp), Frame: m.Header.FrameID, Compressed: true, Format: m.Format}, m.Data)
}

func (r *ImageRing) push(b BufferedImage, src []byte) *BufferedImage {
	var slot BufferedImage
	if len(r.images) >= max(r.Size, 1) {
		slot = r.images[0]
		copy(r.images, r.images[1:])
		r.images = r.images[:len(r.images)-1]
	}
	b.Data = append(slot.Data[:0], src...)
	r.images = append(r.images, b)
	return &r.images[len(r.images)-1]
}

// Nearest returns the buffered image closest in stamp to t (ns) and the
// absolute difference in ns, or nil when the ring is empty.
func (r *ImageRing) Nearest(t int64) (*BufferedImage, int64) {
	var best *BufferedImage
	bestD := int64(math.MaxInt64)
	for i := range r.images {
		d := r.images[i].Stamp - t
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = &r.images[i], d
		}
	}
	return best, bestD
}

// Newest returns the last image pushed, or nil.
func (r *ImageRing) Newest() *BufferedImage {
	if len(r.images) == 0 {
		return nil
	}
	return &r.images[len(r.images)-1]
}

// Reset forgets every image (time went back), keeping the buffers.
func (r *ImageRing) Reset() { r.images = r.images[:0] }

func stampNS(t builtin_interfaces.Time) int64 { return int64(t.Sec)*1e9 + int64(t.Nanosec) }
