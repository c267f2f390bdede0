package pose2dnode

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/perception/pose"
)

// yoloPeople are the two people the one-stage model reports, in image
// pixels: box (x1, y1, x2, y2), score, keypoint origin.
var yoloPeople = []struct {
	box   [4]float32
	score float32
}{
	{[4]float32{4, 2, 28, 46}, 0.85},
	{[4]float32{36, 6, 60, 44}, 0.7},
}

// buildYOLOPose writes a YOLO-pose model with a constant [1, 56, A] output:
// two people, a weaker duplicate of the first (NMS removes it) and empty
// anchors, in letterboxed input pixels (8 rows of padding on top).
func buildYOLOPose(tb testing.TB, dir string) string {
	const anchors, ch = 16, 5 + 3*pose.NumKeypoints
	d := make([]float32, ch*anchors)
	put := func(a int, box [4]float32, score float32) {
		vals := []float32{(box[0] + box[2]) / 2, (box[1]+box[3])/2 + 8, box[2] - box[0], box[3] - box[1], score}
		for k := range pose.NumKeypoints {
			x, y := yoloKeypoint(box, k)
			vals = append(vals, x, y+8, 0.9)
		}
		for c, v := range vals {
			d[c*anchors+a] = v
		}
	}
	put(0, yoloPeople[0].box, yoloPeople[0].score)
	put(5, yoloPeople[1].box, yoloPeople[1].score)
	put(9, [4]float32{5, 2, 29, 46}, 0.5) // duplicate of person 0
	p := filepath.Join(dir, "yolo-pose.onnx")
	writeModel(tb, p, onnxbuild.NewGraph("yolo-pose").
		Input("images", onnxbuild.Float, 1, 3, detSize, detSize).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("d", onnxbuild.Float, []int64{1, ch, anchors}, d).
		Node("ReduceMean", []string{"images"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 0)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "d"}, []string{"output0"}).
		Output("output0", onnxbuild.Float, 1, ch, anchors),
		fmt.Sprintf(`name: tiny-yolo-pose
version: 1.0.0
task: pose-one-stage
family: yolo-pose
inputs: [{name: images, shape: [1, 3, %d, %d], type: float32}]
outputs: [{name: output0, shape: [1, %d, %d], type: float32}]
`, detSize, detSize, ch, anchors))
	return p
}

// yoloKeypoint places keypoint k inside box on a 3-column grid.
func yoloKeypoint(box [4]float32, k int) (float32, float32) {
	return box[0] + (box[2]-box[0])*float32(k%3+1)/4, box[1] + (box[3]-box[1])*float32(k/3+1)/7
}

func TestOneStage(t *testing.T) {
	needORT(t)
	values := map[string]any{"model.path": buildYOLOPose(t, t.TempDir()), "tracking.min_hits": 2, "depth.topic": ""}
	ps := param.New("pose2d", values)
	st := node.NewStats()
	nn, err := New(node.Env{Name: "pose2d", Params: ps, Stats: st})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	n := nn.(*Node)
	if n.est.family != familyOneStage || n.est.det != nil {
		t.Fatalf("family %s", n.est.family)
	}
	var r recorder
	for frame := range 3 {
		if err := n.Handle(goodImage(header(frameID)), &r); err != nil {
			t.Fatal(err)
		}
		var got gopercept_msgs.Skeleton2DArray
		r.last(t, "~/skeletons", &got)
		if len(got.Skeletons) != 2 {
			t.Fatalf("frame %d: %d skeletons, want 2", frame, len(got.Skeletons))
		}
		for i, want := range yoloPeople {
			s := got.Skeletons[i]
			// Born at the second hit (min_hits 2): ids 1 and 2 from frame 1.
			wantID := uint64(0)
			if frame >= 1 {
				wantID = uint64(i + 1)
			}
			if s.TrackID != wantID || s.Score != want.score {
				t.Errorf("frame %d person %d: id %d score %v, want %d %v", frame, i, s.TrackID, s.Score, wantID, want.score)
			}
			for j := range 4 {
				if math.Abs(float64(s.Box[j]-want.box[j])) > 1e-4 {
					t.Errorf("person %d box %v, want %v", i, s.Box, want.box)
					break
				}
			}
			for k, kp := range s.Keypoints {
				x, y := yoloKeypoint(want.box, k)
				if math.Abs(float64(kp.X-x)) > 1e-4 || math.Abs(float64(kp.Y-y)) > 1e-4 || kp.Visibility != pose.Visible {
					t.Errorf("person %d %s = %+v, want %v,%v", i, pose.KeypointNames[k], kp, x, y)
				}
			}
		}
	}
}
