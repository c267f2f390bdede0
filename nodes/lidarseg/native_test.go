package lidarsegnode

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/internal/sim"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

// nativeCard is a model of any lidar: rows H and columns W dynamic,
// rows from rings, as tools/train/lidarseg.py writes for native sets.
const nativeCard = `name: tiny-native
version: 0.1.0
task: lidar-segmentation
family: rangenet
inputs:
  - {name: range_image, shape: [1, 5, H, W], type: float32}
outputs:
  - {name: logits, shape: [1, 20, H, W], type: float32}
normalisation: {mean: [12.12, 10.88, 0.23, -1.04, 0.21], std: [12.32, 11.47, 6.91, 0.86, 0.16]}
parameters: {intensity_scale: 0.00392156862745098, use_ring: true, native: true, softmax: false,
  row_multiple: 4, column_multiple: 16, sensors: [hdl64e, hdl32e-1024, vlp16, os1-128]}
`

// TestNativeModelFitsEachLidar: a model of any lidar is sized by the node
// to each lidar's rings and columns on the first sweep, whichever way the
// driver numbers the rings, and its input tensor is exactly the training
// set's (`simulate --dataset lidarseg --preset native`, normalised by the
// card) for the same sweep.
func TestNativeModelFitsEachLidar(t *testing.T) {
	needORT(t)
	model := tinyRangeNet(t, "H", "W", nativeCard)
	for _, c := range []struct {
		name     string
		preset   sim.LidarPreset
		columns  int
		bottomUp bool // Velodyne's ring numbering
		want     string
	}{
		{"HDL-64E 2048", sim.PresetHDL64E, 2048, true, "64×2048"},
		{"HDL-32E 1024", sim.PresetHDL32E, 1024, true, "32×1024"},
		{"VLP-16 1024", sim.PresetVLP16, 1024, true, "16×1024"},
		{"OS1-128 1024", sim.PresetOS1128, 1024, false, "128×1024"},
		{"VLP-16 2048 top-first", sim.PresetVLP16, 2048, false, "16×2048"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sw, l := simSweep(t, c.preset, c.columns)
			rings := 0
			if c.bottomUp {
				rings = l.Rings()
			}
			cloud, _ := simdrive.SweepCloud(sw, std_msgs.Header{Stamp: node.TimeFromNS(1e8), FrameID: "lidar_top"}, rings)

			env := envWith(map[string]any{"model.path": model})
			n, err := New(env)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			if err := n.Handle(msgOf(cloud), &discard{}); err != nil {
				t.Fatal(err)
			}
			facts := env.Stats.Snapshot().Facts
			if !strings.HasPrefix(facts["projection"], c.want+",") || !strings.Contains(facts["projection"], "rows from rings") {
				t.Errorf("projection fact %q, want %s from rings", facts["projection"], c.want)
			}
			// The card lists VLP-16 at 1024 columns only: the node still
			// fits the model to 2048 but says the lidar is outside.
			covered := c.columns == 1024 || c.preset == sim.PresetHDL64E
			if got := strings.HasPrefix(facts[FactSensor], "covered by"); got != covered {
				t.Errorf("sensor fact %q, want covered %v", facts[FactSensor], covered)
			}

			// The training set's tensor of the same sweep.
			pc := simdrive.NativeProjection(l, c.columns)
			pc.Means, pc.Stds, pc.IntensityScale = [5]float32{}, [5]float32{1, 1, 1, 1, 1}, 1.0/255
			proj, err := lidarseg.NewProjector(pc)
			if err != nil {
				t.Fatal(err)
			}
			var lc lidarseg.Cloud
			for _, p := range sw.Points {
				lc.X, lc.Y, lc.Z = append(lc.X, p.X), append(lc.Y, p.Y), append(lc.Z, p.Z)
				lc.Intensity, lc.Ring = append(lc.Intensity, p.Intensity), append(lc.Ring, p.Ring)
			}
			raw := make([]float32, proj.TensorLen())
			if _, err := proj.Project(lc, raw); err != nil {
				t.Fatal(err)
			}
			got := n.model.input()
			if len(got) != len(raw) {
				t.Fatalf("node tensor %d values, training's %d (%s)", len(got), len(raw), facts["projection"])
			}
			mean := [5]float64{12.12, 10.88, 0.23, -1.04, 0.21}
			std := [5]float64{12.32, 11.47, 6.91, 0.86, 0.16}
			hw := len(raw) / 5
			bad, filled := 0, 0
			for i := 0; i < hw; i++ {
				valid := raw[i] > 0
				if valid {
					filled++
				}
				for ch := range 5 {
					want := 0.0
					if valid {
						want = (float64(raw[ch*hw+i]) - mean[ch]) / std[ch]
					}
					if math.Abs(float64(got[ch*hw+i])-want) > 1e-4*(1+math.Abs(want)) {
						if bad < 3 {
							t.Errorf("pixel %d channel %d: node %g, training %g", i, ch, got[ch*hw+i], want)
						}
						bad++
					}
				}
			}
			if bad > 0 || filled < hw/2 {
				t.Errorf("%d of %d values differ; %d of %d pixels filled", bad, 5*hw, filled, hw)
			}
		})
	}
}

// TestNativeCardErrors: a card that makes only one of rows and columns
// dynamic, or gives a bad multiple, is refused naming what is wrong.
func TestNativeCardErrors(t *testing.T) {
	needORT(t)
	for _, c := range []struct {
		h, w any
		card string
		want string
	}{
		{"H", 2048, strings.ReplaceAll(nativeCard, "H, W]", "H, 2048]"), "names both its rows and its columns dynamic"},
		{"H", "W", strings.Replace(nativeCard, "row_multiple: 4", "row_multiple: 0", 1), "row_multiple 0"},
	} {
		_, err := New(envWith(map[string]any{"model.path": tinyRangeNet(t, c.h, c.w, c.card)}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", fmt.Sprint(c.h, c.w), err, c.want)
		}
	}
}

// TestNativeFamily: a card's members run instead of it on the lidars they
// cover — a model of any lidar by beam count, a fixed-size model by its
// card's sensors — and the card's own model on the rest, swapped each way
// when the lidar changes.
func TestNativeFamily(t *testing.T) {
	needORT(t)
	sparse := tinyRangeNet(t, "H", "W", strings.Replace(nativeCard, "name: tiny-native", "name: tiny-sparse", 1))
	fixed := tinyRangeNet(t, 64, 2048, strings.NewReplacer("name: tiny-native", "name: tiny-fixed", "H, W]", "64, 2048]",
		"native: true,", "fov_up_deg: 3.0, fov_down_deg: -25.0,", "use_ring: true", "use_ring: false", "hdl32e-1024, vlp16, os1-128", "").Replace(nativeCard))
	root := tinyRangeNet(t, "H", "W", withMembers("{model: "+fixed+"}, {model: "+sparse+", max_beams: 32}"))
	vlp, hdl, hdl1024 := lidarCloud(t, sim.PresetVLP16, 1024), lidarCloud(t, sim.PresetHDL64E, 2048), lidarCloud(t, sim.PresetHDL64E, 1024)
	env := envWith(map[string]any{"model.path": root})
	n, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for i, c := range []struct {
		msg              *node.Msg
		model, img, rows string
	}{
		{vlp, "tiny-sparse", "16×1024", "rings"},
		{hdl, "tiny-fixed", "64×2048", "pitch"},
		{hdl1024, "tiny-native", "64×1024", "rings"},
		{vlp, "tiny-sparse", "16×1024", "rings"},
		{hdl, "tiny-fixed", "64×2048", "pitch"},
	} {
		n.clouds = int64(i * sensorCheckEvery) // the next cloud is measured
		if err := n.Handle(c.msg, &discard{}); err != nil {
			t.Fatal(err)
		}
		facts := env.Stats.Snapshot().Facts
		if !strings.HasPrefix(facts["model"], c.model+" ") || !strings.HasPrefix(facts["projection"], c.img+",") ||
			!strings.Contains(facts["projection"], "rows from "+c.rows) {
			t.Errorf("cloud %d: model %q, projection %q; want %s at %s from %s", i, facts["model"], facts["projection"], c.model, c.img, c.rows)
		}
		var h, w int
		fmt.Sscanf(strings.Replace(c.img, "×", " ", 1), "%d %d", &h, &w)
		if got := len(n.model.input()); got != 5*h*w {
			t.Errorf("cloud %d: input tensor of %d values for %s", i, got, c.img)
		}
		// The root's input after a member is a fresh node's.
		if c.msg == hdl1024 {
			fresh, err := New(envWith(map[string]any{"model.path": root}))
			if err != nil {
				t.Fatal(err)
			}
			if err := fresh.Handle(c.msg, &discard{}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fresh.model.input(), n.model.input()) {
				t.Errorf("cloud %d: the root's input tensor after %s differs from a fresh node's", i, "tiny-fixed")
			}
			fresh.Close()
		}
		// The root's card lists no 64-beam lidar at 1024 columns.
		if got := strings.HasPrefix(facts[FactSensor], "covered by"); got != (c.msg != hdl1024) {
			t.Errorf("cloud %d: sensor fact %q", i, facts[FactSensor])
		}
	}
}

// withMembers is nativeCard with the members parameter entries.
func withMembers(entries string) string {
	return strings.Replace(nativeCard, "row_multiple: 4,", "row_multiple: 4, members: ["+entries+"],", 1)
}

// lidarCloud is the first sweep of held-out seed 301 by the preset lidar,
// rings numbered as Velodyne does.
func lidarCloud(t *testing.T, preset sim.LidarPreset, columns int) *node.Msg {
	sw, l := simSweep(t, preset, columns)
	c, _ := simdrive.SweepCloud(sw, std_msgs.Header{Stamp: node.TimeFromNS(1e8), FrameID: "lidar_top"}, l.Rings())
	return msgOf(c)
}

// TestNativeFamilyErrors: a members entry that is malformed, names a
// missing file, sits on a fixed-size card, is a fixed-size model chosen by
// beam count or has nothing to be chosen by is refused naming it; a member
// that cannot open when its lidar arrives is reported and the node keeps
// its model.
func TestNativeFamilyErrors(t *testing.T) {
	needORT(t)
	fixed := tinyRangeNet(t, 16, 256, "")
	sparse := tinyRangeNet(t, "H", "W", strings.Replace(nativeCard, "sensors: [hdl64e, hdl32e-1024, vlp16, os1-128]", "", 1))
	for _, c := range []struct {
		model string
		want  string
	}{
		{tinyRangeNet(t, "H", "W", withMembers("{max_beams: 0, model: x.onnx}")), "members[0]"},
		{tinyRangeNet(t, "H", "W", withMembers("{max_beams: 32}")), "members[0]"},
		{tinyRangeNet(t, "H", "W", withMembers("{max_beams: 32, model: missing.onnx}")), "missing"},
		{tinyRangeNet(t, 16, 256, strings.Replace(strings.ReplaceAll(withMembers("{max_beams: 32, model: "+sparse+"}"), "H, W]", "16, 256]"),
			"native: true,", "", 1)), "need a model of any lidar"},
		{tinyRangeNet(t, "H", "W", withMembers("{max_beams: 32, model: "+fixed+"}")), "chosen by beam count but is not a model of any lidar"},
		{tinyRangeNet(t, "H", "W", withMembers("{model: "+sparse+"}")), "lists no sensors"},
		{tinyRangeNet(t, "H", "W", withMembers("{model: "+tinyPaintedNet(t, 64, 2048)+"}")), "paints its input from cameras"},
	} {
		_, err := New(envWith(map[string]any{"model.path": c.model}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	env := envWith(map[string]any{"model.path": tinyRangeNet(t, "H", "W", withMembers("{max_beams: 32, model: "+sparse+"}"))})
	n, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := os.WriteFile(sparse, []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = n.Handle(lidarCloud(t, sim.PresetVLP16, 1024), &discard{})
	if err == nil || !strings.Contains(err.Error(), "tiny.onnx at 16×1024") {
		t.Errorf("member that does not open: error %v", err)
	}
	if !strings.HasPrefix(env.Stats.Snapshot().Facts["model"], "tiny-native ") {
		t.Errorf("model after the failed swap: %q", env.Stats.Snapshot().Facts["model"])
	}
}

// withClassBias is nativeCard with the card parameter class_bias.
func withClassBias(list string) string {
	return strings.Replace(nativeCard, "row_multiple: 4,", "row_multiple: 4, class_bias: "+list+",", 1)
}

// TestClassBias: the card's class_bias offsets each class's logits before
// the argmax, through the node: the tiny model labels a sweep road and
// building only, and an offset of +50 on person (beyond any of its
// logits) makes every point a person, while one of -0.5 on road moves
// only the points whose building logit is within 0.5 of road's. A list of
// the wrong length, a non-number and offsets on a softmax model are
// refused at load, naming the parameter. The CRF sees the offsets too.
func TestClassBias(t *testing.T) {
	needORT(t)
	cloud := lidarCloud(t, sim.PresetVLP16, 1024)
	labelsOf := func(card string, post ...string) []uint16 {
		t.Helper()
		pp := "none"
		if len(post) > 0 {
			pp = post[0]
		}
		n, err := New(envWith(map[string]any{"model.path": tinyRangeNet(t, "H", "W", card), "post_processing": pp}))
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if err := n.Handle(cloud, &discard{}); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(n.class)
	}
	zeros := "[" + strings.TrimSuffix(strings.Repeat("0, ", 20), ", ") + "]"
	offset := func(class int, v string) string {
		l := strings.Split(strings.Trim(zeros, "[]"), ", ")
		l[class] = v
		return "[" + strings.Join(l, ", ") + "]"
	}
	count := func(ls []uint16) map[uint16]int {
		m := map[uint16]int{}
		for _, l := range ls {
			m[l]++
		}
		return m
	}
	plain := labelsOf(nativeCard)
	pc := count(plain)
	seen := len(plain) - pc[0] // points with a pixel; the rest stay unlabelled
	if pc[9] == 0 || pc[13] == 0 || pc[9]+pc[13] != seen {
		t.Fatalf("the tiny model should label road and building only: %v", pc)
	}
	if got := labelsOf(withClassBias(zeros)); !slices.Equal(got, plain) {
		t.Error("zero offsets changed the labels")
	}
	if c := count(labelsOf(withClassBias(offset(6, "50")))); c[6] != seen {
		t.Errorf("person +50: labels %v, want all %d person", c, seen)
	}
	// The CRF reads the scores themselves: it must see them offset too.
	if c := count(labelsOf(withClassBias(offset(6, "50")), "crf")); c[6] != seen {
		t.Errorf("person +50 with the CRF: labels %v, want all %d person", c, seen)
	}
	road := labelsOf(withClassBias(offset(9, "-0.5")))
	rc := count(road)
	if rc[9] == 0 || rc[9] >= pc[9] || rc[9]+rc[13] != seen {
		t.Errorf("road -0.5: labels %v against %v: want fewer road points, the rest building", rc, pc)
	}
	for i := range road {
		if plain[i] == 13 && road[i] != 13 {
			t.Fatalf("point %d was building and became %d with a road offset", i, road[i])
		}
	}
	for _, c := range []struct{ card, want string }{
		{withClassBias("[0, 1]"), "want a list of 20 numbers"},
		{withClassBias(offset(3, "big")), "entry 3"},
		{strings.Replace(withClassBias(zeros), "softmax: false", "softmax: true", 1), "softmax inside"},
	} {
		_, err := New(envWith(map[string]any{"model.path": tinyRangeNet(t, "H", "W", c.card)}))
		if err == nil || !strings.Contains(err.Error(), "class_bias") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want class_bias and %q", err, c.want)
		}
	}
}
