package lidarseg

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
)

// Channels is the number of model-input channels: range, x, y, z, remission.
const Channels = 5

// DefaultMeans and DefaultStds are RangeNet++'s SemanticKITTI normalisation
// of the five channels (range m, x m, y m, z m, remission 0..1).
var (
	DefaultMeans = [Channels]float32{12.12, 10.88, 0.23, -1.04, 0.21}
	DefaultStds  = [Channels]float32{12.32, 11.47, 6.91, 0.86, 0.16}
)

// ProjectionConfig configures a Projector.
type ProjectionConfig struct {
	// Height and Width are the range image size in pixels. Required.
	Height, Width int
	// FovUpDeg and FovDownDeg bound the vertical field of view in degrees
	// (HDL-64E: +3 and −25); FovUpDeg must exceed FovDownDeg. Ignored for
	// rows when UseRing is set and the cloud has rings.
	FovUpDeg, FovDownDeg float64
	// HorizontalFovDeg is the horizontal field of view in degrees: 0 or 360
	// projects the full sweep as RangeNet++ does; less keeps only the front
	// sector centred on +x (SqueezeSeg: 90 with Width 512), the other points
	// getting no pixel.
	HorizontalFovDeg float64
	// UseRing puts each point in the row given by its ring (laser) number
	// when the cloud has one, instead of the row from its pitch.
	UseRing bool
	// RingTopFirst says ring 0 is the top beam (Ouster); false says ring 0
	// is the lowest beam (Velodyne). Rings at or above Height are clamped.
	RingTopFirst bool
	// ChannelOrder names the tensor's channels in order, one letter each of
	// r (range), x, y, z and i (remission): "rxyzi" (RangeNet++, the
	// default when empty) or "xyzir" (SqueezeSeg).
	ChannelOrder string
	// Means and Stds normalise the channels, in ChannelOrder:
	// (value − mean) / std. A zero Stds selects DefaultMeans and
	// DefaultStds (RangeNet++'s, for "rxyzi").
	Means, Stds [Channels]float32
	// IntensityScale multiplies the cloud's intensity to give remission in
	// 0..1 (1/255 for 8-bit Velodyne intensity); 0 means 1.
	IntensityScale float32
	// MaxPoints caps the points of one cloud; 0 means 2 M (2,097,152).
	MaxPoints int
}

// preset is a sensor's projection.
type preset struct {
	Name string
	ProjectionConfig
}

// presets are the sensors Projection knows by name. The Velodyne ring 0 is
// the lowest beam, the Ouster channel 0 the top one.
var presets = []preset{
	{"hdl64e", ProjectionConfig{Height: 64, Width: 2048, FovUpDeg: 3, FovDownDeg: -25}},
	{"hdl64e-1024", ProjectionConfig{Height: 64, Width: 1024, FovUpDeg: 3, FovDownDeg: -25}},
	{"squeezeseg", ProjectionConfig{Height: 64, Width: 512, FovUpDeg: 3, FovDownDeg: -25, HorizontalFovDeg: 90, ChannelOrder: "xyzir"}},
	{"vlp16", ProjectionConfig{Height: 16, Width: 1024, FovUpDeg: 15, FovDownDeg: -15}},
	{"vlp32", ProjectionConfig{Height: 32, Width: 1024, FovUpDeg: 15, FovDownDeg: -25}},
	{"os1-64", ProjectionConfig{Height: 64, Width: 1024, FovUpDeg: 22.5, FovDownDeg: -22.5, RingTopFirst: true}},
	{"os1-128", ProjectionConfig{Height: 128, Width: 1024, FovUpDeg: 22.5, FovDownDeg: -22.5, RingTopFirst: true}},
}

// PresetNames lists the known sensor presets.
func PresetNames() []string {
	out := make([]string, len(presets))
	for i, p := range presets {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}

// PresetConfig returns the projection of a named sensor: "hdl64e" (+3°/−25°,
// 64×2048), "hdl64e-1024", "squeezeseg" (HDL-64E front 90°, 64×512),
// "vlp16" (±15°, 16×1024), "vlp32" (+15°/−25°, 32×1024), "os1-64" and
// "os1-128" (±22.5°, 64 or 128 × 1024). Names are case-insensitive.
func PresetConfig(name string) (ProjectionConfig, error) {
	for _, p := range presets {
		if strings.EqualFold(p.Name, name) {
			return p.ProjectionConfig, nil
		}
	}
	return ProjectionConfig{}, configErr("preset", "unknown sensor %q (have %s)", name, strings.Join(PresetNames(), ", "))
}

func (c *ProjectionConfig) defaults() error {
	if c.Height <= 0 || c.Height > 4096 {
		return configErr("Height", "%d, want 1..4096 rows", c.Height)
	}
	if c.Width <= 0 || c.Width > 65536 {
		return configErr("Width", "%d, want 1..65536 columns", c.Width)
	}
	if !(c.FovUpDeg > c.FovDownDeg) || c.FovUpDeg > 90 || c.FovDownDeg < -90 {
		return configErr("FovUpDeg", "fov_up %g° and fov_down %g° must satisfy −90 ≤ down < up ≤ 90", c.FovUpDeg, c.FovDownDeg)
	}
	if c.HorizontalFovDeg < 0 || c.HorizontalFovDeg > 360 {
		return configErr("HorizontalFovDeg", "%g°, want 0 (full) or (0, 360]", c.HorizontalFovDeg)
	}
	if c.ChannelOrder == "" {
		c.ChannelOrder = "rxyzi"
	}
	if len(c.ChannelOrder) != Channels {
		return configErr("ChannelOrder", "%q, want the five letters r, x, y, z, i in some order", c.ChannelOrder)
	}
	for _, ch := range "rxyzi" {
		if !strings.ContainsRune(c.ChannelOrder, ch) {
			return configErr("ChannelOrder", "%q lacks %q", c.ChannelOrder, ch)
		}
	}
	if c.Stds == ([Channels]float32{}) {
		c.Means, c.Stds = DefaultMeans, DefaultStds
	}
	for i, s := range c.Stds {
		if !(s > 0) {
			return configErr("Stds", "channel %d std %g, want > 0", i, s)
		}
	}
	if c.IntensityScale == 0 {
		c.IntensityScale = 1
	}
	if c.MaxPoints <= 0 {
		c.MaxPoints = 2 << 20
	}
	return nil
}

// Cloud is one sweep as plain slices, in the sensor frame. X, Y and Z must
// have the same length; Intensity and Ring are optional (nil, or that length).
type Cloud struct {
	X, Y, Z   []float32 // metres
	Intensity []float32 // raw sensor intensity; scaled by IntensityScale
	Ring      []uint16  // laser number, used for the row when UseRing is set
}

// Len returns the number of points.
func (c *Cloud) Len() int { return len(c.X) }

// Projection is the range image of one cloud and each point's place in it.
// Its slices belong to the Projector and are overwritten by its next
// Project.
type Projection struct {
	Height, Width int
	// PixelPoint is, per pixel (row-major), the index of the point shown
	// there (the nearest), −1 when empty.
	PixelPoint []int32
	// PixelRange is, per pixel, that point's range in metres, −1 when empty
	// (as lidar-bonnetal's proj_range).
	PixelRange []float32
	// Mask is 1 for a pixel holding a point, 0 for an empty one.
	Mask []uint8
	// PointU and PointV are every point's column and row, occluded points
	// included; −1 for points that were skipped (NaN, infinite, zero range,
	// outside the horizontal field of view).
	PointU, PointV []int32
	// PointRange is every point's range in metres (float32 as
	// lidar-bonnetal computes it), 0 for skipped points.
	PointRange []float32
	// Projected counts the points that got a pixel.
	Projected int
}

// NumPoints returns the number of points of the projected cloud.
func (p *Projection) NumPoints() int { return len(p.PointU) }

// Projector projects clouds to range images. It is not safe for concurrent
// use.
type Projector struct {
	cfg  ProjectionConfig
	out  Projection
	fovD float32 // |fov_down| in radians, float32 as numpy sees it
	fov  float32 // |fov_down| + |fov_up| in radians
	// sector: horizontal field of view in radians for the front-sector mode.
	sector     float64
	full       bool
	wf, hf     float32
	cloud      Cloud
	ring       bool
	tensor     []float32
	par        Parallel
	pointFn    func(lo, hi int)
	rowTab     stepTable
	colTab     stepTable
	pixFn      func(lo, hi int)
	scatterFn  func(lo, hi int)
	cells      []pixel       // the range image during the scatter
	source     [Channels]int // per tensor channel: 0 range, 1 x, 2 y, 3 z, 4 remission
	rangeFirst bool          // ChannelOrder is "rxyzi"
	counts     []int         // projected points per scatter chunk, by its first row
	packed     [][4]float32  // per point x, y, z, remission
}

// NewProjector checks cfg and returns a Projector.
func NewProjector(cfg ProjectionConfig) (*Projector, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	p := &Projector{cfg: cfg}
	up := cfg.FovUpDeg / 180 * math.Pi
	down := cfg.FovDownDeg / 180 * math.Pi
	p.fovD = float32(math.Abs(down))
	p.fov = float32(math.Abs(down) + math.Abs(up))
	p.full = cfg.HorizontalFovDeg == 0 || cfg.HorizontalFovDeg == 360
	p.sector = cfg.HorizontalFovDeg / 180 * math.Pi
	p.wf, p.hf = float32(cfg.Width), float32(cfg.Height)
	n := cfg.Height * cfg.Width
	p.out = Projection{Height: cfg.Height, Width: cfg.Width,
		PixelPoint: make([]int32, n), PixelRange: make([]float32, n), Mask: make([]uint8, n)}
	p.counts = make([]int, cfg.Height)
	p.rangeFirst = cfg.ChannelOrder == "rxyzi"
	for ch, r := range cfg.ChannelOrder {
		p.source[ch] = strings.IndexRune("rxyzi", r)
	}
	p.cells = make([]pixel, n)
	p.buildTables()
	p.pointFn = p.projectPoints
	p.pixFn = p.fillPixels
	p.scatterFn = p.scatter
	return p, nil
}

// Config returns the configuration with defaults applied.
func (p *Projector) Config() ProjectionConfig { return p.cfg }

// TensorLen returns the length of the model-input tensor: 5 × Height × Width.
func (p *Projector) TensorLen() int { return Channels * p.cfg.Height * p.cfg.Width }

// Project projects c. When tensor is not nil it must hold TensorLen values
// and receives the normalised channels (range, x, y, z, remission, or as
// ChannelOrder says) in [5, Height, Width] order, empty pixels 0. Arithmetic mirrors
// lidar-bonnetal's float32 numpy code: r = ‖p‖, yaw = −atan2(y, x),
// pitch = asin(z/r), u = ⌊0.5 (yaw/π + 1) W⌋, v = ⌊(1 − (pitch + |fov_down|)
// / fov) H⌋, both clamped to the image, and the nearest point of a pixel
// wins (the lower index on equal ranges, where lidar-bonnetal's unstable
// argsort keeps either). Points with a NaN or infinite
// coordinate or zero range are skipped. It returns an error wrapping
// ErrInput, ErrTooLarge or ErrNoPoints; the Projection is valid (empty) in
// the last case.
func (p *Projector) Project(c Cloud, tensor []float32) (*Projection, error) {
	n := len(c.X)
	if len(c.Y) != n || len(c.Z) != n {
		return nil, fmt.Errorf("%w: x, y, z have %d, %d, %d values", ErrInput, n, len(c.Y), len(c.Z))
	}
	if c.Intensity != nil && len(c.Intensity) != n {
		return nil, fmt.Errorf("%w: %d intensities for %d points", ErrInput, len(c.Intensity), n)
	}
	if c.Ring != nil && len(c.Ring) != n {
		return nil, fmt.Errorf("%w: %d rings for %d points", ErrInput, len(c.Ring), n)
	}
	if n > p.cfg.MaxPoints {
		return nil, fmt.Errorf("%w: %d points, limit %d", ErrTooLarge, n, p.cfg.MaxPoints)
	}
	if tensor != nil && len(tensor) != p.TensorLen() {
		return nil, fmt.Errorf("%w: tensor holds %d values, want 5×%d×%d = %d", ErrInput, len(tensor), p.cfg.Height, p.cfg.Width, p.TensorLen())
	}
	o := &p.out
	o.PointU = grow(o.PointU, n)
	o.PointV = grow(o.PointV, n)
	o.PointRange = grow(o.PointRange, n)
	p.packed = grow(p.packed, n)
	p.cloud = c
	p.ring = p.cfg.UseRing && c.Ring != nil
	p.tensor = tensor

	// Each point's pixel, in parallel.
	p.par.For(n, 8192, p.pointFn)

	// Nearest point per pixel: each worker scans the points in index order
	// and keeps those of its own rows, which equals writing the points in
	// descending range with ties kept by index.
	clear(p.counts)
	p.par.For(p.cfg.Height, max(8, p.cfg.Height/runtime.GOMAXPROCS(0)), p.scatterFn) // each chunk scans every point: one per CPU
	projected := 0
	for _, c := range p.counts {
		projected += c
	}
	o.Projected = projected

	// Mask and tensor, in parallel over rows.
	p.par.For(p.cfg.Height, 4, p.pixFn)
	p.cloud = Cloud{}
	p.tensor = nil
	if projected == 0 {
		return o, fmt.Errorf("%w: %d points", ErrNoPoints, n)
	}
	return o, nil
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// bonnetalU is lidar-bonnetal's column of a float32 yaw:
// ⌊0.5 (yaw/π + 1) W⌋ in float32, clamped.
func (p *Projector) bonnetalU(yaw float32) int {
	const pi32 = float32(math.Pi)
	px := float32(0.5) * (yaw/pi32 + 1)
	px = float32(px * p.wf)
	return min(max(int(math.Floor(float64(px))), 0), p.cfg.Width-1)
}

// bonnetalV is lidar-bonnetal's row of the float32 sine of the pitch
// q = z/r: ⌊(1 − (asin q + |fov_down|)/fov) H⌋ in float32, clamped.
func (p *Projector) bonnetalV(q float32) int {
	pitch := float32(math.Asin(float64(q)))
	py := 1 - (pitch+p.fovD)/p.fov
	py = float32(py * p.hf)
	v := math.Floor(float64(py))
	if v != v { // |q| > 1 by rounding: straight up or down
		if q > 0 {
			return 0
		}
		return p.cfg.Height - 1
	}
	return min(max(int(v), 0), p.cfg.Height-1)
}

// buildTables turns bonnetalU and bonnetalV into step tables: both are
// monotone in their float32 argument, so each pixel boundary is found once
// by bisection over the float32 values, and the per-point work becomes a
// division and a table look-up that give the same pixels.
func (p *Projector) buildTables() {
	h, w := p.cfg.Height, p.cfg.Width
	// Rows fall as q grows: the k-th threshold is the first q whose row is
	// at most h−1−k.
	rows := make([]float64, 0, h-1)
	for k := 1; k < h; k++ {
		rows = append(rows, float64(firstTrue(-1, 1, func(q float32) bool { return p.bonnetalV(q) <= h-1-k })))
	}
	p.rowTab = newStepTable(rows, 16*h)
	if !p.full {
		return
	}
	// Columns grow with yaw = −atan2(y, x), so they fall as the diamond
	// angle grows; the float32 rounding of yaw moves each boundary to the
	// midpoint below the first float32 yaw of the column.
	cols := make([]float64, 0, w-1)
	for k := 1; k < w; k++ {
		y := firstTrue(-math.Pi, math.Pi, func(yaw float32) bool { return p.bonnetalU(yaw) >= k })
		mid := (float64(y) + float64(prevFloat32(y))) / 2 // true yaw boundary
		cols = append(cols, -diamond(math.Cos(-mid), math.Sin(-mid)))
	}
	p.colTab = newStepTable(cols, 2*w)
}

// projectPoints computes PointU, PointV and PointRange for points [lo, hi).
func (p *Projector) projectPoints(lo, hi int) {
	o := &p.out
	c := &p.cloud
	xs, ys, zs := c.X[lo:hi], c.Y[lo:hi], c.Z[lo:hi]
	us, vs, rs := o.PointU[lo:hi:hi], o.PointV[lo:hi:hi], o.PointRange[lo:hi:hi]
	var rings []uint16
	if p.ring {
		rings = c.Ring[lo:hi]
	}
	var inten []float32
	if c.Intensity != nil {
		inten = c.Intensity[lo:hi]
	}
	packed := p.packed[lo:hi:hi]
	scale := p.cfg.IntensityScale
	h, w := p.cfg.Height, p.cfg.Width
	for k := range xs {
		x, y, z := xs[k], ys[k], zs[k]
		var rem float32
		if inten != nil {
			rem = float32(inten[k] * scale)
		}
		packed[k] = [4]float32{x, y, z, rem}
		// The explicit conversions round each product, so that no fused
		// multiply-add changes the float32 result numpy gives.
		s := float32(x*x) + float32(y*y)
		s += float32(z * z)
		r := float32(math.Sqrt(float64(s)))
		if !(r > 0) || r > math.MaxFloat32 { // NaN, 0 or infinite
			us[k], vs[k], rs[k] = -1, -1, 0
			continue
		}
		var u int
		switch {
		case !p.full:
			yaw := -math.Atan2(float64(y), float64(x))
			a := yaw + p.sector/2
			if a < 0 || a > p.sector {
				us[k], vs[k], rs[k] = -1, -1, 0
				continue
			}
			u = min(int(a/p.sector*float64(w)), w-1)
		case y == 0: // signed zeros decide between the first and last column
			u = p.bonnetalU(float32(-math.Atan2(float64(y), float64(x))))
		default:
			u = min(p.colTab.count(-diamond(float64(x), float64(y))), w-1)
		}
		var v int
		if rings != nil {
			v = min(int(rings[k]), h-1)
			if !p.cfg.RingTopFirst {
				v = h - 1 - v
			}
		} else {
			v = h - 1 - p.rowTab.count(float64(z/r))
		}
		us[k], vs[k], rs[k] = int32(u), int32(v), r
	}
}

// pixel is a range-image cell during the scatter: one cache line holds
// both the point and its range.
type pixel struct {
	point int32
	r     float32
}

// scatter keeps, for rows [lo, hi), the nearest point of every pixel.
func (p *Projector) scatter(lo, hi int) {
	o := &p.out
	w := p.cfg.Width
	cells := p.cells[lo*w : hi*w]
	for i := range cells {
		cells[i] = pixel{-1, -1}
	}
	n := 0
	lo32, hi32 := int32(lo), int32(hi)
	us := o.PointU
	vs, rs := o.PointV[:len(us)], o.PointRange[:len(us)]
	for i, v := range vs {
		if v < lo32 || v >= hi32 {
			continue
		}
		n++
		c := &cells[int(v-lo32)*w+int(us[i])]
		if r := rs[i]; c.point < 0 || r < c.r {
			*c = pixel{int32(i), r}
		}
	}
	p.counts[lo] = n // chunks start on distinct rows
}

// fillPixels writes the mask and, when asked for, the tensor for rows
// [lo, hi).
func (p *Projector) fillPixels(lo, hi int) {
	o := &p.out
	w := p.cfg.Width
	plane := p.cfg.Height * w
	m, sd := p.cfg.Means, p.cfg.Stds
	t := p.tensor
	for pix := lo * w; pix < hi*w; pix++ {
		c := p.cells[pix]
		j := c.point
		o.PixelPoint[pix], o.PixelRange[pix] = j, c.r
		if j < 0 {
			o.Mask[pix] = 0
			if t != nil {
				for ch := 0; ch < Channels; ch++ {
					t[ch*plane+pix] = 0
				}
			}
			continue
		}
		o.Mask[pix] = 1
		if t == nil {
			continue
		}
		q := &p.packed[j]
		if p.rangeFirst { // RangeNet++'s order: no indirection
			t[pix] = (c.r - m[0]) / sd[0]
			t[plane+pix] = (q[0] - m[1]) / sd[1]
			t[2*plane+pix] = (q[1] - m[2]) / sd[2]
			t[3*plane+pix] = (q[2] - m[3]) / sd[3]
			t[4*plane+pix] = (q[3] - m[4]) / sd[4]
			continue
		}
		v := [Channels]float32{c.r, q[0], q[1], q[2], q[3]}
		for ch := 0; ch < Channels; ch++ {
			t[ch*plane+pix] = (v[p.source[ch]] - m[ch]) / sd[ch]
		}
	}
}
