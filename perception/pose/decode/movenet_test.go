package decode

import (
	"errors"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/perception/pose"
)

func TestMoveNetNames(t *testing.T) {
	for spelling, want := range map[string]string{
		"movenet_multipose": "movenet-multipose", "MultiPose": "movenet-multipose", "movenet": "movenet",
		"movenet-thunder": "movenet", "movenet_topdown": "movenet-topdown",
	} {
		d, err := New(spelling, Config{InputWidth: 256, InputHeight: 256})
		if err != nil || d.Name() != want {
			t.Fatalf("New(%q): %v, %v; want %s", spelling, d, err, want)
		}
	}
	// Normalised outputs mean nothing without the input size.
	var ce *configerr.Error
	for _, n := range []string{"movenet-multipose", "movenet", "movenet-topdown"} {
		if _, err := New(n, Config{InputWidth: 192}); !errors.As(err, &ce) || ce.Param != "decode.Config.InputHeight" || ce.Reason != n+" needs the model input size" {
			t.Fatalf("%s without the input height: %v", n, err)
		}
	}
}

// multiRow writes one MultiPose person: keypoint j at (x0+3j, y0+2j)
// pixels of a w×h input with score 0.1+0.05j, its box and score.
func multiRow(row []float32, x0, y0, w, h, score float32) {
	for j := range pose.NumKeypoints {
		row[3*j] = (y0 + 2*float32(j)) / h
		row[3*j+1] = (x0 + 3*float32(j)) / w
		row[3*j+2] = 0.1 + 0.05*float32(j)
	}
	k := 3 * pose.NumKeypoints
	row[k], row[k+1], row[k+2], row[k+3], row[k+4] = y0/h, x0/w, (y0+40)/h, (x0+60)/w, score
}

func TestMoveNetMultiPose(t *testing.T) {
	const w, h, c = 320, 256, 56
	data := make([]float32, 6*c)
	scores := []float32{0.3, 0.9, 0.05, 0.6, 0.2, 0.9}
	for i, s := range scores {
		multiRow(data[i*c:], 10*float32(i), 5*float32(i), w, h, s)
	}
	d, err := New("movenet-multipose", Config{InputWidth: w, InputHeight: h, ScoreThreshold: 0.25, KeypointThreshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Decode([]Tensor{{Name: "output_0", Shape: []int{1, 6, c}, Data: data}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Scores ≥ 0.25 by descending score, ties by row: rows 1, 5, 3, 0.
	order := []int{1, 5, 3, 0}
	if len(got) != len(order) {
		t.Fatalf("%d people, want %d", len(got), len(order))
	}
	for n, i := range order {
		p := got[n]
		x0, y0 := 10*float32(i), 5*float32(i)
		if p.Score != scores[i] {
			t.Errorf("person %d: score %v, want row %d's %v", n, p.Score, i, scores[i])
		}
		wantBox := [4]float32{x0, y0, x0 + 60, y0 + 40}
		for a := range 4 {
			if math.Abs(float64(p.Box[a]-wantBox[a])) > 1e-4 {
				t.Errorf("person %d box %v, want %v", n, p.Box, wantBox)
				break
			}
		}
		for j, kp := range p.Keypoints {
			wx, wy := x0+3*float32(j), y0+2*float32(j)
			vis := uint8(pose.Occluded)
			if kp.Score >= 0.5 {
				vis = pose.Visible
			}
			if math.Abs(float64(kp.X-wx)) > 1e-4 || math.Abs(float64(kp.Y-wy)) > 1e-4 || kp.Visibility != vis {
				t.Errorf("person %d keypoint %d = %+v, want (%v, %v) visibility %d", n, j, kp, wx, wy, vis)
			}
		}
	}
	d2, _ := New("movenet-multipose", Config{InputWidth: w, InputHeight: h, MaxPeople: 2})
	if got, _ := d2.Decode([]Tensor{{Shape: []int{1, 6, c}, Data: data}}, got); len(got) != 2 || got[0].Score != 0.9 || got[1].Score != 0.9 {
		t.Fatalf("MaxPeople 2: %d people", len(got))
	}
	for _, shape := range [][]int{{1, 6, 55}, {2, 3, 56}, {1, 6, 56, 1}} {
		if _, err := d.Decode([]Tensor{{Shape: shape, Data: make([]float32, 6*56)}}, nil); !errors.Is(err, ErrShape) {
			t.Errorf("shape %v: %v", shape, err)
		}
	}
}

func TestMoveNetSinglePose(t *testing.T) {
	const w, h = 192, 192
	// Two batch items (two crops); item 1 has every keypoint below the
	// threshold, so its box spans all of them.
	data := make([]float32, 2*pose.NumKeypoints*3)
	for i := range 2 {
		for j := range pose.NumKeypoints {
			v := data[(i*pose.NumKeypoints+j)*3:]
			v[0], v[1] = float32(20+5*j)/h, float32(30+2*j+i)/w
			v[2] = 0.9 - 0.8*float32(i)
			if i == 0 && j == 16 {
				v[2] = 0.1 // the right ankle is uncertain: outside the box
			}
		}
	}
	d, err := New("movenet", Config{InputWidth: w, InputHeight: h})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Decode([]Tensor{{Name: "output_0", Shape: []int{2, 1, 17, 3}, Data: data}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d people for 2 batch items", len(got))
	}
	for i, p := range got {
		for j, kp := range p.Keypoints {
			if math.Abs(float64(kp.X-float32(30+2*j+i))) > 1e-4 || math.Abs(float64(kp.Y-float32(20+5*j))) > 1e-4 {
				t.Errorf("item %d keypoint %d at (%v, %v)", i, j, kp.X, kp.Y)
			}
		}
	}
	if b := got[0].Box; math.Abs(float64(b[0]-30)) > 1e-4 || math.Abs(float64(b[3]-(20+5*15))) > 1e-4 || math.Abs(float64(b[2]-(30+2*15))) > 1e-4 {
		t.Errorf("item 0 box %v, want the 16 confident keypoints' extent", b)
	}
	if b := got[1].Box; math.Abs(float64(b[3]-(20+5*16))) > 1e-4 {
		t.Errorf("item 1 box %v, want all keypoints' extent", b)
	}
	want0 := (16*0.9 + 0.1) / 17
	if math.Abs(float64(got[0].Score)-want0) > 1e-6 || got[0].Keypoints[16].Visibility != pose.Occluded || got[0].Keypoints[0].Visibility != pose.Visible {
		t.Errorf("item 0 score %v (want %v), visibilities %d %d", got[0].Score, want0, got[0].Keypoints[0].Visibility, got[0].Keypoints[16].Visibility)
	}
	for _, shape := range [][]int{{1, 17, 3}, {1, 2, 17, 3}, {1, 1, 16, 3}, {1, 1, 17, 2}} {
		if _, err := d.Decode([]Tensor{{Shape: shape, Data: make([]float32, 2*17*3)}}, nil); !errors.Is(err, ErrShape) {
			t.Errorf("shape %v: %v", shape, err)
		}
	}
}
