package metrics

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/nuscenes_submission.json")

// submissionExample is the predictions of testdata/nuscenes_submission.json:
// three frames (one empty), every class, yaws all round including ±π,
// negative coordinates and velocities.
func submissionExample() []SubmissionFrame {
	rng := rand.New(rand.NewPCG(4, 4))
	classes := NuScenesClasses()
	var frames []SubmissionFrame
	for f, n := range []int{7, 0, 5} {
		fr := SubmissionFrame{Token: StampToken(1_700_000_000_000_000_000 + int64(f)*100_000_000), Boxes: []Box{}}
		for i := range n {
			b := Box{X: rng.Float64()*100 - 50, Y: rng.Float64()*100 - 50, Z: rng.Float64()*2 - 1,
				L: 0.3 + rng.Float64()*10, W: 0.3 + rng.Float64()*3, H: 0.5 + rng.Float64()*3,
				Yaw: rng.Float64()*2*math.Pi - math.Pi, VX: rng.NormFloat64() * 5, VY: rng.NormFloat64() * 5,
				Score: rng.Float64(), Class: (f*7 + i) % len(classes)}
			fr.Boxes = append(fr.Boxes, b)
		}
		frames = append(frames, fr)
	}
	frames[0].Boxes[0].Yaw = math.Pi
	frames[0].Boxes[1].Yaw = -math.Pi / 2
	frames[2].Boxes[0].VX, frames[2].Boxes[0].VY = 0, 0
	return frames
}

var exampleMeta = SubmissionMeta{UseCamera: true, UseLidar: true}

// sameYaw compares headings modulo 2π (a turn by π and by −π are one
// quaternion up to sign).
func sameYaw(a, b float64) bool { return YawDiff(a, b, 2*math.Pi) <= 1e-12 }

func TestSubmissionRoundTrip(t *testing.T) {
	classes := NuScenesClasses()
	frames := submissionExample()
	var buf bytes.Buffer
	if err := WriteSubmission(&buf, exampleMeta, classes, frames); err != nil {
		t.Fatal(err)
	}
	meta, got, err := ReadSubmission(&buf, classes)
	if err != nil {
		t.Fatal(err)
	}
	if meta != exampleMeta || len(got) != len(frames) {
		t.Fatalf("meta %+v, %d frames; want %+v, %d", meta, len(got), exampleMeta, len(frames))
	}
	for f := range frames {
		if got[f].Token != frames[f].Token || len(got[f].Boxes) != len(frames[f].Boxes) {
			t.Fatalf("frame %d: %s with %d boxes, want %s with %d", f, got[f].Token, len(got[f].Boxes), frames[f].Token, len(frames[f].Boxes))
		}
		for i, w := range frames[f].Boxes {
			g := got[f].Boxes[i]
			gy, wy := g.Yaw, w.Yaw
			g.Yaw, w.Yaw = 0, 0
			if g != w || !sameYaw(gy, wy) {
				t.Errorf("frame %d box %d: read %+v yaw %g, wrote %+v yaw %g", f, i, g, gy, w, wy)
			}
		}
	}
}

func TestSubmissionErrors(t *testing.T) {
	classes := NuScenesClasses()
	ok := Box{L: 1, W: 1, H: 1, Score: 0.5}
	nan := ok
	nan.VX = math.NaN()
	for name, c := range map[string]struct {
		classes []ClassConfig
		frames  []SubmissionFrame
	}{
		"unknown name":   {[]ClassConfig{{Name: "person"}}, []SubmissionFrame{{Token: "a", Boxes: []Box{ok}}}},
		"class index":    {classes, []SubmissionFrame{{Token: "a", Boxes: []Box{{Class: 10}}}}},
		"NaN velocity":   {classes, []SubmissionFrame{{Token: "a", Boxes: []Box{nan}}}},
		"repeated token": {classes, []SubmissionFrame{{Token: "a"}, {Token: "a"}}},
		"empty token":    {classes, []SubmissionFrame{{}}},
		"too many boxes": {classes, []SubmissionFrame{{Token: "a", Boxes: make([]Box, MaxSubmissionBoxes+1)}}},
	} {
		var buf bytes.Buffer
		if err := WriteSubmission(&buf, SubmissionMeta{}, c.classes, c.frames); !errors.Is(err, ErrSubmission) || buf.Len() != 0 {
			t.Errorf("%s: %v, %d bytes written; want ErrSubmission and nothing", name, err, buf.Len())
		}
	}
	if _, _, err := ReadSubmission(strings.NewReader(`{"results": {}}`), classes); !errors.Is(err, ErrSubmission) {
		t.Errorf("no meta: %v", err)
	}
}

// TestSubmissionFile keeps testdata/nuscenes_submission.json what
// WriteSubmission writes for submissionExample (go test -run
// SubmissionFile -update rewrites it; then rerun gen_nuscenes_golden.py so
// the devkit reads the new file).
func TestSubmissionFile(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSubmission(&buf, exampleMeta, NuScenesClasses(), submissionExample()); err != nil {
		t.Fatal(err)
	}
	const path = "testdata/nuscenes_submission.json"
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s differs from what WriteSubmission writes now (rerun with -update, then the golden generator)", path)
	}
}

// TestSubmissionDevkitParse compares what the nuScenes devkit's
// load_prediction parsed from testdata/nuscenes_submission.json (recorded by
// gen_nuscenes_golden.py) with the boxes written.
func TestSubmissionDevkitParse(t *testing.T) {
	g := loadGolden(t)
	if g.Submission == nil {
		t.Fatal("golden has no devkit parse of the submission; run gen_nuscenes_golden.py")
	}
	var sub struct {
		Meta    SubmissionMeta
		Results map[string][]struct {
			Translation    [3]float64
			Size           [3]float64
			Rotation       [4]float64
			Yaw            float64
			Velocity       [2]float64
			DetectionName  string  `json:"detection_name"`
			DetectionScore float64 `json:"detection_score"`
			AttributeName  *string `json:"attribute_name"`
		}
	}
	if err := json.Unmarshal(g.Submission, &sub); err != nil {
		t.Fatal(err)
	}
	if sub.Meta != exampleMeta {
		t.Errorf("devkit meta %+v, want %+v", sub.Meta, exampleMeta)
	}
	classes := NuScenesClasses()
	frames := submissionExample()
	if len(sub.Results) != len(frames) {
		t.Fatalf("devkit parsed %d samples, wrote %d", len(sub.Results), len(frames))
	}
	for _, f := range frames {
		got, ok := sub.Results[f.Token]
		if !ok || len(got) != len(f.Boxes) {
			t.Fatalf("sample %s: devkit parsed %d boxes (present %v), wrote %d", f.Token, len(got), ok, len(f.Boxes))
		}
		for i, b := range f.Boxes {
			d := got[i]
			q := d.Rotation
			if d.Translation != [3]float64{b.X, b.Y, b.Z} || d.Size != [3]float64{b.W, b.L, b.H} ||
				d.Velocity != [2]float64{b.VX, b.VY} || d.DetectionScore != b.Score ||
				d.DetectionName != classes[b.Class].Name || d.AttributeName == nil || *d.AttributeName != "" ||
				q[1] != 0 || q[2] != 0 || !sameYaw(d.Yaw, b.Yaw) {
				t.Errorf("sample %s box %d: devkit parsed %+v, wrote %+v", f.Token, i, d, b)
			}
		}
	}
}
