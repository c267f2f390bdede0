package bevfusionnode

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gopercept/gopercept/infer/onnxbuild"
	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/tf"
	"github.com/gopercept/gopercept/perception/bev"
	"gonum.org/v1/gonum/spatial/r3"
)

// benchCloud returns n random points around the vehicle in the lidar frame
// of newRig's TF (x, y within ±50 m, z from −2 to 2 m in the lidar frame).
func benchCloud(ns int64, n int) [][4]float32 {
	rng := rand.New(rand.NewPCG(3, 3))
	pts := make([][4]float32, n)
	for i := range pts {
		pts[i] = [4]float32{float32(rng.Float64()*100 - 50), float32(rng.Float64()*100 - 50), float32(rng.Float64()*4 - 0.2), float32(rng.Float64() * 100)}
	}
	return pts
}

// BenchmarkLidarBranch reads 131,072 points from a PointCloud2, moves them to
// base_link and bins them into BEVFusion's 256×256 grid with bev/pillar.
func BenchmarkLidarBranch(b *testing.B) {
	g := bev.BEVFusionGrid
	msg := cloudXYZI(0, "lidar", benchCloud(0, 131072))
	l := pointcloud.Layout{Width: msg.Width, Height: msg.Height, PointStep: msg.PointStep, RowStep: msg.RowStep}
	for _, f := range msg.Fields {
		l.Fields = append(l.Fields, pointcloud.Field{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	acc, err := l.Lidar(len(msg.Data), 0)
	if err != nil {
		b.Fatal(err)
	}
	lb, err := newLidarBranch(g, bev.LayoutYX, -5, 3)
	if err != nil {
		b.Fatal(err)
	}
	toBase := tf.Transform{Translation: r3.Vec{X: 1, Z: 1.8}, Rotation: tf.Identity().Rotation}.ToMatrix()
	b.ReportAllocs()
	for b.Loop() {
		lb.extract(acc, msg.Data, 131072, 1, false, 0)
		lb.transform(toBase)
		if _, err := lb.run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/cloud")
	b.ReportMetric(131072*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// nuScenesModels writes a stand-in encoder (img [6,3,256,704] → depth
// [6,118,32,88] and features [6,80,32,88], one 8×8 stride-8 convolution
// each) and fuser (lidar [1,3,256,256] and camera [1,80,256,256] → a 2×2
// max-pool and 1×1 convolutions to 10-class CenterPoint heads at 128×128),
// so that the benchmark measures the node around models of BEVFusion's
// tensor sizes; the real networks' cost is the model's, not the node's.
func nuScenesModels(b *testing.B) (enc, fus string) {
	rng := rand.New(rand.NewPCG(5, 5))
	w := func(n int, s float32) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = (rng.Float32() - 0.5) * s
		}
		return out
	}
	eg := onnxbuild.NewGraph("enc").Input("img", onnxbuild.Float, 6, 3, 256, 704).
		Initializer("dw", onnxbuild.Float, []int64{118, 3, 8, 8}, w(118*192, 0.05)).
		Initializer("fw", onnxbuild.Float, []int64{80, 3, 8, 8}, w(80*192, 0.05)).
		Node("Conv", []string{"img", "dw"}, []string{"depth"}, onnxbuild.AttrInts("strides", 8, 8)).
		Node("Conv", []string{"img", "fw"}, []string{"feature"}, onnxbuild.AttrInts("strides", 8, 8)).
		Output("depth", onnxbuild.Float, 6, 118, 32, 88).Output("feature", onnxbuild.Float, 6, 80, 32, 88)
	ecard := `name: bench-encoder
version: 0.0.1
task: bev-camera
family: bev-camera
inputs: [{name: img, shape: [6, 3, 256, 704], type: float32}]
outputs: [{name: depth, shape: [6, 118, 32, 88], type: float32}, {name: feature, shape: [6, 80, 32, 88], type: float32}]
`
	fg := onnxbuild.NewGraph("fuser").
		Input("lidar_bev", onnxbuild.Float, 1, lidarChannels, 256, 256).Input("camera_bev", onnxbuild.Float, 1, 80, 256, 256).
		Node("Concat", []string{"lidar_bev", "camera_bev"}, []string{"fused"}, onnxbuild.AttrInt("axis", 1)).
		Node("MaxPool", []string{"fused"}, []string{"pooled"}, onnxbuild.AttrInts("kernel_shape", 2, 2), onnxbuild.AttrInts("strides", 2, 2))
	outs := "outputs:\n"
	for _, h := range []struct {
		name  string
		ch    int
		bias  float32
		scale float32
	}{{"heatmap", 10, -5, 0.1}, {"reg", 2, 0.5, 2}, {"height", 1, 0, 2}, {"dim", 3, 0.5, 0.01}, {"rot", 2, 0.5, 2}, {"vel", 2, 0, 2}} {
		bias := make([]float32, h.ch)
		for i := range bias {
			bias[i] = h.bias
		}
		fg.Initializer(h.name+"_w", onnxbuild.Float, []int64{int64(h.ch), 85, 1, 1}, w(h.ch*85, h.scale)).
			Initializer(h.name+"_b", onnxbuild.Float, []int64{int64(h.ch)}, bias).
			Node("Conv", []string{"pooled", h.name + "_w", h.name + "_b"}, []string{h.name}).
			Output(h.name, onnxbuild.Float, 1, h.ch, 128, 128)
		outs += fmt.Sprintf("  - {name: %s, shape: [1, %d, 128, 128], type: float32}\n", h.name, h.ch)
	}
	fcard := `name: bench-fuser
version: 0.0.1
task: bev-detection
family: bev-fuser
inputs: [{name: lidar_bev, shape: [1, 5, 256, 256], type: float32}, {name: camera_bev, shape: [1, 80, 256, 256], type: float32}]
` + outs
	dir := b.TempDir()
	return writeModel(b, dir, "enc", eg, ecard), writeModel(b, dir, "fus", fg, fcard)
}

// discard drops what it is given.
type discard struct{}

func (discard) Publish(string, cdr.Message) error { return nil }

// BenchmarkFrameNuScenes runs whole frames at BEVFusion's camera
// configuration: six 1600×900 rgb8 cameras resized ×0.44 and cropped to
// 704×256, 118 depth bins over [1, 60) m, 32×88 features with 80 channels,
// 0.4 m cells over ±51.2 m, 131,072 lidar points, stand-in models (see
// nuScenesModels). It reports the node's time per frame excluding message
// marshalling.
func BenchmarkFrameNuScenes(b *testing.B) {
	needORT(b)
	encPath, fusPath := nuScenesModels(b)
	buf, err := tf.New(tf.Config{})
	if err != nil {
		b.Fatal(err)
	}
	cams := []string{}
	buf.SetTransform("base_link", "lidar", 0, tf.Transform{Translation: r3.Vec{X: 1, Z: 1.8}, Rotation: tf.Identity().Rotation}, true)
	for i, yaw := range []float64{0, -0.96, 0.96, math.Pi, 1.9, -1.9} {
		name := fmt.Sprintf("cam%d", i)
		cams = append(cams, name)
		buf.SetTransform("base_link", name, 0, tf.Transform{Translation: r3.Vec{X: 1.5 * math.Cos(yaw), Y: 1.5 * math.Sin(yaw), Z: 1.6},
			Rotation: tf.QuatFromRPY(-math.Pi/2, 0, -math.Pi/2+yaw)}, true)
	}
	ps := param.New("bevfusion", map[string]any{"cameras": toAny(cams), "encoder_model": encPath, "fuser_model": fusPath, "cloud_topic": "points"})
	st := node.NewStats()
	nd, err := New(node.Env{Name: "bevfusion", Params: ps, TF: buf, Stats: st, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	pub := &capturePub{}
	img := rgbImage(0, "", 1600, 900)
	cloudPts := benchCloud(0, 131072)
	// One message reused and the topics made once, so that the allocations
	// reported are the node's.
	msg := &node.Msg{}
	imageTopics := map[string]string{}
	for _, c := range cams {
		imageTopics[c] = c + "/image"
	}
	send := func(topic string, data []byte) {
		var p node.Publisher = discard{}
		if pub != nil {
			p = pub
		}
		*msg = node.Msg{Topic: topic, Data: data}
		if err := nd.Handle(msg, p); err != nil {
			b.Fatal(err)
		}
	}
	frame := func(k int) (map[string][]byte, []byte) {
		ts := int64(k+1) * sec / 10
		m := map[string][]byte{}
		for _, c := range cams {
			img.Header = hdr(ts, c)
			send(c+"/camera_info", cdr.Marshal(cameraInfo(ts, 1600, 900, 1260)))
			m[c] = cdr.Marshal(img)
		}
		return m, cdr.Marshal(cloudXYZI(ts, "lidar", cloudPts))
	}
	k := 0
	// Warm-up frames until every camera's image ring is full, published and
	// kept to check there is output; then the timed frames go to a
	// publisher that discards them unmarshalled.
	for range imagesPerCamera + 1 {
		imgs, cloud := frame(k)
		k++
		for _, c := range cams {
			send(c+"/image", imgs[c])
		}
		send("points", cloud)
	}
	if len(pub.msgs) == 0 {
		b.Fatal("nothing published")
	}
	pub = nil
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		imgs, cloud := frame(k)
		k++
		b.StartTimer()
		for _, c := range cams {
			send(imageTopics[c], imgs[c])
		}
		send("points", cloud)
	}
	b.StopTimer()
	snap := st.Snapshot()
	for _, s := range snap.Stages {
		b.ReportMetric(s.P50, s.Name+"_ms")
	}
	var kept, peaks int
	fmt.Sscanf(snap.Facts["detections"], "%d (of %d peaks)", &kept, &peaks)
	b.ReportMetric(float64(kept), "detections")
	b.ReportMetric(float64(peaks), "peaks")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
