package lidarsegnode

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/sim"
)

const sensorCard = `name: tiny-rangenet
version: 0.1.0
task: lidar-segmentation
family: rangenet
inputs:
  - {name: range_image, shape: [1, 5, 16, 128], type: float32}
outputs:
  - {name: logits, shape: [1, 20, 16, 128], type: float32}
parameters: {fov_up_deg: 3, fov_down_deg: -25, sensors: [hdl64e]}
`

// simCloud is one simulated sweep of preset as the driver publishes it.
func simCloud(t *testing.T, preset sim.LidarPreset, columns int, stamp int64) *node.Msg {
	t.Helper()
	sw, _ := simSweep(t, preset, columns)
	cloud, _ := simdrive.SweepCloud(sw, std_msgs.Header{Stamp: node.TimeFromNS(stamp), FrameID: "lidar_top"}, 0)
	return msgOf(cloud)
}

// simSweep simulates one sweep of preset in the world of seed 301.
func simSweep(t *testing.T, preset sim.LidarPreset, columns int) (*sim.Sweep, *sim.Lidar) {
	t.Helper()
	w, err := sim.NewWorld(sim.WorldConfig{Seed: 301})
	if err != nil {
		t.Fatal(err)
	}
	rig, err := sim.DefaultRig(sim.RigConfig{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := sim.NewLidar(sim.LidarConfig{Preset: preset, Columns: columns})
	if err != nil {
		t.Fatal(err)
	}
	sw := w.LidarSweep(l, rig.LidarMount, 1)
	return &sw, l
}

// TestSensorCoverage: a model card's sensors say which lidars it was
// trained on; clouds from one of them are "covered", clouds from another
// lidar (here the simulator's 32-beam one, or the 64-beam at half the
// columns) get a fact saying so with both geometries and one warning.
func TestSensorCoverage(t *testing.T) {
	needORT(t)
	for _, c := range []struct {
		name    string
		preset  sim.LidarPreset
		columns int
		want    string
	}{
		{"HDL-64E 2048", sim.PresetHDL64E, 2048, "covered by hdl64e: 64 beams, 204"}, // 2046 columns: its fullest ring misses two returns
		{"HDL-64E 1024", sim.PresetHDL64E, 1024, "outside the model's sensors: 64 beams, 1024 columns"},
		{"HDL-32E 1024", sim.PresetHDL32E, 1024, "outside the model's sensors: 32 beams, 1024 columns"},
	} {
		var logs bytes.Buffer
		env := envWith(map[string]any{"model.path": tinyRangeNet(t, 16, 128, sensorCard)})
		env.Log = slog.New(slog.NewTextHandler(&logs, nil))
		n, err := New(env)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := n.Handle(simCloud(t, c.preset, c.columns, int64(i+1)*1e8), &discard{}); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		n.Close()
		fact := env.Stats.Snapshot().Facts[FactSensor]
		if !strings.HasPrefix(fact, c.want) {
			t.Errorf("%s: sensor fact %q, want it to start %q", c.name, fact, c.want)
		}
		outside := strings.HasPrefix(c.want, "outside")
		if outside && !strings.Contains(fact, "hdl64e (64 beams, 2048 columns, +3° to -25°)") {
			t.Errorf("%s: sensor fact %q does not name the card's sensor", c.name, fact)
		}
		warnings := strings.Count(logs.String(), "a lidar the model was not trained on")
		if (outside && warnings != 1) || (!outside && warnings != 0) {
			t.Errorf("%s: %d warnings over 3 clouds, want %d:\n%s", c.name, warnings, map[bool]int{true: 1}[outside], logs.String())
		}
	}
}

// TestSensorCardErrors: a card's sensors must name known presets.
func TestSensorCardErrors(t *testing.T) {
	needORT(t)
	for _, bad := range []string{"[velodyne]", "hdl64e", "[]"} {
		card := strings.Replace(sensorCard, "sensors: [hdl64e]", "sensors: "+bad, 1)
		_, err := New(envWith(map[string]any{"model.path": tinyRangeNet(t, 16, 128, card)}))
		if err == nil || !strings.Contains(err.Error(), "sensors") {
			t.Errorf("card sensors %s: error %v, want one naming sensors", bad, err)
		}
	}
}
