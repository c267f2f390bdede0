package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/gopercept/gopercept/perception/pose"
)

// COCO keypoint files: the ground-truth format of person_keypoints_*.json
// and the results list that pycocotools' COCO.loadRes reads, so that scores
// can be checked with pycocotools and results from elsewhere scored here.
// Coordinates are written as the float64 value of their float32, so that
// pycocotools and ReadCOCO read the same numbers. Image ids are 1..n in the
// order of the images; only the person category (id 1) is written or read.

// PersonCategory is COCO's person category with its 17 keypoints and
// skeleton (1-based keypoint indices, as in the COCO files).
var PersonCategory = COCOCategory{
	ID: 1, Name: "person", SuperCategory: "person",
	Keypoints: []string{"nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
		"left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
		"left_ankle", "right_ankle"},
	Skeleton: [][2]int{{16, 14}, {14, 12}, {17, 15}, {15, 13}, {12, 13}, {6, 12}, {7, 13}, {6, 7}, {6, 8}, {7, 9},
		{8, 10}, {9, 11}, {2, 3}, {1, 2}, {1, 3}, {2, 4}, {3, 5}, {4, 6}, {5, 7}},
}

// COCOGroundTruth is a COCO keypoint ground-truth file.
type COCOGroundTruth struct {
	Images      []COCOImage      `json:"images"`
	Annotations []COCOAnnotation `json:"annotations"`
	Categories  []COCOCategory   `json:"categories"`
}

// COCOImage is one entry of a ground-truth file's images.
type COCOImage struct {
	ID       int64  `json:"id"`
	FileName string `json:"file_name,omitempty"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

// COCOAnnotation is one ground-truth person: Keypoints as [x, y, v]·17
// (unlabelled keypoints 0, 0, 0), BBox as [x, y, w, h], Area the object
// area OKS is scaled by.
type COCOAnnotation struct {
	ID           int64     `json:"id"`
	ImageID      int64     `json:"image_id"`
	CategoryID   int       `json:"category_id"`
	Keypoints    []float64 `json:"keypoints"`
	NumKeypoints int       `json:"num_keypoints"`
	BBox         []float64 `json:"bbox"`
	Area         float64   `json:"area"`
	IsCrowd      int       `json:"iscrowd"`
}

// COCOCategory is one entry of a ground-truth file's categories.
type COCOCategory struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	SuperCategory string   `json:"supercategory,omitempty"`
	Keypoints     []string `json:"keypoints"`
	Skeleton      [][2]int `json:"skeleton"`
}

// COCOKeypointResult is one entry of a keypoint results file: Keypoints as
// [x, y, keypoint score]·17, Score the person's.
type COCOKeypointResult struct {
	ImageID    int64     `json:"image_id"`
	CategoryID int       `json:"category_id"`
	Keypoints  []float64 `json:"keypoints"`
	Score      float64   `json:"score"`
}

// COCOGroundTruthOf returns images' ground truth as a COCO file; names, when
// not nil, gives each image's file_name. Area is written as OKS uses it
// here (Annotation.Area, or the box area when 0).
func COCOGroundTruthOf(images []Image, names []string) COCOGroundTruth {
	f := COCOGroundTruth{Images: make([]COCOImage, len(images)), Annotations: []COCOAnnotation{}, Categories: []COCOCategory{PersonCategory}}
	for i := range images {
		id := int64(i + 1)
		f.Images[i] = COCOImage{ID: id}
		if names != nil {
			f.Images[i].FileName = names[i]
		}
		for g := range images[i].GT {
			a := &images[i].GT[g]
			kps := make([]float64, 0, 3*len(a.Keypoints))
			for _, k := range a.Keypoints {
				if k.Visibility == pose.NotLabelled {
					kps = append(kps, 0, 0, 0)
					continue
				}
				kps = append(kps, float64(k.X), float64(k.Y), float64(k.Visibility))
			}
			crowd := 0
			if a.Crowd {
				crowd = 1
			}
			// Width and height in float64 (exact for float32 corners), so that
			// x + w gives the corner back.
			b := a.Box
			f.Annotations = append(f.Annotations, COCOAnnotation{
				ID: int64(len(f.Annotations) + 1), ImageID: id, CategoryID: PersonCategory.ID, Keypoints: kps,
				NumKeypoints: a.labelled(), Area: a.area(), IsCrowd: crowd,
				BBox: []float64{float64(b[0]), float64(b[1]), float64(b[2]) - float64(b[0]), float64(b[3]) - float64(b[1])},
			})
		}
	}
	return f
}

// COCOResultsOf returns images' predictions as a COCO keypoint results list.
func COCOResultsOf(images []Image) []COCOKeypointResult {
	out := []COCOKeypointResult{}
	for i := range images {
		for _, p := range images[i].Pred {
			kps := make([]float64, 0, 3*len(p.Keypoints))
			for _, k := range p.Keypoints {
				kps = append(kps, float64(k.X), float64(k.Y), float64(k.Score))
			}
			out = append(out, COCOKeypointResult{ImageID: int64(i + 1), CategoryID: PersonCategory.ID, Keypoints: kps, Score: float64(p.Score)})
		}
	}
	return out
}

// WriteCOCOGroundTruth writes COCOGroundTruthOf(images, names) as JSON.
func WriteCOCOGroundTruth(w io.Writer, images []Image, names []string) error {
	if err := json.NewEncoder(w).Encode(COCOGroundTruthOf(images, names)); err != nil {
		return fmt.Errorf("metrics: writing COCO ground truth: %w", err)
	}
	return nil
}

// WriteCOCOResults writes COCOResultsOf(images) as JSON.
func WriteCOCOResults(w io.Writer, images []Image) error {
	if err := json.NewEncoder(w).Encode(COCOResultsOf(images)); err != nil {
		return fmt.Errorf("metrics: writing COCO results: %w", err)
	}
	return nil
}

// ReadCOCO reads a COCO keypoint ground-truth file and a results list into
// images for COCOEval and Evaluate, one per ground-truth image in id order
// (pycocotools' order), annotations and results in file order. Every
// result's image must be in the ground truth, as pycocotools' loadRes
// requires; only the person category (id 1) is accepted. A ground-truth
// keypoint is labelled when v > 0, and num_keypoints must count them
// (pycocotools ignores a person by num_keypoints but scores by v). The
// third value of a result keypoint becomes its Score (its Visibility stays
// NotLabelled: results carry none, and no metric reads a prediction's).
// Coordinates and scores are read into float32, as the rest of gopercept
// holds them.
func ReadCOCO(gt, results io.Reader) ([]Image, error) {
	var g COCOGroundTruth
	if err := json.NewDecoder(gt).Decode(&g); err != nil {
		return nil, fmt.Errorf("metrics: COCO ground truth: %w", err)
	}
	var res []COCOKeypointResult
	if err := json.NewDecoder(results).Decode(&res); err != nil {
		return nil, fmt.Errorf("metrics: COCO results: %w", err)
	}
	ids := make([]int64, len(g.Images))
	for i, im := range g.Images {
		ids[i] = im.ID
	}
	slices.Sort(ids)
	index := make(map[int64]int, len(ids))
	for i, id := range ids {
		if _, dup := index[id]; dup {
			return nil, fmt.Errorf("metrics: COCO ground truth: image id %d twice", id)
		}
		index[id] = i
	}
	images := make([]Image, len(ids))
	for n, a := range g.Annotations {
		if a.CategoryID != PersonCategory.ID {
			return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): category %d, only person (1) is scored", n, a.ID, a.CategoryID)
		}
		i, ok := index[a.ImageID]
		if !ok {
			return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): image %d not in images", n, a.ID, a.ImageID)
		}
		if len(a.Keypoints)%3 != 0 || len(a.BBox) != 4 {
			return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): %d keypoint values, %d bbox values, want 3·k and 4", n, a.ID, len(a.Keypoints), len(a.BBox))
		}
		if !(a.Area > 0) {
			return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): area %g, OKS needs it positive", n, a.ID, a.Area)
		}
		ann := Annotation{Area: a.Area, Crowd: a.IsCrowd != 0}
		b := a.BBox
		ann.Box = [4]float32{float32(b[0]), float32(b[1]), float32(b[0] + b[2]), float32(b[1] + b[3])}
		ann.Keypoints = make([]pose.Keypoint, len(a.Keypoints)/3)
		for k := range ann.Keypoints {
			v := a.Keypoints[3*k+2]
			if v < 0 || v > 2 || v != float64(uint8(v)) {
				return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): keypoint %d visibility %g, want 0, 1 or 2", n, a.ID, k, v)
			}
			ann.Keypoints[k] = pose.Keypoint{X: float32(a.Keypoints[3*k]), Y: float32(a.Keypoints[3*k+1]), Visibility: uint8(v)}
		}
		if l := ann.labelled(); l != a.NumKeypoints {
			return nil, fmt.Errorf("metrics: COCO ground truth annotation %d (id %d): num_keypoints %d, but %d keypoints have v > 0", n, a.ID, a.NumKeypoints, l)
		}
		images[i].GT = append(images[i].GT, ann)
	}
	for n, r := range res {
		if r.CategoryID != PersonCategory.ID {
			return nil, fmt.Errorf("metrics: COCO result %d: category %d, only person (1) is scored", n, r.CategoryID)
		}
		i, ok := index[r.ImageID]
		if !ok {
			return nil, fmt.Errorf("metrics: COCO result %d: image %d is not in the ground truth", n, r.ImageID)
		}
		if len(r.Keypoints)%3 != 0 {
			return nil, fmt.Errorf("metrics: COCO result %d: %d keypoint values, want 3·k", n, len(r.Keypoints))
		}
		p := pose.Person{Score: float32(r.Score), Keypoints: make([]pose.Keypoint, len(r.Keypoints)/3)}
		for k := range p.Keypoints {
			p.Keypoints[k] = pose.Keypoint{X: float32(r.Keypoints[3*k]), Y: float32(r.Keypoints[3*k+1]), Score: float32(r.Keypoints[3*k+2])}
		}
		images[i].Pred = append(images[i].Pred, p)
	}
	return images, nil
}
