package bevfusionnode

import (
	"math"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
)

// proposalGraph is a query-based fuser (TransFusion as CUDA-BEVFusion
// exports it) whose four proposals are constants: proposal 0 is the car of
// checkDetection (centre (11.5, 5.5) head cells of 1 m, score 0.995), the
// others score 0.05. Its inputs are declared but unused.
func proposalGraph() *onnxbuild.Graph {
	const n = 4
	g := onnxbuild.NewGraph("proposals").
		Input("lidar_bev", onnxbuild.Float, 1, lidarChannels, testCells, testCells).
		Input("camera_bev", onnxbuild.Float, 1, 2, testCells, testCells)
	out := func(name string, ch int, v []float32) {
		g.Initializer(name+"_c", onnxbuild.Float, []int64{1, int64(ch), n}, v).
			Node("Identity", []string{name + "_c"}, []string{name}).
			Output(name, onnxbuild.Float, 1, ch, n)
	}
	l4, l2, l15 := float32(math.Log(4)), float32(math.Log(2)), float32(math.Log(1.5))
	out("score", 2, []float32{0.995, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05})
	out("reg", 2, []float32{11.5, 3, 6, 9, 5.5, 3, 6, 9})
	out("height", 1, []float32{0.8, 0, 0, 0})
	out("dim", 3, []float32{l4, 0, 0, 0, l2, 0, 0, 0, l15, 0, 0, 0})
	out("rot", 2, []float32{1, 0, 0, 0, 0, 1, 1, 1})
	out("vel", 2, []float32{2, 0, 0, 0, 0, 0, 0, 0})
	return g
}

const proposalCard = `name: test-proposals
version: 0.0.1
task: bev-detection
family: bev-fuser
inputs:
  - {name: lidar_bev, shape: [1, 5, 32, 32], type: float32}
  - {name: camera_bev, shape: [1, 2, 32, 32], type: float32}
outputs:
  - {name: score, shape: [1, 2, 4], type: float32}
  - {name: reg, shape: [1, 2, 4], type: float32}
  - {name: height, shape: [1, 1, 4], type: float32}
  - {name: dim, shape: [1, 3, 4], type: float32}
  - {name: rot, shape: [1, 2, 4], type: float32}
  - {name: vel, shape: [1, 2, 4], type: float32}
classes:
  - {id: 0, name: car, colour: [255, 0, 0]}
  - {id: 1, name: pedestrian}
parameters:
  heatmap_logits: 0
  head_cell_size: 1.0
`

func TestProposalHead(t *testing.T) {
	r := newRigModel(t, nil, true, proposalGraph(), proposalCard)
	if nd := r.n.(*Node); nd.fus.nprop != 4 {
		t.Fatalf("proposals %d, want 4", nd.fus.nprop)
	}
	ts := 8 * sec
	if err := r.send(t, "points", cloudXYZI(ts, "lidar", scene)); err != nil {
		t.Fatal(err)
	}
	checkDetection(t, r, ts)
}
