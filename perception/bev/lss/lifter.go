package lss

import (
	"github.com/gopercept/gopercept/perception/bev"
)

// Lifter is the per-node convenience around Geometry and Pooler: it keeps
// the geometry of the last rig it saw and rebuilds it, with its Pooler,
// only when Fingerprint(cfg, cams) changes (new CameraInfo, new static TF,
// another camera count). It is not safe for concurrent use.
type Lifter struct {
	cfg      Config
	channels int
	workers  int
	fp       uint64
	geom     *Geometry
	pool     *Pooler
}

// NewLifter returns a Lifter for channels feature channels with workers
// pooling goroutines (0 means GOMAXPROCS). cfg is validated now; the
// geometry is built on the first Pool.
func NewLifter(cfg Config, channels, workers int) (*Lifter, error) {
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	if channels <= 0 || channels > 1<<16 {
		return nil, configErr("NewLifter channels", channels, "need 1..65536")
	}
	return &Lifter{cfg: c, channels: channels, workers: workers}, nil
}

// Update makes sure the geometry matches cams, rebuilding it if the
// fingerprint changed, and reports whether it did. On error the previous
// geometry is dropped, so a later Pool fails until a valid rig arrives.
func (l *Lifter) Update(cams []bev.Camera) (rebuilt bool, err error) {
	fp := Fingerprint(l.cfg, cams)
	if l.geom != nil && fp == l.fp {
		return false, nil
	}
	if l.pool != nil {
		l.pool.Close()
		l.pool, l.geom = nil, nil
	}
	g, err := NewGeometry(l.cfg, cams)
	if err != nil {
		return false, err
	}
	p, err := NewPooler(g, l.channels, l.workers)
	if err != nil {
		return false, err
	}
	l.geom, l.pool, l.fp = g, p, fp
	return true, nil
}

// Pool updates the geometry for cams (see Update) and pools depth
// [Ncam, D, FH, FW] and feat [Ncam, C, FH, FW] into out [C, cells]. It
// allocates only when the geometry is rebuilt.
func (l *Lifter) Pool(cams []bev.Camera, depth, feat, out []float32) (rebuilt bool, err error) {
	rebuilt, err = l.Update(cams)
	if err != nil {
		return rebuilt, err
	}
	return rebuilt, l.pool.Pool(depth, feat, out)
}

// Geometry returns the current geometry, nil before the first successful
// Update.
func (l *Lifter) Geometry() *Geometry { return l.geom }

// OutputLen returns C·cells, the length of Pool's out.
func (l *Lifter) OutputLen() int { return l.channels * l.cfg.Grid.Cells() }

// Close stops the pooling goroutines.
func (l *Lifter) Close() {
	if l.pool != nil {
		l.pool.Close()
		l.pool, l.geom = nil, nil
	}
}
