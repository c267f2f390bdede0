package lidarsegnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
)

// discard is a Publisher that marshals every message into one reused
// buffer, as a driver would, and keeps nothing.
type discard struct{ buf []byte }

func (d *discard) Publish(_ string, m cdr.Message) error {
	d.buf = cdr.MarshalAppend(d.buf, m)
	return nil
}

// BenchmarkLabelledCloud builds and CDR-encodes the labelled cloud of a
// 64×2048 sweep (131,072 points, Velodyne layout).
func BenchmarkLabelledCloud(b *testing.B) {
	pts := scene(64, 2048)
	in := encodeCloud(pts, layouts[0].fields, false, 1, 0)
	var d decoder
	if _, err := d.decode(in); err != nil {
		b.Fatal(err)
	}
	var e encoder
	if err := e.prepare(&d.layout); err != nil {
		b.Fatal(err)
	}
	raw, rgb, inst := make([]uint16, len(pts)), make([]uint32, len(pts)), make([]uint32, len(pts))
	for i := range raw {
		raw[i], rgb[i], inst[i] = 40, 0xff00ff, uint32(i%7)
	}
	var buf []byte
	buf = cdr.MarshalAppend(buf, e.labelled(in, raw, rgb, inst))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf = cdr.MarshalAppend(buf, e.labelled(in, raw, rgb, inst))
	}
	b.ReportMetric(float64(b.N)*float64(len(pts))/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(len(buf))/1e6, "MB/cloud")
}

// BenchmarkHandleGeometry is the whole node without a model on a 64×2048
// sweep: decode, projection, ground, clusters, labelled cloud, range image.
func BenchmarkHandleGeometry(b *testing.B) {
	benchHandle(b, nil)
}

// BenchmarkHandleTinyModel adds the tiny 1×1-conv model (inference cost is
// the model's; the rest is the node's) and kNN.
func BenchmarkHandleTinyModel(b *testing.B) {
	needORT(b)
	benchHandle(b, map[string]any{"model.path": tinyRangeNet(b, 64, 2048, "")})
}

func benchHandle(b *testing.B, values map[string]any) {
	n, st := newNode(b, values)
	pts := scene(64, 2048)
	msg := msgOf(encodeCloud(pts, layouts[0].fields, false, 1, 0))
	var pub discard
	if err := n.Handle(msg, &pub); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := n.Handle(msg, &pub); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	b.StopTimer()
	for _, s := range st.Snapshot().Stages {
		b.ReportMetric(s.P50, s.Name+"-ms")
	}
	_ = node.Reliable
}

// TestHandleAllocs: after the first sweep the node labels a 64×2048 sweep
// — decode, projection, inference, kNN or the CRF, ground, clusters,
// labelled cloud, range image — without allocating.
func TestHandleAllocs(t *testing.T) {
	needORT(t)
	for _, post := range []string{"knn", "crf+knn"} {
		n, _ := newNode(t, map[string]any{"model.path": tinyRangeNet(t, 64, 2048, ""), "post_processing": post})
		msg := msgOf(encodeCloud(scene(64, 2048), layouts[0].fields, false, 1, 0))
		var pub discard
		if a := testing.AllocsPerRun(5, func() {
			if err := n.Handle(msg, &pub); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("post_processing %s: %v allocations a sweep after the first", post, a)
		}
	}
}
