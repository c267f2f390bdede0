package head

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// BoxSetConfig describes a DETR-style box set (DETR3D, PETR, BEVFormer's
// detection head; mmdet3d's NMSFreeCoder): Q hypotheses, each a row of
// len(Columns) box values and a row of K class scores. The set is decoded
// by score threshold and top-k only: the set loss already made the
// hypotheses distinct, so there is no NMS.
type BoxSetConfig struct {
	// Columns names the box values in row order: x, y, z (m), w (across
	// the heading), l (along it), h, sin and cos of the yaw or yaw (rad),
	// vx, vy (m/s). x, y, w, l, h and a heading are required.
	Columns []string
	// NumClasses is K, the score row's length (including DETR's trailing
	// no-object class when Scores is "softmax"). Required.
	NumClasses int
	// LogSize says w, l, h hold natural logarithms (NMSFreeCoder's
	// encoding); otherwise metres.
	LogSize bool
	// Scores is how a score row becomes class probabilities: "sigmoid"
	// (the default: per-class logits), "softmax" (over the row, the last
	// class being no-object) or "probability" (as is).
	Scores string
	// YawSign and YawOffset map the model's yaw to REP-103's:
	// yaw = YawSign·yaw_model + YawOffset. YawSign 0 means 1.
	YawSign, YawOffset float64
}

// BoxSetDecoder decodes box sets, reusing its buffers between frames. It is
// not safe for concurrent use.
type BoxSetDecoder struct {
	cfg   BoxSetConfig
	col   map[string]int
	k     int // real classes (K, or K−1 after softmax's no-object)
	prob  []float64
	cands []candidate
}

// NewBoxSetDecoder validates cfg and returns a decoder.
func NewBoxSetDecoder(cfg BoxSetConfig) (*BoxSetDecoder, error) {
	d := &BoxSetDecoder{cfg: cfg, col: map[string]int{}}
	for i, c := range cfg.Columns {
		switch c {
		case "x", "y", "z", "w", "l", "h", "sin", "cos", "yaw", "vx", "vy":
		default:
			return nil, configErr(fmt.Sprintf("BoxSetConfig.Columns[%d]", i), c, "unknown column")
		}
		if _, dup := d.col[c]; dup {
			return nil, configErr(fmt.Sprintf("BoxSetConfig.Columns[%d]", i), c, "repeated column")
		}
		d.col[c] = i
	}
	for _, c := range []string{"x", "y", "w", "l", "h"} {
		if _, ok := d.col[c]; !ok {
			return nil, configErr("BoxSetConfig.Columns", cfg.Columns, "lacks %s", c)
		}
	}
	_, s := d.col["sin"]
	_, co := d.col["cos"]
	_, y := d.col["yaw"]
	if (s && co) == y || s != co {
		return nil, configErr("BoxSetConfig.Columns", cfg.Columns, "want sin and cos, or yaw")
	}
	if _, vx := d.col["vx"]; vx != d.has("vy") {
		return nil, configErr("BoxSetConfig.Columns", cfg.Columns, "vx and vy go together")
	}
	d.k = cfg.NumClasses
	switch cfg.Scores {
	case "", "sigmoid", "probability":
	case "softmax":
		d.k--
	default:
		return nil, configErr("BoxSetConfig.Scores", cfg.Scores, "want sigmoid, softmax or probability")
	}
	if d.k < 1 {
		return nil, configErr("BoxSetConfig.NumClasses", cfg.NumClasses, "want at least one class (two for softmax)")
	}
	if cfg.YawSign != 0 && cfg.YawSign != 1 && cfg.YawSign != -1 {
		return nil, configErr("BoxSetConfig.YawSign", cfg.YawSign, "want 1 or -1")
	}
	if d.cfg.YawSign == 0 {
		d.cfg.YawSign = 1
	}
	return d, nil
}

func (d *BoxSetDecoder) has(c string) bool { _, ok := d.col[c]; return ok }

// HasVelocity reports whether the boxes carry vx and vy.
func (d *BoxSetDecoder) HasVelocity() bool { return d.has("vx") }

// Classes returns the number of real classes (K, less softmax's
// no-object).
func (d *BoxSetDecoder) Classes() int { return d.k }

// Decode appends the hypotheses of one box set (boxes [Q,len(Columns)] and
// scores [Q,K], row-major) whose best class probability reaches threshold
// to dst, best first (ties by query index), at most topK of them (topK ≤ 0:
// all). Rows with a NaN score or box value are dropped.
func (d *BoxSetDecoder) Decode(boxes, scores []float32, q int, threshold float64, topK int, dst []Box) ([]Box, error) {
	nc, k := len(d.cfg.Columns), d.cfg.NumClasses
	if q <= 0 || len(boxes) != q*nc {
		return dst, &ShapeError{Tensor: "boxes", Got: len(boxes), Want: max(q, 0) * nc}
	}
	if len(scores) != q*k {
		return dst, &ShapeError{Tensor: "scores", Got: len(scores), Want: q * k}
	}
	d.prob = slices.Grow(d.prob[:0], q)[:q]
	cands := d.cands[:0]
	for i := range q {
		row := scores[i*k : (i+1)*k]
		best, p := d.best(row)
		d.prob[i] = p
		if best >= 0 && p >= threshold && !math.IsNaN(p) {
			cands = append(cands, candidate{idx: i*k + best, v: float32(p)})
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(d.prob[b.idx/k], d.prob[a.idx/k]); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	d.cands = cands
	kept := 0
	for _, c := range cands {
		if topK > 0 && kept == topK {
			break
		}
		i, cls := c.idx/k, c.idx%k
		b, ok := d.box(boxes[i*nc : (i+1)*nc])
		if !ok {
			continue
		}
		b.Class, b.Score = cls, d.prob[i]
		dst = append(dst, b)
		kept++
	}
	return dst, nil
}

// best returns a score row's best real class and its probability.
func (d *BoxSetDecoder) best(row []float32) (int, float64) {
	best, bv := -1, math.Inf(-1)
	for c := range d.k {
		if v := float64(row[c]); v > bv {
			best, bv = c, v
		}
	}
	if best < 0 {
		return -1, math.NaN()
	}
	switch d.cfg.Scores {
	case "", "sigmoid":
		return best, 1 / (1 + math.Exp(-bv))
	case "softmax":
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		return best, math.Exp(bv-m) / sum
	}
	return best, bv
}

// box decodes one row; ok is false when a value it reads is not finite.
func (d *BoxSetDecoder) box(r []float32) (Box, bool) {
	get := func(c string) float64 {
		if i, ok := d.col[c]; ok {
			return float64(r[i])
		}
		return 0
	}
	b := Box{X: get("x"), Y: get("y"), Z: get("z"), W: get("w"), L: get("l"), H: get("h"), VX: get("vx"), VY: get("vy")}
	if d.cfg.LogSize {
		b.W, b.L, b.H = math.Exp(b.W), math.Exp(b.L), math.Exp(b.H)
	}
	yaw := get("yaw")
	if d.has("sin") {
		yaw = math.Atan2(get("sin"), get("cos"))
	}
	b.Yaw = d.cfg.YawSign*yaw + d.cfg.YawOffset
	for _, v := range [...]float64{b.X, b.Y, b.Z, b.W, b.L, b.H, b.Yaw, b.VX, b.VY} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Box{}, false
		}
	}
	return b, true
}

// Encode writes b as one box row in the configured columns (the inverse of
// Decode's box decoding, for tests and training targets): sizes as their
// logarithms when LogSize, the yaw through YawSign and YawOffset.
func (d *BoxSetDecoder) Encode(b Box, row []float32) error {
	if len(row) != len(d.cfg.Columns) {
		return &ShapeError{Tensor: "boxes", Got: len(row), Want: len(d.cfg.Columns)}
	}
	w, l, h := b.W, b.L, b.H
	if d.cfg.LogSize {
		w, l, h = math.Log(w), math.Log(l), math.Log(h)
	}
	yaw := (b.Yaw - d.cfg.YawOffset) / d.cfg.YawSign
	s, c := math.Sincos(yaw)
	vals := map[string]float64{"x": b.X, "y": b.Y, "z": b.Z, "w": w, "l": l, "h": h, "sin": s, "cos": c, "yaw": yaw, "vx": b.VX, "vy": b.VY}
	for i, name := range d.cfg.Columns {
		row[i] = float32(vals[name])
	}
	return nil
}
