package lidarseg

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/gopercept/gopercept/internal/parallel"
)

// MaxK bounds KNNConfig.K.
const MaxK = 32

// KNNConfig configures RangeNet++'s kNN post-processing.
type KNNConfig struct {
	// K is the number of nearest neighbours that vote; default 5, at most
	// MaxK and Search².
	K int
	// Search is the odd side of the square pixel window searched around a
	// point's pixel; default 5.
	Search int
	// Sigma is the standard deviation in pixels of the Gaussian whose
	// inverse (1 − normalised Gaussian) weighs range differences; default 1.
	Sigma float64
	// Cutoff is the weighted range difference in metres beyond which a
	// neighbour votes for no class; default 1. A negative value disables it
	// (every neighbour votes its pixel's class).
	Cutoff float64
}

// DefaultKNNConfig returns RangeNet++'s defaults: k 5, search 5, sigma 1,
// cutoff 1 m.
func DefaultKNNConfig() KNNConfig { return KNNConfig{K: 5, Search: 5, Sigma: 1, Cutoff: 1} }

func (c *KNNConfig) defaults() error {
	if c.K == 0 {
		c.K = 5
	}
	if c.Search == 0 {
		c.Search = 5
	}
	if c.Sigma == 0 {
		c.Sigma = 1
	}
	if c.Cutoff == 0 {
		c.Cutoff = 1
	}
	if c.Search < 1 || c.Search%2 == 0 || c.Search > 15 {
		return configErr("KNNConfig.Search", c.Search, "want an odd window of 1..15 pixels")
	}
	if c.K < 1 || c.K > MaxK || c.K > c.Search*c.Search {
		return configErr("KNNConfig.K", c.K, "want 1..min(%d, search²=%d)", MaxK, c.Search*c.Search)
	}
	if !(c.Sigma > 0) || math.IsInf(c.Sigma, 0) {
		return configErr("KNNConfig.Sigma", c.Sigma, "want a positive number of pixels")
	}
	if math.IsNaN(c.Cutoff) {
		return configErr("KNNConfig.Cutoff", c.Cutoff, "not a number")
	}
	return nil
}

// InverseGaussian returns RangeNet++'s window weights, row-major: 1 − g
// where g is the Gaussian of the given sigma (pixels) centred on the
// window, normalised to sum 1.
func InverseGaussian(search int, sigma float64) []float32 {
	g := make([]float64, search*search)
	mean := float64(search-1) / 2
	sum := 0.0
	for y := 0; y < search; y++ {
		for x := 0; x < search; x++ {
			d2 := (float64(x)-mean)*(float64(x)-mean) + (float64(y)-mean)*(float64(y)-mean)
			g[y*search+x] = math.Exp(-d2 / (2 * sigma * sigma))
			sum += g[y*search+x]
		}
	}
	out := make([]float32, len(g))
	for i := range g {
		out[i] = float32(1 - g[i]/sum)
	}
	return out
}

// KNN is RangeNet++'s kNN post-processing: it labels every point, occluded
// ones included, by a vote of the pixels around its own, weighing each by
// its range difference to the point. It is not safe for concurrent use.
type KNN struct {
	cfg     KNNConfig
	classes int
	h, w    int
	pad     int
	wp      int       // padded width
	weights []float32 // search², row-major
	offs    []int     // window positions but the centre, likeliest first: offset in the padded image
	ws      []float32 // their weights
	posKey  []uint64  // their row-major positions
	posOff  []int     // per row-major position, its offset in the padded image
	prange  []float32 // padded range image: +Inf empty, 0 outside
	plabel  []uint16  // padded pixel labels: 0 outside
	par     parallel.Loop
	padFn   func(lo, hi int)
	rowFn   func(lo, hi int)
	colFn   func(lo, hi int)
	hrun    []uint16 // padded rows × width: the class of the window's row when uniform, else noClass
	vrun    []int32  // per column: rows of equal window-row class below, during uniformWindows
	uniform []uint16 // per pixel: the class of its whole window when uniform and real, else 0
	pointFn func(lo, hi int)
	// simd: the 5×5 window's K ≤ 8 nearest by knn5AVX2, with w5 its
	// weights in rows of 8 lanes.
	simd bool
	w5   [40]float32
	// pixelRows: with simd, the pixels' own votes by knnRow8AVX2, eight
	// pixels of a row at a time (K 5, a 5×5 window: RangeNet++'s), which
	// the points at their pixel's range (nearly all) take; w25 is each
	// window position's weight in 8 lanes, pixVote the votes in rows of
	// the padded width.
	pixelRows bool
	w25       [25][8]float32
	pixVote   []uint16
	rowVoteFn func(lo, hi int)
	proj      *Projection
	pixLabel  []uint16
	dst       []uint16
}

// NewKNN returns the post-processing for images of height × width pixels
// labelled with classes classes (class 0 being "unlabelled").
func NewKNN(cfg KNNConfig, classes, height, width int) (*KNN, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if classes < 2 || classes > math.MaxUint16 {
		return nil, configErr("NewKNN classes", classes, "want 2..65535")
	}
	if height <= 0 {
		return nil, configErr("NewKNN height", height, "want > 0 rows")
	}
	if width <= 0 {
		return nil, configErr("NewKNN width", width, "want > 0 columns")
	}
	k := &KNN{cfg: cfg, classes: classes, h: height, w: width, pad: (cfg.Search - 1) / 2}
	k.wp = width + 2*k.pad
	k.weights = InverseGaussian(cfg.Search, cfg.Sigma)
	// The likeliest neighbours first: a spinning lidar's ring is a row, and
	// along it the range changes least, so the row's positions by distance,
	// then the others by increasing weight. The order changes no result
	// (ties are settled by the window position in the key), only how
	// often the K kept so far are replaced.
	order := make([]int, len(k.weights))
	for i := range order {
		order[i] = i
	}
	s := cfg.Search
	rowDist := func(pos int) int {
		if pos/s != k.pad {
			return s
		}
		return max(pos%s-k.pad, k.pad-pos%s)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(rowDist(a), rowDist(b)); c != 0 {
			return c
		}
		return cmp.Compare(k.weights[a], k.weights[b])
	})
	centre := k.pad*s + k.pad
	k.posOff = make([]int, len(k.weights))
	for pos := range k.posOff {
		k.posOff[pos] = (pos/s)*k.wp + pos%s
	}
	for _, pos := range order {
		if pos == centre {
			continue
		}
		k.offs = append(k.offs, k.posOff[pos])
		k.ws = append(k.ws, k.weights[pos])
		k.posKey = append(k.posKey, uint64(pos))
	}
	n := (height + 2*k.pad) * k.wp
	// Three floats past the end: knn5AVX2 reads rows of 8 from a window of 5.
	k.prange = make([]float32, n, n+3)
	k.plabel = make([]uint16, n)
	k.padFn = k.fillPadded
	k.rowFn = k.uniformRows
	k.colFn = k.uniformWindows
	k.hrun = make([]uint16, (height+2*k.pad)*width)
	k.uniform = make([]uint16, height*width)
	k.vrun = make([]int32, width)
	k.pointFn = k.vote
	k.simd = useSIMD && cfg.Search == 5 && cfg.K <= 8
	if cfg.Search == 5 {
		for i, w := range k.weights {
			k.w5[(i/5)*8+i%5] = w
			for l := range 8 {
				k.w25[i][l] = w
			}
		}
	}
	k.pixelRows = cfg.Search == 5 && cfg.K == 5 && width >= 8
	if k.pixelRows {
		k.pixVote = make([]uint16, height*k.wp)
	}
	k.rowVoteFn = k.rowVotes
	return k, nil
}

// Config returns the configuration with defaults applied.
func (k *KNN) Config() KNNConfig { return k.cfg }

// Apply writes every point's class into dst (proj.NumPoints() values) from
// the per-pixel classes pixelLabels (Height × Width). As in RangeNet++, each
// point compares its range with the ranges of the Search² pixels around its
// own (its own pixel counting at distance 0; pixels outside the image at
// range 0 with class 0; empty pixels at infinite range), weighs the absolute
// differences by InverseGaussian, keeps the K smallest (ties by window
// order), lets those beyond Cutoff vote for no class, and takes the class
// with most votes among 1..classes−1 (ties to the lower class). A point
// without any vote for a real class gets 0, where RangeNet++ would return
// class 1; points without a pixel get 0.
func (k *KNN) Apply(dst []uint16, proj *Projection, pixelLabels []uint16) error {
	if proj.Height != k.h || proj.Width != k.w {
		return fmt.Errorf("%w: range image %d×%d, kNN built for %d×%d", ErrInput, proj.Height, proj.Width, k.h, k.w)
	}
	if len(pixelLabels) != k.h*k.w {
		return fmt.Errorf("%w: %d pixel labels for a %d×%d image", ErrInput, len(pixelLabels), k.h, k.w)
	}
	if len(dst) != proj.NumPoints() {
		return fmt.Errorf("%w: %d labels for %d points", ErrInput, len(dst), proj.NumPoints())
	}
	k.proj, k.pixLabel, k.dst = proj, pixelLabels, dst
	k.par.For(k.h, 8, k.padFn)
	if k.simd && k.pixelRows {
		// Every pixel's vote at its own range, eight at a time. The
		// kernel takes eight pixels whose windows are one class without a
		// vote (a check of 60 labels; about a quarter of the realistic
		// sweep's blocks); the per-pixel uniform maps cost more than they
		// save, so they are not built.
		k.par.For(k.h, 4, k.rowVoteFn)
	} else {
		k.par.For(k.h+2*k.pad, 8, k.rowFn)
		k.par.For(k.w, 256, k.colFn)
	}
	k.par.For(len(dst), 4096, k.pointFn)
	k.proj, k.pixLabel, k.dst = nil, nil, nil
	return nil
}

// fillPadded copies image rows [lo, hi) into the padded images.
func (k *KNN) fillPadded(lo, hi int) {
	inf := float32(math.Inf(1))
	for y := lo; y < hi; y++ {
		rr := k.prange[(y+k.pad)*k.wp : (y+k.pad+1)*k.wp]
		ll := k.plabel[(y+k.pad)*k.wp : (y+k.pad+1)*k.wp]
		src := k.proj.PixelRange[y*k.w : (y+1)*k.w]
		for x, l := range k.pixLabel[y*k.w : (y+1)*k.w] {
			if int(l) >= k.classes {
				l = 0 // not a class: never wins a vote
			}
			ll[k.pad+x] = l
		}
		for x, r := range src {
			if r < 0 {
				r = inf
			}
			rr[k.pad+x] = r
		}
	}
	// Borders stay 0 from construction: they are never written.
}

// rowVotes writes the votes of image rows [lo, hi)'s pixels, but for the
// last w mod 8 of each row, into pixVote.
func (k *KNN) rowVotes(lo, hi int) {
	cut := uint32(math.Float32bits(float32(k.cfg.Cutoff)))
	if k.cfg.Cutoff <= 0 {
		cut = math.Float32bits(float32(math.Inf(1)))
	}
	n := k.w &^ 7
	for y := lo; y < hi; y++ {
		base := y * k.wp              // the window corner of the row's first pixel
		_ = k.prange[base+4*k.wp+n+3] // the last window lies in the padded image
		_ = k.plabel[base+4*k.wp+n+3]
		knnRow8AVX2(&k.prange[base], &k.plabel[base], k.wp, &k.w25, cut, n, &k.pixVote[y*k.wp])
	}
}

// noClass marks a window row whose pixels disagree.
const noClass = math.MaxUint16

// uniformRows finds, for padded rows [lo, hi), the windows' rows whose
// Search pixels all carry one class, from the length of the run of equal
// classes starting at each pixel (one backward pass per row).
func (k *KNN) uniformRows(lo, hi int) {
	s := k.cfg.Search
	for y := lo; y < hi; y++ {
		row := k.plabel[y*k.wp : (y+1)*k.wp]
		out := k.hrun[y*k.w : (y+1)*k.w]
		run := 1
		for x := k.wp - 2; x >= 0; x-- {
			if row[x] == row[x+1] {
				run++
			} else {
				run = 1
			}
			if x < len(out) {
				l := row[x]
				if run < s {
					l = noClass
				}
				out[x] = l
			}
		}
	}
}

// uniformWindows marks, for image columns [lo, hi), the pixels whose whole
// window carries one real class. Every neighbour of a point there votes
// for that class (its own pixel always does, at distance 0), so the vote
// is known without comparing a range: the shortcut changes no result.
func (k *KNN) uniformWindows(lo, hi int) {
	s := k.cfg.Search
	rows := k.h + 2*k.pad
	runs := k.vrun[lo:hi]
	for x := range runs {
		runs[x] = 1
	}
	for y := rows - 1; y >= 0; y-- {
		cur := k.hrun[y*k.w+lo : y*k.w+hi]
		if y+1 < rows {
			next := k.hrun[(y+1)*k.w+lo : (y+1)*k.w+hi]
			for x, l := range cur {
				if l == next[x] {
					runs[x]++
				} else {
					runs[x] = 1
				}
			}
		}
		if y >= k.h {
			continue
		}
		out := k.uniform[y*k.w+lo : y*k.w+hi]
		for x, l := range cur {
			if runs[x] < int32(s) || l == noClass || int(l) >= k.classes {
				l = 0 // class 0 never wins, and padding is class 0
			}
			out[x] = l
		}
	}
}

// vote labels points [lo, hi).
func (k *KNN) vote(lo, hi int) {
	p := k.proj
	s := k.cfg.Search
	kk := k.cfg.K
	cutoff := float32(k.cfg.Cutoff)
	if k.cfg.Cutoff <= 0 {
		cutoff = float32(math.Inf(1)) // nothing is beyond it; +Inf candidates still vote
	}
	// A candidate is one uint64 key: the bits of its weighted distance
	// shifted left by one (which drops the sign: |d| orders as those
	// bits), and its window position (ties by window order).
	cutBits := uint64(math.Float32bits(cutoff)<<1) << 32
	centreKey := uint64(k.pad*s + k.pad) // distance 0
	prange, plabel := k.prange, k.plabel
	offs := k.offs
	ws := k.ws[:len(offs)]
	posKey := k.posKey[:len(offs)]
	posOff := k.posOff
	span := (s-1)*k.wp + s
	us, vs, rs := p.PointU[lo:hi], p.PointV[lo:hi], p.PointRange[lo:hi]
	dst := k.dst[lo:hi]
	var sel [MaxK]uint64
	var labels [MaxK]uint16
	var votes [256]uint8 // per class, zero between points
	small := k.classes <= len(votes)
	rows := k.simd && k.pixelRows
	rowsW := k.w &^ 7 // columns rowVotes covers
	centre := k.pad*k.wp + k.pad
	for i, u := range us {
		if u < 0 {
			dst[i] = 0
			continue
		}
		pix := int(vs[i])*k.w + int(u)
		r := rs[i]
		base := int(vs[i])*k.wp + int(u) // the window's corner in the padded image
		if rows {
			// A point at its pixel's range has the pixel's vote: a vote
			// depends only on the window, the point's range and its own
			// pixel (at distance 0), so the point shown there and any other
			// at the same range get the same one. The padded images are
			// read rather than the projection's: a sweep's points walk down
			// columns, and the padded rows do not put a column's pixels in
			// one cache set as rows of 2^k bytes do.
			if int(u) < rowsW && prange[base+centre] == r {
				dst[i] = k.pixVote[base]
			} else {
				dst[i] = k.voteSIMD(base, r, cutBits)
			}
			continue
		}
		if l := k.uniform[pix]; l != 0 {
			dst[i] = l
			continue
		}
		if k.simd {
			dst[i] = k.voteSIMD(base, r, cutBits)
			continue
		}
		wr := prange[base : base+span]
		// The centre first (its own pixel, at distance 0), then the other
		// positions, likeliest first, so that few keys replace one kept.
		kb := nearestKeys(sel[:kk], wr, r, offs, ws, posKey, centreKey)
		// Those beyond the cutoff vote for no class (0 never wins).
		wl := plabel[base : base+span]
		ls := labels[:len(kb)]
		for j, key := range kb {
			l := wl[posOff[uint32(key)]]
			if key > cutBits|math.MaxUint32 {
				l = 0
			}
			ls[j] = l
		}
		switch {
		case small && len(ls) <= 8:
			dst[i] = modeBytes(ls) // the AVX2 path's vote too
		case small:
			dst[i] = modeSmall(ls, &votes)
		default:
			dst[i] = mode(ls)
		}
	}
}

// voteSIMD is vote's selection and vote for one point at range r whose
// window's corner is base, by knn5AVX2.
func (k *KNN) voteSIMD(base int, r float32, cutBits uint64) uint16 {
	var pos, keys [8]uint32
	var labels [8]uint16
	kk := k.cfg.K
	_ = k.prange[base+4*k.wp+4] // the window lies in the image; the 3 floats past it are in the capacity
	knn5AVX2(&k.prange[base], k.wp, r, &k.w5[0], kk, &pos[0], &keys[0])
	cut := uint32(cutBits >> 32)
	wl := k.plabel[base:]
	ls := labels[:kk]
	for j := range ls {
		l := wl[k.posOff[pos[j]]]
		if keys[j] > cut {
			l = 0
		}
		ls[j] = l
	}
	if k.classes <= 256 {
		return modeBytes(ls)
	}
	return mode(ls)
}

// modeBytes is mode for at most 8 labels under 256: the labels packed one
// a byte, each label's count is the number of bytes equal to it (an exact
// zero-byte test on the XOR, then a population count), without memory.
func modeBytes(ls []uint16) uint16 {
	var packed uint64
	for j, l := range ls {
		packed |= uint64(l) << (8 * j)
	}
	const ones, low7 = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	best := uint32(0)
	for _, l := range ls {
		// Bytes past len(ls) are 0 and never match a real label; label 0
		// never wins.
		t := packed ^ uint64(l)*ones
		zero := ^(((t & low7) + low7) | t | low7) // 0x80 in each zero byte
		score := uint32(bits.OnesCount64(zero))<<16 | uint32(0xffff-l)
		if l == 0 {
			score = 0
		}
		best = max(best, score)
	}
	if best == 0 {
		return 0
	}
	return uint16(0xffff - best&0xffff)
}

// nearestKeys writes into kb the len(kb) smallest keys of the window for
// a point at range r, in no particular order, and returns kb: the centre's
// (centreKey, at distance 0) and those of the positions offs (offsets into
// wr, with weights ws and positions posKey), the first len(kb) kept, then
// each smaller key replacing the largest kept. It is a function of its
// own so that its loops keep their values in registers.
//
//go:noinline
func nearestKeys(kb []uint64, wr []float32, r float32, offs []int, ws []float32, posKey []uint64, centreKey uint64) []uint64 {
	ws, posKey = ws[:len(offs)], posKey[:len(offs)]
	kb[0] = centreKey
	worst := centreKey
	for j, off := range offs[:len(kb)-1] {
		// (a − r)·w has the magnitude of |a − r|·w: rounding is symmetric
		// in sign.
		d := (wr[off] - r) * ws[j]
		key := uint64(math.Float32bits(d)<<1)<<32 | posKey[j]
		kb[j+1] = key
		worst = max(worst, key)
	}
	for j := len(kb) - 1; j < len(offs); j++ {
		d := (wr[offs[j]] - r) * ws[j]
		key := uint64(math.Float32bits(d)<<1)<<32 | posKey[j]
		if key < worst {
			// Replace the largest and find the new largest, with
			// conditional moves, not branches.
			nw := uint64(0)
			for i, v := range kb {
				if v == worst {
					v = key
				}
				kb[i] = v
				nw = max(nw, v)
			}
			worst = nw
		}
	}
	return kb
}

// modeSmall is mode for labels under 256, counted in votes (all zero, and
// left so).
func modeSmall(ls []uint16, votes *[256]uint8) uint16 {
	for _, l := range ls {
		votes[uint8(l)]++
	}
	best := uint32(0)
	for _, l := range ls {
		score := uint32(votes[uint8(l)])<<16 | uint32(0xffff-l)
		if l == 0 {
			score = 0
		}
		best = max(best, score)
	}
	for _, l := range ls {
		votes[uint8(l)] = 0
	}
	if best == 0 {
		return 0
	}
	return uint16(0xffff - best&0xffff)
}

// mode returns the most frequent non-zero label of ls, the lower on ties,
// or 0 when all are 0: each label's count, compared with the others' by
// a score (count above the complement of the label) without branches.
//
//go:noinline
func mode(ls []uint16) uint16 {
	best := uint32(0)
	for _, a := range ls {
		n := uint32(0)
		for _, b := range ls {
			if a == b {
				n++
			}
		}
		score := n<<16 | uint32(0xffff-a)
		if a == 0 {
			score = 0
		}
		best = max(best, score)
	}
	if best == 0 {
		return 0
	}
	return uint16(0xffff - best&0xffff)
}

// Unproject writes every point's class from the class of its pixel
// (RangeNet++ without post-processing): occluded points take the class of
// the point in front of them; points without a pixel get 0.
func Unproject(dst []uint16, proj *Projection, pixelLabels []uint16) error {
	if len(pixelLabels) != proj.Height*proj.Width {
		return fmt.Errorf("%w: %d pixel labels for a %d×%d image", ErrInput, len(pixelLabels), proj.Height, proj.Width)
	}
	if len(dst) != proj.NumPoints() {
		return fmt.Errorf("%w: %d labels for %d points", ErrInput, len(dst), proj.NumPoints())
	}
	w := proj.Width
	for i, u := range proj.PointU {
		if u < 0 {
			dst[i] = 0
			continue
		}
		dst[i] = pixelLabels[int(proj.PointV[i])*w+int(u)]
	}
	return nil
}

// Argmax turns per-pixel class scores into per-pixel classes, in parallel.
// It is not safe for concurrent use.
type Argmax struct {
	useSIMD bool // tests switch the kernel off to compare
	par     parallel.Loop
	fn      func(lo, hi int)
	dst     []uint16
	scores  []float32
	classes int
	off     []float32 // the call's offsets, one per class
	offset  []float32 // zeros, the offsets of a call without
}

// NewArgmax returns an Argmax.
func NewArgmax() *Argmax {
	a := &Argmax{useSIMD: true}
	a.fn = a.run
	return a
}

// Run writes into dst (one value per pixel) the index of the highest of
// the classes scores of each pixel in scores, laid out [classes, pixels]
// as a [1, C, H, W] model output; ties go to the lower class, NaN scores
// never win (a pixel whose scores are all NaN gets class 0). Softmax does not change the result, so logits and
// probabilities both work.
func (a *Argmax) Run(dst []uint16, scores []float32, classes int) error {
	return a.RunOffset(dst, scores, classes, nil)
}

// RunOffset is Run with offset[c] added to every score of class c before
// the comparison (a model card's class_bias: per-class logit offsets that
// move each class's precision/recall trade-off); nil adds nothing. Offsets
// add to logits, so a model with softmax inside needs them as log-ratios
// of its probabilities, which this does not do.
func (a *Argmax) RunOffset(dst []uint16, scores []float32, classes int, offset []float32) error {
	if classes < 1 || classes > math.MaxUint16 || len(scores) != classes*len(dst) {
		return fmt.Errorf("%w: %d scores for %d classes × %d pixels", ErrInput, len(scores), classes, len(dst))
	}
	if offset != nil && len(offset) != classes {
		return fmt.Errorf("%w: %d class offsets for %d classes", ErrInput, len(offset), classes)
	}
	if offset == nil {
		// The kernel always adds: zeros, never written, kept between calls.
		if cap(a.offset) < classes {
			a.offset = make([]float32, classes)
		}
		offset = a.offset[:classes]
	}
	a.dst, a.scores, a.classes = dst, scores, classes
	a.off = offset
	a.par.For(len(dst), 8192, a.fn)
	a.dst, a.scores, a.off = nil, nil, nil
	return nil
}

func (a *Argmax) run(lo, hi int) {
	plane := len(a.dst)
	off := a.off
	if n := (hi - lo) &^ 31; useSIMD && a.useSIMD && n > 0 {
		argmaxAVX2(&a.scores[lo], plane, a.classes, n, &a.dst[lo], &off[0])
		lo += n
	}
	// Blocks of pixels, one class plane at a time, so that memory is read
	// in order; the running maxima live on the stack.
	const block = 512
	var bestV [block]float32
	for b0 := lo; b0 < hi; b0 += block {
		b1 := min(b0+block, hi)
		best := a.dst[b0:b1]
		bv := bestV[:b1-b0]
		copy(bv, a.scores[b0:b1])
		clear(best)
		for i, v := range bv {
			// Offset first, as the kernel does, so that an offset making
			// NaN (−Inf + Inf) is NaN for both.
			if v += off[0]; v != v {
				v = float32(math.Inf(-1))
			}
			bv[i] = v
		}
		for c := 1; c < a.classes; c++ {
			sc := a.scores[c*plane+b0 : c*plane+b1]
			bv := bv[:len(sc)]
			best := best[:len(sc)]
			oc := off[c]
			for i, v := range sc {
				if v+oc > bv[i] {
					bv[i] = v + oc
					best[i] = uint16(c)
				}
			}
		}
	}
}
