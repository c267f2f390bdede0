package track

import (
	"github.com/gopercept/gopercept/perception/pose"
)

// Config configures a Tracker. Zero fields take the documented defaults.
type Config struct {
	// MinHits is the number of matched frames after which a track is born
	// and gets its id (default 3; 1 gives ids at once).
	MinHits int
	// MaxMisses is the number of consecutive frames without a match after
	// which a born track dies (default 10). A track not yet born dies at its
	// first miss.
	MaxMisses int
	// MinSimilarity is the lowest OKS (or IoU on fallback) at which a
	// detection may continue a track (default 0.3).
	MinSimilarity float64
	// MinKeypoints is the fewest keypoints shared by the prediction and the
	// detection for OKS to be used; with fewer the box IoU decides (default 3).
	MinKeypoints int
	// KeypointScore is the score below which a keypoint is ignored by OKS,
	// the velocity estimate and smoothing (default 0.3).
	KeypointScore float32
	// Smooth enables the One-Euro filter on the keypoints of matched
	// detections.
	Smooth bool
	// MinCutoff, Beta and DCutoff are the One-Euro parameters (Hz, Hz per
	// px/s, Hz; defaults 1.0, 1.0, 1.0). A camera on a moving vehicle sees
	// people cross the image at 50–300 px/s: a Beta of 0.01 lagged them
	// enough to cost a third of the crowd drives' AP, while 1.0 still
	// smooths keypoints at rest (a few px/s of jitter).
	MinCutoff, Beta, DCutoff float64
	// MaxTracks bounds the number of live tracks (default 256); detections
	// beyond it stay untracked.
	MaxTracks int
}

func (c *Config) defaults() error {
	if c.MinHits == 0 {
		c.MinHits = 3
	}
	if c.MaxMisses == 0 {
		c.MaxMisses = 10
	}
	if c.MinSimilarity == 0 {
		c.MinSimilarity = 0.3
	}
	if c.MinKeypoints == 0 {
		c.MinKeypoints = 3
	}
	if c.KeypointScore == 0 {
		c.KeypointScore = 0.3
	}
	if c.MinCutoff == 0 {
		c.MinCutoff = 1
	}
	if c.Beta == 0 {
		c.Beta = 1
	}
	if c.DCutoff == 0 {
		c.DCutoff = 1
	}
	if c.MaxTracks == 0 {
		c.MaxTracks = 256
	}
	switch {
	case c.MinHits < 1:
		return configErr("MinHits", c.MinHits, "want ≥ 1")
	case c.MaxMisses < 0:
		return configErr("MaxMisses", c.MaxMisses, "want ≥ 0")
	case !(c.MinSimilarity > 0 && c.MinSimilarity <= 1):
		return configErr("MinSimilarity", c.MinSimilarity, "want (0, 1]")
	case c.MinKeypoints < 1:
		return configErr("MinKeypoints", c.MinKeypoints, "want ≥ 1")
	case !(c.KeypointScore >= 0 && c.KeypointScore <= 1):
		return configErr("KeypointScore", c.KeypointScore, "want 0..1")
	case !(c.MinCutoff > 0):
		return configErr("MinCutoff", c.MinCutoff, "want > 0 Hz")
	case !(c.Beta >= 0):
		return configErr("Beta", c.Beta, "want ≥ 0")
	case !(c.DCutoff > 0):
		return configErr("DCutoff", c.DCutoff, "want > 0 Hz")
	case c.MaxTracks < 1:
		return configErr("MaxTracks", c.MaxTracks, "want ≥ 1")
	}
	return nil
}

// Track is one followed person.
type Track struct {
	// ID is the stable id, counting from 1; 0 while the track is not born.
	ID uint64
	// Hits counts matched frames; Misses counts consecutive unmatched ones.
	Hits, Misses int
	// LastNS is the stamp of the last matched frame, in nanoseconds.
	LastNS int64
	// Person is the last matched pose (smoothed when enabled), in pixels.
	Person pose.Person

	vel     [][2]float64 // per-keypoint velocity in px/s
	boxVel  [2]float64   // box centre velocity in px/s
	filters []OneEuro    // x and y filter per keypoint
	pred    pose.Person
}

// Tracker matches detections to tracks frame after frame. It is not safe
// for concurrent use.
type Tracker struct {
	cfg    Config
	tracks []*Track
	free   []*Track
	nextID uint64
	h      Hungarian
	cost   []float64
	ids    []uint64
	used   []bool
}

// New returns a Tracker, or a *configerr.Error naming the bad field.
func New(cfg Config) (*Tracker, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Tracker{cfg: cfg, nextID: 1}, nil
}

// Config returns the configuration with defaults filled in.
func (t *Tracker) Config() Config { return t.cfg }

// SetConfig changes the configuration of a running tracker from the next
// Update, keeping its tracks, their ids and their filters' state (a new
// tracker would restart ids and hand old ones to new people); the live
// tracks' One-Euro filters take the new parameters, and are reset when
// smoothing turns on so that stale state is not blended in. A *configerr.Error
// leaves the tracker unchanged.
func (t *Tracker) SetConfig(cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	reset := cfg.Smooth && !t.cfg.Smooth
	t.cfg = cfg
	for _, tr := range t.tracks {
		for i := range tr.filters {
			f := &tr.filters[i]
			f.MinCutoff, f.Beta, f.DCutoff = cfg.MinCutoff, cfg.Beta, cfg.DCutoff
			if reset {
				f.Reset()
			}
		}
	}
	return nil
}

// Reset forgets every track; ids continue from the last one given, so that
// an id is never handed to two people (as a new Tracker would).
func (t *Tracker) Reset() {
	t.free = append(t.free, t.tracks...)
	t.tracks = t.tracks[:0]
}

// Tracks returns the live tracks, born or not; valid until the next Update.
func (t *Tracker) Tracks() []*Track { return t.tracks }

// forbidden is the cost of a pair below MinSimilarity.
const forbidden = 1e6

// Update matches the detections of the frame stamped stampNS (nanoseconds)
// to the tracks and returns, per detection, its track id (0: not tracked
// yet). With smoothing on, matched detections' keypoints are replaced by
// their filtered values in place. The returned slice is reused by the next
// call.
func (t *Tracker) Update(stampNS int64, people []pose.Person) []uint64 {
	nt, nd := len(t.tracks), len(people)
	for _, tr := range t.tracks {
		t.predict(tr, stampNS)
	}
	if cap(t.cost) < nt*nd {
		t.cost = make([]float64, nt*nd)
	}
	cost := t.cost[:nt*nd]
	for i, tr := range t.tracks {
		for j := range people {
			cost[i*nd+j] = 1 - t.similarity(&tr.pred, &people[j])
			if 1-cost[i*nd+j] < t.cfg.MinSimilarity {
				cost[i*nd+j] = forbidden
			}
		}
	}
	assign := t.h.Solve(cost, nt, nd)
	t.ids = resizeU(t.ids, nd)
	clear(t.ids)
	t.used = resizeB(&t.used, nd)
	clear(t.used)
	keep := t.tracks[:0]
	for i, tr := range t.tracks {
		j := assign[i]
		if j >= 0 && cost[i*nd+j] < forbidden {
			t.used[j] = true
			t.match(tr, stampNS, &people[j])
			t.ids[j] = tr.ID
			keep = append(keep, tr)
			continue
		}
		tr.Misses++
		if tr.ID == 0 || tr.Misses > t.cfg.MaxMisses {
			t.free = append(t.free, tr)
			continue
		}
		keep = append(keep, tr)
	}
	t.tracks = keep
	for j := range people {
		if t.used[j] || len(t.tracks) >= t.cfg.MaxTracks {
			continue
		}
		tr := t.newTrack(stampNS, &people[j])
		t.ids[j] = tr.ID
	}
	return t.ids
}

func (t *Tracker) newTrack(stampNS int64, p *pose.Person) *Track {
	var tr *Track
	if n := len(t.free); n > 0 {
		tr = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		tr = &Track{}
	}
	tr.ID, tr.Hits, tr.Misses, tr.LastNS = 0, 1, 0, stampNS
	tr.Person.CopyFrom(p)
	k := len(p.Keypoints)
	tr.vel = resize2(tr.vel, k)
	clear(tr.vel)
	tr.boxVel = [2]float64{}
	if cap(tr.filters) < 2*k {
		tr.filters = make([]OneEuro, 2*k)
	}
	tr.filters = tr.filters[:2*k]
	for i := range tr.filters {
		tr.filters[i] = NewOneEuro(t.cfg.MinCutoff, t.cfg.Beta, t.cfg.DCutoff)
	}
	if t.cfg.Smooth {
		for i, kp := range p.Keypoints {
			if t.present(kp) {
				tr.filters[2*i].Filter(float64(kp.X), 0)
				tr.filters[2*i+1].Filter(float64(kp.Y), 0)
			}
		}
	}
	if tr.Hits >= t.cfg.MinHits {
		tr.ID = t.nextID
		t.nextID++
	}
	t.tracks = append(t.tracks, tr)
	return tr
}

func (t *Tracker) present(k pose.Keypoint) bool {
	return k.Visibility != pose.NotLabelled && k.Score >= t.cfg.KeypointScore
}

// predict moves the track's last pose by its velocities to stampNS.
func (t *Tracker) predict(tr *Track, stampNS int64) {
	dt := float64(stampNS-tr.LastNS) * 1e-9
	if dt < 0 {
		dt = 0
	}
	tr.pred.CopyFrom(&tr.Person)
	for i := range tr.pred.Keypoints {
		k := &tr.pred.Keypoints[i]
		k.X += float32(tr.vel[i][0] * dt)
		k.Y += float32(tr.vel[i][1] * dt)
	}
	dx, dy := float32(tr.boxVel[0]*dt), float32(tr.boxVel[1]*dt)
	tr.pred.Box = [4]float32{tr.pred.Box[0] + dx, tr.pred.Box[1] + dy, tr.pred.Box[2] + dx, tr.pred.Box[3] + dy}
}

// similarity is OKS on the prediction's box area, or IoU when too few
// keypoints are shared.
func (t *Tracker) similarity(pred, det *pose.Person) float64 {
	area := float64(pred.Area())
	if area <= 0 {
		area = float64(det.Area())
	}
	sim, n := OKS(pred.Keypoints, det.Keypoints, area, t.cfg.KeypointScore)
	if n >= t.cfg.MinKeypoints {
		return sim
	}
	return IoU(pred.Box, det.Box)
}

// velBlend weighs a new velocity measurement against the previous estimate.
const velBlend = 0.5

func (t *Tracker) match(tr *Track, stampNS int64, det *pose.Person) {
	dt := float64(stampNS-tr.LastNS) * 1e-9
	if len(tr.vel) != len(det.Keypoints) {
		tr.vel = resize2(tr.vel, len(det.Keypoints))
		clear(tr.vel)
		tr.filters = tr.filters[:0]
		for range 2 * len(det.Keypoints) {
			tr.filters = append(tr.filters, NewOneEuro(t.cfg.MinCutoff, t.cfg.Beta, t.cfg.DCutoff))
		}
		tr.Person.Keypoints = tr.Person.Keypoints[:0]
	}
	if t.cfg.Smooth {
		for i := range det.Keypoints {
			k := &det.Keypoints[i]
			if !t.present(*k) {
				tr.filters[2*i].Reset()
				tr.filters[2*i+1].Reset()
				continue
			}
			k.X = float32(tr.filters[2*i].Filter(float64(k.X), dt))
			k.Y = float32(tr.filters[2*i+1].Filter(float64(k.Y), dt))
		}
	}
	if dt > 0 {
		for i := range det.Keypoints {
			if i >= len(tr.Person.Keypoints) {
				break
			}
			a, b := tr.Person.Keypoints[i], det.Keypoints[i]
			if !t.present(a) || !t.present(b) {
				tr.vel[i] = [2]float64{}
				continue
			}
			vx, vy := float64(b.X-a.X)/dt, float64(b.Y-a.Y)/dt
			tr.vel[i][0] += velBlend * (vx - tr.vel[i][0])
			tr.vel[i][1] += velBlend * (vy - tr.vel[i][1])
		}
		cx0, cy0 := centre(tr.Person.Box)
		cx1, cy1 := centre(det.Box)
		tr.boxVel[0] += velBlend * ((cx1-cx0)/dt - tr.boxVel[0])
		tr.boxVel[1] += velBlend * ((cy1-cy0)/dt - tr.boxVel[1])
	}
	tr.Person.CopyFrom(det)
	tr.LastNS = stampNS
	tr.Hits++
	tr.Misses = 0
	if tr.ID == 0 && tr.Hits >= t.cfg.MinHits {
		tr.ID = t.nextID
		t.nextID++
	}
}

func centre(b [4]float32) (float64, float64) {
	return float64(b[0]+b[2]) / 2, float64(b[1]+b[3]) / 2
}

func resizeU(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

func resize2(s [][2]float64, n int) [][2]float64 {
	if cap(s) < n {
		return make([][2]float64, n)
	}
	return s[:n]
}
