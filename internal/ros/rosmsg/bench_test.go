package rosmsg_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

// driverCloud builds a 64×2048 cloud laid out as spinning-lidar drivers
// publish it: x, y, z, intensity (float32), ring (uint16), time (float32).
func driverCloud(extra ...sensor_msgs.PointField) *sensor_msgs.PointCloud2 {
	const rings, cols = 64, 2048
	fields := []sensor_msgs.PointField{
		{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "y", Offset: 4, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "z", Offset: 8, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "intensity", Offset: 12, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		{Name: "ring", Offset: 16, Datatype: sensor_msgs.PointField_UINT16, Count: 1},
		{Name: "time", Offset: 20, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
	}
	step := uint32(24)
	for _, f := range extra {
		f.Offset = step
		fields = append(fields, f)
		step += 4
	}
	data := make([]byte, rings*cols*int(step))
	for i := 0; i < rings*cols; i++ {
		p := data[i*int(step):]
		az := float64(i%cols) / cols * 2 * math.Pi
		binary.LittleEndian.PutUint32(p[0:], math.Float32bits(float32(10*math.Cos(az))))
		binary.LittleEndian.PutUint32(p[4:], math.Float32bits(float32(10*math.Sin(az))))
		binary.LittleEndian.PutUint16(p[16:], uint16(i/cols))
	}
	return &sensor_msgs.PointCloud2{
		Header: std_msgs.Header{FrameID: "lidar_top"}, Height: 1, Width: rings * cols,
		Fields: fields, PointStep: step, RowStep: step * rings * cols, Data: data, IsDense: true,
	}
}

func BenchmarkDecodePointCloud2(b *testing.B) {
	data := cdr.Marshal(driverCloud())
	var pc sensor_msgs.PointCloud2
	var d cdr.Decoder
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, &pc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pc.Width)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

func BenchmarkEncodeLabelledCloud(b *testing.B) {
	pc := driverCloud(
		sensor_msgs.PointField{Name: "label", Datatype: sensor_msgs.PointField_UINT32, Count: 1},
		sensor_msgs.PointField{Name: "rgb", Datatype: sensor_msgs.PointField_FLOAT32, Count: 1},
		sensor_msgs.PointField{Name: "instance", Datatype: sensor_msgs.PointField_UINT32, Count: 1},
	)
	buf := cdr.MarshalAppend(nil, pc)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = cdr.MarshalAppend(buf, pc)
	}
	b.ReportMetric(float64(pc.Width)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// FuzzDecode decodes arbitrary bytes as the message type picked by the first
// byte. It must never panic, and whatever decodes must re-encode to bytes
// that decode to the same message.
func FuzzDecode(f *testing.F) {
	names := rosmsg.TypeNames()
	index := map[string]byte{}
	for i, n := range names {
		index[n] = byte(i)
	}
	seed := func(m cdr.Message) { f.Add(append([]byte{index[m.TypeName()]}, cdr.Marshal(m)...)) }
	small := driverCloud()
	small.Width, small.Data = 2, small.Data[:48]
	seed(small)
	seed(&sensor_msgs.Image{Header: std_msgs.Header{FrameID: "camera_front_optical"}, Height: 2, Width: 2, Encoding: "rgb8", Step: 6, Data: make([]byte, 12)})
	seed(&sensor_msgs.CameraInfo{DistortionModel: "plumb_bob", D: make([]float64, 5)})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		name := names[int(data[0])%len(names)]
		m, _ := rosmsg.New(name)
		if err := cdr.Unmarshal(data[1:], m); err != nil {
			return
		}
		again := cdr.Marshal(m)
		m2, _ := rosmsg.New(name)
		if err := cdr.Unmarshal(again, m2); err != nil {
			t.Fatalf("%s: re-encoded message does not decode: %v", name, err)
		}
		// Compare encodings rather than values: NaN payloads are legal.
		if !bytes.Equal(cdr.Marshal(m2), again) {
			t.Fatalf("%s: re-encode round trip differs", name)
		}
	})
}
