package simdrive

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gopercept/gopercept/internal/npy"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/lidarseg"
	"gopkg.in/yaml.v3"
)

// DatasetConfig configures WriteLidarDataset.
type DatasetConfig struct {
	Config
	// Projection is the range-image projection of the training tensors;
	// the trained model's card records it so the node projects the same way.
	Projection lidarseg.ProjectionConfig
	// LabelMap maps the simulator's raw SemanticKITTI ids to class indices.
	LabelMap *lidarseg.LabelMap
	// Every keeps one sweep in Every (1: all).
	Every int
	// Paint names cameras (cam_front, ...) whose images paint the range
	// image, as the lidarseg node does for a card with paint: paint.npy
	// gets lidarseg.PaintChannelNames' channels (r, g, b, valid). Empty
	// writes no paint.npy; range.npy and labels.npy are the same either way.
	Paint []string
	// Native projects each sweep at the lidar's own geometry, as the
	// lidarseg node does for a model whose input rows and columns are
	// dynamic: a row per ring (ring 0 the top beam) and a column per
	// azimuth step; Projection is then ignored.
	Native bool
	// Randomize varies the sensor from sweep to sweep, as vehicles differ:
	// mounting height ±0.3 m, pitch and roll ±2°, intensity scale 0.6–1.4
	// and 0–3 cm more range noise, drawn from the seed.
	Randomize bool
}

// NativeProjection is the range image of a lidar at its own geometry: a
// row per ring, ring 0 the top beam, a column per azimuth step, the field
// of view spanning its beams: lidarseg.NativeProjection of the lidar's own
// geometry, which the node applies to the geometry it measures.
func NativeProjection(l *sim.Lidar, columns int) lidarseg.ProjectionConfig {
	up, down := l.ElevationSpanDeg()
	g := lidarseg.SensorGeometry{Beams: l.Rings(), Columns: columns, FovUpDeg: up, FovDownDeg: down, RingTopFirst: true}
	return lidarseg.NativeProjection(lidarseg.ProjectionConfig{UseRing: true}, g, 1, 1)
}

// sensorJitter is one sweep's draw of Randomize.
type sensorJitter struct {
	mount     sim.Pose
	intensity float32
	noise     float64 // extra range noise, metres (σ)
}

func drawJitter(rng *rand.Rand, base sim.Pose) sensorJitter {
	u := func(a float64) float64 { return (2*rng.Float64() - 1) * a }
	const deg = math.Pi / 180
	pitch, roll := u(2*deg), u(2*deg)
	sp, cp := math.Sincos(pitch / 2)
	sr, cr := math.Sincos(roll / 2)
	tilt := sim.Quat{W: cp, Y: sp}.Mul(sim.Quat{W: cr, X: sr})
	m := base
	m.Translation.Z += u(0.3)
	m.Rotation = base.Rotation.Mul(tilt)
	return sensorJitter{mount: m, intensity: float32(1 + u(0.4)), noise: 0.03 * rng.Float64()}
}

// apply scales a point's intensity and moves it along its ray.
func (j sensorJitter) apply(rng *rand.Rand, p *sim.LidarPoint) {
	p.Intensity = min(p.Intensity*j.intensity, 255)
	r := math.Sqrt(float64(p.X*p.X + p.Y*p.Y + p.Z*p.Z))
	if r > 0 && j.noise > 0 {
		f := float32((r + rng.NormFloat64()*j.noise) / r)
		p.X, p.Y, p.Z = p.X*f, p.Y*f, p.Z*f
	}
}

// ClassCard is one class as model cards list them.
type ClassCard struct {
	ID     int     `yaml:"id"`
	Name   string  `yaml:"name"`
	RawID  int     `yaml:"raw_id"`
	Colour []uint8 `yaml:"colour,flow"`
}

// Classes lists a label map's classes for meta files and model cards.
func Classes(m *lidarseg.LabelMap) []ClassCard {
	out := make([]ClassCard, m.NumClasses())
	for c := range out {
		col := m.ClassColour(uint16(c))
		out[c] = ClassCard{ID: c, Name: m.ClassName(uint16(c)), RawID: int(m.RawID(uint16(c))), Colour: []uint8{col[0], col[1], col[2]}}
	}
	return out
}

// WriteLidarDataset simulates sweeps and writes the lidarseg training layout
// to dir: range.npy [N,5,H,W] float32 raw channels (range m, x, y, z m,
// remission 0..1; empty pixels 0), labels.npy [N,H,W] uint8 class indices,
// meta.yaml (classes, projection, seed); with cfg.Paint also paint.npy
// [N,4,H,W] float32 raw paint channels (r, g, b 0..1, valid 0/1; empty
// pixels 0) and meta.yaml's paint section (cameras, channels, share of
// pixels painted).
func WriteLidarDataset(ctx context.Context, cfg DatasetConfig, dir string, progress io.Writer) (int, error) {
	if err := cfg.defaults(); err != nil {
		return 0, err
	}
	if cfg.Every <= 0 {
		cfg.Every = 1
	}
	world, rig, lidar, err := setup(cfg.Config)
	if err != nil {
		return 0, err
	}
	pc := cfg.Projection
	if cfg.Native {
		pc = NativeProjection(lidar, cfg.Columns)
	}
	pc.Means = [lidarseg.Channels]float32{}
	pc.Stds = [lidarseg.Channels]float32{1, 1, 1, 1, 1} // raw channels; the trainer normalises
	pc.IntensityScale = 1.0 / 255
	proj, err := lidarseg.NewProjector(pc)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c696461))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	H, W := pc.Height, pc.Width
	xs, err := npy.Create(filepath.Join(dir, "range.npy"), "float32", lidarseg.Channels, H, W)
	if err != nil {
		return 0, err
	}
	ys, err := npy.Create(filepath.Join(dir, "labels.npy"), "uint8", H, W)
	if err != nil {
		xs.Close()
		return 0, err
	}
	var painter *lidarPainter
	var ps *npy.Writer
	var paint []float32
	if len(cfg.Paint) > 0 {
		if painter, err = newLidarPainter(world, rig, cfg.Paint, lidarseg.PaintChannelNames, cfg.CameraHz); err != nil {
			xs.Close()
			ys.Close()
			return 0, err
		}
		if ps, err = npy.Create(filepath.Join(dir, "paint.npy"), "float32", len(lidarseg.PaintChannelNames), H, W); err != nil {
			xs.Close()
			ys.Close()
			return 0, err
		}
		paint = make([]float32, len(lidarseg.PaintChannelNames)*H*W)
	}
	tensor := make([]float32, proj.TensorLen())
	labels := make([]uint8, H*W)
	var cloud lidarseg.Cloud
	n := 0
	period := 1 / cfg.LidarHz
	for k := 0; float64(k+1)*period <= cfg.Duration+1e-9; k += cfg.Every {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		mount := rig.LidarMount
		var jit sensorJitter
		if cfg.Randomize {
			jit = drawJitter(rng, mount)
			mount = jit.mount
		}
		sw := world.LidarSweep(lidar, mount, float64(k)*period)
		cloud.X, cloud.Y, cloud.Z, cloud.Intensity = cloud.X[:0], cloud.Y[:0], cloud.Z[:0], cloud.Intensity[:0]
		cloud.Ring = cloud.Ring[:0]
		for _, p := range sw.Points {
			if cfg.Randomize {
				jit.apply(rng, &p)
			}
			cloud.X = append(cloud.X, p.X)
			cloud.Y = append(cloud.Y, p.Y)
			cloud.Z = append(cloud.Z, p.Z)
			cloud.Intensity = append(cloud.Intensity, p.Intensity)
			cloud.Ring = append(cloud.Ring, p.Ring)
		}
		pr, err := proj.Project(cloud, tensor)
		if err != nil {
			return n, fmt.Errorf("simulate: project sweep %d: %w", k, err)
		}
		for i, pt := range pr.PixelPoint {
			labels[i] = 0
			if pt >= 0 {
				labels[i] = uint8(cfg.LabelMap.Class(uint32(sw.Labels[pt])))
			}
		}
		if err := xs.WriteFloat32(tensor); err != nil {
			return n, err
		}
		if err := ys.WriteUint8(labels); err != nil {
			return n, err
		}
		if painter != nil {
			if err := painter.paint(world, paint, pr, cloud, sw.Frame, float64(k)*period); err != nil {
				return n, err
			}
			if err := ps.WriteFloat32(paint); err != nil {
				return n, err
			}
		}
		n++
		if progress != nil && n%10 == 0 {
			fmt.Fprintf(progress, "dataset lidarseg: %d scans\n", n)
		}
	}
	if err := xs.Close(); err != nil {
		return n, err
	}
	if err := ys.Close(); err != nil {
		return n, err
	}
	if ps != nil {
		if err := ps.Close(); err != nil {
			return n, err
		}
	}
	meta := map[string]any{
		"kind": "lidarseg", "seed": cfg.Seed, "scans": n, "lidar": cfg.Lidar, "columns": cfg.Columns,
		"classes": Classes(cfg.LabelMap),
		// Named as the lidarseg node reads them from a model card.
		"projection": map[string]any{"height": H, "width": W, "fov_up_deg": pc.FovUpDeg, "fov_down_deg": pc.FovDownDeg,
			"horizontal_fov_deg": pc.HorizontalFovDeg, "intensity_scale": float64(pc.IntensityScale), "use_ring": pc.UseRing,
			"native": cfg.Native},
		"randomized": cfg.Randomize,
		"channels":   []string{"range", "x", "y", "z", "remission"},
	}
	if painter != nil {
		meta["paint"] = map[string]any{"cameras": cfg.Paint, "channels": lidarseg.PaintChannelNames,
			"painted_share": float64(painter.painted) / float64(max(painter.shown, 1))}
	}
	raw, err := yaml.Marshal(meta)
	if err != nil {
		return n, err
	}
	return n, os.WriteFile(filepath.Join(dir, "meta.yaml"), raw, 0o644)
}
