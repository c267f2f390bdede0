package head

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

func TestNMSRotated(t *testing.T) {
	n, err := NewNMS(NMSConfig{IoUThreshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	boxes := []Box{
		{X: 0.3, L: 4, W: 2, Score: 0.6, Class: 0},         // overlaps the best car: suppressed
		{X: 0, L: 4, W: 2, Score: 0.9, Class: 0},           // best car
		{X: 0, L: 4, W: 2, Score: 0.8, Class: 1},           // other class: kept
		{X: 10, L: 4, W: 2, Score: 0.7, Class: 0},          // far: kept
		{X: 3.5, L: 4, W: 2, Yaw: math.Pi / 2, Score: 0.5}, // touches the best car with IoU 1/15: kept
	}
	got := n.Apply(boxes)
	scores := []float64{}
	for _, b := range got {
		scores = append(scores, b.Score)
	}
	if !slices.Equal(scores, []float64{0.9, 0.8, 0.7, 0.5}) {
		t.Fatalf("kept scores %v, want [0.9 0.8 0.7 0.5]", scores)
	}
	agn, _ := NewNMS(NMSConfig{IoUThreshold: 0.2, ClassAgnostic: true, PostMax: 2})
	got = agn.Apply([]Box{{L: 4, W: 2, Score: 0.9}, {L: 4, W: 2, Score: 0.8, Class: 1}, {X: 9, L: 1, W: 1, Score: 0.1, Class: 2}, {X: 20, L: 1, W: 1, Score: 0.05}})
	if len(got) != 2 || got[0].Score != 0.9 || got[1].Score != 0.1 {
		t.Fatalf("class-agnostic with PostMax 2: %+v", got)
	}
}

// TestScaleNMS checks BEVDet's point: two pedestrian detections 0.5 m apart
// do not overlap at their true 0.6 m size, so plain NMS keeps both; scaled by
// 4.5 they overlap and the duplicate goes, while cars keep their scale 1.
func TestScaleNMS(t *testing.T) {
	peds := func() []Box {
		return []Box{{X: 0, L: 0.6, W: 0.6, Score: 0.9, Class: 1}, {X: 0.7, L: 0.6, W: 0.6, Score: 0.8, Class: 1},
			{X: 10, L: 4, W: 2, Score: 0.7}, {X: 15, L: 4, W: 2, Score: 0.6}}
	}
	plain, _ := NewNMS(NMSConfig{IoUThreshold: 0.2})
	if got := plain.Apply(peds()); len(got) != 4 {
		t.Fatalf("plain NMS kept %d, want 4", len(got))
	}
	scaled, _ := NewNMS(NMSConfig{IoUThreshold: 0.2, Scale: []float64{1, 4.5}})
	got := scaled.Apply(peds())
	if len(got) != 3 || got[0].Score != 0.9 || got[1].Score != 0.7 || got[2].Score != 0.6 {
		t.Fatalf("Scale-NMS kept %+v, want the 0.9 pedestrian and both cars", got)
	}
	if got[0].L != 0.6 {
		t.Fatalf("Scale-NMS changed the output size to %g", got[0].L)
	}
}

// TestCircleNMS checks CenterPoint's semantics: min_radius is compared with
// the squared centre distance (4 → 2 m, boundary included), per group.
func TestCircleNMS(t *testing.T) {
	n, err := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: []float64{4, 0.175}})
	if err != nil {
		t.Fatal(err)
	}
	got := n.Apply([]Box{{Score: 0.9}, {X: 1.9, Score: 0.85}, {Y: 2, Score: 0.8}, {X: 2.1, Score: 0.7}, {X: 3.9, Score: 0.65},
		{Y: 0.2, Score: 0.6, Class: 1}, {Y: 0.6, Score: 0.5, Class: 1}, {Y: 0.3, Score: 0.4, Class: 1}})
	var s []float64
	for _, b := range got {
		s = append(s, b.Score)
	}
	// 1.9 m and exactly 2 m go; 2.1 m stays, and 3.9 m (within 2 m of it)
	// goes; class 1 at 0.4 m (0.16 m² ≤ 0.175) goes, 0.1 m goes.
	if !slices.Equal(s, []float64{0.9, 0.7, 0.6}) {
		t.Fatalf("kept %v, want [0.9 0.7 0.6]", s)
	}
	if _, err := NewNMS(NMSConfig{Kind: CircleNMS}); err == nil {
		t.Fatal("circle NMS without a min_radius accepted")
	}
	if _, err := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: []float64{4, 1}, Group: []int{0, 2}}); err == nil {
		t.Fatal("a group without a min_radius accepted")
	}
	perClass, _ := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: []float64{4, 12, 10, 1, 0.85, 0.175}})
	var ce *configerr.Error
	if err := perClass.CheckClasses(10); !errors.As(err, &ce) || ce.Param != "head.NMSConfig.MinRadius" ||
		ce.Reason != "class 6 (group 6) has no min_radius: 6 given, one per group (CenterPoint task)" {
		t.Fatalf("six per-task radii for ten classes without a task map: %v", err)
	}
	tasks, _ := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: []float64{4, 12, 10, 1, 0.85, 0.175}, Group: []int{0, 1, 1, 2, 2, 3, 4, 4, 5, 5}})
	if err := tasks.CheckClasses(10); err != nil {
		t.Fatal(err)
	}
}

// circleGolden is testdata/circle_nms_golden.json, written by
// gen_circle_nms_golden.py with CenterPoint's own circle_nms.
type circleGolden struct {
	Config struct {
		Tasks          [][]string `json:"tasks"`
		Classes        []string   `json:"classes"`
		MinRadius      []float64  `json:"min_radius"`
		NMSPostMaxSize int        `json:"nms_post_max_size"`
		CircularNMS    bool       `json:"circular_nms"`
	} `json:"config"`
	Cases []struct {
		Name        string       `json:"name"`
		Dets        [][3]float64 `json:"dets"`
		Thresh      float64      `json:"thresh"`
		PostMaxSize int          `json:"post_max_size"`
		Keep        []int        `json:"keep"`
	} `json:"cases"`
	MultiTask []struct {
		Name        string       `json:"name"`
		Dets        [][3]float64 `json:"dets"`
		Labels      []int        `json:"labels"`
		PostMaxSize int          `json:"post_max_size"`
		KeepPerTask [][]int      `json:"keep_per_task"`
	} `json:"multi_task"`
}

func loadCircleGolden(t *testing.T) *circleGolden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "circle_nms_golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g circleGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("circle_nms_golden.json: %v", err)
	}
	if len(g.Cases) == 0 || len(g.MultiTask) == 0 || len(g.Config.MinRadius) != len(g.Config.Tasks) {
		t.Fatalf("circle_nms_golden.json: %d cases, %d multi-task cases, %d min_radius for %d tasks",
			len(g.Cases), len(g.MultiTask), len(g.Config.MinRadius), len(g.Config.Tasks))
	}
	return &g
}

// goldenBoxes turns [x, y, score] rows into boxes that carry their row
// index in Z (which NMS ignores), so kept boxes name their input.
func goldenBoxes(dets [][3]float64, labels []int) []Box {
	boxes := make([]Box, len(dets))
	for i, d := range dets {
		boxes[i] = Box{X: d[0], Y: d[1], Z: float64(i), L: 1, W: 1, Score: d[2]}
		if labels != nil {
			boxes[i].Class = labels[i]
		}
	}
	return boxes
}

// TestCircleNMSGolden compares the kept boxes, in order, with CenterPoint's
// circle_nms followed by [:post_max_size], one task at a time.
func TestCircleNMSGolden(t *testing.T) {
	g := loadCircleGolden(t)
	for _, c := range g.Cases {
		n, err := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: []float64{c.Thresh}, PostMax: c.PostMaxSize})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got := []int{}
		for _, b := range n.Apply(goldenBoxes(c.Dets, nil)) {
			got = append(got, int(b.Z))
		}
		if !slices.Equal(got, c.Keep) {
			t.Errorf("%s: kept %v, CenterPoint kept %v", c.Name, got, c.Keep)
		}
	}
}

// TestCircleNMSGoldenTasks runs CenterPoint's nuScenes configuration as the
// golden records it (tasks, min_radius per task, nms_post_max_size per task)
// over boxes of all ten classes, with the class→task map as Group.
func TestCircleNMSGoldenTasks(t *testing.T) {
	g := loadCircleGolden(t)
	if !g.Config.CircularNMS {
		t.Fatal("the reference config does not use circular NMS")
	}
	var group []int
	for ti, task := range g.Config.Tasks {
		for range task {
			group = append(group, ti)
		}
	}
	for _, c := range g.MultiTask {
		n, err := NewNMS(NMSConfig{Kind: CircleNMS, MinRadius: g.Config.MinRadius, Group: group, GroupPostMax: c.PostMaxSize})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if err := n.CheckClasses(len(group)); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		perTask := make([][]int, len(g.Config.Tasks))
		for i := range perTask {
			perTask[i] = []int{}
		}
		for _, b := range n.Apply(goldenBoxes(c.Dets, c.Labels)) {
			perTask[group[b.Class]] = append(perTask[group[b.Class]], int(b.Z))
		}
		for ti := range perTask {
			if !slices.Equal(perTask[ti], c.KeepPerTask[ti]) {
				t.Errorf("%s task %v: kept %v, CenterPoint kept %v", c.Name, g.Config.Tasks[ti], perTask[ti], c.KeepPerTask[ti])
			}
		}
	}
}

// bruteNMS is the twin: greedy suppression with BEVIoU on scaled copies and
// no bounding-box rejection.
func bruteNMS(boxes []Box, thr float64, scale []float64) []Box {
	s := slices.Clone(boxes)
	slices.SortStableFunc(s, func(a, b Box) int {
		if a.Score > b.Score {
			return -1
		}
		if a.Score < b.Score {
			return 1
		}
		return 0
	})
	var keep []Box
	for _, b := range s {
		ok := true
		for _, k := range keep {
			if k.Class != b.Class {
				continue
			}
			bs, ks := b, k
			f := 1.0
			if b.Class < len(scale) {
				f = scale[b.Class]
			}
			bs.L, bs.W, ks.L, ks.W = b.L*f, b.W*f, k.L*f, k.W*f
			if BEVIoU(bs, ks) > thr {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, b)
		}
	}
	return keep
}

func TestNMSAgainstBrute(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	scale := []float64{1, 2.5, 0.7}
	n, _ := NewNMS(NMSConfig{IoUThreshold: 0.1, Scale: scale})
	for trial := range 20 {
		boxes := randomBoxes(rng, 80, 15)
		want := bruteNMS(boxes, 0.1, scale)
		got := n.Apply(slices.Clone(boxes))
		if len(got) != len(want) {
			t.Fatalf("trial %d: kept %d, brute kept %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d box %d: %+v vs brute %+v", trial, i, got[i], want[i])
			}
		}
	}
}

// TestNMSPostMaxEarlyExit checks that stopping at PostMax kept boxes gives
// the first PostMax boxes of the full suppression.
func TestNMSPostMaxEarlyExit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	boxes := randomBoxes(rng, 200, 30)
	full, _ := NewNMS(NMSConfig{IoUThreshold: 0.1})
	capped, _ := NewNMS(NMSConfig{IoUThreshold: 0.1, PostMax: 25})
	want := full.Apply(slices.Clone(boxes))
	got := capped.Apply(slices.Clone(boxes))
	if len(want) < 25 || !slices.Equal(got, want[:25]) {
		t.Fatalf("capped NMS kept %d boxes, not the first 25 of %d", len(got), len(want))
	}
}

func randomBoxes(rng *rand.Rand, n int, extent float64) []Box {
	out := make([]Box, n)
	for i := range out {
		out[i] = Box{X: rng.Float64() * extent, Y: rng.Float64() * extent, L: 0.5 + 4*rng.Float64(), W: 0.5 + 2*rng.Float64(),
			Yaw: rng.Float64() * 2 * math.Pi, Score: rng.Float64(), Class: rng.IntN(3)}
	}
	return out
}
