package lidarsegnode

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// Families of model cards the node accepts: RangeNet++ and the models that
// share its contract.
var families = []string{"rangenet", "salsanext", "squeezeseg"}

// rangenet is a model in the RangeNet++ contract: input [1, 5, H, W]
// (range, x, y, z, remission, normalised), output [1, C, H, W] scores.
type rangenet struct {
	m       *infer.Model
	in, out string
	classes int
	raw     []uint16 // class index → raw label id
	softmax bool
	// offset is the card's class_bias: a logit offset per class, added
	// before the argmax; nil for none.
	offset []float32
	h, w   int
	stats  string
	// paint is the card's camera painting (nil for none): its channels
	// follow the five geometric ones, normalised by paintMean and paintStd.
	paint               *infer.Paint
	paintMean, paintStd []float32
	// sensors are the lidars the model was trained on (card parameter
	// sensors, preset names); nil when the card names none.
	sensors []sensorPreset
	// native is set for a model whose input rows and columns are dynamic:
	// the node sizes them from each lidar it measures.
	native *nativeInput
	// members is the card's family (parameter members), in its order: the
	// first member that covers a lidar runs instead of this model. Empty
	// for most cards.
	members []familyMember
}

// nativeInput is how a native model's input is sized: the card's names of
// the rows and columns dimensions and the multiples the network needs of
// them (card parameters row_multiple and column_multiple, default 1).
type nativeInput struct {
	rows, cols       string
	rowMult, colMult int
}

// dims sizes the model's input for the projection pc.
func (ni *nativeInput) dims(pc lidarseg.ProjectionConfig) map[string]int64 {
	return map[string]int64{ni.rows: int64(pc.Height), ni.cols: int64(pc.Width)}
}

// nativeOf reads from a card whether its model is native: input [1, C,
// rows, cols] with rows and cols named dynamic dimensions. It returns nil
// for a model of fixed size.
func nativeOf(c *infer.Card) (*nativeInput, error) {
	if len(c.Inputs) != 1 || len(c.Inputs[0].Shape) != 4 {
		return nil, nil // check reports the contract
	}
	sh := c.Inputs[0].Shape
	if !sh[2].Dynamic() && !sh[3].Dynamic() {
		return nil, nil
	}
	if !sh[2].Dynamic() || !sh[3].Dynamic() || sh[2].Name == "" || sh[3].Name == "" || sh[2].Name == sh[3].Name {
		return nil, fmt.Errorf("%w: card input shape %v: a model of any lidar names both its rows and its columns dynamic ([1, C, H, W])", ErrModel, sh)
	}
	ni := &nativeInput{rows: sh[2].Name, cols: sh[3].Name, rowMult: 1, colMult: 1}
	for key, dst := range map[string]*int{"row_multiple": &ni.rowMult, "column_multiple": &ni.colMult} {
		if v, ok := c.Param(key); ok {
			if v < 1 || v > 256 || v != float64(int(v)) {
				return nil, fmt.Errorf("%w: card %s %g, want an integer 1..256", ErrModel, key, v)
			}
			*dst = int(v)
		}
	}
	if c.Paint != nil {
		return nil, fmt.Errorf("%w: a painted model of any lidar is not supported (card paint with dynamic rows and columns)", ErrModel)
	}
	return ni, nil
}

// familyMember is one entry of a card's members: a model (path resolved
// against the card's folder) for lidars of at most maxBeams rings, or, with
// maxBeams 0, for the lidars its own card's sensors cover.
type familyMember struct {
	path     string
	maxBeams int
	sensors  []sensorPreset
	native   *nativeInput // nil for a model of fixed size
}

// covers reports whether the member is the model for a lidar of geometry g.
func (m *familyMember) covers(g lidarseg.SensorGeometry) bool {
	if m.maxBeams > 0 {
		return g.Beams > 0 && g.Beams <= m.maxBeams
	}
	for _, s := range m.sensors {
		if s.pc.Covers(g, sensorTolDeg) {
			return true
		}
	}
	return false
}

// membersOf reads a native card's members parameter: a list of {model:
// FILE, max_beams: N} (a model of any lidar, for lidars of at most N rings)
// or {model: FILE} (for the lidars FILE's card lists in its sensors), FILE
// relative to the card's folder.
func membersOf(c *infer.Card, cardPath string) ([]familyMember, error) {
	v, ok := c.Parameters["members"]
	if !ok {
		return nil, nil
	}
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: card members %v, want a list of {model: FILE[, max_beams: N]}", ErrModel, v)
	}
	var out []familyMember
	for i, e := range list {
		m, _ := e.(map[string]any)
		var beams float64
		switch b := m["max_beams"].(type) {
		case int:
			beams = float64(b)
		case float64:
			beams = b
		case nil:
		default:
			beams = -1
		}
		file, _ := m["model"].(string)
		if beams < 0 || beams != float64(int(beams)) || file == "" || (m["max_beams"] != nil && beams < 1) {
			return nil, fmt.Errorf("%w: card members[%d] %v, want {model: FILE[, max_beams: N ≥ 1]}", ErrModel, i, e)
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(cardPath), file)
		}
		mc, err := infer.LoadCard(infer.CardPathFor(file))
		if err == nil {
			_, err = os.Stat(file)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: card members[%d]: %w", ErrModel, i, err)
		}
		if mc.Paint != nil {
			return nil, fmt.Errorf("%w: card members[%d]: %s paints its input from cameras, which a member cannot (the node sets painting up for model.path only)", ErrModel, i, file)
		}
		fm := familyMember{path: file, maxBeams: int(beams)}
		if fm.native, err = nativeOf(mc); err != nil {
			return nil, fmt.Errorf("card members[%d] %s: %w", i, file, err)
		}
		if fm.sensors, err = sensorsOf(mc); err != nil {
			return nil, fmt.Errorf("card members[%d] %s: %w", i, file, err)
		}
		if fm.maxBeams > 0 && fm.native == nil {
			return nil, fmt.Errorf("%w: card members[%d]: %s is chosen by beam count but is not a model of any lidar (dynamic rows and columns)", ErrModel, i, file)
		}
		if fm.maxBeams == 0 && len(fm.sensors) == 0 {
			return nil, fmt.Errorf("%w: card members[%d]: %s has no max_beams and its card lists no sensors to choose it by", ErrModel, i, file)
		}
		out = append(out, fm)
	}
	return out, nil
}

// sensorsOf reads a card's sensors parameter (preset names); nil when the
// card names none.
func sensorsOf(c *infer.Card) ([]sensorPreset, error) {
	v, ok := c.Parameters["sensors"]
	if !ok {
		return nil, nil
	}
	list, _ := v.([]any)
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: card sensors %v, want a list of sensor presets (%s)", ErrModel, v, strings.Join(lidarseg.PresetNames(), ", "))
	}
	var out []sensorPreset
	for _, e := range list {
		name, _ := e.(string)
		pc, err := lidarseg.PresetConfig(name)
		if err != nil {
			return nil, fmt.Errorf("%w: card sensors: %w", ErrModel, err)
		}
		out = append(out, sensorPreset{name, pc})
	}
	return out, nil
}

// sensorPreset is one of a card's sensors.
type sensorPreset struct {
	name string
	pc   lidarseg.ProjectionConfig
}

// openRangeNet opens the model and makes pc follow its card (the card wins
// over parameters): image size from the input shape; and from the card's
// parameters when given: fov_up_deg, fov_down_deg, horizontal_fov_deg,
// channel_order, intensity_scale, use_ring (false when absent: RangeNet++
// projects by pitch), softmax; normalisation mean and std.
func openRangeNet(cfg infer.Config, labels *lidarseg.LabelMap, pc *lidarseg.ProjectionConfig, env node.Env) (*rangenet, error) {
	if env.Log != nil {
		cfg.Logger = env.Log
	}
	m, err := infer.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("lidarseg node: model: %w", err)
	}
	r := &rangenet{m: m}
	if err := r.check(labels, pc); err != nil {
		m.Close()
		return nil, err
	}
	cardPath := cfg.CardPath
	if cardPath == "" {
		cardPath = infer.CardPathFor(cfg.ModelPath)
	}
	if r.members, err = membersOf(m.Card(), cardPath); err == nil && r.members != nil && r.native == nil {
		err = fmt.Errorf("%w: card members need a model of any lidar (dynamic rows and columns) to choose among them", ErrModel)
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return r, nil
}

func (r *rangenet) check(labels *lidarseg.LabelMap, pc *lidarseg.ProjectionConfig) (err error) {
	c := r.m.Card()
	if !slices.Contains(families, c.Family) {
		return fmt.Errorf("%w: card family %q, want one of %v", ErrModel, c.Family, families)
	}
	ins, outs := r.m.InputNames(), r.m.OutputNames()
	if len(ins) != 1 || len(outs) < 1 {
		return fmt.Errorf("%w: %d inputs and %d outputs, want 1 input and an output", ErrModel, len(ins), len(outs))
	}
	r.in, r.out = ins[0], outs[0]
	is, os := r.m.InputShape(r.in), r.m.OutputShape(r.out)
	extra := 0
	if c.Paint != nil {
		r.paint = c.Paint
		extra = len(c.Paint.Channels)
		if _, err := lidarseg.NewPainter(lidarseg.PaintConfig{Channels: c.Paint.Channels}); err != nil {
			return fmt.Errorf("%w: card paint.channels: %w", ErrModel, err)
		}
	}
	if len(is) != 4 || is[0] != 1 || is[1] != int64(lidarseg.Channels+extra) {
		if extra > 0 {
			return fmt.Errorf("%w: input %s has shape %v, want [1, 5 + %d painted (%v), H, W]", ErrModel, r.in, is, extra, c.Paint.Channels)
		}
		return fmt.Errorf("%w: input %s has shape %v, want [1, 5, H, W]", ErrModel, r.in, is)
	}
	if len(os) != 4 || os[0] != 1 || os[2] != is[2] || os[3] != is[3] || os[1] < 2 {
		return fmt.Errorf("%w: output %s has shape %v, want [1, C, %d, %d]", ErrModel, r.out, os, is[2], is[3])
	}
	r.h, r.w, r.classes = int(is[2]), int(is[3]), int(os[1])
	pc.Height, pc.Width = r.h, r.w
	if up, ok := c.Param("fov_up_deg"); ok {
		pc.FovUpDeg = up
	}
	if down, ok := c.Param("fov_down_deg"); ok {
		pc.FovDownDeg = down
	}
	if hf, ok := c.Param("horizontal_fov_deg"); ok {
		pc.HorizontalFovDeg = hf
	}
	if nm := c.Normalisation; len(nm.Mean) > 0 || len(nm.Std) > 0 {
		// Painted channels are normalised too when the card lists 5 + n
		// values, raw (mean 0, std 1) when it lists the geometric five.
		if (len(nm.Mean) != lidarseg.Channels && len(nm.Mean) != lidarseg.Channels+extra) || len(nm.Std) != len(nm.Mean) {
			return fmt.Errorf("%w: card normalisation has %d means and %d stds, want 5 each (or %d with the painted channels)", ErrModel, len(nm.Mean), len(nm.Std), lidarseg.Channels+extra)
		}
		for i := range lidarseg.Channels {
			pc.Means[i], pc.Stds[i] = float32(nm.Mean[i]), float32(nm.Std[i])
		}
		for i := lidarseg.Channels; i < len(nm.Mean); i++ {
			r.paintMean = append(r.paintMean, float32(nm.Mean[i]))
			r.paintStd = append(r.paintStd, float32(nm.Std[i]))
		}
	}
	// Rows from rings only when the card says the model was trained so:
	// the RangeNet++ contract is the spherical projection.
	pc.UseRing = false
	if v, ok := c.Parameters["use_ring"].(bool); ok {
		pc.UseRing = v
	}
	if v, ok := c.Param("intensity_scale"); ok {
		if !(v > 0) {
			return fmt.Errorf("%w: card intensity_scale %g, want > 0", ErrModel, v)
		}
		pc.IntensityScale = float32(v)
	}
	if v, ok := c.Parameters["channel_order"].(string); ok {
		pc.ChannelOrder = v
	}
	if v, ok := c.Parameters["softmax"].(bool); ok {
		r.softmax = v
	}
	if r.sensors, err = sensorsOf(c); err != nil {
		return err
	}
	// Class index → raw id: the card's raw ids, else the label map's.
	r.raw = make([]uint16, r.classes)
	if len(c.Classes) > 0 {
		if len(c.Classes) != r.classes {
			return fmt.Errorf("%w: card lists %d classes, output has %d", ErrModel, len(c.Classes), r.classes)
		}
		for _, cl := range c.Classes {
			if cl.ID < 0 || cl.ID >= r.classes {
				return fmt.Errorf("%w: card class %q has id %d outside 0..%d", ErrModel, cl.Name, cl.ID, r.classes-1)
			}
			if cl.RawID != nil {
				r.raw[cl.ID] = uint16(*cl.RawID)
			} else {
				r.raw[cl.ID] = labels.RawID(uint16(cl.ID))
			}
		}
	} else {
		if labels.NumClasses() != r.classes {
			return fmt.Errorf("%w: output has %d classes, label map %d (give the card classes with raw ids)", ErrModel, r.classes, labels.NumClasses())
		}
		copy(r.raw, labels.Inverse)
	}
	if r.offset, err = classBiasOf(c, r.classes, r.softmax); err != nil {
		return err
	}
	r.stats = fmt.Sprintf("%s %s, %d classes, %d×%d, provider %s, softmax in model %v", c.Name, c.Version, r.classes, r.h, r.w, r.m.Provider(), r.softmax)
	if r.offset != nil {
		r.stats += ", class offsets from the card"
	}
	if r.native, err = nativeOf(c); err != nil {
		return err
	}
	if r.native != nil {
		r.stats += fmt.Sprintf(", any lidar (rows and columns sized from each sweep, multiples of %d and %d)", r.native.rowMult, r.native.colMult)
	}
	if r.paint != nil {
		r.stats += fmt.Sprintf(", painted %v from %v", r.paint.Channels, r.paint.Cameras)
	}
	return nil
}

// classBiasOf reads the card's class_bias: one finite logit offset per
// output class (fitted on calibration drives by
// tools/train/lidarseg_bias.py), added to the class's scores before the
// argmax. nil when the card has none.
func classBiasOf(c *infer.Card, classes int, softmax bool) ([]float32, error) {
	v, ok := c.Parameters["class_bias"]
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok || len(list) != classes {
		return nil, fmt.Errorf("%w: card class_bias %v: want a list of %d numbers, one per class", ErrModel, v, classes)
	}
	if softmax {
		// Offsets are on logits; probabilities would need them as log-ratios.
		return nil, fmt.Errorf("%w: card class_bias on a model with softmax inside: offsets apply to logits (softmax: false)", ErrModel)
	}
	out := make([]float32, classes)
	for i, e := range list {
		var f float64
		switch x := e.(type) {
		case int:
			f = float64(x)
		case float64:
			f = x
		default:
			return nil, fmt.Errorf("%w: card class_bias entry %d (%v) is not a number", ErrModel, i, e)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 100 {
			return nil, fmt.Errorf("%w: card class_bias entry %d is %g, want a finite offset within ±100", ErrModel, i, f)
		}
		out[i] = float32(f)
	}
	return out, nil
}

// offsetScores adds the card's class offsets to the output in place, for
// the CRF, which reads the scores themselves (the argmax adds them as it
// compares). The output is rewritten by every run.
func (r *rangenet) offsetScores() {
	if r.offset == nil {
		return
	}
	out := r.output()
	plane := len(out) / r.classes
	for c, o := range r.offset {
		sc := out[c*plane : (c+1)*plane]
		for i := range sc {
			sc[i] += o
		}
	}
}

func (r *rangenet) describe() string  { return r.stats }
func (r *rangenet) input() []float32  { return r.m.Input(r.in) }
func (r *rangenet) output() []float32 { return r.m.Output(r.out) }
func (r *rangenet) run() error        { return r.m.Run() }
func (r *rangenet) close() error      { return r.m.Close() }

// rawID returns the raw label id of class c (0 for out-of-range classes).
func (r *rangenet) rawID(c uint16) uint16 {
	if int(c) >= len(r.raw) {
		return 0
	}
	return r.raw[c]
}
