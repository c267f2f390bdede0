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
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/decode"
)

// The bottom-up world: a 128×96 image letterboxed into 128×128 (16 rows of
// padding on top), heatmaps at one cell per input pixel.
const buSize, buW, buH, buPad = 128, 128, 96, 16

// buParts are the trt_pose parts (COCO-17 then neck) in input pixels.
var buParts = [18][2]int{
	{64, 18}, {72, 10}, {56, 10}, {84, 14}, {44, 14}, {84, 38}, {44, 38}, {92, 56}, {36, 56},
	{96, 74}, {32, 74}, {76, 68}, {52, 68}, {78, 88}, {50, 88}, {80, 106}, {48, 106}, {64, 34},
}

// buildPAF writes a model with constant trt_pose outputs: one-hot part
// peaks in "cmap" and, in "paf", the unit limb direction on the cells along
// each limb (the part cells themselves left empty).
func buildPAF(tb testing.TB, dir string) string {
	top := decode.TRTPose
	plane := buSize * buSize
	cmap := make([]float32, len(top.Parts)*plane)
	for p, xy := range buParts {
		cmap[p*plane+xy[1]*buSize+xy[0]] = 1
	}
	isPart := map[[2]int]bool{}
	for _, xy := range buParts {
		isPart[xy] = true
	}
	paf := make([]float32, 2*len(top.Limbs)*plane)
	for _, l := range top.Limbs {
		a, b := buParts[l.A], buParts[l.B]
		dx, dy := float64(b[0]-a[0]), float64(b[1]-a[1])
		n := math.Hypot(dx, dy)
		for s := 0; s <= 400; s++ {
			t := float64(s) / 400
			c := [2]int{int(math.Round(float64(a[0]) + t*dx)), int(math.Round(float64(a[1]) + t*dy))}
			if isPart[c] {
				continue
			}
			paf[l.PafX*plane+c[1]*buSize+c[0]] = float32(dx / n)
			paf[l.PafY*plane+c[1]*buSize+c[0]] = float32(dy / n)
		}
	}
	p := filepath.Join(dir, "paf.onnx")
	np, nl := int64(len(top.Parts)), int64(2*len(top.Limbs))
	writeModel(tb, p, onnxbuild.NewGraph("paf").
		Input("input", onnxbuild.Float, 1, 3, buSize, buSize).
		Initializer("zero", onnxbuild.Float, []int64{1}, []float32{0}).
		Initializer("c", onnxbuild.Float, []int64{1, np, buSize, buSize}, cmap).
		Initializer("f", onnxbuild.Float, []int64{1, nl, buSize, buSize}, paf).
		Node("ReduceMean", []string{"input"}, []string{"m"}, onnxbuild.AttrInts("axes", 1, 2, 3), onnxbuild.AttrInt("keepdims", 0)).
		Node("Mul", []string{"m", "zero"}, []string{"z"}).
		Node("Add", []string{"z", "c"}, []string{"cmap"}).
		Node("Add", []string{"z", "f"}, []string{"paf"}).
		Output("cmap", onnxbuild.Float, 1, np, buSize, buSize).
		Output("paf", onnxbuild.Float, 1, nl, buSize, buSize),
		fmt.Sprintf(`name: tiny-trt-pose
version: 1.0.0
task: pose-bottom-up
family: openpose
inputs: [{name: input, shape: [1, 3, %d, %d], type: float32}]
outputs:
  - {name: cmap, shape: [1, %d, %d, %d], type: float32}
  - {name: paf, shape: [1, %d, %d, %d], type: float32}
normalisation: {mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375]}
parameters: {topology: trt_pose}
`, buSize, buSize, np, buSize, buSize, nl, buSize, buSize))
	return p
}

func TestBottomUp(t *testing.T) {
	needORT(t)
	ps := param.New("pose2d", map[string]any{"model.path": buildPAF(t, t.TempDir()), "depth.topic": "", "tracking.min_hits": 1})
	nn, err := New(node.Env{Name: "pose2d", Params: ps})
	if err != nil {
		t.Fatal(err)
	}
	defer nn.Close()
	n := nn.(*Node)
	if n.est.family != familyBottomUp || n.est.decName != "openpose" {
		t.Fatalf("family %s decoder %s", n.est.family, n.est.decName)
	}
	var r recorder
	h := std_msgs.Header{Stamp: node.TimeFromNS(5e9), FrameID: frameID}
	data := make([]byte, 3*buW*buH)
	if err := n.Handle(imageMsg(h, "rgb8", buW, buH, 3*buW, data), &r); err != nil {
		t.Fatal(err)
	}
	var got gopercept_msgs.Skeleton2DArray
	r.last(t, "~/skeletons", &got)
	if len(got.Skeletons) != 1 || got.Skeletons[0].TrackID != 1 {
		t.Fatalf("%d skeletons: %+v", len(got.Skeletons), got.Skeletons)
	}
	for k, kp := range got.Skeletons[0].Keypoints {
		x, y := float32(buParts[k][0]), float32(buParts[k][1]-buPad)
		if math.Abs(float64(kp.X-x)) > 1e-3 || math.Abs(float64(kp.Y-y)) > 1e-3 || kp.Visibility != pose.Visible {
			t.Errorf("%s = %+v, want %v,%v", pose.KeypointNames[k], kp, x, y)
		}
	}
}
