package decode

import (
	"fmt"
	"strings"

	"github.com/gopercept/gopercept/perception/pose"
)

// Tensor is a read-only view of one model output: Data in row-major order
// with dimensions Shape. Data may be longer than the product of Shape (an
// output buffer sized for a larger batch); only the prefix is read.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Decoder decodes one model family's outputs into people.
type Decoder interface {
	// Name returns the decoder's canonical name ("dark", "simcc", ...).
	Name() string
	// Decode decodes outputs (in the order the family documents; by name
	// where names are given) into people[:0] extended, reusing its storage,
	// with coordinates in model-input pixels.
	Decode(outputs []Tensor, people []pose.Person) ([]pose.Person, error)
}

// Config configures the decoders; each reads the fields it needs and
// documents its defaults. The zero value gives every default.
type Config struct {
	// InputWidth and InputHeight are the model input size in pixels, used by
	// heatmap decoders to scale heatmap cells to input pixels; default
	// 192×256 (top-down) for heatmap families. Bottom-up "openpose" defaults
	// to 8 input pixels per heatmap cell when they are 0.
	InputWidth, InputHeight int
	// NumKeypoints is K for the YOLO layouts; default 17.
	NumKeypoints int
	// KeypointThreshold is the score from which a keypoint is marked
	// Visible; below it (but above 0) it is Occluded; default 0.3.
	KeypointThreshold float32
	// BlurKernel is DARK's Gaussian kernel size (odd); default 11.
	BlurKernel int
	// SplitRatio is SimCC's bins per input pixel; default 2.0.
	SplitRatio float64
	// SimCCMeanScore scores a SimCC keypoint by the mean of its x and y
	// maxima instead of their minimum (the RTMPose default).
	SimCCMeanScore bool
	// Softmax makes "integral" apply a softmax (temperature Beta) to each
	// heatmap; otherwise the heatmap's positive part is normalised to sum 1.
	Softmax bool
	// Beta is the softmax temperature; default 1.
	Beta float32
	// ScoreThreshold is the minimum person score for the YOLO layouts;
	// default 0.25.
	ScoreThreshold float32
	// IoUThreshold is YOLO's NMS box overlap above which the lower-scored
	// person is suppressed; default 0.7.
	IoUThreshold float32
	// MaxPeople caps the people returned by bottom-up and one-stage
	// decoders; default 100.
	MaxPeople int
	// PAF configures "openpose".
	PAF PAFConfig
}

func (c *Config) defaults() error {
	if c.InputWidth < 0 {
		return configErr("Config.InputWidth", c.InputWidth, "negative")
	}
	if c.InputHeight < 0 {
		return configErr("Config.InputHeight", c.InputHeight, "negative")
	}
	if c.NumKeypoints == 0 {
		c.NumKeypoints = pose.NumKeypoints
	}
	if c.NumKeypoints < 1 || c.NumKeypoints > 1024 {
		return configErr("Config.NumKeypoints", c.NumKeypoints, "want 1..1024")
	}
	if c.KeypointThreshold == 0 {
		c.KeypointThreshold = 0.3
	}
	if c.BlurKernel == 0 {
		c.BlurKernel = 11
	}
	if c.BlurKernel < 1 || c.BlurKernel%2 == 0 || c.BlurKernel > 31 {
		return configErr("Config.BlurKernel", c.BlurKernel, "want odd 1..31")
	}
	if c.SplitRatio == 0 {
		c.SplitRatio = 2
	}
	if !(c.SplitRatio > 0) {
		return configErr("Config.SplitRatio", c.SplitRatio, "want > 0")
	}
	if c.Beta == 0 {
		c.Beta = 1
	}
	if c.ScoreThreshold == 0 {
		c.ScoreThreshold = 0.25
	}
	if c.IoUThreshold == 0 {
		c.IoUThreshold = 0.7
	}
	if !(c.IoUThreshold > 0 && c.IoUThreshold <= 1) {
		return configErr("Config.IoUThreshold", c.IoUThreshold, "want (0, 1]")
	}
	if c.MaxPeople == 0 {
		c.MaxPeople = 100
	}
	if c.MaxPeople < 1 {
		return configErr("Config.MaxPeople", c.MaxPeople, "want ≥ 1")
	}
	return nil
}

// Names lists the canonical decoder names New accepts.
var Names = []string{"heatmap", "dark", "integral", "simcc", "yolo-pose", "yolo-pose-e2e", "openpose", "movenet-multipose", "movenet", "movenet-topdown"}

// aliases maps accepted spellings (lower case, '_' as '-') to canonical names.
var aliases = map[string]string{
	"heatmap": "heatmap", "heatmap-argmax": "heatmap", "simplebaseline": "heatmap", "msra": "heatmap", "hrnet": "heatmap",
	"dark": "dark", "heatmap-dark": "dark", "udp-dark": "dark",
	"integral": "integral", "soft-argmax": "integral", "softargmax": "integral", "integral-regression": "integral",
	"simcc": "simcc", "rtmpose": "simcc",
	"yolo-pose": "yolo-pose", "yolov8-pose": "yolo-pose", "yolo11-pose": "yolo-pose", "yolopose": "yolo-pose",
	"yolo-pose-e2e": "yolo-pose-e2e", "yolo-pose-end2end": "yolo-pose-e2e", "yolov10-pose": "yolo-pose-e2e", "yolo26-pose": "yolo-pose-e2e",
	"openpose": "openpose", "paf": "openpose", "trt-pose": "openpose", "openpose-paf": "openpose",
	"movenet-multipose": "movenet-multipose", "movenet-multi": "movenet-multipose", "multipose": "movenet-multipose",
	"movenet": "movenet", "movenet-singlepose": "movenet", "movenet-lightning": "movenet", "movenet-thunder": "movenet",
	"movenet-topdown": "movenet-topdown",
}

// Canonical returns the canonical decoder name for a model card's decoder or
// family name, and false when it is unknown.
func Canonical(name string) (string, bool) {
	n, ok := aliases[strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")]
	return n, ok
}

// New returns the decoder called name (see Names; model-card spellings such
// as "rtmpose", "yolov8_pose" or "trt_pose" are accepted) configured by cfg.
func New(name string, cfg Config) (Decoder, error) {
	n, ok := Canonical(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownDecoder, name, strings.Join(Names, ", "))
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	switch n {
	case "heatmap", "dark", "integral":
		if cfg.InputWidth == 0 && cfg.InputHeight == 0 {
			cfg.InputWidth, cfg.InputHeight = 192, 256
		}
		return newHeatmapDecoder(n, cfg), nil
	case "simcc":
		return &simccDecoder{cfg: cfg}, nil
	case "yolo-pose":
		return &yoloDecoder{cfg: cfg}, nil
	case "yolo-pose-e2e":
		return &e2eDecoder{cfg: cfg}, nil
	case "movenet-multipose", "movenet", "movenet-topdown":
		// Outputs are normalised to the input: without its size there are no pixels.
		if cfg.InputWidth == 0 {
			return nil, configErr("Config.InputWidth", nil, "%s needs the model input size", n)
		}
		if cfg.InputHeight == 0 {
			return nil, configErr("Config.InputHeight", nil, "%s needs the model input size", n)
		}
		if n == "movenet-multipose" {
			return &movenetMultiDecoder{cfg: cfg}, nil
		}
		return &movenetDecoder{cfg: cfg, name: n}, nil
	default:
		return newPAFDecoder(cfg)
	}
}

// visibility marks a keypoint by its score: Visible from thr, Occluded above
// 0, NotLabelled at or below 0 (and for NaN).
func visibility(score, thr float32) uint8 {
	switch {
	case score >= thr:
		return pose.Visible
	case score > 0:
		return pose.Occluded
	}
	return pose.NotLabelled
}

// shapeLen returns the product of shape, or -1 when a dimension is < 1.
func shapeLen(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 1 || d > 1<<24 {
			return -1
		}
		n *= d // ≤ 2^32 · 2^24: no overflow
		if n > 1<<32 {
			return -1
		}
	}
	return n
}

// checkTensor checks that t has rank dims and data for its whole shape.
func checkTensor(dec string, t *Tensor, rank int) error {
	if len(t.Shape) != rank {
		return &ShapeError{Decoder: dec, Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("want rank %d", rank)}
	}
	n := shapeLen(t.Shape)
	if n < 0 {
		return &ShapeError{Decoder: dec, Output: t.Name, Shape: t.Shape, Reason: "dimension < 1"}
	}
	if len(t.Data) < n {
		return &ShapeError{Decoder: dec, Output: t.Name, Shape: t.Shape, Reason: fmt.Sprintf("%d values, want %d", len(t.Data), n)}
	}
	return nil
}

// pick returns the output called name, else outputs[i].
func pick(outputs []Tensor, name string, i int) *Tensor {
	for j := range outputs {
		if outputs[j].Name == name {
			return &outputs[j]
		}
	}
	if i >= 0 && i < len(outputs) {
		return &outputs[i]
	}
	return nil
}

// MapToImage maps every person from model-input pixels to image pixels
// through the inverse of imgToInput (the transform Letterbox.Run returned).
func MapToImage(people []pose.Person, imgToInput pose.Affine) error {
	inv, err := imgToInput.Inverse()
	if err != nil {
		return fmt.Errorf("decode: mapping to the image: %w", err)
	}
	for i := range people {
		inv.MapPerson(&people[i])
	}
	return nil
}

// MapTopDown maps person i from crop i's input pixels to image pixels through
// the inverse of imgToCrop[i] (the transforms Cropper.Run filled).
func MapTopDown(people []pose.Person, imgToCrop []pose.Affine) error {
	if len(imgToCrop) < len(people) {
		return fmt.Errorf("decode: %d people but %d crop transforms: %w", len(people), len(imgToCrop), ErrShape)
	}
	for i := range people {
		inv, err := imgToCrop[i].Inverse()
		if err != nil {
			return fmt.Errorf("decode: mapping person %d to the image: %w", i, err)
		}
		inv.MapPerson(&people[i])
	}
	return nil
}

// finishTopDown sets a top-down person's box to the input extent and its
// score to the mean keypoint score.
func finishTopDown(p *pose.Person, w, h int) {
	p.Box = [4]float32{0, 0, float32(w), float32(h)}
	var s float32
	for _, k := range p.Keypoints {
		s += k.Score
	}
	if len(p.Keypoints) > 0 {
		p.Score = s / float32(len(p.Keypoints))
	}
}
