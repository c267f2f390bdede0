package metrics

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

// cocoGolden is testdata/coco_golden.json, written by
// testdata/gen_coco_golden.py with pycocotools.
type cocoGolden struct {
	Cases []struct {
		Seed    int `json:"seed"`
		MaxDets int `json:"max_dets"`
		Images  []struct {
			ID int `json:"id"`
		} `json:"images"`
		GT []struct {
			ImageID   int       `json:"image_id"`
			Keypoints []float64 `json:"keypoints"`
			BBox      []float64 `json:"bbox"`
			Area      float64   `json:"area"`
			IsCrowd   int       `json:"iscrowd"`
		} `json:"gt"`
		Pred []struct {
			ImageID   int       `json:"image_id"`
			Keypoints []float64 `json:"keypoints"`
			Score     float64   `json:"score"`
		} `json:"pred"`
		Stats []float64 `json:"stats"`
	} `json:"cases"`
}

type goldenCase struct {
	seed, maxDets int
	images        []Image
	stats         []float64
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	data, err := os.ReadFile("testdata/coco_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g cocoGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	kps := func(v []float64, gt bool) []pose.Keypoint {
		out := make([]pose.Keypoint, len(v)/3)
		for i := range out {
			out[i] = pose.Keypoint{X: float32(v[3*i]), Y: float32(v[3*i+1])}
			if gt {
				out[i].Visibility = uint8(v[3*i+2])
			} else {
				out[i].Score = float32(v[3*i+2])
			}
		}
		return out
	}
	var cases []goldenCase
	for _, c := range g.Cases {
		index := map[int]int{}
		images := make([]Image, len(c.Images))
		for i, im := range c.Images {
			index[im.ID] = i
		}
		for _, a := range c.GT {
			b := a.BBox
			im := &images[index[a.ImageID]]
			im.GT = append(im.GT, Annotation{
				Person: pose.Person{Box: [4]float32{float32(b[0]), float32(b[1]), float32(b[0] + b[2]), float32(b[1] + b[3])}, Keypoints: kps(a.Keypoints, true)},
				Area:   a.Area, Crowd: a.IsCrowd != 0,
			})
		}
		for _, p := range c.Pred {
			im := &images[index[p.ImageID]]
			im.Pred = append(im.Pred, pose.Person{Score: float32(p.Score), Keypoints: kps(p.Keypoints, false)})
		}
		cases = append(cases, goldenCase{seed: c.Seed, maxDets: c.MaxDets, images: images, stats: c.Stats})
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	return cases
}

// TestCOCOEvalAgainstPycocotools checks COCOEval against pycocotools'
// COCOeval on random scenes (noisy, missed, duplicate and false predictions,
// unlabelled keypoints, crowd regions, every area range, MaxDets 2 and 20).
func TestCOCOEvalAgainstPycocotools(t *testing.T) {
	for _, c := range loadGolden(t) {
		r, err := COCOEval(c.images, COCOConfig{MaxDets: c.maxDets})
		if err != nil {
			t.Fatal(err)
		}
		got := []float64{r.AP, r.AP50, r.AP75, r.APMedium, r.APLarge, r.AR, r.AR50, r.AR75, r.ARMedium, r.ARLarge}
		names := []string{"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"}
		// pycocotools' −1 (undefined) exactly where no ground truth is scored.
		counts := []int{r.GT, r.GT, r.GT, r.GTMedium, r.GTLarge, r.GT, r.GT, r.GT, r.GTMedium, r.GTLarge}
		for i, n := range counts {
			if (c.stats[i] == -1) != (n == 0) {
				t.Errorf("seed %d %s: pycocotools %g with %d ground truth scored", c.seed, names[i], c.stats[i], n)
			}
		}
		for i := range got {
			// Tolerance: float32 coordinates against pycocotools' float64.
			if math.Abs(got[i]-c.stats[i]) > 1e-6 {
				t.Errorf("seed %d %s = %.9f, pycocotools %.9f", c.seed, names[i], got[i], c.stats[i])
			}
		}
	}
}
