package evaluate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/gopercept/gopercept/internal/jsonnull"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/replay"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/lift"
	"github.com/gopercept/gopercept/perception/pose/metrics"
	"gonum.org/v1/gonum/spatial/r3"
)

// PoseConfig configures Pose.
type PoseConfig struct {
	Bags        []string
	ParamsFiles []string
	Params      map[string]any
	Remap       map[string]string // topic remapping, as ROS's -r from:=to
	// GTTopic holds the ground-truth skeletons of the evaluated camera;
	// OutputTopic the node's Skeleton2DArray.
	GTTopic, OutputTopic string
	// GT3DTopic and Output3DTopic, when both set, add MPJPE: the node's 3D
	// skeletons (lifted with depth) against the ground truth's in the
	// camera's optical frame, for the people found in 2D.
	GT3DTopic, Output3DTopic string
	// MinVisible and MinHeight select the people that count: others become
	// ignore regions (COCO's iscrowd), so detecting them is neither right
	// nor wrong. Defaults 3 keypoints and 24 px.
	MinVisible int
	MinHeight  float32
	Root       string
	Progress   io.Writer
	// COCOGT and COCOResults, when set, receive the scored frames' ground
	// truth and the node's skeletons as COCO keypoint files (image ids 1..n
	// in stamp order, file_name "<GTTopic>@<stamp ns>"), for pycocotools or
	// PoseFromCOCO.
	COCOGT, COCOResults io.Writer
}

// PoseResult is the pose score of one bag set (or of a COCO ground-truth
// and results file pair). A score with nothing to score is NaN, written as
// null in JSON, and the count beside it says why: People, COCOPeople,
// COCOPeopleMedium and COCOPeopleLarge for the AP/AR and PCK family,
// Joints3D for MPJPE.
type PoseResult struct {
	Frames int `json:"frames"`
	// People counts the non-crowd ground-truth people, Matched those a
	// prediction was matched to (for PCK, PCP and PDJ).
	People  int `json:"people"`
	Matched int `json:"matched"`
	// COCO keypoint AP/AR (pycocotools' ten statistics) by OKS. OKSArea says
	// what scales OKS: "box" for bag ground truth, which has no segmentation
	// (the person box's area, larger than COCO's segment area, so OKS is
	// more lenient and AP higher than COCO's definition would give), or
	// "annotation" for a ground-truth file's area field.
	OKSArea  string  `json:"oks_area"`
	AP       float64 `json:"ap"`
	AP50     float64 `json:"ap50"`
	AP75     float64 `json:"ap75"`
	APMedium float64 `json:"ap_medium"`
	APLarge  float64 `json:"ap_large"`
	AR       float64 `json:"ar"`
	AR50     float64 `json:"ar50"`
	AR75     float64 `json:"ar75"`
	ARMedium float64 `json:"ar_medium"`
	ARLarge  float64 `json:"ar_large"`
	// COCOPeople counts the ground truth COCO scores (not crowd, a labelled
	// keypoint), in all, medium (32²–96² px²) and large areas.
	COCOPeople       int     `json:"coco_people"`
	COCOPeopleMedium int     `json:"coco_people_medium"`
	COCOPeopleLarge  int     `json:"coco_people_large"`
	PCK              float64 `json:"pck_0.2"`
	PCP              float64 `json:"pcp_0.5"`
	PDJ              float64 `json:"pdj_0.2"`
	// MPJPE is the mean 3D joint error in metres over Joints3D joints that
	// are visible in the ground truth and lifted by the node, for people
	// found in 2D with OKS ≥ 0.5 (NaN when Joints3D is 0: no 3D output).
	MPJPE    float64 `json:"mpjpe_m"`
	Joints3D int     `json:"joints_3d"`
	// RootMPJPE and PAMPJPE score the shape over the same joints of the
	// People3D people whose two hips the node lifted: RootMPJPE after
	// subtracting each skeleton's own hip midpoint (root-aligned, as Human3.6M
	// protocol 1), PAMPJPE after the similarity (scale, rotation,
	// translation) that best aligns the person's scored joints (Procrustes,
	// protocol 2; people with at least three). Metres; NaN with none.
	RootMPJPE    float64 `json:"mpjpe_root_aligned_m"`
	PAMPJPE      float64 `json:"pa_mpjpe_m"`
	People3D     int     `json:"people_3d"`
	JointsRoot3D int     `json:"joints_root_aligned_3d"`
	JointsPA3D   int     `json:"joints_pa_3d"`
}

// MarshalJSON writes the result with its NaN (undefined) scores as null,
// where encoding/json would refuse them.
func (r PoseResult) MarshalJSON() ([]byte, error) {
	type fields PoseResult // without this method
	return jsonnull.Marshal(fields(r))
}

// Pose replays the bags through pose2d and scores its skeletons against the
// ground truth of the same stamp by COCO's OKS AP/AR and the PCK family.
func Pose(ctx context.Context, cfg PoseConfig) (*PoseResult, error) {
	if cfg.GTTopic == "" || cfg.OutputTopic == "" {
		return nil, fmt.Errorf("evaluate: pose needs the ground-truth and output topics")
	}
	if cfg.MinVisible == 0 {
		cfg.MinVisible = 3
	}
	if cfg.MinHeight == 0 {
		cfg.MinHeight = 24
	}
	gt, err := byStamp(cfg.Bags, cfg.GTTopic, func(a *gopercept_msgs.Skeleton2DArray) int64 { return node.StampNS(a.Header.Stamp) })
	if err != nil {
		return nil, err
	}
	with3D := cfg.GT3DTopic != "" && cfg.Output3DTopic != ""
	var gt3 map[int64]*gopercept_msgs.Skeleton3DArray
	if with3D {
		if gt3, err = byStamp(cfg.Bags, cfg.GT3DTopic, func(a *gopercept_msgs.Skeleton3DArray) int64 { return node.StampNS(a.Header.Stamp) }); err != nil {
			return nil, err
		}
	}
	preds := map[int64][]pose.Person{}
	preds3 := map[int64]*gopercept_msgs.Skeleton3DArray{}
	_, err = replay.Run(ctx, replay.Config{Inputs: cfg.Bags, Nodes: []string{"pose2d"}, ParamsFiles: cfg.ParamsFiles,
		Params: map[string]map[string]any{"pose2d": cfg.Params}, Remap: map[string]map[string]string{"pose2d": cfg.Remap}, Fast: true, Root: cfg.Root,
		OnOutput: func(_, topic string, _ int64, m cdr.Message) {
			switch a := m.(type) {
			case *gopercept_msgs.Skeleton2DArray:
				if topic == cfg.OutputTopic {
					preds[node.StampNS(a.Header.Stamp)] = people(a)
				}
			case *gopercept_msgs.Skeleton3DArray:
				if with3D && topic == cfg.Output3DTopic {
					preds3[node.StampNS(a.Header.Stamp)] = cdr.Clone(a) // the node reuses a
				}
			}
		}})
	if err != nil {
		return nil, err
	}
	var images []metrics.Image
	var names []string
	var acc jointAcc
	// Frames in stamp order: the scores must not depend on map order.
	for _, stamp := range slices.Sorted(maps.Keys(gt)) {
		g := gt[stamp]
		p, ok := preds[stamp]
		if !ok {
			continue // a frame the node dropped is reported by replay, not scored
		}
		img := metrics.Image{Pred: p}
		for _, person := range people(g) {
			a := metrics.Annotation{Person: person}
			n := 0
			for _, k := range person.Keypoints {
				if k.Visibility > pose.NotLabelled {
					n++
				}
			}
			if n < cfg.MinVisible || person.Box[3]-person.Box[1] < cfg.MinHeight {
				a.Crowd = true
			}
			img.GT = append(img.GT, a)
		}
		images = append(images, img)
		names = append(names, fmt.Sprintf("%s@%d", cfg.GTTopic, stamp))
		if with3D {
			if err := acc.add(img, g, gt3[stamp], preds3[stamp]); err != nil {
				return nil, fmt.Errorf("evaluate: pose 3D at %d ns: %w", stamp, err)
			}
		}
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("evaluate: no frame of %s has both ground truth and a pose2d output on %s", cfg.GTTopic, cfg.OutputTopic)
	}
	if cfg.COCOGT != nil {
		if err := metrics.WriteCOCOGroundTruth(cfg.COCOGT, images, names); err != nil {
			return nil, fmt.Errorf("evaluate: pose: %w", err)
		}
	}
	if cfg.COCOResults != nil {
		if err := metrics.WriteCOCOResults(cfg.COCOResults, images); err != nil {
			return nil, fmt.Errorf("evaluate: pose: %w", err)
		}
	}
	res, err := scorePose(images, "box")
	if err != nil {
		return nil, err
	}
	res.Joints3D, res.JointsRoot3D, res.JointsPA3D, res.People3D = acc.n, len(acc.root), len(acc.pa), acc.people
	if acc.n > 0 {
		res.MPJPE = acc.sum / float64(acc.n)
	}
	res.RootMPJPE, res.PAMPJPE = mean(acc.root), mean(acc.pa)
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "eval pose2d: %d frames, %d people, AP %.3f, PCK@0.2 %.3f\n", res.Frames, res.People, res.AP, res.PCK)
	}
	return res, nil
}

// PoseFromCOCO scores a COCO keypoint results list against a COCO keypoint
// ground-truth file (see metrics.ReadCOCO) as Pose scores bags: COCO AP/AR
// by OKS scaled by the files' area field, the PCK family; no 3D.
func PoseFromCOCO(gt, results io.Reader) (*PoseResult, error) {
	images, err := metrics.ReadCOCO(gt, results)
	if err != nil {
		return nil, fmt.Errorf("evaluate: pose: %w", err)
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("evaluate: pose: the COCO ground truth has no image")
	}
	return scorePose(images, "annotation")
}

// scorePose computes the 2D scores of images; −1 (undefined) becomes NaN.
func scorePose(images []metrics.Image, oksArea string) (*PoseResult, error) {
	rep, err := metrics.Evaluate(images, metrics.COCOConfig{})
	if err != nil {
		return nil, fmt.Errorf("evaluate: pose: %w", err)
	}
	c := rep.COCO
	r := &PoseResult{Frames: len(images), People: rep.People, Matched: rep.Matched, OKSArea: oksArea,
		AP: c.AP, AP50: c.AP50, AP75: c.AP75, APMedium: c.APMedium, APLarge: c.APLarge,
		AR: c.AR, AR50: c.AR50, AR75: c.AR75, ARMedium: c.ARMedium, ARLarge: c.ARLarge,
		COCOPeople: c.GT, COCOPeopleMedium: c.GTMedium, COCOPeopleLarge: c.GTLarge,
		PCK: rep.PCK, PCP: rep.PCP, PDJ: rep.PDJ, MPJPE: math.NaN(), RootMPJPE: math.NaN(), PAMPJPE: math.NaN()}
	for _, v := range []*float64{&r.AP, &r.AP50, &r.AP75, &r.APMedium, &r.APLarge, &r.AR, &r.AR50, &r.AR75, &r.ARMedium, &r.ARLarge, &r.PCK, &r.PCP, &r.PDJ} {
		if *v < 0 {
			*v = math.NaN()
		}
	}
	return r, nil
}

// jointAcc accumulates the 3D errors of a drive: the absolute distances'
// sum and count, and each root-aligned and Procrustes-aligned distance.
type jointAcc struct {
	sum       float64
	n, people int
	root, pa  []float64
	// Per-person scratch.
	pred, gt []r3.Vec
	valid    []bool
}

// add scores the joints visible in the ground truth and lifted by the node,
// over the people the 2D matching pairs with OKS ≥ 0.5: GT
// 2D and 3D arrays are paired by track id (the simulator's instance), the
// node's 2D and 3D arrays by order (it publishes both for the same people).
func (acc *jointAcc) add(img metrics.Image, g2 *gopercept_msgs.Skeleton2DArray, g3, p3 *gopercept_msgs.Skeleton3DArray) error {
	if g3 == nil || p3 == nil {
		return nil // no depth for this frame: nothing lifted
	}
	if len(p3.Skeletons) != len(img.Pred) {
		return fmt.Errorf("%d 3D skeletons for %d 2D ones", len(p3.Skeletons), len(img.Pred))
	}
	byID := map[uint64]*gopercept_msgs.Skeleton3D{}
	for i := range g3.Skeletons {
		byID[g3.Skeletons[i].TrackID] = &g3.Skeletons[i]
	}
	pairs, err := metrics.Match(img.Pred, img.GT, nil)
	if err != nil {
		return err
	}
	for _, pr := range pairs {
		if pr.Pred == nil || pr.GT.Crowd {
			continue
		}
		// Pairs hold pointers into img: back to indices.
		j := slices.IndexFunc(img.Pred, func(p pose.Person) bool { return &p.Keypoints[0] == &pr.Pred.Keypoints[0] })
		i := -1
		for x := range img.GT {
			if &img.GT[x] == pr.GT {
				i = x
			}
		}
		if j < 0 || i < 0 {
			continue
		}
		gt, ok := byID[g2.Skeletons[i].TrackID]
		if !ok {
			continue
		}
		// Only people found in 2D (OKS ≥ 0.5, AP50's criterion): a loose
		// match pairs two different people, whose distance says nothing
		// about the lift.
		if oks, err := metrics.OKS(pr.Pred.Keypoints, pr.GT, nil); err != nil || oks < 0.5 {
			continue
		}
		pred := p3.Skeletons[j].Keypoints
		acc.pred, acc.gt, acc.valid = acc.pred[:0], acc.gt[:0], acc.valid[:0]
		scored := 0
		for k := range min(len(pred), len(gt.Keypoints)) {
			a, b := pred[k].Position, gt.Keypoints[k].Position
			acc.pred = append(acc.pred, r3.Vec{X: a.X, Y: a.Y, Z: a.Z})
			acc.gt = append(acc.gt, r3.Vec{X: b.X, Y: b.Y, Z: b.Z})
			// Visible joints only: depth measures the surface in front, and an
			// occluded joint's depth is its occluder's.
			ok := gt.Keypoints[k].Visibility == pose.Visible && pred[k].Visibility != 0
			acc.valid = append(acc.valid, ok)
			if !ok {
				continue
			}
			acc.sum += r3.Norm(r3.Sub(acc.pred[k], acc.gt[k]))
			acc.n++
			scored++
		}
		// The aligned errors need the root (both hips lifted; the
		// ground truth always has them) and COCO-17 joints.
		lh, rh := 11, 12
		if scored == 0 || len(acc.pred) != pose.NumKeypoints || pred[lh].Visibility == 0 || pred[rh].Visibility == 0 {
			continue
		}
		acc.people++
		acc.root = lift.RootAlignedErrors(acc.pred, acc.gt, acc.valid, acc.root)
		acc.pa, _ = lift.ProcrustesErrors(acc.pred, acc.gt, acc.valid, acc.pa)
	}
	return nil
}

// mean is the mean of v, NaN when empty.
func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func people(a *gopercept_msgs.Skeleton2DArray) []pose.Person {
	out := make([]pose.Person, 0, len(a.Skeletons))
	for _, s := range a.Skeletons {
		p := pose.Person{Box: s.Box, Score: s.Score, Keypoints: make([]pose.Keypoint, len(s.Keypoints))}
		for i, k := range s.Keypoints {
			p.Keypoints[i] = pose.Keypoint{X: k.X, Y: k.Y, Score: k.Score, Visibility: k.Visibility}
		}
		out = append(out, p)
	}
	return out
}

// byStamp reads every message on topic into a map by the header stamp
// that stamp returns.
func byStamp[T any, M interface {
	*T
	cdr.Message
}](bags []string, topic string, stamp func(M) int64) (map[int64]M, error) {
	out := map[int64]M{}
	err := eachMessage(bags, []string{topic}, func() M { return new(T) }, func(_ string, m M) error {
		out[stamp(m)] = m
		return nil
	})
	return out, err
}

// mm formats metres as whole millimetres, "n/a" for NaN.
func mm(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", 1000*v)
}

// WritePoseText prints a pose result for people; an undefined score is
// "n/a" with the count that explains it.
func WritePoseText(w io.Writer, r *PoseResult) {
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "n/a"
		}
		return fmt.Sprintf("%.3f", v)
	}
	fmt.Fprintf(w, "pose2d: %d frames, %d people (%d matched)\n", r.Frames, r.People, r.Matched)
	scale := "the ground truth's area field"
	if r.OKSArea == "box" {
		scale = "the person box's area (no segmentation: COCO's segment area is smaller, so this is more lenient)"
	}
	fmt.Fprintf(w, "  COCO keypoints over %d people (%d medium, %d large); OKS scaled by %s\n", r.COCOPeople, r.COCOPeopleMedium, r.COCOPeopleLarge, scale)
	fmt.Fprintf(w, "  AP %s  AP50 %s  AP75 %s  APm %s  APl %s\n", f(r.AP), f(r.AP50), f(r.AP75), f(r.APMedium), f(r.APLarge))
	fmt.Fprintf(w, "  AR %s  AR50 %s  AR75 %s  ARm %s  ARl %s\n", f(r.AR), f(r.AR50), f(r.AR75), f(r.ARMedium), f(r.ARLarge))
	fmt.Fprintf(w, "  PCK@0.2 %s  PCP@0.5 %s  PDJ@0.2 %s\n", f(r.PCK), f(r.PCP), f(r.PDJ))
	if r.Joints3D > 0 {
		fmt.Fprintf(w, "  3D: MPJPE %.0f mm over %d joints; root-aligned MPJPE %s mm over %d, PA-MPJPE %s mm over %d (%d people)\n",
			1000*r.MPJPE, r.Joints3D, mm(r.RootMPJPE), r.JointsRoot3D, mm(r.PAMPJPE), r.JointsPA3D, r.People3D)
	} else {
		fmt.Fprintf(w, "  3D: MPJPE n/a (0 joints scored: no 3D output or depth)\n")
	}
}
