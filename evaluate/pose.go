package evaluate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/gopercept/gopercept/cdr"
	"github.com/gopercept/gopercept/node"
	"github.com/gopercept/gopercept/pose"
	"github.com/gopercept/gopercept/pose/metrics"
	"github.com/gopercept/gopercept/replay"
	"github.com/gopercept/gopercept/rosmsg/gopercept_msgs"
)

// PoseConfig configures Pose.
type PoseConfig struct {
	Bags        []string
	ParamsFiles []string
	Params      map[string]any
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
}

// PoseResult is the pose score of one bag set.
type PoseResult struct {
	Frames  int     `json:"frames"`
	People  int     `json:"people"`
	Matched int     `json:"matched"`
	AP      float64 `json:"ap"`
	AP50    float64 `json:"ap50"`
	AP75    float64 `json:"ap75"`
	AR      float64 `json:"ar"`
	PCK     float64 `json:"pck_0.2"`
	PCP     float64 `json:"pcp_0.5"`
	PDJ     float64 `json:"pdj_0.2"`
	// MPJPE is the mean 3D joint error in metres over Joints3D joints that
	// are visible in the ground truth and lifted by the node, for people
	// found in 2D with OKS ≥ 0.5 (NaN without 3D).
	MPJPE    float64 `json:"mpjpe_m"`
	Joints3D int     `json:"joints_3d"`
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
		Params: map[string]map[string]any{"pose2d": cfg.Params}, Fast: true, Root: cfg.Root,
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
	res := &PoseResult{MPJPE: math.NaN()}
	var errSum float64
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
		if with3D {
			s, n, err := jointErrors(img, g, gt3[stamp], preds3[stamp])
			if err != nil {
				return nil, fmt.Errorf("evaluate: pose 3D at %d ns: %w", stamp, err)
			}
			errSum += s
			res.Joints3D += n
		}
	}
	if res.Joints3D > 0 {
		res.MPJPE = errSum / float64(res.Joints3D)
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("evaluate: no frame of %s has both ground truth and a pose2d output on %s", cfg.GTTopic, cfg.OutputTopic)
	}
	rep, err := metrics.Evaluate(images, metrics.COCOConfig{})
	if err != nil {
		return nil, err
	}
	res.Frames, res.People, res.Matched = len(images), rep.People, rep.Matched
	res.AP, res.AP50, res.AP75, res.AR = rep.COCO.AP, rep.COCO.AP50, rep.COCO.AP75, rep.COCO.AR
	res.PCK, res.PCP, res.PDJ = rep.PCK, rep.PCP, rep.PDJ
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "eval pose2d: %d frames, %d people, AP %.3f, PCK@0.2 %.3f\n", res.Frames, res.People, res.AP, res.PCK)
	}
	return res, nil
}

// jointErrors sums the 3D distances of the joints visible in the ground
// truth and lifted by the node, over the people the 2D matching pairs with
// OKS ≥ 0.5: GT
// 2D and 3D arrays are paired by track id (the simulator's instance), the
// node's 2D and 3D arrays by order (it publishes both for the same people).
func jointErrors(img metrics.Image, g2 *gopercept_msgs.Skeleton2DArray, g3, p3 *gopercept_msgs.Skeleton3DArray) (float64, int, error) {
	if g3 == nil || p3 == nil {
		return 0, 0, nil // no depth for this frame: nothing lifted
	}
	if len(p3.Skeletons) != len(img.Pred) {
		return 0, 0, fmt.Errorf("%d 3D skeletons for %d 2D ones", len(p3.Skeletons), len(img.Pred))
	}
	byID := map[uint64]*gopercept_msgs.Skeleton3D{}
	for i := range g3.Skeletons {
		byID[g3.Skeletons[i].TrackID] = &g3.Skeletons[i]
	}
	pairs, err := metrics.Match(img.Pred, img.GT, nil)
	if err != nil {
		return 0, 0, err
	}
	var sum float64
	n := 0
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
		for k := range min(len(pred), len(gt.Keypoints)) {
			// Visible joints only: depth measures the surface in front, and an
			// occluded joint's depth is its occluder's.
			if gt.Keypoints[k].Visibility != pose.Visible || pred[k].Visibility == 0 {
				continue
			}
			a, b := pred[k].Position, gt.Keypoints[k].Position
			sum += math.Sqrt((a.X-b.X)*(a.X-b.X) + (a.Y-b.Y)*(a.Y-b.Y) + (a.Z-b.Z)*(a.Z-b.Z))
			n++
		}
	}
	return sum, n, nil
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

// WritePoseText prints a pose result for people.
func WritePoseText(w io.Writer, r *PoseResult) {
	fmt.Fprintf(w, "pose2d: %d frames, %d people (%d matched)\n", r.Frames, r.People, r.Matched)
	fmt.Fprintf(w, "  AP %.3f  AP50 %.3f  AP75 %.3f  AR %.3f\n", r.AP, r.AP50, r.AP75, r.AR)
	fmt.Fprintf(w, "  PCK@0.2 %.3f  PCP@0.5 %.3f  PDJ@0.2 %.3f\n", r.PCK, r.PCP, r.PDJ)
	if r.Joints3D > 0 {
		fmt.Fprintf(w, "  3D with depth: MPJPE %.0f mm over %d joints\n", 1000*r.MPJPE, r.Joints3D)
	}
}
