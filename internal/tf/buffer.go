package tf

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Latest is the stamp that asks Lookup for the latest time at which every
// edge on the path has data, like tf2's TimePointZero. Nodes in gopercept
// must pass the header stamp of the data they transform instead.
const Latest int64 = 0

// Defaults applied by New to zero Config fields.
const (
	// DefaultCacheDuration is tf2's default buffer length.
	DefaultCacheDuration = 10 * time.Second
	// DefaultMaxFrames bounds the distinct frame names a Buffer accepts.
	DefaultMaxFrames = 10000
	// DefaultMaxSamplesPerEdge is 10 s of a 10 kHz broadcaster.
	DefaultMaxSamplesPerEdge = 100000
)

// Config configures a Buffer. The zero value gives tf2's behaviour.
type Config struct {
	// CacheDuration is how long dynamic samples are kept behind the newest
	// sample of their edge; older samples are pruned, and SetTransform
	// rejects them with ErrOldData. Default 10 s (DefaultCacheDuration), as
	// tf2. Must not be negative.
	CacheDuration time.Duration
	// MaxFrames caps the number of distinct frame names, since frame names
	// arrive from the network; SetTransform rejects a new frame beyond it
	// with ErrTooManyFrames. Default 10000 (DefaultMaxFrames). Must lie in
	// [0, 2³¹−1].
	MaxFrames int
	// MaxSamplesPerEdge caps the samples kept for one dynamic edge; beyond
	// it the oldest samples are dropped as if pruned. Default 100000
	// (DefaultMaxSamplesPerEdge). Must not be negative.
	MaxSamplesPerEdge int
}

// sample is one dynamic transform of an edge.
type sample struct {
	stamp int64
	tf    Transform
}

// edgeCache holds the samples of a dynamic edge sorted by stamp in
// buf[start:]; pruning advances start and compaction is amortised.
type edgeCache struct {
	buf   []sample
	start int
}

func (c *edgeCache) live() []sample { return c.buf[c.start:] }

func (c *edgeCache) reset() {
	c.buf = c.buf[:0]
	c.start = 0
}

// frame is a node of the tree with the edge to its parent.
type frame struct {
	name   string
	parent int32 // index of the parent frame, -1 for a root
	static bool
	// staticTf and staticStamp hold a static edge.
	staticTf    Transform
	staticStamp int64
	// cache holds a dynamic edge.
	cache edgeCache
}

// Buffer stores the frame tree with the history of its dynamic edges and
// answers lookups between any two connected frames. It is safe for
// concurrent use.
type Buffer struct {
	cacheDur   int64
	maxFrames  int
	maxSamples int

	mu     sync.RWMutex
	ids    map[string]int32
	frames []frame

	// waitCh is closed and cleared by every accepted SetTransform; it is
	// created only while someone waits.
	waitMu sync.Mutex
	waitCh chan struct{}
}

// New returns an empty Buffer configured by cfg, with defaults for zero
// fields. It returns a *configerr.Error naming a negative field.
func New(cfg Config) (*Buffer, error) {
	if cfg.CacheDuration < 0 {
		return nil, configError("CacheDuration", cfg.CacheDuration, "negative")
	}
	if cfg.MaxFrames < 0 || cfg.MaxFrames > math.MaxInt32 {
		return nil, configError("MaxFrames", cfg.MaxFrames, "outside [0, %d]", math.MaxInt32)
	}
	if cfg.MaxSamplesPerEdge < 0 {
		return nil, configError("MaxSamplesPerEdge", cfg.MaxSamplesPerEdge, "negative")
	}
	if cfg.CacheDuration == 0 {
		cfg.CacheDuration = DefaultCacheDuration
	}
	if cfg.MaxFrames == 0 {
		cfg.MaxFrames = DefaultMaxFrames
	}
	if cfg.MaxSamplesPerEdge == 0 {
		cfg.MaxSamplesPerEdge = DefaultMaxSamplesPerEdge
	}
	return &Buffer{
		cacheDur:   int64(cfg.CacheDuration),
		maxFrames:  cfg.MaxFrames,
		maxSamples: cfg.MaxSamplesPerEdge,
		ids:        make(map[string]int32),
	}, nil
}

// SetTransform stores t = parent←child at stamp (ns since the epoch). A
// static transform is valid at all times and replaces the edge's history; a
// dynamic one is added to it, replacing a sample with the same stamp, and
// samples more than CacheDuration behind the newest one are pruned.
//
// Like tf2, a child given a new parent drops its old edge and history, and
// an edge switching between static and dynamic starts afresh. The rotation
// is normalised before it is stored.
//
// SetTransform returns a *SetError wrapping ErrInvalidTransform for an empty
// frame name, parent == child, a negative stamp, a non-finite value, a zero
// quaternion or an edge that would make child its own ancestor; ErrOldData
// for a dynamic sample more than CacheDuration older than the edge's newest
// (tf2 ignores those with a warning); ErrTooManyFrames beyond
// Config.MaxFrames. A rejected call changes nothing.
func (b *Buffer) SetTransform(parent, child string, stamp int64, t Transform, static bool) error {
	fail := func(err error, reason string) error {
		return &SetError{Parent: parent, Child: child, Stamp: stamp, Reason: reason, Err: err}
	}
	switch {
	case parent == "":
		return fail(ErrInvalidTransform, "empty parent frame")
	case child == "":
		return fail(ErrInvalidTransform, "empty child frame")
	case parent == child:
		return fail(ErrInvalidTransform, "parent and child are the same frame")
	case stamp < 0:
		return fail(ErrInvalidTransform, "negative stamp")
	case !finite(t.Translation.X) || !finite(t.Translation.Y) || !finite(t.Translation.Z):
		return fail(ErrInvalidTransform, "translation is not finite")
	case !finite(t.Rotation.Real) || !finite(t.Rotation.Imag) || !finite(t.Rotation.Jmag) || !finite(t.Rotation.Kmag):
		return fail(ErrInvalidTransform, "rotation is not finite")
	}
	q, ok := normalize(t.Rotation)
	if !ok {
		return fail(ErrInvalidTransform, "rotation is the zero quaternion")
	}
	t.Rotation = q

	if err := b.set(parent, child, stamp, t, static, fail); err != nil {
		return err
	}
	b.waitMu.Lock()
	if b.waitCh != nil {
		close(b.waitCh)
		b.waitCh = nil
	}
	b.waitMu.Unlock()
	return nil
}

func (b *Buffer) set(parent, child string, stamp int64, t Transform, static bool, fail func(error, string) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()

	pid, pok := b.ids[parent]
	cid, cok := b.ids[child]
	newFrames := 0
	if !pok {
		newFrames++
	}
	if !cok {
		newFrames++
	}
	if len(b.frames)+newFrames > b.maxFrames {
		return fail(ErrTooManyFrames, "limit is "+strconv.Itoa(b.maxFrames))
	}
	if pok && cok {
		// child must not be parent's ancestor. Parent chains are acyclic,
		// so this walk ends.
		for f := pid; f >= 0; f = b.frames[f].parent {
			if f == cid {
				return fail(ErrInvalidTransform, "child "+strconv.Quote(child)+" is an ancestor of parent "+strconv.Quote(parent))
			}
		}
	}
	if pok && cok && !static && !b.frames[cid].static && b.frames[cid].parent == pid {
		if s := b.frames[cid].cache.live(); len(s) > 0 && s[len(s)-1].stamp-stamp > b.cacheDur {
			return fail(ErrOldData, "newest sample is at "+FormatStamp(s[len(s)-1].stamp)+", cache duration "+time.Duration(b.cacheDur).String())
		}
	}
	if !pok {
		pid = b.addFrame(parent)
	}
	if !cok {
		cid = b.addFrame(child)
	}
	f := b.frames[cid] // written back below
	if static {
		f.cache = edgeCache{} // release the dynamic history
		f.static, f.staticTf, f.staticStamp = true, t, stamp
	} else {
		if f.static || f.parent != pid {
			f.static = false
			f.cache.reset()
		}
		b.insert(&f.cache, sample{stamp: stamp, tf: t})
	}
	f.parent = pid
	b.frames[cid] = f
	return nil
}

func (b *Buffer) addFrame(name string) int32 {
	id := int32(len(b.frames))
	b.frames = append(b.frames, frame{name: name, parent: -1})
	b.ids[name] = id
	return id
}

// insert adds s to c in stamp order, then prunes by age and count.
func (b *Buffer) insert(c *edgeCache, s sample) {
	live := c.live()
	n := len(live)
	i := searchStamp(live, s.stamp)
	switch {
	case i < n && live[i].stamp == s.stamp:
		live[i] = s
	case i == n:
		c.buf = append(c.buf, s)
	default:
		c.buf = append(c.buf, sample{})
		live = c.live()
		copy(live[i+1:], live[i:])
		live[i] = s
	}
	live = c.live()
	newest := live[len(live)-1].stamp
	drop := 0
	for len(live)-drop > 1 && newest-live[drop].stamp > b.cacheDur {
		drop++
	}
	if over := len(live) - drop - b.maxSamples; over > 0 {
		drop += over
	}
	c.start += drop
	if c.start > 0 && c.start >= len(c.buf)/2 {
		m := copy(c.buf, c.buf[c.start:])
		clear(c.buf[m:])
		c.buf = c.buf[:m]
		c.start = 0
	}
}

// searchStamp returns the first index i of s with s[i].stamp >= stamp, or
// len(s).
func searchStamp(s []sample, stamp int64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m].stamp < stamp {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// edgeAt returns the edge parent←f at stamp, or an extrapolation error with
// the edge's range.
func (b *Buffer) edgeAt(f *frame, stamp int64) (Transform, *LookupError) {
	if f.static {
		return f.staticTf, nil
	}
	s := f.cache.live()
	n := len(s)
	var kind ErrorKind
	switch {
	case stamp < s[0].stamp:
		kind = KindExtrapolationPast
	case stamp > s[n-1].stamp:
		kind = KindExtrapolationFuture
	default:
		i := searchStamp(s, stamp)
		if s[i].stamp == stamp {
			return s[i].tf, nil
		}
		a, c := &s[i-1], &s[i]
		r := float64(stamp-a.stamp) / float64(c.stamp-a.stamp)
		return a.tf.Interpolate(c.tf, r), nil
	}
	return Transform{}, &LookupError{
		Kind:     kind,
		Parent:   b.frames[f.parent].name,
		Child:    f.name,
		Stamp:    stamp,
		Earliest: s[0].stamp,
		Latest:   s[n-1].stamp,
	}
}

// resolve returns the id of a known frame.
func (b *Buffer) resolve(name string) (int32, *LookupError) {
	if id, ok := b.ids[name]; ok && name != "" {
		return id, nil
	}
	return -1, &LookupError{Kind: KindUnknownFrame, Frame: name}
}

// commonAncestor returns the deepest frame that is an ancestor of (or
// equal to) both a and c.
func (b *Buffer) commonAncestor(a, c int32) (int32, *LookupError) {
	da, dc := b.depth(a), b.depth(c)
	x, y := a, c
	for ; da > dc; da-- {
		x = b.frames[x].parent
	}
	for ; dc > da; dc-- {
		y = b.frames[y].parent
	}
	for x != y {
		px, py := b.frames[x].parent, b.frames[y].parent
		if px < 0 || py < 0 {
			return -1, &LookupError{
				Kind: KindNotConnected, Frame: b.frames[a].name, Other: b.frames[c].name,
				frameRoot: b.frames[x].name, otherRoot: b.frames[y].name,
			}
		}
		x, y = px, py
	}
	return x, nil
}

func (b *Buffer) depth(f int32) int {
	d := 0
	for f = b.frames[f].parent; f >= 0; f = b.frames[f].parent {
		d++
	}
	return d
}

// newestOnPath lowers m to the newest stamp of every dynamic edge from f up
// to anc.
func (b *Buffer) newestOnPath(f, anc int32, m int64) int64 {
	for ; f != anc; f = b.frames[f].parent {
		fr := &b.frames[f]
		if !fr.static {
			s := fr.cache.live()
			m = min(m, s[len(s)-1].stamp)
		}
	}
	return m
}

// chain returns anc←f at stamp by composing the edges from f up to anc.
func (b *Buffer) chain(f, anc int32, stamp int64) (Transform, *LookupError) {
	acc := Identity()
	for f != anc {
		fr := &b.frames[f]
		e, err := b.edgeAt(fr, stamp)
		if err != nil {
			return Transform{}, err
		}
		acc = e.Compose(acc)
		f = fr.parent
	}
	return acc, nil
}

// lookup returns target←source at stamp, resolving Latest; the caller holds
// the read lock and fills the request fields of an error.
func (b *Buffer) lookup(target, source int32, stamp int64) (Transform, *LookupError) {
	if target == source {
		return Identity(), nil
	}
	anc, err := b.commonAncestor(target, source)
	if err != nil {
		return Transform{}, err
	}
	if stamp == Latest {
		m := b.newestOnPath(target, anc, b.newestOnPath(source, anc, math.MaxInt64))
		if m != math.MaxInt64 {
			stamp = m
		}
	}
	ts, err := b.chain(source, anc, stamp)
	if err != nil {
		return Transform{}, err
	}
	if target == anc {
		return ts, nil
	}
	tt, err := b.chain(target, anc, stamp)
	if err != nil {
		return Transform{}, err
	}
	return tt.Inverse().Compose(ts), nil
}

// Lookup returns the transform target←source at stamp (ns since the epoch):
// it maps points in the source frame into the target frame. Dynamic edges on
// the path through the common ancestor are interpolated at stamp; stamp
// Latest (0) uses the latest time at which all of them have data, but nodes
// in gopercept must pass real stamps. Equal frames give Identity.
//
// Lookup returns a *LookupError of kind KindUnknownFrame, KindNotConnected,
// KindExtrapolationPast or KindExtrapolationFuture. It does not allocate
// on success.
func (b *Buffer) Lookup(target, source string, stamp int64) (Transform, error) {
	b.mu.RLock()
	t, err := b.lookupLocked(target, source, stamp)
	b.mu.RUnlock()
	if err != nil {
		err.Target, err.Source, err.TargetStamp, err.SourceStamp = target, source, stamp, stamp
		return Transform{}, err
	}
	return t, nil
}

func (b *Buffer) lookupLocked(target, source string, stamp int64) (Transform, *LookupError) {
	if target == source && target != "" {
		return Identity(), nil
	}
	tid, err := b.resolve(target)
	if err != nil {
		return Transform{}, err
	}
	sid, err := b.resolve(source)
	if err != nil {
		return Transform{}, err
	}
	t, err := b.lookup(tid, sid, stamp)
	if err != nil {
		return Transform{}, err
	}
	t.Rotation, _ = normalize(t.Rotation)
	return t, nil
}

// LookupFull returns the transform that maps a point seen in source at
// sourceStamp into target at targetStamp, assuming the point stayed still
// in fixed: (fixed←target at targetStamp)⁻¹ ∘ (fixed←source at
// sourceStamp), as tf2's advanced lookupTransform. Stamps are ns since the
// epoch; Latest resolves each half separately. To de-skew a lidar point
// measured at t1 into the sweep's reference stamp t2, use
// LookupFull("lidar", t2, "lidar", t1, "odom").
//
// LookupFull returns a *LookupError like Lookup, with Fixed set. It does not
// allocate on success.
func (b *Buffer) LookupFull(target string, targetStamp int64, source string, sourceStamp int64, fixed string) (Transform, error) {
	b.mu.RLock()
	t, err := b.lookupFullLocked(target, targetStamp, source, sourceStamp, fixed)
	b.mu.RUnlock()
	if err != nil {
		err.Target, err.Source, err.Fixed, err.TargetStamp, err.SourceStamp = target, source, fixed, targetStamp, sourceStamp
		return Transform{}, err
	}
	return t, nil
}

func (b *Buffer) lookupFullLocked(target string, targetStamp int64, source string, sourceStamp int64, fixed string) (Transform, *LookupError) {
	tid, err := b.resolve(target)
	if err != nil {
		return Transform{}, err
	}
	sid, err := b.resolve(source)
	if err != nil {
		return Transform{}, err
	}
	fid, err := b.resolve(fixed)
	if err != nil {
		return Transform{}, err
	}
	fs, err := b.lookup(fid, sid, sourceStamp)
	if err != nil {
		return Transform{}, err
	}
	ft, err := b.lookup(fid, tid, targetStamp)
	if err != nil {
		return Transform{}, err
	}
	t := ft.Inverse().Compose(fs)
	t.Rotation, _ = normalize(t.Rotation)
	return t, nil
}

// WaitForTransform is Lookup that waits for data, like tf2's canTransform
// with a timeout: while the lookup fails because a frame is unknown, the
// frames are not connected or the data does not reach stamp yet, it waits
// for the next SetTransform and tries again, until ctx is done. It returns
// at once on extrapolation into the past, which new data rarely cures. On
// ctx expiry the error wraps both the last *LookupError and ctx.Err().
func (b *Buffer) WaitForTransform(ctx context.Context, target, source string, stamp int64) (Transform, error) {
	for {
		ch := b.changed()
		t, err := b.Lookup(target, source, stamp)
		if err == nil {
			return t, nil
		}
		if le, ok := err.(*LookupError); ok && le.Kind == KindExtrapolationPast {
			return Transform{}, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Transform{}, fmt.Errorf("%w (gave up waiting: %w)", err, ctx.Err())
		}
	}
}

// changed returns a channel closed by the next accepted SetTransform.
func (b *Buffer) changed() <-chan struct{} {
	b.waitMu.Lock()
	defer b.waitMu.Unlock()
	if b.waitCh == nil {
		b.waitCh = make(chan struct{})
	}
	return b.waitCh
}

// CanTransform reports whether Lookup(target, source, stamp) would succeed.
func (b *Buffer) CanTransform(target, source string, stamp int64) bool {
	b.mu.RLock()
	_, err := b.lookupLocked(target, source, stamp)
	b.mu.RUnlock()
	return err == nil
}

// CanTransformFull reports whether LookupFull with the same arguments would
// succeed.
func (b *Buffer) CanTransformFull(target string, targetStamp int64, source string, sourceStamp int64, fixed string) bool {
	b.mu.RLock()
	_, err := b.lookupFullLocked(target, targetStamp, source, sourceStamp, fixed)
	b.mu.RUnlock()
	return err == nil
}

// LatestCommonTime returns the newest stamp (ns since the epoch) at which
// every dynamic edge between target and source has data: the stamp a Latest
// lookup uses. It returns Latest (0) if the path holds only static edges or
// the frames are equal, and a *LookupError for unknown or unconnected
// frames. The returned stamp may still be older than the data of some edge
// (extrapolation into the past), as in tf2.
func (b *Buffer) LatestCommonTime(target, source string) (int64, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	fail := func(err *LookupError) (int64, error) {
		err.Target, err.Source = target, source
		return 0, err
	}
	tid, err := b.resolve(target)
	if err != nil {
		return fail(err)
	}
	sid, err := b.resolve(source)
	if err != nil {
		return fail(err)
	}
	if tid == sid {
		return Latest, nil
	}
	anc, err := b.commonAncestor(tid, sid)
	if err != nil {
		return fail(err)
	}
	m := b.newestOnPath(tid, anc, b.newestOnPath(sid, anc, math.MaxInt64))
	if m == math.MaxInt64 {
		return Latest, nil
	}
	return m, nil
}

// Frames returns the names of all known frames, sorted.
func (b *Buffer) Frames() []string {
	b.mu.RLock()
	names := make([]string, len(b.frames))
	for i := range b.frames {
		names[i] = b.frames[i].name
	}
	b.mu.RUnlock()
	sort.Strings(names)
	return names
}

// Parent returns the parent of frame child and whether child has one.
func (b *Buffer) Parent(child string) (string, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	id, ok := b.ids[child]
	if !ok || b.frames[id].parent < 0 {
		return "", false
	}
	return b.frames[b.frames[id].parent].name, true
}

// Clear drops all dynamic data, like tf2's clear: static edges stay, frames
// with a dynamic edge become roots until new data arrives.
func (b *Buffer) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.frames {
		f := &b.frames[i]
		if !f.static && f.parent >= 0 {
			f.parent = -1
			f.cache = edgeCache{}
		}
	}
}

// AllFramesAsYAML returns a debug listing of every edge, sorted by child
// frame, in the spirit of tf2's allFramesAsYAML:
//
//	'base_link':
//	  parent: 'odom'
//	  static: false
//	  rate: 100.000
//	  most_recent_transform: 1700000010.000000000
//	  oldest_transform: 1700000000.000000000
//	  buffer_length: 10.000
//	  samples: 1001
//
// Stamps are seconds since the epoch, rate is samples per second over the
// buffered span (0 for fewer than two samples) and buffer_length is in
// seconds. Static edges list their stamp as most_recent_transform and
// oldest_transform.
func (b *Buffer) AllFramesAsYAML() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	ids := make([]int32, 0, len(b.frames))
	for i := range b.frames {
		if b.frames[i].parent >= 0 {
			ids = append(ids, int32(i))
		}
	}
	sort.Slice(ids, func(i, j int) bool { return b.frames[ids[i]].name < b.frames[ids[j]].name })
	var sb strings.Builder
	for _, id := range ids {
		f := &b.frames[id]
		var oldest, newest int64
		n := 1
		if f.static {
			oldest, newest = f.staticStamp, f.staticStamp
		} else {
			s := f.cache.live()
			n = len(s)
			oldest, newest = s[0].stamp, s[n-1].stamp
		}
		span := float64(newest-oldest) / 1e9
		rate := 0.0
		if n > 1 && span > 0 {
			rate = float64(n-1) / span
		}
		sb.WriteString(yamlQuote(f.name))
		sb.WriteString(":\n  parent: ")
		sb.WriteString(yamlQuote(b.frames[f.parent].name))
		sb.WriteString("\n  static: ")
		sb.WriteString(strconv.FormatBool(f.static))
		sb.WriteString("\n  rate: ")
		sb.WriteString(strconv.FormatFloat(rate, 'f', 3, 64))
		sb.WriteString("\n  most_recent_transform: ")
		sb.WriteString(FormatStamp(newest))
		sb.WriteString("\n  oldest_transform: ")
		sb.WriteString(FormatStamp(oldest))
		sb.WriteString("\n  buffer_length: ")
		sb.WriteString(strconv.FormatFloat(span, 'f', 3, 64))
		sb.WriteString("\n  samples: ")
		sb.WriteString(strconv.Itoa(n))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// yamlQuote returns s as a single-quoted YAML scalar.
func yamlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
