package evaluate

import (
	"context"
	"fmt"
	"io"

	"github.com/gopercept/gopercept/bag"
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
	gt, err := readSkeletons(cfg.Bags, cfg.GTTopic)
	if err != nil {
		return nil, err
	}
	preds := map[int64][]pose.Person{}
	_, err = replay.Run(ctx, replay.Config{Inputs: cfg.Bags, Nodes: []string{"pose2d"}, ParamsFiles: cfg.ParamsFiles,
		Params: map[string]map[string]any{"pose2d": cfg.Params}, Fast: true, Root: cfg.Root,
		OnOutput: func(_, topic string, _ int64, m cdr.Message) {
			if a, ok := m.(*gopercept_msgs.Skeleton2DArray); ok && topic == cfg.OutputTopic {
				preds[node.StampNS(a.Header.Stamp)] = people(a)
			}
		}})
	if err != nil {
		return nil, err
	}
	var images []metrics.Image
	res := &PoseResult{}
	for stamp, g := range gt {
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

func readSkeletons(bags []string, topic string) (map[int64]*gopercept_msgs.Skeleton2DArray, error) {
	out := map[int64]*gopercept_msgs.Skeleton2DArray{}
	for _, path := range bags {
		rd, err := bag.Open(path, bag.ReaderConfig{Topics: []string{topic}})
		if err != nil {
			return nil, err
		}
		for m, err := range rd.All() {
			if err != nil {
				rd.Close()
				return nil, err
			}
			if m.Topic != topic {
				continue
			}
			a := new(gopercept_msgs.Skeleton2DArray)
			if err := cdr.Unmarshal(m.Data, a); err != nil {
				rd.Close()
				return nil, fmt.Errorf("evaluate: %s: %w", topic, err)
			}
			out[node.StampNS(a.Header.Stamp)] = a
		}
		rd.Close()
	}
	return out, nil
}

// WritePoseText prints a pose result for people.
func WritePoseText(w io.Writer, r *PoseResult) {
	fmt.Fprintf(w, "pose2d: %d frames, %d people (%d matched)\n", r.Frames, r.People, r.Matched)
	fmt.Fprintf(w, "  AP %.3f  AP50 %.3f  AP75 %.3f  AR %.3f\n", r.AP, r.AP50, r.AP75, r.AR)
	fmt.Fprintf(w, "  PCK@0.2 %.3f  PCP@0.5 %.3f  PDJ@0.2 %.3f\n", r.PCK, r.PCP, r.PDJ)
}
