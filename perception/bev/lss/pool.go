package lss

import (
	"slices"

	"github.com/gopercept/gopercept/perception/bev"
	"runtime"
	"sync"
)

// Pooler runs interval-reduction BEV pooling for one Geometry and channel
// count with a fixed set of worker goroutines. Pool and SoftmaxDepth are
// not safe for concurrent calls on one Pooler. Close stops the workers; a
// Pooler that is dropped without Close keeps its goroutines.
type Pooler struct {
	g       *Geometry
	c       int
	hw      int
	featOff []int32 // per sorted point: offset ((n·FW + u)·FH + v)·C of its channels-last features
	featT   []float32
	chunks  []chunk
	// The intervals in tile order, and each tile's first interval.
	ivs       []Interval
	tileStart []int32
	fill      []int32
	rowLen    int    // cells of one grid row in the output plane
	points    uint64 // Geometry.points of the geometry featOff was made for
	// With scattered points (gathering): per point in DepthIndex order,
	// its depth weight this frame, and its own index (the kernels' weight
	// index into w).
	gathering bool
	w         []float32
	iota      []int32
	// The gather's (point, depth index) pairs: points in blocks of
	// gatherBlock, inside a block by depth index.
	pairs       []gatherPair
	tilesAcross int
	buf         [][]float32 // per worker tile buffer, tileRows·tileCols·C floats, then C for a cell's later intervals

	jobs   chan int
	ids    chan int
	wg     sync.WaitGroup
	closed bool
	// per-call tensors, published to workers through the jobs channel
	depth, feat, out []float32
}

// chunk is a range of tiles [tileLo, tileHi).
type chunk struct {
	tileLo, tileHi int32
}

const (
	jobTranspose = 0
	jobPool      = 1 << 24
	jobSoftmax   = 2 << 24
	jobGather    = 3 << 24
)

// NewPooler prepares pooling of channels feature channels over g with
// workers goroutines (0 means GOMAXPROCS). It allocates the channels-last
// feature scratch (NCam·FH·FW·channels floats) once.
func NewPooler(g *Geometry, channels, workers int) (*Pooler, error) {
	if g == nil {
		return nil, configErr("NewPooler g", nil, "nil geometry")
	}
	if channels <= 0 || channels > 1<<16 {
		return nil, configErr("NewPooler channels", channels, "need 1..65536")
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	hw := g.FH * g.FW
	if int64(g.NCam)*int64(hw)*int64(channels) >= 1<<31 {
		return nil, configErr("NewPooler channels", channels, "overflow the feature index")
	}
	p := &Pooler{
		g: g, c: channels, hw: hw,
		featT: make([]float32, g.NCam*hw*channels),
		buf:   make([][]float32, workers),
		jobs:  make(chan int, 1024),
		ids:   make(chan int, workers),
	}
	p.setGeometry(g)
	for w := 0; w < workers; w++ {
		p.buf[w] = make([]float32, (tileRows*tileCols+1)*channels) // the tile, then tmp
		p.ids <- w
		go p.worker()
	}
	return p, nil
}

// setGeometry computes the per-point feature offsets and the chunks of g,
// reusing the slices.
func (p *Pooler) setGeometry(g *Geometry) {
	p.g = g
	hw := p.hw
	channels := p.c
	if cap(p.featOff) < len(g.DepthIndex) {
		p.featOff = make([]int32, len(g.DepthIndex), len(g.DepthIndex)+len(g.DepthIndex)/8)
	}
	p.featOff = p.featOff[:len(g.DepthIndex)]
	if g.points != 0 && g.points == p.points {
		// The same points as the last geometry (a MovingGeometry's next
		// frame): only the intervals changed.
		p.tileOrder(g)
		return
	}
	p.points = g.points
	p.gathering = scattered(g.DepthIndex)
	if !p.gathering {
		p.iota, p.w = p.iota[:0], p.w[:0]
	} else if cap(p.iota) < len(g.DepthIndex) {
		p.iota = make([]int32, len(g.DepthIndex), cap(p.featOff))
		p.w = make([]float32, len(g.DepthIndex), cap(p.featOff))
	}
	if p.gathering {
		p.iota, p.w = p.iota[:len(g.DepthIndex)], p.w[:len(g.DepthIndex)]
		for i := range p.iota {
			p.iota[i] = int32(i)
		}
		p.pairs = growSlice(p.pairs, len(g.DepthIndex))
		for i, j := range g.DepthIndex {
			p.pairs[i] = gatherPair{int32(i), j}
		}
		for lo := 0; lo < len(p.pairs); lo += gatherBlock {
			slices.SortFunc(p.pairs[lo:min(lo+gatherBlock, len(p.pairs))], func(a, b gatherPair) int { return int(a.j - b.j) })
		}
	}
	// Channels-last features are stored column by column ([NCam, FW, FH,
	// C]): the points of a cell are mostly one image column at one depth
	// (the rows of a level camera fall on one BEV cell), so an interval
	// reads one contiguous run of rows.
	c32, fh, fw := int32(channels), int32(g.FH), int32(g.FW)
	colOff := func(f int32) int32 { // feature cell n·FH·FW + v·FW + u → its column-major offset
		n, pix := f/int32(hw), f%int32(hw)
		return ((n*fw+pix%fw)*fh + pix/fw) * c32
	}
	if len(g.featIndex) == len(g.DepthIndex) {
		for i, f := range g.featIndex {
			p.featOff[i] = colOff(f)
		}
	} else { // a geometry made by hand (tests)
		dhw := int32(g.D * hw)
		for i, idx := range g.DepthIndex {
			p.featOff[i] = colOff((idx/dhw)*int32(hw) + idx%int32(hw))
		}
	}

	p.tileOrder(g)
}

// tileOrder puts the intervals of g in tile order — tileRows×tileCols
// cells of the grid at a time, row-major inside a tile — and cuts the
// tiles into chunks of about equal work. A tile spans several rows, so the
// feature columns whose rays cross the rows are read for several of its
// cells while they are in cache (in plain cell order a ray crossing the
// rows would leave a column for a whole grid row), and its rows are long
// enough that each output plane gets whole cache lines of streaming
// stores. The points stay where g has them: the kernel's
// prefetch of the points after an interval's is then the next cell's,
// which is the next interval's but at the end of a tile's row.
func (p *Pooler) tileOrder(g *Geometry) {
	cells := g.Cells()
	rowLen := g.Config.Grid.Width()
	if g.Config.Layout == bev.LayoutXY {
		rowLen = g.Config.Grid.Height()
	}
	if rowLen <= 0 || cells%rowLen != 0 { // a hand-made geometry without a grid
		rowLen = cells
	}
	rows := cells / rowLen
	tcs := (rowLen + tileCols - 1) / tileCols
	ntiles := ((rows + tileRows - 1) / tileRows) * tcs
	p.rowLen, p.tilesAcross = rowLen, tcs
	p.tileStart = growSlice(p.tileStart, ntiles+1)
	clear(p.tileStart)
	tileOf := func(cell int32) int {
		r, c := int(cell)/rowLen, int(cell)%rowLen
		return (r/tileRows)*tcs + c/tileCols
	}
	for _, iv := range g.Intervals {
		p.tileStart[tileOf(iv.Cell)+1]++
	}
	for t := range ntiles {
		p.tileStart[t+1] += p.tileStart[t]
	}
	p.ivs = growSlice(p.ivs, len(g.Intervals))
	fill := growSlice(p.fill, ntiles)
	p.fill = fill
	copy(fill, p.tileStart[:ntiles])
	for _, iv := range g.Intervals {
		t := tileOf(iv.Cell)
		p.ivs[fill[t]] = iv
		fill[t]++
	}
	n := len(g.DepthIndex)
	// Chunks of whole tiles with about equal work: a point costs C
	// multiply-adds, a cell C writes.
	p.chunks = p.chunks[:0]
	nChunks := 8 * len(p.buf)
	total := int64(n) + int64(cells)
	per := total/int64(nChunks) + 1
	tileCells := int64(tileRows * tileCols)
	var cur chunk
	var work int64
	for t := range ntiles {
		lo, hi := p.tileStart[t], p.tileStart[t+1]
		for _, iv := range p.ivs[lo:hi] {
			work += int64(iv.Len)
		}
		work += tileCells
		if work >= per || t == ntiles-1 {
			cur.tileHi = int32(t + 1)
			p.chunks = append(p.chunks, cur)
			cur = chunk{tileLo: cur.tileHi}
			work = 0
		}
	}
}

// Reset makes the pooler pool over g from now on, keeping its workers and
// buffers: g must have the current geometry's tensor dimensions (cameras,
// depth bins, feature map) and grid, as a Builder's next geometry of the
// same rig has. It does not allocate once the buffers have grown to the
// largest geometry seen.
func (p *Pooler) Reset(g *Geometry) error {
	if p.closed {
		return ErrClosed
	}
	if g == nil || g.NCam != p.g.NCam || g.D != p.g.D || g.FH != p.g.FH || g.FW != p.g.FW || g.Cells() != p.g.Cells() {
		return configErr("Pooler.Reset g", nil, "geometry of other dimensions than the pooler's")
	}
	p.setGeometry(g)
	return nil
}

// Channels returns the channel count C.
func (p *Pooler) Channels() int { return p.c }

// OutputLen returns C·cells, the length Pool's out must have.
func (p *Pooler) OutputLen() int { return p.c * p.g.Cells() }

// Close stops the workers. Pool fails with ErrClosed afterwards.
func (p *Pooler) Close() {
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
}

func (p *Pooler) worker() {
	id := <-p.ids
	buf := p.buf[id]
	for j := range p.jobs {
		if j >= jobGather {
			p.gather(j - jobGather)
		} else if j >= jobSoftmax {
			softmaxJob(p.depth, p.g.D, p.hw, j-jobSoftmax)
		} else if j >= jobPool {
			p.poolChunk(&p.chunks[j-jobPool], buf)
		} else {
			p.transpose(j)
		}
		p.wg.Done()
	}
}

// Pool writes out[c, cell] = Σ depth·feat over each cell's points.
// depth is [NCam, D, FH, FW] (probabilities, e.g. after SoftmaxDepth), feat
// is [NCam, C, FH, FW] and out is [C, cells] in Config.Layout; every
// element of out is overwritten. It does not allocate.
func (p *Pooler) Pool(depth, feat, out []float32) error {
	if p.closed {
		return ErrClosed
	}
	g := p.g
	if want := g.NCam * g.D * p.hw; len(depth) != want {
		return shapeError("depth", len(depth), want)
	}
	if want := g.NCam * p.c * p.hw; len(feat) != want {
		return shapeError("feat", len(feat), want)
	}
	if want := p.OutputLen(); len(out) != want {
		return shapeError("out", len(out), want)
	}
	p.depth, p.feat, p.out = depth, feat, out
	// Phase 1: transpose features to channels-last, one job per (camera,
	// feature row).
	rows := g.NCam * g.FH
	gathers := 0
	if p.gathering {
		gathers = (len(p.pairs) + gatherPoints - 1) / gatherPoints
	}
	p.wg.Add(rows + gathers)
	for r := 0; r < rows; r++ {
		p.jobs <- jobTranspose + r
	}
	for j := range gathers {
		p.jobs <- jobGather + j
	}
	p.wg.Wait()
	// Phase 2: pool chunks.
	p.wg.Add(len(p.chunks))
	for i := range p.chunks {
		p.jobs <- jobPool + i
	}
	p.wg.Wait()
	p.depth, p.feat, p.out = nil, nil, nil
	return nil
}

// SoftmaxDepth is the package-level SoftmaxDepth of depth logits
// [NCam, D, FH, FW] of this pooler's geometry, in place, run on the
// pooling workers. It does not allocate.
func (p *Pooler) SoftmaxDepth(logits []float32) error {
	if p.closed {
		return ErrClosed
	}
	g := p.g
	if err := checkSoftmax(logits, g.NCam, g.D, p.hw); err != nil {
		return err
	}
	p.depth = logits
	jobs := g.NCam * ((p.hw + softmaxBlock - 1) / softmaxBlock)
	p.wg.Add(jobs)
	for j := 0; j < jobs; j++ {
		p.jobs <- jobSoftmax + j
	}
	p.wg.Wait()
	p.depth = nil
	return nil
}

// transpose copies feature row r = n·FH + v from [NCam, C, FH, FW] into
// the channels-last columns [NCam, FW, FH, C]: 8×8 tiles through the AVX
// transpose where it runs, the remainder element by element.
func (p *Pooler) transpose(r int) {
	g := p.g
	n, v := r/g.FH, r%g.FH
	c, fh, fw := p.c, g.FH, g.FW
	src := p.feat[n*c*p.hw:]
	dst := p.featT[n*p.hw*c:]
	u8, c8 := transposeTiles(dst, src, v, fw, fh, p.hw, c)
	for ch := 0; ch < c; ch++ {
		u0 := 0
		if ch < c8 {
			u0 = u8
		}
		s := src[ch*p.hw+v*fw+u0 : ch*p.hw+(v+1)*fw]
		for i, x := range s {
			dst[((u0+i)*fh+v)*c+ch] = x
		}
	}
}

// scattered reports whether consecutive points of di lie far apart in the
// depth tensor (the median step over a sample exceeds 64 KB): their weights
// are then gathered into point order before pooling, a pass of independent
// loads that costs less than the kernels' waiting on them one by one. A
// real rig's points step through nearby rows; a uniform spread's do not.
func scattered(di []int32) bool {
	var buf [512]int32
	steps := buf[:0]
	stride := max(1, len(di)/len(buf))
	for i := stride; i < len(di) && len(steps) < len(buf); i += stride {
		d := di[i] - di[i-1]
		steps = append(steps, max(d, -d))
	}
	if len(steps) == 0 {
		return false
	}
	slices.Sort(steps)
	return steps[len(steps)/2] > scatteredStep
}

// scatteredStep is scattered's threshold, 64 KB of float32 (a variable so
// that tests reach the gathering path with small geometries).
var scatteredStep int32 = 1 << 14

// gatherPoints is the number of points of one gather job.
const gatherPoints = 1 << 15

// gatherBlock is the number of points whose weights one pass of the gather
// writes (2 MB, in cache) while it reads the depth tensor in increasing
// order, so that the reads stream instead of waiting on random misses.
const gatherBlock = 1 << 19

// gatherPair is one point i of the gather and its depth index j.
type gatherPair struct{ i, j int32 }

// gather copies the depth weights of points [j·gatherPoints, …) into w
// in DepthIndex order, so that the pooling reads them in sequence.
func (p *Pooler) gather(j int) {
	lo := j * gatherPoints
	hi := min(lo+gatherPoints, len(p.pairs))
	depth, w := p.depth, p.w
	for _, pr := range p.pairs[lo:hi] {
		w[pr.i] = depth[pr.j]
	}
}

// A tile is tileRows grid rows of tileCols cells: a worker reduces one
// into its channels-last buffer, then writes it to the C output planes row
// by row. 4×64 measured best of 16×16, 8×32, 2×128, 8×64 and 4×128 on the
// rig and its uniform twin (80 channels: an 80 KB buffer).
const tileRows, tileCols = 4, 64

// poolChunk reduces the intervals of the tiles of ch and writes every cell
// of them.
func (p *Pooler) poolChunk(ch *chunk, buf []float32) {
	c := p.c
	plane := p.g.Cells()
	rowLen, rows := p.rowLen, plane/p.rowLen
	di, offs, w := p.g.DepthIndex, p.featOff, p.depth
	if p.gathering {
		di, w = p.iota, p.w
	}
	tmp := buf[tileRows*tileCols*c:]
	for t := int(ch.tileLo); t < int(ch.tileHi); t++ {
		r0, c0 := (t/p.tilesAcross)*tileRows, (t%p.tilesAcross)*tileCols
		nr, nc := min(tileRows, rows-r0), min(tileCols, rowLen-c0)
		clear(buf[:nr*nc*c])
		prev := int32(-1)
		for _, iv := range p.ivs[p.tileStart[t]:p.tileStart[t+1]] {
			s, e := int(iv.Start), int(iv.Start+iv.Len)
			r, col := int(iv.Cell)/rowLen-r0, int(iv.Cell)%rowLen-c0
			acc := buf[(r*nc+col)*c : (r*nc+col+1)*c]
			// A moved geometry (MovingGeometry) may have several intervals
			// of one cell, one after the other: the later ones are summed
			// in tmp and added.
			dst := acc
			if iv.Cell == prev {
				dst = tmp
			}
			// Capacities reach the arrays' ends: the kernel prefetches
			// the next intervals' points.
			done := dotSIMD(dst, p.featT, offs[s:e:len(offs)], w, di[s:e:len(di)])
			reduceGo(dst[done:], p.featT[done:], offs[s:e], w, di[s:e])
			if iv.Cell == prev {
				acc = acc[:len(tmp)]
				for j, x := range tmp {
					acc[j] += x
				}
			}
			prev = iv.Cell
		}
		for r := range nr {
			storeBlock(p.out, plane, (r0+r)*rowLen+c0, nc, buf[r*nc*c:], c)
		}
	}
	sfence()
}

// storeBlockGo writes the part of the channels-last block buf ([n, c])
// that the tiles of storeBlock left out — cells [n8, n) of channels
// [0, c8) and all cells of channels [c8, c) — into the planes of out from
// cell lo. With n8 = c8 = 0 it writes everything.
func storeBlockGo(out []float32, plane, lo, n int, buf []float32, c int, n8, c8 int) {
	for j := 0; j < c; j++ {
		i0 := 0
		if j < c8 {
			i0 = n8
		}
		if i0 >= n {
			continue
		}
		dst := out[j*plane+lo+i0 : j*plane+lo+n]
		src := buf[i0*c+j:]
		for i := range dst {
			dst[i] = src[i*c]
		}
	}
}

// reduceGo sets acc[j] = Σ_k depth[di[k]]·feat[offs[k]+j] for every j < len(acc),
// in portable Go, four points at a time.
func reduceGo(acc, feat []float32, offs []int32, depth []float32, di []int32) {
	if len(acc) == 0 {
		return
	}
	clear(acc)
	n := len(acc)
	k := 0
	for ; k+4 <= len(offs); k += 4 {
		w0, w1, w2, w3 := depth[di[k]], depth[di[k+1]], depth[di[k+2]], depth[di[k+3]]
		f0 := feat[offs[k] : int(offs[k])+n]
		f1 := feat[offs[k+1] : int(offs[k+1])+n]
		f2 := feat[offs[k+2] : int(offs[k+2])+n]
		f3 := feat[offs[k+3] : int(offs[k+3])+n]
		f0, f1, f2, f3 = f0[:len(acc)], f1[:len(acc)], f2[:len(acc)], f3[:len(acc)]
		for j := range acc {
			acc[j] += w0*f0[j] + w1*f1[j] + w2*f2[j] + w3*f3[j]
		}
	}
	for ; k < len(offs); k++ {
		wk := depth[di[k]]
		f := feat[offs[k] : int(offs[k])+n]
		f = f[:len(acc)]
		for j := range acc {
			acc[j] += wk * f[j]
		}
	}
}

// ScatterAdd is the straightforward pooling that BEVFusion replaces: it
// clears out and, for every frustum point in depth tensor order with
// pointCell ≥ 0 (Geometry.PointCells), adds depth·feat[c] into
// out[c·cells + cell] for each channel. depth is [NCam, D, FH, FW], feat
// [NCam, C, FH, FW], out [C, cells]. It is the reference that Pool is
// tested against.
func ScatterAdd(g *Geometry, channels int, depth, feat, out []float32) error {
	hw := g.FH * g.FW
	if want := g.NCam * g.D * hw; len(depth) != want {
		return shapeError("depth", len(depth), want)
	}
	if want := g.NCam * channels * hw; len(feat) != want {
		return shapeError("feat", len(feat), want)
	}
	plane := g.Cells()
	if want := channels * plane; len(out) != want {
		return shapeError("out", len(out), want)
	}
	clear(out)
	for idx, cell := range g.PointCells() {
		if cell < 0 {
			continue
		}
		n := idx / (g.D * hw)
		pix := idx % hw
		w := depth[idx]
		for c := 0; c < channels; c++ {
			out[c*plane+int(cell)] += w * feat[(n*channels+c)*hw+pix]
		}
	}
	return nil
}
