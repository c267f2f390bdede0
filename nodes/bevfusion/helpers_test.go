package bevfusionnode

import (
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopercept/gopercept/infer"
	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
	"github.com/gopercept/gopercept/internal/tf"
	"gonum.org/v1/gonum/spatial/r3"
)

// The test rig: a 16 m × 16 m grid at 0.5 m (32×32 cells), a head at
// stride 2 (1 m cells), one lidar 1.8 m up and 1 m forward, cameras at the
// front looking forward with 64×32 images.
const (
	testGridMin = -8.0
	testRes     = 0.5
	testCells   = 32
	testHead    = 16
	imgW, imgH  = 64, 32
	encW, encH  = 32, 16
)

func needORT(tb testing.TB) {
	tb.Helper()
	if err := infer.Init(); err != nil {
		tb.Fatalf("ONNX Runtime is not available: %v\nrun scripts/fetch-ort.sh before go test, or set %s", err, infer.EnvLibrary)
	}
}

func writeModel(tb testing.TB, dir, stem string, g *onnxbuild.Graph, card string) string {
	tb.Helper()
	p := filepath.Join(dir, stem+".onnx")
	if err := onnxbuild.NewModel(g).WriteFile(p); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(infer.CardPathFor(p), []byte(card), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// fuserGraph is a fuser+heads with hand-set weights: lidar_bev and
// camera_bev concatenated (5 channels), a 2×2 max-pool to the head grid,
// then 1×1 convolutions that ignore the camera channels. Class 0 ("car") has
// logit 20·(max z) − 12 on bev/pillar's max-z plane, so a cell with a point
// higher than 0.6 m in base_link scores above 0.5 and ground points do not; class 1 is always −10. The other heads are constants from their
// biases: offset (0.5, 0.5), centre z 0.8 m, size 4 × 2 × 1.5 m, yaw π/2,
// velocity (2, 0) m/s.
func fuserGraph() *onnxbuild.Graph { return fuserGraphPrev(false) }

// fuserGraphPrev is fuserGraph, with a prev_camera_bev input (BEVDet4D)
// concatenated too when prev is set.
func fuserGraphPrev(prev bool) *onnxbuild.Graph { return fuserGraphOpts(prev, false) }

// fuserGraphOpts is fuserGraphPrev with, when seg is set, a one-class map
// segmentation output "seg" [1,1,16,16] whose logit is 10·occupancy − 5.
func fuserGraphOpts(prev, seg bool) *onnxbuild.Graph {
	ins := []string{"lidar_bev", "camera_bev"}
	width := 7
	g := onnxbuild.NewGraph("fuser").
		Input("lidar_bev", onnxbuild.Float, 1, lidarChannels, testCells, testCells).
		Input("camera_bev", onnxbuild.Float, 1, 2, testCells, testCells)
	if prev {
		g.Input("prev_camera_bev", onnxbuild.Float, 1, 2, testCells, testCells)
		ins = append(ins, "prev_camera_bev")
		width = 9
	}
	g.Node("Concat", ins, []string{"fused"}, onnxbuild.AttrInt("axis", 1)).
		Node("MaxPool", []string{"fused"}, []string{"pooled"}, onnxbuild.AttrInts("kernel_shape", 2, 2), onnxbuild.AttrInts("strides", 2, 2))
	conv := func(out string, ch int, w []float32, b []float32) {
		full := make([]float32, ch*width)
		for o := range ch {
			copy(full[o*width:o*width+5], w[o*5:o*5+5])
		}
		g.Initializer(out+"_w", onnxbuild.Float, []int64{int64(ch), int64(width), 1, 1}, full).
			Initializer(out+"_b", onnxbuild.Float, []int64{int64(ch)}, b).
			Node("Conv", []string{"pooled", out + "_w", out + "_b"}, []string{out}).
			Output(out, onnxbuild.Float, 1, ch, testHead, testHead)
	}
	conv("heatmap", 2, []float32{0, 20, 0, 0, 0, 0, 0, 0, 0, 0}, []float32{-12, -10})
	conv("reg", 2, make([]float32, 10), []float32{0.5, 0.5})
	conv("height", 1, make([]float32, 5), []float32{0.8})
	conv("dim", 3, make([]float32, 15), []float32{float32(math.Log(4)), float32(math.Log(2)), float32(math.Log(1.5))})
	conv("rot", 2, make([]float32, 10), []float32{1, 0})
	conv("vel", 2, make([]float32, 10), []float32{2, 0})
	if seg {
		conv("seg", 1, []float32{0, 0, 0, 0, 10}, []float32{-5})
	}
	return g
}

const fuserCard = `name: test-fuser
version: 0.0.1
task: bev-detection
family: bev-fuser
inputs:
  - {name: lidar_bev, shape: [1, 5, 32, 32], type: float32}
  - {name: camera_bev, shape: [1, 2, 32, 32], type: float32}
outputs:
  - {name: heatmap, shape: [1, 2, 16, 16], type: float32}
  - {name: reg, shape: [1, 2, 16, 16], type: float32}
  - {name: height, shape: [1, 1, 16, 16], type: float32}
  - {name: dim, shape: [1, 3, 16, 16], type: float32}
  - {name: rot, shape: [1, 2, 16, 16], type: float32}
  - {name: vel, shape: [1, 2, 16, 16], type: float32}
classes:
  - {id: 0, name: car, colour: [255, 0, 0]}
  - {id: 1, name: pedestrian}
parameters:
  heatmap_logits: 1
`

// encoderGraph maps img [N,3,16,32] with an 8×8 stride-8 convolution to
// depth logits [N,4,2,4] and features [N,2,2,4].
func encoderGraph(n int) *onnxbuild.Graph {
	w := func(ch int, v float32) []float32 {
		out := make([]float32, ch*3*64)
		for i := range out {
			out[i] = v * float32(1+i%ch) / 192
		}
		return out
	}
	return onnxbuild.NewGraph("encoder").
		Input("img", onnxbuild.Float, n, 3, encH, encW).
		Initializer("dw", onnxbuild.Float, []int64{4, 3, 8, 8}, w(4, 1)).
		Initializer("fw", onnxbuild.Float, []int64{2, 3, 8, 8}, w(2, 0.5)).
		Node("Conv", []string{"img", "dw"}, []string{"depth"}, onnxbuild.AttrInts("strides", 8, 8)).
		Node("Conv", []string{"img", "fw"}, []string{"feature"}, onnxbuild.AttrInts("strides", 8, 8)).
		Output("depth", onnxbuild.Float, n, 4, 2, 4).
		Output("feature", onnxbuild.Float, n, 2, 2, 4)
}

// encoderCard is the test encoder's card; its frustum is pixel_centers, the
// sampling testdata/golden/frame.json was recorded with.
func encoderCard(n int) string {
	return `name: test-encoder
version: 0.0.1
task: bev-camera
family: bev-camera
inputs:
  - {name: img, shape: [` + itoa(n) + `, 3, 16, 32], type: float32}
outputs:
  - {name: depth, shape: [` + itoa(n) + `, 4, 2, 4], type: float32}
  - {name: feature, shape: [` + itoa(n) + `, 2, 2, 4], type: float32}
normalisation: {mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], colour_order: rgb}
parameters: {depth_min: 1, depth_max: 9, depth_step: 2, frustum: pixel_centers}
`
}

func itoa(n int) string { return string(rune('0' + n)) }

// captured is one published message, marshalled and kept as CDR.
type captured struct {
	topic string
	data  []byte
}

type capturePub struct{ msgs []captured }

func (c *capturePub) Publish(topic string, m cdr.Message) error {
	c.msgs = append(c.msgs, captured{topic, cdr.Marshal(m)})
	return nil
}

// last decodes the latest message on topic into m and reports whether
// there was one.
func (c *capturePub) last(tb testing.TB, topic string, m cdr.Message) bool {
	tb.Helper()
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].topic == topic {
			if err := cdr.Unmarshal(c.msgs[i].data, m); err != nil {
				tb.Fatal(err)
			}
			return true
		}
	}
	return false
}

func (c *capturePub) count(topic string) int {
	k := 0
	for _, m := range c.msgs {
		if m.topic == topic {
			k++
		}
	}
	return k
}

// rig is a node under test with its TF buffer and stats.
type rig struct {
	n     node.Node
	tf    *tf.Buffer
	stats *node.Stats
	pub   *capturePub
	ps    *param.Set // the node's parameters, for Reconfigure
}

func newRig(tb testing.TB, cams []string, models bool) *rig {
	tb.Helper()
	return newRigModel(tb, cams, models, fuserGraph(), fuserCard)
}

// newRigCard is newRig with the given fuser card.
func newRigCard(tb testing.TB, cams []string, models bool, fcard string) *rig {
	tb.Helper()
	return newRigModel(tb, cams, models, fuserGraph(), fcard)
}

// newRigModel is newRig with the given fuser graph and card.
func newRigModel(tb testing.TB, cams []string, models bool, fgraph *onnxbuild.Graph, fcard string, extra ...map[string]any) *rig {
	tb.Helper()
	return newRigModelLog(tb, slog.New(slog.DiscardHandler), cams, models, fgraph, fcard, extra...)
}

// rigValues are the rig's parameter values: cams, the test grid and, with
// models, the test encoder and the given fuser written to a temporary
// folder; extra overrides them.
func rigValues(tb testing.TB, cams []string, models bool, fgraph *onnxbuild.Graph, fcard string, extra ...map[string]any) map[string]any {
	tb.Helper()
	values := map[string]any{
		"cameras": toAny(cams), "cloud_topic": "points",
		"grid.x_min": testGridMin, "grid.x_max": -testGridMin, "grid.y_min": testGridMin, "grid.y_max": -testGridMin,
		"grid.resolution": testRes, "nms_scale": []any{1.0, 4.5},
	}
	if models {
		needORT(tb)
		dir := tb.TempDir()
		values["fuser_model"] = writeModel(tb, dir, "fuser", fgraph, fcard)
		if len(cams) > 0 {
			values["encoder_model"] = writeModel(tb, dir, "encoder", encoderGraph(len(cams)), encoderCard(len(cams)))
		}
	}
	for _, e := range extra {
		for k, v := range e {
			values[k] = v
		}
	}
	return values
}

// newRigModelLog is newRigModel with the node logging to log.
func newRigModelLog(tb testing.TB, log *slog.Logger, cams []string, models bool, fgraph *onnxbuild.Graph, fcard string, extra ...map[string]any) *rig {
	tb.Helper()
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	buf, err := tf.New(tf.Config{})
	must(err)
	must(buf.SetTransform("base_link", "lidar", 0, tf.Transform{Translation: r3.Vec{X: 1, Z: 1.8}, Rotation: tf.Identity().Rotation}, true))
	must(buf.SetTransform("base_link", "cam_optical", 0, tf.Transform{Translation: r3.Vec{X: 1.5, Z: 1.5}, Rotation: tf.QuatFromRPY(-math.Pi/2, 0, -math.Pi/2)}, true))
	ps := param.New("bevfusion", rigValues(tb, cams, models, fgraph, fcard, extra...))
	st := node.NewStats()
	n, err := New(node.Env{Name: "bevfusion", Params: ps, TF: buf, Stats: st, Log: log})
	if err != nil {
		tb.Fatal(err)
	}
	if err := ps.Err(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close() })
	return &rig{n: n, tf: buf, stats: st, pub: &capturePub{}, ps: ps}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// send marshals m and hands it to the node on topic.
func (r *rig) send(tb testing.TB, topic string, m cdr.Message) error {
	tb.Helper()
	return r.n.Handle(&node.Msg{Topic: topic, Type: m.TypeName(), Data: cdr.Marshal(m)}, r.pub)
}

func hdr(ns int64, frame string) std_msgs.Header {
	return std_msgs.Header{Stamp: node.TimeFromNS(ns), FrameID: frame}
}

func cameraInfo(ns int64, w, h uint32, f float64) *sensor_msgs.CameraInfo {
	return &sensor_msgs.CameraInfo{Header: hdr(ns, "cam_optical"), Width: w, Height: h, DistortionModel: "plumb_bob",
		D: []float64{0, 0, 0, 0, 0}, K: [9]float64{f, 0, float64(w) / 2, 0, f, float64(h) / 2, 0, 0, 1},
		P: [12]float64{f, 0, float64(w) / 2, 0, 0, f, float64(h) / 2, 0, 0, 0, 1, 0}, R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}}
}

func rgbImage(ns int64, frame string, w, h int) *sensor_msgs.Image {
	data := make([]uint8, w*h*3)
	for i := range data {
		data[i] = uint8(i * 7)
	}
	return &sensor_msgs.Image{Header: hdr(ns, frame), Width: uint32(w), Height: uint32(h), Encoding: "rgb8", Step: uint32(3 * w), Data: data}
}

// cloudXYZI builds an x, y, z, intensity float32 cloud from base_link
// points, expressed in the lidar frame (1 m forward, 1.8 m up).
func cloudXYZI(ns int64, frame string, pts [][4]float32) *sensor_msgs.PointCloud2 {
	data := make([]uint8, 0, 16*len(pts))
	for _, p := range pts {
		for _, v := range []float32{p[0] - 1, p[1], p[2] - 1.8, p[3]} {
			b := math.Float32bits(v)
			data = append(data, uint8(b), uint8(b>>8), uint8(b>>16), uint8(b>>24))
		}
	}
	f := func(name string, off uint32) sensor_msgs.PointField {
		return sensor_msgs.PointField{Name: name, Offset: off, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1}
	}
	return &sensor_msgs.PointCloud2{Header: hdr(ns, frame), Height: 1, Width: uint32(len(pts)),
		Fields:    []sensor_msgs.PointField{f("x", 0), f("y", 4), f("z", 8), f("intensity", 12)},
		PointStep: 16, RowStep: uint32(16 * len(pts)), Data: data, IsDense: true}
}

// scene is the cloud of every test: an object point at (3.2, −2.7, 1.0) in
// base_link (pillar cell 22, 10; head cell 11, 5) and a ground point at
// (−4.1, 5.3, 0.05).
var scene = [][4]float32{{3.2, -2.7, 1.0, 40}, {3.3, -2.6, 0.9, 20}, {-4.1, 5.3, 0.05, 5}}

func paramSet(v map[string]any) *param.Set { return param.New("bevfusion", v) }
