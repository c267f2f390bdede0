package metrics

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

var updateCOCOPair = flag.Bool("update-coco-pair", false, "rewrite testdata/coco_pair_gt.json and coco_pair_results.json from cocoPairScene")

// cocoPairScene is a deterministic scene for the COCO file tests: 20
// images of 0..4 people of every size (small, medium, large), partly
// occluded, unlabelled or crowd, with noisy, duplicate and false
// predictions at arbitrary float32 coordinates.
func cocoPairScene() []Image {
	r := rand.New(rand.NewPCG(17, 29))
	images := make([]Image, 20)
	for i := range images {
		im := &images[i]
		for range r.IntN(5) {
			h := []float32{25, 45, 80, 150, 320}[r.IntN(5)] * (0.8 + 0.4*r.Float32())
			a := person(100+800*r.Float32(), 100+600*r.Float32(), h)
			for k := range a.Keypoints {
				a.Keypoints[k].X += float32(r.NormFloat64()) * 0.02 * h
				a.Keypoints[k].Y += float32(r.NormFloat64()) * 0.02 * h
				a.Keypoints[k].Score = 0
				switch u := r.Float64(); {
				case u < 0.1:
					a.Keypoints[k] = pose.Keypoint{}
				case u < 0.25:
					a.Keypoints[k].Visibility = pose.Occluded
				}
			}
			if r.Float64() < 0.08 {
				for k := range a.Keypoints {
					a.Keypoints[k] = pose.Keypoint{}
				}
			}
			a.Crowd = r.Float64() < 0.06
			if r.Float64() < 0.5 {
				a.Area = float64(a.Person.Area()) * (0.4 + 0.3*r.Float64()) // a segment's area
			}
			im.GT = append(im.GT, a)
			for range []int{0, 1, 1, 1, 2}[r.IntN(5)] {
				noise := []float32{0.005, 0.02, 0.05, 0.1}[r.IntN(4)] * h
				p := pose.Person{Score: r.Float32()}
				for _, k := range person((a.Box[0]+a.Box[2])/2, (a.Box[1]+a.Box[3])/2, h).Keypoints {
					p.Keypoints = append(p.Keypoints, pose.Keypoint{X: k.X + float32(r.NormFloat64())*noise, Y: k.Y + float32(r.NormFloat64())*noise, Score: r.Float32()})
				}
				im.Pred = append(im.Pred, p)
			}
		}
		for range r.IntN(3) {
			p := pose.Person{Score: r.Float32()}
			for _, k := range person(100+800*r.Float32(), 100+600*r.Float32(), 40+160*r.Float32()).Keypoints {
				p.Keypoints = append(p.Keypoints, pose.Keypoint{X: k.X, Y: k.Y, Score: r.Float32()})
			}
			im.Pred = append(im.Pred, p)
		}
	}
	return images
}

func cocoPairFiles(t *testing.T, images []Image) (gt, res []byte) {
	t.Helper()
	var g, p bytes.Buffer
	if err := WriteCOCOGroundTruth(&g, images, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteCOCOResults(&p, images); err != nil {
		t.Fatal(err)
	}
	return g.Bytes(), p.Bytes()
}

// TestCOCOPairFilesAreOurs: the committed pair that
// testdata/gen_coco_pair_golden.py scores with pycocotools is what
// WriteCOCOGroundTruth and WriteCOCOResults write for cocoPairScene
// (`go test -run TestCOCOPairFilesAreOurs -update-coco-pair` rewrites it).
func TestCOCOPairFilesAreOurs(t *testing.T) {
	gt, res := cocoPairFiles(t, cocoPairScene())
	if *updateCOCOPair {
		if err := os.WriteFile("testdata/coco_pair_gt.json", gt, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("testdata/coco_pair_results.json", res, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string][]byte{"testdata/coco_pair_gt.json": gt, "testdata/coco_pair_results.json": res} {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the writer gives for cocoPairScene: rerun with -update-coco-pair and the generator", name)
		}
	}
}

// TestCOCOFilesRoundTrip: images written as COCO files and read back are
// the same images (unlabelled keypoints as zeros, the area as OKS uses it,
// prediction visibility not carried).
func TestCOCOFilesRoundTrip(t *testing.T) {
	images := cocoPairScene()
	gt, res := cocoPairFiles(t, images)
	back, err := ReadCOCO(bytes.NewReader(gt), bytes.NewReader(res))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(images) {
		t.Fatalf("%d images back, wrote %d", len(back), len(images))
	}
	crowd, unlabelled := 0, 0
	for i := range images {
		a, b := images[i], back[i]
		if len(a.GT) != len(b.GT) || len(a.Pred) != len(b.Pred) {
			t.Fatalf("image %d: %d/%d people back, wrote %d/%d", i, len(b.GT), len(b.Pred), len(a.GT), len(a.Pred))
		}
		for g := range a.GT {
			wa, ga := a.GT[g], b.GT[g]
			if ga.Box != wa.Box || ga.Crowd != wa.Crowd || ga.Area != wa.area() || len(ga.Keypoints) != len(wa.Keypoints) {
				t.Fatalf("image %d gt %d: box %v crowd %v area %g back, wrote %v %v %g", i, g, ga.Box, ga.Crowd, ga.Area, wa.Box, wa.Crowd, wa.area())
			}
			for k, kw := range wa.Keypoints {
				if kw.Visibility == pose.NotLabelled {
					kw = pose.Keypoint{}
					unlabelled++
				}
				kw.Score = 0
				if ga.Keypoints[k] != kw {
					t.Fatalf("image %d gt %d keypoint %d: %+v back, wrote %+v", i, g, k, ga.Keypoints[k], kw)
				}
			}
			if wa.Crowd {
				crowd++
			}
		}
		for p := range a.Pred {
			pa, pb := a.Pred[p], b.Pred[p]
			if pa.Score != pb.Score || len(pa.Keypoints) != len(pb.Keypoints) {
				t.Fatalf("image %d prediction %d: score %g back, wrote %g", i, p, pb.Score, pa.Score)
			}
			for k, kw := range pa.Keypoints {
				kw.Visibility = pose.NotLabelled
				if pb.Keypoints[k] != kw {
					t.Fatalf("image %d prediction %d keypoint %d: %+v back, wrote %+v", i, p, k, pb.Keypoints[k], kw)
				}
			}
		}
	}
	if crowd == 0 || unlabelled == 0 {
		t.Fatalf("scene has %d crowd people and %d unlabelled keypoints: not exercised", crowd, unlabelled)
	}
	// The scores agree too.
	want, err := COCOEval(images, COCOConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := COCOEval(back, COCOConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("scores of the files read back %+v differ from the images' %+v", got, want)
	}
}

// cocoPairStatNames are the ten statistics of pycocotools' summarize() for
// keypoints, in its order.
var cocoPairStatNames = []string{"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"}

// loadCOCOPairStats reads testdata/coco_pair_stats.json (pycocotools'
// COCOeval.stats for the pair).
func loadCOCOPairStats(t *testing.T) []float64 {
	t.Helper()
	raw, err := os.ReadFile("testdata/coco_pair_stats.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Stats []float64 `json:"stats"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("coco_pair_stats.json: %v", err)
	}
	if len(s.Stats) != 10 {
		t.Fatalf("coco_pair_stats.json: %d stats, want 10", len(s.Stats))
	}
	return s.Stats
}

// TestCOCOPairAgainstPycocotools scores the committed GT/results pair read
// with ReadCOCO and checks pycocotools' ten statistics for the same files.
func TestCOCOPairAgainstPycocotools(t *testing.T) {
	want := loadCOCOPairStats(t)
	gt, err := os.Open("testdata/coco_pair_gt.json")
	if err != nil {
		t.Fatal(err)
	}
	defer gt.Close()
	res, err := os.Open("testdata/coco_pair_results.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	images, err := ReadCOCO(gt, res)
	if err != nil {
		t.Fatal(err)
	}
	r, err := COCOEval(images, COCOConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{r.AP, r.AP50, r.AP75, r.APMedium, r.APLarge, r.AR, r.AR50, r.AR75, r.ARMedium, r.ARLarge}
	for i := range got {
		// Same inputs, same matches: only the order of the final float64
		// sums differs (numpy's pairwise mean), a few ulps.
		if math.Abs(got[i]-want[i]) > 1e-14 {
			t.Errorf("%s = %.17g, pycocotools %.17g", cocoPairStatNames[i], got[i], want[i])
		}
	}
	for i, v := range want {
		if v < 0 {
			t.Errorf("pycocotools %s undefined: the pair does not exercise it", cocoPairStatNames[i])
		}
	}
}

// TestReadCOCORejects: files pycocotools would reject or score differently
// from us are errors that name the entry.
func TestReadCOCORejects(t *testing.T) {
	gt := `{"images":[{"id":5}],"annotations":[{"id":9,"image_id":5,"category_id":1,"keypoints":[1,2,2,0,0,0],"num_keypoints":%d,"bbox":[0,0,4,4],"area":%s,"iscrowd":0}],"categories":[]}`
	for _, c := range []struct{ gt, res, want string }{
		{strings.Replace(strings.Replace(gt, "%d", "1", 1), "%s", "16", 1), `[{"image_id":6,"category_id":1,"keypoints":[1,2,1,0,0,0],"score":1}]`, "image 6 is not in the ground truth"},
		{strings.Replace(strings.Replace(gt, "%d", "2", 1), "%s", "16", 1), `[]`, "num_keypoints 2, but 1 keypoints"},
		{strings.Replace(strings.Replace(gt, "%d", "1", 1), "%s", "0", 1), `[]`, "area 0"},
		{strings.Replace(strings.Replace(gt, "%d", "1", 1), "%s", "16", 1), `[{"image_id":5,"category_id":2,"keypoints":[],"score":1}]`, "category 2"},
	} {
		_, err := ReadCOCO(strings.NewReader(c.gt), strings.NewReader(c.res))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one with %q", err, c.want)
		}
	}
	images, err := ReadCOCO(strings.NewReader(strings.Replace(strings.Replace(gt, "%d", "1", 1), "%s", "16", 1)), strings.NewReader(`[{"image_id":5,"category_id":1,"keypoints":[1,2,0.5,3,4,0.25],"score":0.75}]`))
	if err != nil {
		t.Fatal(err)
	}
	p := images[0].Pred[0]
	if len(images) != 1 || p.Score != 0.75 || p.Keypoints[1] != (pose.Keypoint{X: 3, Y: 4, Score: 0.25}) || images[0].GT[0].Box != [4]float32{0, 0, 4, 4} {
		t.Fatalf("read %+v", images)
	}
}
