package infer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxCardSize caps the size of a model card file in bytes.
const MaxCardSize = 1 << 20

// Card is a model card: the YAML file beside each model that says what the
// model is, what it takes and gives, and how to feed it. Unknown keys are
// errors, so a misspelt field is caught when the card is loaded.
//
//	name: rangenet-small
//	version: 1.0.0
//	task: lidar-segmentation
//	family: rangenet
//	inputs:
//	  - {name: in, shape: [1, 5, 64, 2048], type: float32}
//	outputs:
//	  - {name: out, shape: [1, 20, 64, 2048], type: float32}
//	normalisation: {mean: [12.12, 10.88, 0.23, -1.04, 0.21], std: [12.32, 11.47, 6.91, 0.86, 0.16]}
//	classes:
//	  - {id: 1, name: car, raw_id: 10, colour: [245, 150, 100]}
//	parameters: {fov_up_deg: 3.0, fov_down_deg: -25.0}
//	paint: {cameras: [cam_front, cam_front_left, cam_front_right], channels: [r, g, b, valid]}
//	provenance: {training_data: SemanticKITTI 00-10 except 08, seed: 1, license: MIT}
//	metrics: {miou: 0.52}
type Card struct {
	// Name identifies the model in logs and diagnostics. Required.
	Name string `yaml:"name"`
	// Version is the model's version, free form ("1.2.0"). Required.
	Version string `yaml:"version"`
	// Task is what the model does, free form ("lidar-segmentation",
	// "pose-topdown"). Required.
	Task string `yaml:"task"`
	// Family names the decoder a node applies to the outputs: "rangenet",
	// "heatmap", "simcc", "yolo-pose", "bev-camera", ... Required.
	Family string `yaml:"family"`
	// Decoder is an optional finer choice of decoder within Family; it
	// defaults to Family.
	Decoder string `yaml:"decoder,omitempty"`
	// Description is free text.
	Description string `yaml:"description,omitempty"`
	// Inputs are the model's inputs. At least one is required.
	Inputs []TensorSpec `yaml:"inputs"`
	// Outputs are the model's outputs. At least one is required.
	Outputs []TensorSpec `yaml:"outputs"`
	// Normalisation says how raw values become the model's input.
	Normalisation Normalisation `yaml:"normalisation,omitempty"`
	// Classes are the output classes, in channel order of their ID.
	Classes []Class `yaml:"classes,omitempty"`
	// Parameters hold family-specific defaults (simcc split ratio, field of
	// view, strides); nodes read the keys they know.
	Parameters map[string]any `yaml:"parameters,omitempty"`
	// Paint declares camera-painted input channels; nil for none.
	Paint *Paint `yaml:"paint,omitempty"`
	// CameraGeometry declares a multi-camera model's geometry inputs
	// (lidar2img, BEVDepth's mlp_input) and image augmentation; nil for
	// none. See card_bev.go and docs/BEV_MODELS.md.
	CameraGeometry *CameraGeometry `yaml:"camera_geometry,omitempty"`
	// BoxSet declares a DETR-style box-set output (family bev-query).
	BoxSet *BoxSet `yaml:"box_set,omitempty"`
	// Provenance says where the model came from.
	Provenance Provenance `yaml:"provenance,omitempty"`
	// Metrics are evaluation results, free form (miou: 0.52).
	Metrics map[string]any `yaml:"metrics,omitempty"`
}

// TensorSpec describes one model input or output.
type TensorSpec struct {
	// Name is the tensor's name in the ONNX graph. Required.
	Name string `yaml:"name"`
	// Shape lists the dimensions; a dimension is a size, -1 (dynamic) or a
	// symbolic name ("N", "batch"), which is dynamic too. Required.
	Shape Shape `yaml:"shape"`
	// Type is the element type: float32, float16, float64, int8, uint8,
	// int16, uint16, int32, uint32, int64, uint64, bool. Required.
	Type ElemType `yaml:"type"`
	// Layout is an optional description of the axes ("NCHW").
	Layout string `yaml:"layout,omitempty"`
}

// Normalisation maps raw values to model input: x' = (x*Scale - Mean[c]) / Std[c].
type Normalisation struct {
	// Mean per channel, in the raw units after Scale. Optional; when set, Std
	// must have the same length.
	Mean []float64 `yaml:"mean,omitempty"`
	// Std per channel; no entry may be 0.
	Std []float64 `yaml:"std,omitempty"`
	// Scale multiplies raw values first (1/255 for 8-bit images); 0 means 1.
	Scale float64 `yaml:"scale,omitempty"`
	// ColourOrder is the channel order of image inputs: "rgb" or "bgr";
	// empty for non-image models.
	ColourOrder string `yaml:"colour_order,omitempty"`
}

// Class is one output class.
type Class struct {
	// ID is the model's class index (channel).
	ID int `yaml:"id"`
	// Name is the class name ("car"). Required.
	Name string `yaml:"name"`
	// RawID is the dataset label the class maps to (SemanticKITTI 10 for
	// car); nil when the dataset has none.
	RawID *int `yaml:"raw_id,omitempty"`
	// Colour is an RGB colour for visualisation, 0..255 each.
	Colour []uint8 `yaml:"colour,omitempty"`
}

// Paint declares input channels painted from cameras (PointPainting,
// VIASeg, FuseSeg): every lidar point takes the colour of the pixel it
// projects to through TF and CameraInfo, as extra input channels after the
// family's own (the range image's five for rangenet: input channels 5 +
// len(Channels), and as many normalisation entries when the card has
// them). Points no camera sees carry valid 0 and colour 0.
type Paint struct {
	// Cameras names the cameras the model was trained with (the
	// simulator's cam_front, ...); the node reads <name>/image and
	// <name>/camera_info for each unless its parameters name others.
	// At least one, no repeats.
	Cameras []string `yaml:"cameras,flow"`
	// Channels names the painted channels in input order; the lidarseg
	// node knows r, g, b (0..1) and valid (0 or 1). At least one, no
	// repeats.
	Channels []string `yaml:"channels,flow"`
}

// Provenance says how a model was made.
type Provenance struct {
	TrainingData string `yaml:"training_data,omitempty"`
	Seed         *int64 `yaml:"seed,omitempty"`
	Command      string `yaml:"command,omitempty"`
	License      string `yaml:"license,omitempty"`
	Source       string `yaml:"source,omitempty"`
}

// DecoderName returns Decoder, or Family when Decoder is empty.
func (c *Card) DecoderName() string {
	if c.Decoder != "" {
		return c.Decoder
	}
	return c.Family
}

// Input returns the card's input of that name.
func (c *Card) Input(name string) (TensorSpec, bool) { return findSpec(c.Inputs, name) }

// Output returns the card's output of that name.
func (c *Card) Output(name string) (TensorSpec, bool) { return findSpec(c.Outputs, name) }

func findSpec(specs []TensorSpec, name string) (TensorSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return TensorSpec{}, false
}

// Param returns parameters[key] as a float64 when it is a number.
func (c *Card) Param(key string) (float64, bool) {
	switch v := c.Parameters[key].(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// CardPathFor returns the card path beside a model: "<dir>/<stem>.card.yaml"
// for "<dir>/<stem>.onnx".
func CardPathFor(modelPath string) string {
	return strings.TrimSuffix(modelPath, filepath.Ext(modelPath)) + ".card.yaml"
}

// LoadCard reads and validates the model card at path. Errors wrap ErrCard;
// an invalid field gives a *CardError naming it.
func LoadCard(path string) (*Card, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &CardError{Path: path, Reason: err.Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxCardSize+1))
	if err != nil {
		return nil, &CardError{Path: path, Reason: err.Error()}
	}
	c, err := ParseCard(data)
	var ce *CardError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return c, err
}

// ParseCard decodes and validates a model card from YAML.
func ParseCard(data []byte) (*Card, error) {
	if len(data) > MaxCardSize {
		return nil, &CardError{Reason: fmt.Sprintf("larger than %d bytes", MaxCardSize)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Card
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &CardError{Reason: "empty"}
		}
		var ce *CardError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, &CardError{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks the required fields and the consistency of the card,
// returning a *CardError naming the first bad field.
func (c *Card) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &CardError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	for _, f := range []struct{ name, v string }{
		{"name", c.Name}, {"version", c.Version}, {"task", c.Task}, {"family", c.Family},
	} {
		if strings.TrimSpace(f.v) == "" {
			return bad(f.name, "required")
		}
	}
	for _, io := range []struct {
		field string
		specs []TensorSpec
	}{{"inputs", c.Inputs}, {"outputs", c.Outputs}} {
		if len(io.specs) == 0 {
			return bad(io.field, "at least one required")
		}
		seen := map[string]bool{}
		for i, s := range io.specs {
			at := fmt.Sprintf("%s[%d]", io.field, i)
			if s.Name == "" {
				return bad(at+".name", "required")
			}
			if seen[s.Name] {
				return bad(at+".name", "duplicate %q", s.Name)
			}
			seen[s.Name] = true
			if len(s.Shape) == 0 {
				return bad(at+".shape", "required")
			}
			for j, d := range s.Shape {
				if d.Size < -1 || d.Size == 0 && d.Name == "" {
					return bad(fmt.Sprintf("%s.shape[%d]", at, j), "size %d; want a positive size, -1 or a symbolic name", d.Size)
				}
			}
			if s.Type == "" {
				return bad(at+".type", "required")
			}
			t, err := ParseElemType(string(s.Type))
			if err != nil {
				return bad(at+".type", "%v", err)
			}
			io.specs[i].Type = t
		}
	}
	n := c.Normalisation
	if len(n.Mean) != len(n.Std) {
		return bad("normalisation.std", "%d values for %d means", len(n.Std), len(n.Mean))
	}
	for i, s := range n.Std {
		if s == 0 {
			return bad(fmt.Sprintf("normalisation.std[%d]", i), "zero")
		}
	}
	if n.Scale < 0 {
		return bad("normalisation.scale", "negative")
	}
	switch n.ColourOrder {
	case "", "rgb", "bgr":
	default:
		return bad("normalisation.colour_order", "%q; want rgb or bgr", n.ColourOrder)
	}
	if p := c.Paint; p != nil {
		for _, l := range []struct {
			field string
			names []string
		}{{"paint.cameras", p.Cameras}, {"paint.channels", p.Channels}} {
			if len(l.names) == 0 {
				return bad(l.field, "at least one required")
			}
			seen := map[string]bool{}
			for i, name := range l.names {
				if strings.TrimSpace(name) == "" || seen[name] {
					return bad(fmt.Sprintf("%s[%d]", l.field, i), "empty or repeated name %q", name)
				}
				seen[name] = true
			}
		}
	}
	if err := c.validateBEV(); err != nil {
		return err
	}
	ids := map[int]bool{}
	for i, cl := range c.Classes {
		at := fmt.Sprintf("classes[%d]", i)
		if cl.ID < 0 {
			return bad(at+".id", "negative")
		}
		if ids[cl.ID] {
			return bad(at+".id", "duplicate %d", cl.ID)
		}
		ids[cl.ID] = true
		if cl.Name == "" {
			return bad(at+".name", "required")
		}
		if cl.Colour != nil && len(cl.Colour) != 3 {
			return bad(at+".colour", "%d values; want 3 (RGB)", len(cl.Colour))
		}
	}
	return nil
}

// Dim is one tensor dimension: a fixed Size, or dynamic (Size -1) with an
// optional symbolic Name.
type Dim struct {
	Size int64
	Name string
}

// Dynamic reports whether the dimension has no fixed size.
func (d Dim) Dynamic() bool { return d.Size < 0 }

func (d Dim) String() string {
	switch {
	case d.Name != "":
		return d.Name
	default:
		return strconv.FormatInt(d.Size, 10)
	}
}

// UnmarshalYAML reads an integer size or a symbolic name.
func (d *Dim) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: dimension must be an integer or a name", n.Line)
	}
	if v, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
		*d = Dim{Size: v}
		return nil
	}
	if n.Value == "" || n.Tag != "!!str" {
		return fmt.Errorf("line %d: dimension %q must be an integer or a name", n.Line, n.Value)
	}
	*d = Dim{Size: -1, Name: n.Value}
	return nil
}

// MarshalYAML writes the size or the name.
func (d Dim) MarshalYAML() (any, error) {
	if d.Name != "" {
		return d.Name, nil
	}
	return d.Size, nil
}

// Shape is a list of dimensions.
type Shape []Dim

// String formats the shape like the model's shapes in mismatch messages:
// "[1 5 64 2048]", "[N 3 256 192]".
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ElemType is a tensor element type, by its card name.
type ElemType string

// Element types.
const (
	Float32  ElemType = "float32"
	Float16  ElemType = "float16"
	BFloat16 ElemType = "bfloat16"
	Float64  ElemType = "float64"
	Int8     ElemType = "int8"
	Uint8    ElemType = "uint8"
	Int16    ElemType = "int16"
	Uint16   ElemType = "uint16"
	Int32    ElemType = "int32"
	Uint32   ElemType = "uint32"
	Int64    ElemType = "int64"
	Uint64   ElemType = "uint64"
	Bool     ElemType = "bool"
	String   ElemType = "string"
)

// onnxTypes maps element types to ONNX TensorProto.DataType numbers, which
// ONNX Runtime's ONNXTensorElementDataType shares.
var onnxTypes = map[ElemType]int{
	Float32: 1, Uint8: 2, Int8: 3, Uint16: 4, Int16: 5, Int32: 6, Int64: 7, String: 8,
	Bool: 9, Float16: 10, Float64: 11, Uint32: 12, Uint64: 13, BFloat16: 16,
}

var elemAliases = map[ElemType]ElemType{"float": Float32, "double": Float64, "half": Float16}

// ParseElemType parses a type name such as "float32" (also "float",
// "double", "half"), case-insensitively.
func ParseElemType(s string) (ElemType, error) {
	t := ElemType(strings.ToLower(strings.TrimSpace(s)))
	if a, ok := elemAliases[t]; ok {
		t = a
	}
	if _, ok := onnxTypes[t]; !ok {
		return "", fmt.Errorf("unknown element type %q; want one of float32, float16, bfloat16, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool", s)
	}
	return t, nil
}

// elemTypeFromONNX returns the element type of an ONNX data type number.
func elemTypeFromONNX(n int) ElemType {
	for t, v := range onnxTypes {
		if v == n {
			return t
		}
	}
	return ElemType(fmt.Sprintf("onnx-type-%d", n))
}

// Size returns the size of one element in bytes, or 0 for string and unknown
// types.
func (t ElemType) Size() int {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float32, Int32, Uint32:
		return 4
	case Int64, Uint64, Float64:
		return 8
	}
	return 0
}
