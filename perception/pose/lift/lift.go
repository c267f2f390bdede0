package lift

import (
	"fmt"
	"math"
	"slices"

	"github.com/gopercept/gopercept/internal/camera"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/pose"
	"gonum.org/v1/gonum/spatial/r3"
)

// Config configures a Lifter. Zero fields take the documented defaults.
type Config struct {
	// Window is the side in pixels of the square depth patch around each
	// keypoint; odd (default 7).
	Window int
	// MADK is the rejection threshold in robust standard deviations
	// (default 3).
	MADK float64
	// MinDepth and MaxDepth bound the valid depths in metres (defaults 0.1
	// and 20).
	MinDepth, MaxDepth float64
	// MinSamples is the fewest accepted depths for a keypoint to be lifted
	// (default 3).
	MinSamples int
	// MinScore is the keypoint score below which a keypoint is not lifted
	// (default 0.3).
	MinScore float32
	// PixelSigma is the keypoint's 2D standard deviation in pixels at score
	// 1 (default 2).
	PixelSigma float64
	// DepthNoise is the sensor's depth noise coefficient in 1/m: σ_z ≥
	// DepthNoise·z² (default 0.002, i.e. 2 cm at 3 m).
	DepthNoise float64
	// MinDepthSigma is the floor on σ_z in metres (default 0.005).
	MinDepthSigma float64
}

func (c *Config) defaults() error {
	if c.Window == 0 {
		c.Window = 7
	}
	if c.MADK == 0 {
		c.MADK = 3
	}
	if c.MinDepth == 0 {
		c.MinDepth = 0.1
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = 20
	}
	if c.MinSamples == 0 {
		c.MinSamples = 3
	}
	if c.MinScore == 0 {
		c.MinScore = 0.3
	}
	if c.PixelSigma == 0 {
		c.PixelSigma = 2
	}
	if c.DepthNoise == 0 {
		c.DepthNoise = 0.002
	}
	if c.MinDepthSigma == 0 {
		c.MinDepthSigma = 0.005
	}
	switch {
	case c.Window < 1 || c.Window%2 == 0 || c.Window > 101:
		return configErr("Window", c.Window, "want an odd size 1..101")
	case !(c.MADK > 0):
		return configErr("MADK", c.MADK, "want > 0")
	case !(c.MinDepth > 0):
		return configErr("MinDepth", c.MinDepth, "want > 0")
	case !(c.MaxDepth > c.MinDepth):
		return configErr("MaxDepth", c.MaxDepth, "want > MinDepth (%g)", c.MinDepth)
	case c.MinSamples < 1 || c.MinSamples > c.Window*c.Window:
		return configErr("MinSamples", c.MinSamples, "want 1..Window² (%d)", c.Window*c.Window)
	case !(c.MinScore >= 0 && c.MinScore <= 1):
		return configErr("MinScore", c.MinScore, "want 0..1")
	case !(c.PixelSigma > 0):
		return configErr("PixelSigma", c.PixelSigma, "want > 0")
	case !(c.DepthNoise >= 0):
		return configErr("DepthNoise", c.DepthNoise, "want ≥ 0")
	case !(c.MinDepthSigma > 0):
		return configErr("MinDepthSigma", c.MinDepthSigma, "want > 0")
	}
	return nil
}

// Joint is one lifted keypoint.
type Joint struct {
	// P is the position in metres, in the camera optical frame or the
	// target frame after Transform.
	P r3.Vec
	// Cov is the row-major 3×3 covariance of P in m² (see the package doc).
	Cov [9]float64
	// Score and Visibility are the 2D keypoint's.
	Score      float32
	Visibility uint8
	// Valid says whether the keypoint was lifted; P and Cov are zero
	// otherwise.
	Valid bool
	// Samples is the number of depths accepted in the window.
	Samples int
}

// Lifter lifts keypoints; it keeps scratch memory and is not safe for
// concurrent use.
type Lifter struct {
	cfg     Config
	samples []float64
	dev     []float64
}

// New returns a Lifter, or a *configerr.Error naming the bad field.
func New(cfg Config) (*Lifter, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	n := cfg.Window * cfg.Window
	return &Lifter{cfg: cfg, samples: make([]float64, 0, n), dev: make([]float64, 0, n)}, nil
}

// Config returns the configuration with defaults filled in.
func (l *Lifter) Config() Config { return l.cfg }

// Lift lifts the keypoints kps (pixels of the colour image cam describes)
// with the aligned depth image (metres, same size as cam), appending one
// Joint per keypoint to out[:0] and returning it. It fails with ErrDepthSize
// when the depth image does not match the camera.
func (l *Lifter) Lift(cam *camera.Model, depth *imageconv.Depth, kps []pose.Keypoint, out []Joint) ([]Joint, error) {
	out = out[:0]
	if depth.Width != cam.Width || depth.Height != cam.Height || len(depth.M) < depth.Width*depth.Height {
		return out, fmt.Errorf("%w: depth %d×%d, camera %d×%d", ErrDepthSize, depth.Width, depth.Height, cam.Width, cam.Height)
	}
	for _, k := range kps {
		j := Joint{Score: k.Score, Visibility: k.Visibility}
		if k.Visibility != pose.NotLabelled && k.Score >= l.cfg.MinScore {
			l.liftOne(cam, depth, k, &j)
		}
		out = append(out, j)
	}
	return out, nil
}

// Depth returns the robust depth at pixel (u, v) in metres, its robust
// standard deviation (1.4826·MAD of the accepted samples) and the number of
// accepted samples; ok is false with fewer than MinSamples.
func (l *Lifter) Depth(depth *imageconv.Depth, u, v float64) (z, sigma float64, n int, ok bool) {
	c := l.cfg
	cu, cv := int(math.Round(u)), int(math.Round(v))
	h := c.Window / 2
	s := l.samples[:0]
	for y := max(cv-h, 0); y <= min(cv+h, depth.Height-1); y++ {
		row := depth.M[y*depth.Width : (y+1)*depth.Width]
		for x := max(cu-h, 0); x <= min(cu+h, depth.Width-1); x++ {
			d := float64(row[x])
			if d >= c.MinDepth && d <= c.MaxDepth { // false for NaN and 0
				s = append(s, d)
			}
		}
	}
	l.samples = s
	if len(s) < c.MinSamples {
		return 0, 0, len(s), false
	}
	med := median(s)
	mad := l.mad(s, med)
	thr := c.MADK * 1.4826 * mad
	kept := s[:0]
	for _, d := range s {
		if math.Abs(d-med) <= thr {
			kept = append(kept, d)
		}
	}
	if len(kept) < c.MinSamples {
		return 0, 0, len(kept), false
	}
	z = median(kept)
	return z, 1.4826 * l.mad(kept, z), len(kept), true
}

func (l *Lifter) mad(s []float64, med float64) float64 {
	d := l.dev[:0]
	for _, v := range s {
		d = append(d, math.Abs(v-med))
	}
	l.dev = d
	return median(d)
}

// median sorts s in place and returns its median.
func median(s []float64) float64 {
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (l *Lifter) liftOne(cam *camera.Model, depth *imageconv.Depth, k pose.Keypoint, j *Joint) {
	u, v := float64(k.X), float64(k.Y)
	if !cam.InImage(u, v) {
		return
	}
	z, spread, n, ok := l.Depth(depth, u, v)
	j.Samples = n
	if !ok {
		return
	}
	x, y := cam.Undistort(u, v)
	if math.IsNaN(x) || math.IsNaN(y) {
		return
	}
	// Jacobian of Undistort by central differences at ±0.5 px.
	const e = 0.5
	xu1, yu1 := cam.Undistort(u+e, v)
	xu0, yu0 := cam.Undistort(u-e, v)
	xv1, yv1 := cam.Undistort(u, v+e)
	xv0, yv0 := cam.Undistort(u, v-e)
	jxu, jyu := (xu1-xu0)/(2*e), (yu1-yu0)/(2*e)
	jxv, jyv := (xv1-xv0)/(2*e), (yv1-yv0)/(2*e)
	if math.IsNaN(jxu + jyu + jxv + jyv) {
		jxu, jyu, jxv, jyv = 1/cam.Fx, 0, 0, 1/cam.Fy
	}
	spx := l.cfg.PixelSigma / math.Max(float64(k.Score), 0.1)
	s2 := spx * spx
	// Σ_xy = σ² J Jᵀ, J = [[jxu, jxv], [jyu, jyv]].
	sxx := s2 * (jxu*jxu + jxv*jxv)
	sxy := s2 * (jxu*jyu + jxv*jyv)
	syy := s2 * (jyu*jyu + jyv*jyv)
	sz := math.Max(math.Max(spread, l.cfg.DepthNoise*z*z), l.cfg.MinDepthSigma)
	szz := sz * sz
	// Σ_P = A Σ Aᵀ with A = [[z,0,x],[0,z,y],[0,0,1]], Σ = diag block.
	j.Cov = [9]float64{
		z*z*sxx + x*x*szz, z*z*sxy + x*y*szz, x * szz,
		z*z*sxy + x*y*szz, z*z*syy + y*y*szz, y * szz,
		x * szz, y * szz, szz,
	}
	j.P = r3.Vec{X: x * z, Y: y * z, Z: z}
	j.Valid = true
}

// Transform maps the valid joints by t (parent←child, child being the
// joints' frame) in place, rotating their covariances: Σ' = R Σ Rᵀ.
func Transform(joints []Joint, t tf.Transform) {
	m := t.ToMatrix()
	r := [9]float64{m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]}
	for i := range joints {
		j := &joints[i]
		if !j.Valid {
			continue
		}
		j.P = t.Apply(j.P)
		var rs [9]float64
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				rs[a*3+b] = r[a*3]*j.Cov[b] + r[a*3+1]*j.Cov[3+b] + r[a*3+2]*j.Cov[6+b]
			}
		}
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				j.Cov[a*3+b] = rs[a*3]*r[b*3] + rs[a*3+1]*r[b*3+1] + rs[a*3+2]*r[b*3+2]
			}
		}
	}
}

// ToFrame transforms joints from the source frame (the camera's optical
// frame) into target with the transform looked up in buf at stampNS — the
// image's own stamp, never the latest. It changes nothing and returns an
// error wrapping ErrTransform and the tf error when the lookup fails. An
// empty target or target == source is a no-op.
func ToFrame(buf *tf.Buffer, target, source string, stampNS int64, joints []Joint) error {
	if target == "" || target == source {
		return nil
	}
	if buf == nil {
		return fmt.Errorf("%w: %s ← %s at %d ns: no TF buffer", ErrTransform, target, source, stampNS)
	}
	t, err := buf.Lookup(target, source, stampNS)
	if err != nil {
		return fmt.Errorf("%w: %s ← %s at %d ns: %w", ErrTransform, target, source, stampNS, err)
	}
	Transform(joints, t)
	return nil
}

// MPJPE returns the mean per-joint position error in metres between pred
// and truth over the joints valid in pred (and, where given, truthValid),
// and the number of joints counted; NaN with none.
func MPJPE(pred []Joint, truth []r3.Vec, truthValid []bool) (float64, int) {
	sum, n := 0.0, 0
	for i := range min(len(pred), len(truth)) {
		if !pred[i].Valid || (truthValid != nil && !truthValid[i]) {
			continue
		}
		sum += r3.Norm(r3.Sub(pred[i].P, truth[i]))
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}
