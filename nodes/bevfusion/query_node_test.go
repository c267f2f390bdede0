package bevfusionnode

import (
	"errors"
	"log/slog"
	"math"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/vision_msgs"
)

// queryGraph is a bev-query model for one 16×6 camera whose box set is its
// own lidar2img input: the 16 values, then four constants, as two rows of
// ten box columns; query 0 scores logit 5 for car, query 1 −5 for
// everything. What the node publishes therefore shows what it fed.
func queryGraph() *onnxbuild.Graph {
	return onnxbuild.NewGraph("query").
		Input("img", onnxbuild.Float, 1, 3, 6, 16).
		Input("lidar2img", onnxbuild.Float, 1, 4, 4).
		Initializer("flat", onnxbuild.Int64, []int64{1}, []int64{16}).
		Initializer("pad", onnxbuild.Float, []int64{4}, []float32{1, 1, 1, 1}).
		Initializer("rows", onnxbuild.Int64, []int64{2}, []int64{2, 10}).
		Initializer("scores", onnxbuild.Float, []int64{2, 2}, []float32{5, -5, -5, -5}).
		Node("Reshape", []string{"lidar2img", "flat"}, []string{"l16"}).
		Node("Concat", []string{"l16", "pad"}, []string{"l20"}, onnxbuild.AttrInt("axis", 0)).
		Node("Reshape", []string{"l20", "rows"}, []string{"boxes"}).
		Node("Identity", []string{"scores"}, []string{"logits"}).
		Output("boxes", onnxbuild.Float, 2, 10).
		Output("logits", onnxbuild.Float, 2, 2)
}

// queryCard resizes the 64×32 test image by ¼ (16×8) and crops two rows
// off the top (16×6); sizes linear, so the decoded box is the raw row.
const queryCard = `name: test-query
version: 0.0.1
task: bev-detection
family: bev-query
inputs:
  - {name: img, shape: [1, 3, 6, 16], type: float32}
  - {name: lidar2img, shape: [1, 4, 4], type: float32}
outputs:
  - {name: boxes, shape: [2, 10], type: float32}
  - {name: logits, shape: [2, 2], type: float32}
classes:
  - {id: 0, name: car}
  - {id: 1, name: pedestrian}
camera_geometry: {images: img, lidar2img: lidar2img, image_aug: {resize: 0.25, crop: bottom_center}}
box_set: {boxes: boxes, logits: logits, layout: [x, y, z, w, l, h, sin, cos, vx, vy], size: linear, scores: sigmoid}
`

// TestQueryModelThroughNode runs the pass-through query model on one
// camera frame: the lidar2img the node fed must take a base_link point to
// the pixel worked out by hand for the rig's camera (1.5 m forward, 1.5 m
// up, looking forward; f 40 on 64×32; resize ¼ and crop 2 rows), and the
// published detection must be the fed matrix's first row, decoded without
// NMS, class car from the card.
func TestQueryModelThroughNode(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	qpath := writeModel(t, dir, "query", queryGraph(), queryCard)
	r := newRigModel(t, []string{"front"}, false, nil, "", map[string]any{"encoder_model": qpath, "fuser_model": ""})
	nd := r.n.(*Node)
	if nd.query == nil || nd.enc != nil || nd.fus != nil {
		t.Fatalf("query %v, encoder %v, fuser %v: want the query model alone", nd.query != nil, nd.enc != nil, nd.fus != nil)
	}
	t0 := 100 * sec
	if err := r.send(t, "front/camera_info", cameraInfo(t0, imgW, imgH, 40)); err != nil {
		t.Fatal(err)
	}
	if err := r.send(t, "front/image", rgbImage(t0+10e6, "cam_optical", imgW, imgH)); err != nil {
		t.Fatal(err)
	}
	if err := r.send(t, "points", cloudXYZI(t0, "lidar", scene)); err != nil {
		t.Fatalf("cloud: %v", err)
	}
	m := nd.query.m.Input("lidar2img")
	// Base point (11.5, 1, 0.5): optical (−1, 1, 10), original pixel
	// (28, 20), input pixel (7, 5 − 2).
	p := [4]float64{11.5, 1, 0.5, 1}
	var h [4]float64
	for row := range 4 {
		for c := range 4 {
			h[row] += float64(m[4*row+c]) * p[c]
		}
	}
	if math.Abs(h[0]/h[2]-7) > 1e-5 || math.Abs(h[1]/h[2]-3) > 1e-5 || math.Abs(h[2]-10) > 1e-5 || math.Abs(h[3]-1) > 1e-6 {
		t.Fatalf("fed lidar2img %v takes %v to (%g, %g) at depth %g, w %g; want (7, 3) at 10, 1", m, p[:3], h[0]/h[2], h[1]/h[2], h[2], h[3])
	}
	var da vision_msgs.Detection3DArray
	if !r.pub.last(t, TopicDetections, &da) {
		t.Fatal("no detections")
	}
	if len(da.Detections) != 1 {
		t.Fatalf("%d detections, want 1 (query 1 scores sigmoid(−5))", len(da.Detections))
	}
	d := da.Detections[0]
	c := d.Bbox.Center.Position
	if c.X != float64(m[0]) || c.Y != float64(m[1]) || c.Z != float64(m[2]) || d.Bbox.Size.Y != float64(m[3]) || d.Bbox.Size.X != float64(m[4]) {
		t.Errorf("box centre %+v size %+v, want the fed row %v", c, d.Bbox.Size, m[:5])
	}
	if hy := d.Results[0].Hypothesis; hy.ClassID != "car" || math.Abs(hy.Score-1/(1+math.Exp(-5))) > 1e-12 {
		t.Errorf("hypothesis %+v, want car at sigmoid(5)", hy)
	}
	if f := r.fact("detections"); f != "1 (of 2 queries, no NMS)" {
		t.Errorf("detections fact %q", f)
	}
	for _, s := range []string{"query_preprocess", "query_model", "decode_box_set"} {
		found := false
		for _, st := range r.stats.Snapshot().Stages {
			found = found || st.Name == s
		}
		if !found {
			t.Errorf("no latency for stage %s", s)
		}
	}
}

// TestQueryModelRefusesFuser: a bev-query detector in encoder_model takes
// no fuser.
func TestQueryModelRefusesFuser(t *testing.T) {
	needORT(t)
	dir := t.TempDir()
	qpath := writeModel(t, dir, "query", queryGraph(), queryCard)
	fpath := writeModel(t, dir, "fuser", fuserGraph(), fuserCard)
	ps := paramSet(map[string]any{"cameras": []any{"front"}, "encoder_model": qpath, "fuser_model": fpath})
	_, err := New(node.Env{Name: "bevfusion", Params: ps, Log: slog.New(slog.DiscardHandler)})
	var ce *configerr.Error
	if !errors.As(err, &ce) || ce.Param != "fuser_model" || ce.Reason != "encoder_model is a bev-query detector, which takes no fuser: set fuser_model to empty" {
		t.Fatalf("got %v, want a configuration error naming fuser_model", err)
	}
}
