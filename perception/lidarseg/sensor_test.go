package lidarseg_test

import (
	"testing"

	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// simSweep simulates one sweep of a preset at the given columns, as the
// lidar driver publishes it: the returns in firing order with their rings
// (organised false) or the H×W image with NaN misses.
func simSweep(t *testing.T, preset sim.LidarPreset, columns int, organised bool) (lidarseg.Cloud, int, int) {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{Seed: 301})
	if err != nil {
		t.Fatal(err)
	}
	rig, err := sim.DefaultRig(sim.RigConfig{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := sim.NewLidar(sim.LidarConfig{Preset: preset, Columns: columns, Organized: organised})
	if err != nil {
		t.Fatal(err)
	}
	sw := w.LidarSweep(l, rig.LidarMount, 1)
	var c lidarseg.Cloud
	for _, p := range sw.Points {
		c.X, c.Y, c.Z = append(c.X, p.X), append(c.Y, p.Y), append(c.Z, p.Z)
		c.Ring = append(c.Ring, p.Ring)
	}
	return c, sw.Height, sw.Width
}

// TestMeasureSensor measures the simulator's three lidars at both column
// counts, unorganised with rings and organised, and checks which presets
// each fits: the model card's sensors are judged this way.
func TestMeasureSensor(t *testing.T) {
	preset := func(name string) lidarseg.ProjectionConfig {
		p, err := lidarseg.PresetConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name    string
		preset  sim.LidarPreset
		columns int
		beams   int
		up, dn  float64 // the simulator's highest and lowest beam
		fits    []string
		misfits []string
	}{
		{"HDL-64E 2048", sim.PresetHDL64E, 2048, 64, 2.0, -24.9, []string{"hdl64e"}, []string{"hdl64e-1024", "os1-64", "vlp32"}},
		{"HDL-64E 1024", sim.PresetHDL64E, 1024, 64, 2.0, -24.9, []string{"hdl64e-1024"}, []string{"hdl64e"}},
		{"HDL-32E 1024", sim.PresetHDL32E, 1024, 32, 10.67, -30.67, []string{"hdl32e-1024"}, []string{"hdl64e", "hdl64e-1024", "vlp32", "hdl32e"}},
		{"OS1-128 1024", sim.PresetOS1128, 1024, 128, 22.5, -22.5, []string{"os1-128"}, []string{"hdl64e", "os1-64", "os1-128-2048"}},
		{"OS1-64 2048", sim.PresetOS164, 2048, 64, 22.5, -22.5, []string{"os1-64-2048"}, []string{"hdl64e", "os1-64"}},
		{"VLP-16 1024", sim.PresetVLP16, 1024, 16, 15, -15, []string{"vlp16"}, []string{"vlp16-2048", "vlp32"}},
	} {
		for _, organised := range []bool{false, true} {
			cloud, h, w := simSweep(t, c.preset, c.columns, organised)
			if !organised {
				h, w = 1, len(cloud.X)
			}
			g := lidarseg.MeasureSensor(cloud, h, w)
			t.Logf("%s (organised %v): %v", c.name, organised, g)
			if g.Beams != c.beams || (organised && g.Columns != c.columns) || float64(g.Columns) < 0.9*float64(c.columns) || g.Columns > c.columns {
				t.Errorf("%s (organised %v): %d beams, %d columns, want %d and %d", c.name, organised, g.Beams, g.Columns, c.beams, c.columns)
			}
			// Returns lie on the beams (noise aside); the extremes within a degree.
			if g.FovUpDeg > c.up+1 || g.FovUpDeg < c.up-2 || g.FovDownDeg < c.dn-1 || g.FovDownDeg > c.dn+2 {
				t.Errorf("%s (organised %v): returns %+.1f° to %+.1f°, beams %+.1f° to %+.1f°", c.name, organised, g.FovUpDeg, g.FovDownDeg, c.up, c.dn)
			}
			if !g.RingTopFirst { // the simulator numbers rings (and rows) from the top beam
				t.Errorf("%s (organised %v): ring 0 not found the top beam", c.name, organised)
			}
			if !organised { // renumbered from the bottom, as Velodyne's driver does
				flipped := cloud
				flipped.Ring = make([]uint16, len(cloud.Ring))
				for i, r := range cloud.Ring {
					flipped.Ring[i] = uint16(c.beams-1) - r
				}
				if fg := lidarseg.MeasureSensor(flipped, h, w); fg.RingTopFirst || fg.Beams != g.Beams {
					t.Errorf("%s: rings numbered from the bottom measured %v", c.name, fg)
				}
			}
			for _, name := range c.fits {
				if !preset(name).Covers(g, 2) {
					t.Errorf("%s (organised %v): not covered by %s", c.name, organised, name)
				}
			}
			for _, name := range c.misfits {
				if preset(name).Covers(g, 2) {
					t.Errorf("%s (organised %v): covered by %s", c.name, organised, name)
				}
			}
		}
	}
}

// TestMeasureSensorNothing: a cloud of NaNs or nothing measures nothing.
func TestMeasureSensorNothing(t *testing.T) {
	if g := lidarseg.MeasureSensor(lidarseg.Cloud{}, 1, 0); g != (lidarseg.SensorGeometry{}) {
		t.Errorf("empty cloud: %+v", g)
	}
	nan := float32(0)
	nan /= nan
	c := lidarseg.Cloud{X: []float32{nan, nan}, Y: []float32{0, 0}, Z: []float32{0, 0}}
	if g := lidarseg.MeasureSensor(c, 1, 2); g != (lidarseg.SensorGeometry{}) {
		t.Errorf("NaN cloud: %+v", g)
	}
}

// TestNativeProjection: a native model's range image has a row per beam
// and a column per azimuth step, a fullest ring a few returns short of a
// standard count taking that count, both rounded up to the network's
// multiples; what the sweep leaves unknown comes from the base.
func TestNativeProjection(t *testing.T) {
	base := lidarseg.ProjectionConfig{Height: 64, Width: 2048, FovUpDeg: 3, FovDownDeg: -25, UseRing: true, HorizontalFovDeg: 90}
	for _, c := range []struct {
		g            lidarseg.SensorGeometry
		h, w         int
		up, down     float64
		ringTopFirst bool
	}{
		{lidarseg.SensorGeometry{Beams: 64, Columns: 2045, FovUpDeg: 2.1, FovDownDeg: -25, RingTopFirst: false}, 64, 2048, 2.1, -25, false},
		{lidarseg.SensorGeometry{Beams: 16, Columns: 1020, FovUpDeg: 15.1, FovDownDeg: -15.1, RingTopFirst: true}, 16, 1024, 15.1, -15.1, true},
		{lidarseg.SensorGeometry{Beams: 30, Columns: 1900, FovUpDeg: 10, FovDownDeg: -20}, 32, 1904, 10, -20, false},
		{lidarseg.SensorGeometry{}, 64, 2048, 3, -25, false},
	} {
		pc := lidarseg.NativeProjection(base, c.g, 4, 16)
		if pc.Height != c.h || pc.Width != c.w || pc.FovUpDeg != c.up || pc.FovDownDeg != c.down || pc.RingTopFirst != c.ringTopFirst || !pc.UseRing || pc.HorizontalFovDeg != 0 {
			t.Errorf("%v: %d×%d, %+g/%+g°, ring top first %v, ring rows %v, horizontal %g; want %d×%d, %+g/%+g°, %v, full sweep",
				c.g, pc.Height, pc.Width, pc.FovUpDeg, pc.FovDownDeg, pc.RingTopFirst, pc.UseRing, pc.HorizontalFovDeg, c.h, c.w, c.up, c.down, c.ringTopFirst)
		}
	}
}
