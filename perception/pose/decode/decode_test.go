package decode

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/preprocess"
)

func TestNewNames(t *testing.T) {
	for spelling, want := range map[string]string{
		"heatmap": "heatmap", "DARK": "dark", "rtmpose": "simcc", "SimCC": "simcc", "yolov8_pose": "yolo-pose",
		"yolo-pose-e2e": "yolo-pose-e2e", "trt_pose": "openpose", "soft_argmax": "integral",
	} {
		d, err := New(spelling, Config{})
		if err != nil || d.Name() != want {
			t.Fatalf("New(%q): %v, %v; want %s", spelling, d, err, want)
		}
	}
	if _, err := New("centernet", Config{}); !errors.Is(err, ErrUnknownDecoder) {
		t.Fatalf("unknown: %v", err)
	}
	var ce *configerr.Error
	for _, c := range []struct {
		cfg    Config
		param  string
		value  any
		reason string
	}{
		{Config{BlurKernel: 4}, "decode.Config.BlurKernel", 4, "want odd 1..31"},
		{Config{SplitRatio: -1}, "decode.Config.SplitRatio", -1.0, "want > 0"},
		{Config{IoUThreshold: 2}, "decode.Config.IoUThreshold", float32(2), "want (0, 1]"},
		{Config{MaxPeople: -1}, "decode.Config.MaxPeople", -1, "want ≥ 1"},
		{Config{NumKeypoints: -2}, "decode.Config.NumKeypoints", -2, "want 1..1024"},
	} {
		if _, err := New("dark", c.cfg); !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) ||
			ce.Param != c.param || ce.Value != c.value || ce.Reason != c.reason {
			t.Fatalf("config %+v: %v, want %s = %v: %s", c.cfg, err, c.param, c.value, c.reason)
		}
	}
	if _, err := New("openpose", Config{PAF: PAFConfig{Topology: &Topology{Parts: []string{"a"}, Limbs: []PAFLimb{{A: 0, B: 3}}}}}); !errors.As(err, &ce) ||
		ce.Param != "decode.Config.PAF.Topology" || !strings.HasSuffix(ce.Reason, "out of range") {
		t.Fatalf("bad topology: %v", err)
	}
}

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		dec  string
		outs []Tensor
	}{
		{"dark", nil},
		{"dark", []Tensor{{Shape: []int{1, 17, 64}, Data: make([]float32, 17*64)}}},
		{"dark", []Tensor{{Shape: []int{1, 17, 64, 48}, Data: make([]float32, 10)}}},
		{"heatmap", []Tensor{{Shape: []int{1, 0, 64, 48}}}},
		{"simcc", []Tensor{{Name: "simcc_x", Shape: []int{1, 17, 384}, Data: make([]float32, 17*384)}}},
		{"simcc", []Tensor{{Name: "simcc_x", Shape: []int{1, 17, 384}, Data: make([]float32, 17*384)}, {Name: "simcc_y", Shape: []int{2, 17, 512}, Data: make([]float32, 2*17*512)}}},
		{"yolo-pose", []Tensor{{Shape: []int{1, 55, 10}, Data: make([]float32, 550)}}},
		{"yolo-pose", []Tensor{{Shape: []int{2, 56, 10}, Data: make([]float32, 1120)}}},
		{"yolo-pose-e2e", []Tensor{{Shape: []int{1, 10, 56}, Data: make([]float32, 560)}}},
		{"openpose", []Tensor{{Shape: []int{1, 18, 8, 8}, Data: make([]float32, 18*64)}}},
		{"openpose", []Tensor{{Shape: []int{1, 18, 8, 8}, Data: make([]float32, 18*64)}, {Shape: []int{1, 42, 8, 9}, Data: make([]float32, 42*72)}}},
		{"openpose", []Tensor{{Shape: []int{1, 17, 8, 8}, Data: make([]float32, 17*64)}, {Shape: []int{1, 42, 8, 8}, Data: make([]float32, 42*64)}}},
	}
	for i, tc := range cases {
		d, err := New(tc.dec, Config{})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := d.Decode(tc.outs, make([]pose.Person, 3))
		var se *ShapeError
		if !errors.Is(err, ErrShape) || !errors.As(err, &se) || len(ps) != 0 {
			t.Fatalf("case %d (%s): got %d people, %v", i, tc.dec, len(ps), err)
		}
	}
}

func TestSimCCKnown(t *testing.T) {
	const n, k, wx, hy = 2, 3, 384, 512
	x := make([]float32, n*k*wx)
	y := make([]float32, n*k*hy)
	for i := range n {
		for j := range k {
			bx, by := 10+50*j+i, 300-20*j+i // bins
			x[(i*k+j)*wx+bx] = 0.8
			y[(i*k+j)*hy+by] = 0.4 + 0.1*float32(j)
		}
	}
	outs := []Tensor{
		{Name: "simcc_y", Shape: []int{n, k, hy}, Data: y}, // by name, not order
		{Name: "simcc_x", Shape: []int{n, k, wx}, Data: x},
	}
	for _, mean := range []bool{false, true} {
		d, _ := New("simcc", Config{SimCCMeanScore: mean})
		people, err := d.Decode(outs, nil)
		if err != nil || len(people) != n {
			t.Fatalf("%v, %d people", err, len(people))
		}
		for i, p := range people {
			if p.Box != [4]float32{0, 0, 192, 256} {
				t.Fatalf("box %v: want the input 192×256 derived from 384/2 × 512/2", p.Box)
			}
			for j, kp := range p.Keypoints {
				wantX, wantY := float32(10+50*j+i)/2, float32(300-20*j+i)/2
				sy := 0.4 + 0.1*float32(j)
				wantS := min(float32(0.8), sy)
				if mean {
					wantS = (0.8 + sy) / 2
				}
				if kp.X != wantX || kp.Y != wantY || math.Abs(float64(kp.Score-wantS)) > 1e-6 {
					t.Fatalf("mean=%v person %d keypoint %d: %+v, want (%g, %g) score %g", mean, i, j, kp, wantX, wantY, wantS)
				}
			}
		}
	}
}

// yoloTensor writes people into a [1, 5+3K, A] channel-major tensor at the
// given anchors.
func yoloTensor(a int, anchors []int, people []pose.Person) []float32 {
	k := pose.NumKeypoints
	c := 5 + 3*k
	data := make([]float32, c*a)
	for n, i := range anchors {
		p := people[n]
		b := p.Box
		vals := []float32{(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1], p.Score}
		for _, kp := range p.Keypoints {
			vals = append(vals, kp.X, kp.Y, kp.Score)
		}
		for ch, v := range vals {
			data[ch*a+i] = v
		}
	}
	return data
}

func syntheticPerson(r *rand.Rand, box [4]float32, score float32) pose.Person {
	p := pose.Person{Box: box, Score: score, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	for j := range p.Keypoints {
		p.Keypoints[j] = pose.Keypoint{
			X:     box[0] + r.Float32()*(box[2]-box[0]),
			Y:     box[1] + r.Float32()*(box[3]-box[1]),
			Score: r.Float32(),
		}
	}
	return p
}

func TestYOLOPose(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const a = 8400
	people := []pose.Person{
		syntheticPerson(r, [4]float32{100, 100, 200, 400}, 0.9),
		syntheticPerson(r, [4]float32{105, 102, 203, 405}, 0.8), // duplicate of 0: suppressed
		syntheticPerson(r, [4]float32{300, 50, 420, 390}, 0.7),
		syntheticPerson(r, [4]float32{150, 100, 250, 400}, 0.85), // IoU with 0 = 0.5/1.5 = 0.33: kept
		syntheticPerson(r, [4]float32{500, 500, 600, 600}, 0.2),  // below threshold
	}
	anchors := []int{8000, 17, 4242, 3, 100}
	data := yoloTensor(a, anchors, people)
	d, _ := New("yolo-pose", Config{})
	want := []int{0, 3, 2}
	check := func(got []pose.Person, layout string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d people, want %d", layout, len(got), len(want))
		}
		for i, w := range want {
			p, q := got[i], people[w]
			if p.Score != q.Score || p.Box != q.Box {
				t.Fatalf("%s: person %d = box %v score %g, want %v %g", layout, i, p.Box, p.Score, q.Box, q.Score)
			}
			for j := range p.Keypoints {
				if p.Keypoints[j].X != q.Keypoints[j].X || p.Keypoints[j].Y != q.Keypoints[j].Y || p.Keypoints[j].Score != q.Keypoints[j].Score ||
					p.Keypoints[j].Visibility != visibility(q.Keypoints[j].Score, 0.3) {
					t.Fatalf("%s: person %d keypoint %d = %+v, want %+v", layout, i, j, p.Keypoints[j], q.Keypoints[j])
				}
			}
		}
	}
	got, err := d.Decode([]Tensor{{Name: "output0", Shape: []int{1, 56, a}, Data: data}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(got, "[1,56,A]")
	// Transposed [1, A, 56].
	tr := make([]float32, len(data))
	for ch := range 56 {
		for i := range a {
			tr[i*56+ch] = data[ch*a+i]
		}
	}
	got, err = d.Decode([]Tensor{{Shape: []int{1, a, 56}, Data: tr}}, got)
	if err != nil {
		t.Fatal(err)
	}
	check(got, "[1,A,56]")
	// MaxPeople caps; IoU threshold 0.3 suppresses person 3 too.
	d2, _ := New("yolo-pose", Config{IoUThreshold: 0.3, MaxPeople: 5})
	got, _ = d2.Decode([]Tensor{{Shape: []int{1, 56, a}, Data: data}}, got)
	if len(got) != 2 || got[1].Score != 0.7 {
		t.Fatalf("IoU 0.3: %d people", len(got))
	}
	d3, _ := New("yolo-pose", Config{MaxPeople: 1})
	got, _ = d3.Decode([]Tensor{{Shape: []int{1, 56, a}, Data: data}}, got)
	if len(got) != 1 || got[0].Score != 0.9 {
		t.Fatalf("MaxPeople 1: %d people", len(got))
	}
	outs := []Tensor{{Shape: []int{1, 56, a}, Data: data}}
	if al := testing.AllocsPerRun(5, func() { got, _ = d.Decode(outs, got) }); al != 0 {
		t.Fatalf("yolo-pose allocates %v", al)
	}
}

func TestIoUKnown(t *testing.T) {
	cases := []struct {
		a, b [4]float32
		want float32
	}{
		{[4]float32{0, 0, 2, 2}, [4]float32{1, 1, 3, 3}, 1.0 / 7},
		{[4]float32{0, 0, 2, 2}, [4]float32{0, 0, 2, 2}, 1},
		{[4]float32{0, 0, 2, 2}, [4]float32{2, 0, 4, 2}, 0},
		{[4]float32{0, 0, 0, 0}, [4]float32{0, 0, 0, 0}, 0},
	}
	for _, c := range cases {
		if got := IoU(c.a, c.b); math.Abs(float64(got-c.want)) > 1e-6 {
			t.Fatalf("IoU(%v, %v) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

func TestEndToEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	k := pose.NumKeypoints
	c := 6 + 3*k
	people := []pose.Person{
		syntheticPerson(r, [4]float32{10, 10, 50, 90}, 0.6),
		syntheticPerson(r, [4]float32{12, 11, 52, 92}, 0.95), // overlapping: kept (no NMS)
		syntheticPerson(r, [4]float32{0, 0, 5, 5}, 0.1),
	}
	data := make([]float32, 300*c) // 300 rows, the rest zero-scored
	for i, p := range people {
		row := data[i*c:]
		copy(row, []float32{p.Box[0], p.Box[1], p.Box[2], p.Box[3], p.Score, 0})
		for j, kp := range p.Keypoints {
			row[6+3*j], row[7+3*j], row[8+3*j] = kp.X, kp.Y, kp.Score
		}
	}
	d, _ := New("yolo-pose-e2e", Config{})
	got, err := d.Decode([]Tensor{{Shape: []int{1, 300, c}, Data: data}}, nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("%v, %d people", err, len(got))
	}
	for i, w := range []int{1, 0} {
		if got[i].Box != people[w].Box || got[i].Score != people[w].Score || got[i].Keypoints[16].X != people[w].Keypoints[16].X {
			t.Fatalf("person %d = %+v, want %+v", i, got[i], people[w])
		}
	}
}

// TestTopDownRoundTrip crops known boxes, places Gaussians at the crop
// positions of known image keypoints, decodes and maps back.
func TestTopDownRoundTrip(t *testing.T) {
	img := &imageconv.RGB{Width: 320, Height: 240, Pix: make([]uint8, 320*240*3)}
	c, _ := preprocess.NewCropper(preprocess.CropConfig{})
	boxes := [][4]float32{{40, 30, 120, 220}, {200, 60, 300, 230}}
	xf := make([]pose.Affine, len(boxes))
	tensor := make([]float32, c.TensorLen(len(boxes)))
	if err := c.Run(img, boxes, tensor, xf); err != nil {
		t.Fatal(err)
	}
	const k, w, h = pose.NumKeypoints, 48, 64
	hm := make([]float32, len(boxes)*k*w*h)
	want := make([][k][2]float64, len(boxes))
	r := rand.New(rand.NewPCG(1, 3))
	for i, b := range boxes {
		for j := range k {
			ix := float64(b[0]) + r.Float64()*float64(b[2]-b[0])
			iy := float64(b[1]) + r.Float64()*float64(b[3]-b[1])
			want[i][j] = [2]float64{ix, iy}
			u, v := xf[i].Apply(ix, iy) // crop input pixels
			GaussianBlob(hm[(i*k+j)*w*h:(i*k+j+1)*w*h], w, h, u/4, v/4, 2, 1)
		}
	}
	d, _ := New("dark", Config{})
	people, err := d.Decode([]Tensor{{Shape: []int{len(boxes), k, h, w}, Data: hm}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := MapTopDown(people, xf); err != nil {
		t.Fatal(err)
	}
	for i := range boxes {
		// 0.1 heatmap cell = 0.4 input pixels, times the crop's image/input scale.
		tol := 0.4 / xf[i].Scale()
		for j := range k {
			kp := people[i].Keypoints[j]
			if math.Hypot(float64(kp.X)-want[i][j][0], float64(kp.Y)-want[i][j][1]) > tol {
				t.Fatalf("person %d keypoint %d at (%g,%g), want (%g,%g) ± %g", i, j, kp.X, kp.Y, want[i][j][0], want[i][j][1], tol)
			}
		}
		// The box becomes the padded crop region, containing the detector box.
		pb := people[i].Box
		if pb[0] > boxes[i][0] || pb[1] > boxes[i][1] || pb[2] < boxes[i][2] || pb[3] < boxes[i][3] {
			t.Fatalf("person %d box %v does not contain %v", i, pb, boxes[i])
		}
	}
	if err := MapTopDown(people, xf[:1]); !errors.Is(err, ErrShape) {
		t.Fatalf("short transforms: %v", err)
	}
	// Letterbox mapping: input pixels back to the image.
	lb, _ := preprocess.NewLetterbox(preprocess.LetterboxConfig{})
	a := lb.Transform(1920, 1080)
	ps := []pose.Person{{Box: [4]float32{0, 140, 640, 500}, Keypoints: []pose.Keypoint{{X: 320, Y: 320}}}}
	if err := MapToImage(ps, a); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(ps[0].Keypoints[0].X)-960) > 1e-3 || math.Abs(float64(ps[0].Keypoints[0].Y)-540) > 1e-3 ||
		math.Abs(float64(ps[0].Box[3])-1080) > 1e-3 || math.Abs(float64(ps[0].Box[1])) > 1e-3 {
		t.Fatalf("letterbox mapping: %+v", ps[0])
	}
	if err := MapToImage(ps, pose.Affine{}); !errors.Is(err, pose.ErrSingular) {
		t.Fatalf("singular: %v", err)
	}
}

func BenchmarkYOLOPose8400(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	const a = 8400
	var people []pose.Person
	var anchors []int
	for i := range 5 {
		x := float32(100 * i)
		for j := range 4 { // four overlapping candidates per person, as a real head gives
			people = append(people, syntheticPerson(r, [4]float32{x + float32(j), 50, x + 90, 400}, 0.9-0.1*float32(j)))
			anchors = append(anchors, 1000*i+j)
		}
	}
	data := yoloTensor(a, anchors, people)
	d, _ := New("yolo-pose", Config{})
	outs := []Tensor{{Shape: []int{1, 56, a}, Data: data}}
	var got []pose.Person
	b.ReportAllocs()
	for b.Loop() {
		got, _ = d.Decode(outs, got)
	}
	if len(got) != 5 {
		b.Fatalf("%d people", len(got))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
}

// TestNMSAgainstBrute compares nms with its definition run literally:
// repeatedly take the best remaining box and delete every box overlapping
// it by more than the threshold.
func TestNMSAgainstBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for trial := range 200 {
		n := r.IntN(40)
		cands := make([]candidate, n)
		for i := range cands {
			x, y := r.Float32()*100, r.Float32()*100
			cands[i] = candidate{score: float32(r.IntN(20)) / 20, index: i, box: [4]float32{x, y, x + 5 + r.Float32()*30, y + 5 + r.Float32()*30}}
		}
		thr := 0.2 + r.Float32()*0.7
		limit := 1 + r.IntN(30)
		got := nms(slices.Clone(cands), nil, thr, limit)

		rest := slices.Clone(cands)
		var want []candidate
		for len(rest) > 0 && len(want) < limit {
			bi := 0
			for i, c := range rest {
				if c.score > rest[bi].score || (c.score == rest[bi].score && c.index < rest[bi].index) {
					bi = i
				}
			}
			best := rest[bi]
			want = append(want, best)
			rest = slices.DeleteFunc(rest, func(c candidate) bool { return c.index == best.index || IoU(c.box, best.box) > thr })
		}
		if len(got) != len(want) {
			t.Fatalf("trial %d: %d kept, brute %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i].index != want[i].index {
				t.Fatalf("trial %d: kept %d is anchor %d, brute %d", trial, i, got[i].index, want[i].index)
			}
		}
	}
}
