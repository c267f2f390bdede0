package lidarseg

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"

	"github.com/gopercept/gopercept/internal/parallel"
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
	// The same sensors at their other common column counts, and the
	// HDL-32E (+10.67°/−30.67°), for model cards' sensor lists.
	{"os1-64-2048", ProjectionConfig{Height: 64, Width: 2048, FovUpDeg: 22.5, FovDownDeg: -22.5, RingTopFirst: true}},
	{"os1-128-2048", ProjectionConfig{Height: 128, Width: 2048, FovUpDeg: 22.5, FovDownDeg: -22.5, RingTopFirst: true}},
	{"vlp16-2048", ProjectionConfig{Height: 16, Width: 2048, FovUpDeg: 15, FovDownDeg: -15}},
	{"hdl32e", ProjectionConfig{Height: 32, Width: 2048, FovUpDeg: 10.67, FovDownDeg: -30.67}},
	{"hdl32e-1024", ProjectionConfig{Height: 32, Width: 1024, FovUpDeg: 10.67, FovDownDeg: -30.67}},
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
// "os1-128" (±22.5°, 64 or 128 × 1024), "hdl32e" (+10.67°/−30.67°,
// 32×2048), and "os1-64-2048", "os1-128-2048", "vlp16-2048",
// "hdl32e-1024" at the other column count. Names are case-insensitive.
func PresetConfig(name string) (ProjectionConfig, error) {
	for _, p := range presets {
		if strings.EqualFold(p.Name, name) {
			return p.ProjectionConfig, nil
		}
	}
	return ProjectionConfig{}, configErr("PresetConfig name", name, "unknown sensor (have %s)", strings.Join(PresetNames(), ", "))
}

func (c *ProjectionConfig) defaults() error {
	if c.Height <= 0 || c.Height > 4096 {
		return configErr("ProjectionConfig.Height", c.Height, "want 1..4096 rows")
	}
	if c.Width <= 0 || c.Width > 65536 {
		return configErr("ProjectionConfig.Width", c.Width, "want 1..65536 columns")
	}
	if !(c.FovUpDeg > c.FovDownDeg) || c.FovUpDeg > 90 || c.FovDownDeg < -90 {
		return configErr("ProjectionConfig.FovUpDeg", c.FovUpDeg, "with FovDownDeg %g must satisfy −90 ≤ down < up ≤ 90", c.FovDownDeg)
	}
	if c.HorizontalFovDeg < 0 || c.HorizontalFovDeg > 360 {
		return configErr("ProjectionConfig.HorizontalFovDeg", c.HorizontalFovDeg, "want 0 (full) or (0, 360] degrees")
	}
	if c.ChannelOrder == "" {
		c.ChannelOrder = "rxyzi"
	}
	if len(c.ChannelOrder) != Channels {
		return configErr("ProjectionConfig.ChannelOrder", c.ChannelOrder, "want the five letters r, x, y, z, i in some order")
	}
	for _, ch := range "rxyzi" {
		if !strings.ContainsRune(c.ChannelOrder, ch) {
			return configErr("ProjectionConfig.ChannelOrder", c.ChannelOrder, "lacks %q", ch)
		}
	}
	if c.Stds == ([Channels]float32{}) {
		c.Means, c.Stds = DefaultMeans, DefaultStds
	}
	for i, s := range c.Stds {
		if !(s > 0) {
			return configErr(fmt.Sprintf("ProjectionConfig.Stds[%d]", i), s, "want > 0")
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
	sector float64
	full   bool
	wf, hf float32
	cloud  Cloud
	ring   bool
	tensor []float32
	par    parallel.Loop
	rowTab edgeTable
	colTab edgeTable
	slotFn func(lo, hi int)
	// zeroU is the column of a point with y = ±0, by the signs of x and y:
	// atan2 gives ±0 or ±π there.
	zeroU [2][2]int
	pixFn func(lo, hi int)
	// images are the range images during the scatter, one per slot of
	// points, as keys: the float32 bits of a point's range above its index
	// (empty: all ones). The smallest key of a pixel is its nearest point,
	// the lower index on equal ranges, whatever the order of the writes, so
	// slots scatter without locks and the fill takes the minimum over them
	// and leaves every image empty for the next frame.
	images     [][]uint64
	payload    [][][4]float32 // per image and pixel, its key's point: x, y, z, remission
	slots      int
	counts     []int         // projected points per slot
	source     [Channels]int // per tensor channel: 0 range, 1 x, 2 y, 3 z, 4 remission
	rangeFirst bool          // ChannelOrder is "rxyzi"
	inv        [Channels]float64
	norm       [2 * Channels][8]float32 // each mean, then each std, for fillTensorAVX2
	ptab       pixTables                // the edge tables as pixelsAVX2 reads them
}

// pixTables lays the column and row edge tables out for pixelsAVX2, every
// value in the lanes it is used in; the assembly reads it by offset.
type pixTables struct {
	colLo, colScale [4]float64 // 0, 32
	rowLo, rowScale [4]float64 // 64, 96
	lastRow         [4]int64   // 128: Height − 1
	colLast         [4]int32   // 160: the tables' last bins
	rowLast         [4]int32   // 176
	width           [4]int32   // 192
	colBins         *edgeBin   // 208
	rowBins         *edgeBin   // 216
	maxRange        [4]float32 // 224: MaxFloat32
	lowDwords       [8]int32   // 240: VPERMD's picks of the qwords' low halves
	lanes, four     [4]int64   // 272, 304: 0 1 2 3, and the step
}

// setPixTables fills p.ptab from the edge tables.
func (p *Projector) setPixTables() {
	t := &p.ptab
	for l := range 4 {
		t.colLo[l], t.colScale[l] = p.colTab.lo, p.colTab.scale
		t.rowLo[l], t.rowScale[l] = p.rowTab.lo, p.rowTab.scale
		t.lastRow[l] = int64(p.cfg.Height - 1)
		t.colLast[l], t.rowLast[l] = int32(p.colTab.last), int32(p.rowTab.last)
		t.width[l] = int32(p.stride())
		t.maxRange[l] = math.MaxFloat32
		t.lanes[l], t.four[l] = int64(l), 4
	}
	for l := range 8 {
		t.lowDwords[l] = int32(2 * (l % 4))
	}
	t.colBins, t.rowBins = &p.colTab.bins[0], &p.rowTab.bins[0]
}

// emptyKey marks a pixel without a point in the scatter images.
const emptyKey = math.MaxUint64

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
	p.rangeFirst = cfg.ChannelOrder == "rxyzi"
	for ch, r := range cfg.ChannelOrder {
		p.source[ch] = strings.IndexRune("rxyzi", r)
	}
	for ch, s := range cfg.Stds {
		p.inv[ch] = 1 / float64(s)
		for l := range 8 {
			p.norm[ch][l], p.norm[Channels+ch][l] = cfg.Means[ch], s
		}
	}
	p.buildTables()
	for sx := range 2 {
		for sy := range 2 {
			x, y := math.Copysign(1, float64(1-2*sx)), math.Copysign(0, float64(1-2*sy))
			p.zeroU[sx][sy] = p.bonnetalU(float32(-math.Atan2(y, x)))
		}
	}
	p.slotFn = p.projectSlots
	p.pixFn = p.fillPixels
	return p, nil
}

// Config returns the configuration with defaults applied.
func (p *Projector) Config() ProjectionConfig { return p.cfg }

// TensorLen returns the length of the model-input tensor: 5 × Height × Width.
func (p *Projector) TensorLen() int { return Channels * p.cfg.Height * p.cfg.Width }

// minSlotPoints is the fewest points worth a slot of their own: below it a
// second scatter image costs more (its share of the fill) than the second
// core saves. On the 131,072-point sweep (Zen 3, idle) two slots cost
// 1.27–1.36 ms CPU against 0.97–1.00 ms for one, as the fill merges a
// second image, and take 0.81–0.85 ms wall (gopercept bench kernels).
const minSlotPoints = 1 << 15

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
	if n > p.cfg.MaxPoints || n > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d points, limit %d", ErrTooLarge, n, min(p.cfg.MaxPoints, math.MaxInt32))
	}
	if tensor != nil && len(tensor) != p.TensorLen() {
		return nil, fmt.Errorf("%w: tensor holds %d values, want 5×%d×%d = %d", ErrInput, len(tensor), p.cfg.Height, p.cfg.Width, p.TensorLen())
	}
	o := &p.out
	o.PointU = grow(o.PointU, n)
	o.PointV = grow(o.PointV, n)
	o.PointRange = grow(o.PointRange, n)
	p.cloud = c
	p.ring = p.cfg.UseRing && c.Ring != nil
	p.tensor = tensor

	// Each point's pixel and the scatter, one slot of points per CPU, each
	// into its own image.
	p.slots = max(1, min(runtime.GOMAXPROCS(0), n/minSlotPoints))
	for len(p.images) < p.slots {
		img := make([]uint64, p.cfg.Height*p.stride())
		for i := range img {
			img[i] = emptyKey
		}
		p.images = append(p.images, img)
		p.payload = append(p.payload, make([][4]float32, len(img)))
		p.counts = append(p.counts, 0)
	}
	p.par.For(p.slots, 1, p.slotFn)
	projected := 0
	for _, c := range p.counts[:p.slots] {
		projected += c
	}
	o.Projected = projected

	// Nearest point per pixel, mask and tensor, in parallel over rows.
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

// buildTables turns bonnetalU and bonnetalV into threshold tables: both
// are monotone in their float32 argument, so each pixel boundary is found
// once by bisection over the float32 values, and the per-point work
// becomes a division and a table look-up that give the same pixels.
func (p *Projector) buildTables() {
	h, w := p.cfg.Height, p.cfg.Width
	// Rows fall as q grows: the k-th threshold is the first q whose row is
	// at most h−1−k.
	rows := make([]float64, 0, h-1)
	for k := 1; k < h; k++ {
		rows = append(rows, float64(firstTrue(-1, 1, func(q float32) bool { return p.bonnetalV(q) <= h-1-k })))
	}
	p.rowTab = newEdgeTable(rows, 16*h)
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
		cols = append(cols, -pseudoAngle(math.Cos(-mid), math.Sin(-mid)))
	}
	p.colTab = newEdgeTable(cols, 2*w)
	p.setPixTables()
}

// edgeTable counts how many of an ascending list of thresholds are at or
// below a value with one comparison: a bin of the value gives the
// thresholds certainly below it, and the bins are made fine enough that at
// most one more can be. It gives what a search of the thresholds gives,
// for every value in [lo − 1, hi + 1] around the thresholds' span (the
// projection's values are pseudo-angles in [−2, 2] and sines in [−1, 1]).
type edgeTable struct {
	lo, scale float64
	last      int       // the last bin, where larger values go
	bins      []edgeBin // per bin
	thr       []float64 // ascending, then +Inf
	walk      bool      // bins could not be made fine enough: search on from base
}

// edgeBin is one bin: the thresholds certainly at or below any value in
// it, and the one threshold that may be too (+Inf when none).
type edgeBin struct {
	t    float64
	base int64
}

// newEdgeTable returns the table of thr (strictly ascending, finite) with
// at least bins bins.
func newEdgeTable(thr []float64, bins int) edgeTable {
	t := edgeTable{thr: append(append([]float64(nil), thr...), math.Inf(1))}
	if len(thr) == 0 {
		t.bins = []edgeBin{{t: math.Inf(1)}}
		return t
	}
	t.lo = thr[0]
	span := thr[len(thr)-1] - thr[0]
	if span <= 0 {
		span = 1
	}
	for ; ; bins *= 2 {
		t.scale = float64(bins) / span
		t.last = bins - 1
		t.bins = make([]edgeBin, bins)
		// A value in bin b lies within (b − 0.01, b + 1.01) bin widths of lo
		// however (x − lo)·scale rounds; the last bin takes all above.
		k, hi, most := 0, 0, 0
		for b := range t.bins {
			edge := t.lo + (float64(b)-0.01)/t.scale
			for k < len(thr) && thr[k] < edge {
				k++
			}
			end := t.lo + (float64(b)+1.01)/t.scale
			if b == bins-1 {
				end = math.Inf(1)
			}
			for hi < len(thr) && thr[hi] <= end {
				hi++
			}
			most = max(most, hi-k)
			t.bins[b] = edgeBin{t: t.thr[k], base: int64(k)}
		}
		if most <= 1 {
			return t
		}
		if bins >= 1<<20 {
			t.walk = true
			return t
		}
	}
}

// bin returns x's bin; x must lie within the table's range of values.
func (t *edgeTable) bin(x float64) *edgeBin {
	b := min(max(int((x-t.lo)*t.scale), 0), t.last)
	return &t.bins[b]
}

// count returns #{k : thr[k] ≤ x}; NaN counts 0.
func (t *edgeTable) count(x float64) int {
	if x != x {
		return 0
	}
	e := t.bin(x)
	k := int(e.base)
	if t.walk {
		for x >= t.thr[k] {
			k++
		}
		return k
	}
	if x >= e.t {
		k++
	}
	return k
}

// signBit is 1 for a negative f (−0 included), else 0.
func signBit(f float32) int { return int(math.Float32bits(f) >> 31) }

// pseudoAngle is a cheap angle without branches: a function of (x, y)
// increasing with atan2(y, x) over (−π, π], in [−2, 2]; y must not be zero
// (its sign would decide between −2 and 2).
func pseudoAngle(x, y float64) float64 {
	a := 1 - x/(math.Abs(x)+math.Abs(y))
	return math.Copysign(a, y)
}

// projectSlots projects and scatters the points of slots [lo, hi): slot s
// holds points [s·n/slots, (s+1)·n/slots) and its own image.
func (p *Projector) projectSlots(lo, hi int) {
	n := len(p.cloud.X)
	for s := lo; s < hi; s++ {
		a, b := s*n/p.slots, (s+1)*n/p.slots
		if p.full && !p.ring {
			p.counts[s] = p.projectFull(a, b, p.images[s], p.payload[s])
		} else {
			p.counts[s] = p.projectPoints(a, b, p.images[s], p.payload[s])
		}
	}
}

// projectPoints computes PointU, PointV and PointRange for points [lo, hi)
// and keeps each pixel's smallest key in img; it returns how many points
// got a pixel.
func (p *Projector) projectPoints(lo, hi int, img []uint64, pay [][4]float32) int {
	o := &p.out
	c := &p.cloud
	xs := c.X[lo:hi]
	ys, zs := c.Y[lo:hi][:len(xs)], c.Z[lo:hi][:len(xs)]
	us, vs, rs := o.PointU[lo:hi][:len(xs)], o.PointV[lo:hi][:len(xs)], o.PointRange[lo:hi][:len(xs)]
	var rings []uint16
	if p.ring {
		rings = c.Ring[lo:hi]
	}
	h, w, stride := p.cfg.Height, p.cfg.Width, p.stride()
	img = img[:h*stride]
	pay = pay[:len(img)]
	var inten []float32
	if c.Intensity != nil {
		inten = c.Intensity[lo:hi]
	}
	scale := p.cfg.IntensityScale
	idx := uint64(lo)
	projected := 0
	for k := range xs {
		x, y, z := xs[k], ys[k], zs[k]
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
			u = min(p.colTab.count(-pseudoAngle(float64(x), float64(y))), w-1)
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
		projected++
		key := uint64(math.Float32bits(r))<<32 | (idx + uint64(k))
		if pix := v*stride + u; key < img[pix] {
			img[pix] = key
			var rem float32
			if inten != nil {
				rem = float32(inten[k] * scale)
			}
			pay[pix] = [4]float32{x, y, z, rem}
		}
	}
	return projected
}

// projectBatch is the points projectFull takes per round of its passes.
const projectBatch = 256

// projectFull is projectPoints for the common case, the full sweep with
// rows from the pitch. It takes the points in batches, each in three short
// passes (range and the two angles; the tables' look-ups; the scatter),
// each a function of its own, rather than one long loop: a point's chain
// of dependent operations is long (a square root, two divisions, two
// look-ups, the scatter), and short loops that keep their values in
// registers let the processor overlap many points' chains.
func (p *Projector) projectFull(lo, hi int, img []uint64, pay [][4]float32) int {
	o := &p.out
	c := &p.cloud
	img = img[:p.cfg.Height*p.stride()]
	pay = pay[:len(img)]
	if p.rowTab.walk || p.colTab.walk {
		return p.projectPoints(lo, hi, img, pay)
	}
	var qs, as [projectBatch]float64
	var keys [projectBatch]uint64
	var pixs [projectBatch]int32
	projected := 0
	for b0 := lo; b0 < hi; b0 += projectBatch {
		b1 := min(b0+projectBatch, hi)
		xs := c.X[b0:b1]
		ys, zs := c.Y[b0:b1], c.Z[b0:b1]
		rs := o.PointRange[b0:b1]
		q, a := qs[:len(xs)], as[:len(xs)]
		rangeAngles(xs, ys, zs, rs, q, a)
		n := p.pixels(b0, xs, ys, rs, q, a, o.PointU[b0:b1], o.PointV[b0:b1], keys[:len(xs)], pixs[:len(xs)])
		projected += n
		if p.tensor == nil {
			scatterKeys(img, keys[:len(xs)], pixs[:len(xs)])
			continue
		}
		var inten []float32
		if c.Intensity != nil {
			inten = c.Intensity[b0:b1]
		}
		p.scatterBatch(img, pay, xs, ys, zs, inten, keys[:len(xs)], pixs[:len(xs)])
	}
	return projected
}

// rangeAngles writes each point's range (float32 as numpy computes it),
// the sine of its pitch z/r and its pseudo-angle, negated as yaw is.
//
//go:noinline
func rangeAngles(xs, ys, zs, rs []float32, q, a []float64) {
	ys, zs, rs = ys[:len(xs)], zs[:len(xs)], rs[:len(xs)]
	q, a = q[:len(xs)], a[:len(xs)]
	if n := len(xs) &^ 7; useSIMD && n > 0 {
		rangeAnglesAVX2(&xs[0], &ys[0], &zs[0], &rs[0], &q[0], &a[0], n)
		xs = xs[n:]
		ys, zs, rs, q, a = ys[n:], zs[n:], rs[n:], q[n:], a[n:]
	}
	for k, x := range xs {
		y, z := ys[k], zs[k]
		// The explicit conversions round each product, so that no fused
		// multiply-add changes the float32 result numpy gives.
		s := float32(x*x) + float32(y*y)
		s += float32(z * z)
		r := float32(math.Sqrt(float64(s)))
		rs[k] = r
		q[k] = float64(z / r)
		a[k] = -pseudoAngle(float64(x), float64(y))
	}
}

// pixels writes each point's column and row from its pseudo-angle a and
// pitch sine q, −1 for points skipped (range NaN, 0 or infinite; their
// range becomes 0), and for the scatter each point's key (its range's
// bits above its index b0+k) and pixel, −1 when skipped. It returns how
// many points have a pixel.
//
//go:noinline
func (p *Projector) pixels(b0 int, xs, ys, rs []float32, q, a []float64, us, vs []int32, keys []uint64, pixs []int32) int {
	xs, ys, q, a = xs[:len(rs)], ys[:len(rs)], q[:len(rs)], a[:len(rs)]
	us, vs, keys, pixs = us[:len(rs)], vs[:len(rs)], keys[:len(rs)], pixs[:len(rs)]
	rowTab, colTab := &p.rowTab, &p.colTab
	last, stride := p.cfg.Height-1, p.stride()
	projected, start := 0, 0
	if n := len(rs) &^ 3; useSIMD && n > 0 {
		var zeroY bool
		projected, zeroY = pixelsAVX2(&a[0], &q[0], &rs[0], &ys[0], &us[0], &vs[0], &keys[0], &pixs[0], n, b0, &p.ptab)
		if zeroY {
			for k := range n {
				if ys[k] == 0 && pixs[k] >= 0 {
					u := p.zeroU[signBit(xs[k])][signBit(ys[k])]
					us[k], pixs[k] = int32(u), vs[k]*int32(stride)+int32(u)
				}
			}
		}
		start = n
	}
	for k := start; k < len(rs); k++ {
		r := rs[k]
		if !(r > 0) || r > math.MaxFloat32 { // NaN, 0 or infinite
			us[k], vs[k], rs[k], pixs[k] = -1, -1, 0, -1
			continue
		}
		// Column and row: the thresholds below the value's bin, and one
		// more where it lies at or above the bin's threshold (a
		// conditional set: in a sweep's order it is not predictable).
		e := colTab.bin(a[k])
		var up int
		if a[k] >= e.t {
			up = 1
		}
		u := int(e.base) + up
		if y := ys[k]; y == 0 { // signed zeros decide between the first and last column
			u = p.zeroU[signBit(xs[k])][signBit(y)]
		}
		e = rowTab.bin(q[k])
		var down int
		if q[k] >= e.t {
			down = 1
		}
		v := last - int(e.base) - down
		us[k], vs[k] = int32(u), int32(v)
		keys[k] = uint64(math.Float32bits(r))<<32 | uint64(b0+k)
		pixs[k] = int32(v*stride + u)
		projected++
	}
	return projected
}

// scatterKeys keeps each pixel's smallest key in img, for the points
// with a pixel (pixs[k] ≥ 0), pixel indices in rows of stride() (see
// stridePad).
//
//go:noinline
func scatterKeys(img []uint64, keys []uint64, pixs []int32) {
	keys = keys[:len(pixs)]
	for k, pix := range pixs {
		if pix < 0 {
			continue
		}
		img[pix] = min(img[pix], keys[k])
	}
}

// scatterBatch is scatterKeys that also keeps, per pixel, its key's
// point's coordinates and remission (intensities inten, or nil) in pay.
//
//go:noinline
func (p *Projector) scatterBatch(img []uint64, pay [][4]float32, xs, ys, zs, inten []float32, keys []uint64, pixs []int32) {
	xs, ys, zs, keys = xs[:len(pixs)], ys[:len(pixs)], zs[:len(pixs)], keys[:len(pixs)]
	pay = pay[:len(img)]
	scale := p.cfg.IntensityScale
	for k, pix := range pixs {
		if pix < 0 {
			continue
		}
		if key := keys[k]; key < img[pix] {
			img[pix] = key
			var rem float32
			if inten != nil {
				rem = float32(inten[k] * scale)
			}
			pay[pix] = [4]float32{xs[k], ys[k], zs[k], rem}
		}
	}
}

// fillPixels writes, for rows [lo, hi), each pixel's nearest point and
// range, the mask and, when asked for, the tensor, and empties the
// scatter images there.
func (p *Projector) fillPixels(lo, hi int) {
	o := &p.out
	w, stride := p.cfg.Width, p.stride()
	for y := lo; y < hi; y++ {
		r0 := y * stride
		row := p.images[0][r0 : r0+w]
		pay := p.payload[0][r0 : r0+w][:len(row)]
		for s, img := range p.images[1:p.slots] {
			other := img[r0 : r0+w][:len(row)]
			opay := p.payload[1+s][r0 : r0+w][:len(row)]
			for x, key := range other {
				if key < row[x] {
					row[x], pay[x] = key, opay[x]
				}
				other[x] = emptyKey
			}
		}
		pix0 := y * w
		pp := o.PixelPoint[pix0 : pix0+w][:len(row)]
		pr := o.PixelRange[pix0 : pix0+w][:len(row)]
		mask := o.Mask[pix0 : pix0+w][:len(row)]
		start := 0
		if n := len(row) &^ 7; useSIMD && n > 0 {
			keysPixelsAVX2(&row[0], &pp[0], &pr[0], &mask[0], n)
			start = n
		}
		for x := start; x < len(row); x++ {
			key := row[x]
			row[x] = emptyKey
			// The empty key's low half is −1, the point index of an empty
			// pixel; its range and mask are set apart.
			rb, m := uint32(key>>32), uint8(1)
			if key == emptyKey {
				rb, m = 0xbf800000, 0 // −1
			}
			pp[x], pr[x], mask[x] = int32(uint32(key)), math.Float32frombits(rb), m
		}
		if p.tensor != nil {
			p.fillTensor(pix0, pp, pr, pay)
		}
	}
}

// fillTensor writes the tensor's pixels from pix0 on, whose points,
// ranges and points' coordinates and remission are pp, pr and pay.
func (p *Projector) fillTensor(pix0 int, pp []int32, pr []float32, pay [][4]float32) {
	if !p.rangeFirst {
		p.fillTensorOrdered(pix0, pp, pr)
		return
	}
	plane := p.cfg.Height * p.cfg.Width
	t := p.tensor
	n := len(pp)
	pr, pay = pr[:n], pay[:n]
	if m := n &^ 7; useSIMD && m > 0 {
		fillTensorAVX2(&pp[0], &pr[0], &pay[0], &t[pix0], plane, m, &p.norm)
		pix0 += m
		pp, pr, pay = pp[m:], pr[m:], pay[m:]
		if n -= m; n == 0 {
			return
		}
	}
	t0, t1 := t[pix0:pix0+n], t[plane+pix0:plane+pix0+n]
	t2, t3, t4 := t[2*plane+pix0:2*plane+pix0+n], t[3*plane+pix0:3*plane+pix0+n], t[4*plane+pix0:4*plane+pix0+n]
	m, inv := p.cfg.Means, p.inv
	for x, j := range pp {
		if j < 0 {
			t0[x], t1[x], t2[x], t3[x], t4[x] = 0, 0, 0, 0, 0
			continue
		}
		v := &pay[x]
		// (v − mean)/std as numpy's float32 division gives it: the float64
		// product with the reciprocal rounds to the same float32, as a
		// quotient of two float32s is never within the product's error of
		// a float32 rounding boundary.
		t0[x] = float32(float64(pr[x]-m[0]) * inv[0])
		t1[x] = float32(float64(v[0]-m[1]) * inv[1])
		t2[x] = float32(float64(v[1]-m[2]) * inv[2])
		t3[x] = float32(float64(v[2]-m[3]) * inv[3])
		t4[x] = float32(float64(v[3]-m[4]) * inv[4])
	}
}

// fillTensorOrdered is fillTensor for channel orders other than RangeNet++'s.
func (p *Projector) fillTensorOrdered(pix0 int, pp []int32, pr []float32) {
	plane := p.cfg.Height * p.cfg.Width
	t := p.tensor
	c := &p.cloud
	m, inv := p.cfg.Means, p.inv
	for x, j := range pp {
		pix := pix0 + x
		if j < 0 {
			for ch := range Channels {
				t[ch*plane+pix] = 0
			}
			continue
		}
		var rem float32
		if c.Intensity != nil {
			rem = float32(c.Intensity[j] * p.cfg.IntensityScale)
		}
		v := [Channels]float32{pr[x], c.X[j], c.Y[j], c.Z[j], rem}
		for ch := range Channels {
			t[ch*plane+pix] = float32(float64(v[p.source[ch]]-m[ch]) * inv[ch])
		}
	}
}

// stridePad pads each row of the scatter images by one cache line of keys.
// A sweep arrives column by column, so successive points write one pixel
// per row down a column; with rows a power of two of bytes long all of a
// column's pixels share one cache set, and every write missed L1 and L2.
// Padded, the 131,072-point sweep's scatter took 0.81 instead of 1.6 ms
// on one thread (AMD EPYC, Zen 3).
const stridePad = 8

// stride is the scatter images' and their payloads' row length in pixels.
func (p *Projector) stride() int { return p.cfg.Width + stridePad }
