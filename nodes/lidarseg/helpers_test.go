package lidarsegnode

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/pointcloud"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/node"
	"github.com/gopercept/gopercept/internal/ros/param"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

// point is one synthetic lidar return.
type point struct {
	x, y, z   float64
	intensity float64 // 0..255, integral
	ring      int
}

// scene is a sweep of rings×cols rays from a sensor 1.73 m above a flat
// ground, with a box 8 m ahead, a wall 40 m behind and no return (NaN)
// above the horizon. Points are in firing order: column by column.
func scene(rings, cols int) []point {
	var pts []point
	up, down := 3.0*math.Pi/180, -25.0*math.Pi/180
	for c := 0; c < cols; c++ {
		az := math.Pi - 2*math.Pi*(float64(c)+0.5)/float64(cols)
		for r := 0; r < rings; r++ {
			el := down + (up-down)*(float64(r)+0.5)/float64(rings)
			dx, dy, dz := math.Cos(el)*math.Cos(az), math.Cos(el)*math.Sin(az), math.Sin(el)
			t := math.Inf(1)
			if dz < 0 {
				t = 1.73 / -dz
			}
			if dx > 0 {
				if s := 8 / dx; s < t && math.Abs(s*dy) < 1.5 && s*dz < 0.5 {
					t = s
				}
			}
			if dx < 0 {
				if s := 40 / -dx; s < t {
					t = s
				}
			}
			p := point{x: math.NaN(), y: math.NaN(), z: math.NaN(), ring: r, intensity: float64((c*7 + r*13) % 256)}
			if !math.IsInf(t, 0) {
				p.x, p.y, p.z = t*dx, t*dy, t*dz
			}
			pts = append(pts, p)
		}
	}
	return pts
}

// fieldSpec is one field of a test layout.
type fieldSpec struct {
	name string
	dt   uint8
	get  func(p point) float64
}

var (
	fX    = func(p point) float64 { return p.x }
	fY    = func(p point) float64 { return p.y }
	fZ    = func(p point) float64 { return p.z }
	fI    = func(p point) float64 { return p.intensity }
	fRing = func(p point) float64 { return float64(p.ring) }
)

// encodeCloud lays pts out as a PointCloud2 with the given fields (in that
// order, each aligned to its size), endianness and shape (height rows; a
// row_step padded by rowPad bytes).
func encodeCloud(pts []point, fields []fieldSpec, big bool, height int, rowPad int) *sensor_msgs.PointCloud2 {
	m := &sensor_msgs.PointCloud2{Header: std_msgs.Header{Stamp: builtin_interfaces.Time{Sec: 12, Nanosec: 345}, FrameID: "velodyne"},
		IsBigendian: big, Height: uint32(height), Width: uint32(len(pts) / height)}
	off := uint32(0)
	for _, f := range fields {
		sz := uint32(pointcloud.Size(f.dt))
		off = (off + sz - 1) / sz * sz
		m.Fields = append(m.Fields, sensor_msgs.PointField{Name: f.name, Offset: off, Datatype: f.dt, Count: 1})
		off += sz
	}
	m.PointStep = (off + 3) / 4 * 4
	m.RowStep = m.Width*m.PointStep + uint32(rowPad)
	m.Data = make([]byte, int(m.RowStep)*height)
	var o binary.ByteOrder = binary.LittleEndian
	if big {
		o = binary.BigEndian
	}
	for i, p := range pts {
		base := (i/int(m.Width))*int(m.RowStep) + (i%int(m.Width))*int(m.PointStep)
		for k, f := range fields {
			b := m.Data[base+int(m.Fields[k].Offset):]
			v := f.get(p)
			switch f.dt {
			case pointcloud.Float32:
				o.PutUint32(b, math.Float32bits(float32(v)))
			case pointcloud.Float64:
				o.PutUint64(b, math.Float64bits(v))
			case pointcloud.Uint8:
				b[0] = uint8(v)
			case pointcloud.Uint16:
				o.PutUint16(b, uint16(v))
			case pointcloud.Uint32:
				o.PutUint32(b, uint32(v))
			}
		}
	}
	return m
}

// capture is a Publisher keeping the CDR of every message.
type capture struct{ msgs map[string][][]byte }

func (c *capture) Publish(topic string, m cdr.Message) error {
	if c.msgs == nil {
		c.msgs = map[string][][]byte{}
	}
	c.msgs[topic] = append(c.msgs[topic], cdr.Marshal(m))
	return nil
}

// last decodes the last message published on topic into m.
func (c *capture) last(t *testing.T, topic string, m cdr.Message) {
	t.Helper()
	ms := c.msgs[topic]
	if len(ms) == 0 {
		t.Fatalf("nothing published on %s", topic)
	}
	if err := cdr.Unmarshal(ms[len(ms)-1], m); err != nil {
		t.Fatal(err)
	}
}

// newNode builds the node with values over the defaults.
func newNode(t testing.TB, values map[string]any) (*Node, *node.Stats) {
	t.Helper()
	ps := param.New("lidarseg", values)
	st := node.NewStats()
	n, err := New(node.Env{Name: "lidarseg", Params: ps, Stats: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, st
}

func msgOf(m *sensor_msgs.PointCloud2) *node.Msg {
	return &node.Msg{Topic: "lidar/points", Type: sensor_msgs.PointCloud2TypeName, Data: cdr.Marshal(m)}
}

// labelledPoint is what the output cloud says of one point.
type labelledPoint struct {
	x, y, z  float64
	label    uint16
	rgb      uint32
	instance uint32
}

// readLabelled decodes the labelled cloud's points.
func readLabelled(t *testing.T, m *sensor_msgs.PointCloud2) []labelledPoint {
	t.Helper()
	l := pointcloud.Layout{Width: m.Width, Height: m.Height, PointStep: m.PointStep, RowStep: m.RowStep, BigEndian: m.IsBigendian}
	for _, f := range m.Fields {
		l.Fields = append(l.Fields, pointcloud.Field{Name: f.Name, Offset: f.Offset, Datatype: f.Datatype, Count: f.Count})
	}
	if err := l.Validate(len(m.Data), 0); err != nil {
		t.Fatal(err)
	}
	acc := func(name string, dt uint8) pointcloud.Accessor {
		f, ok := l.Find(name)
		if !ok || (dt != 0 && f.Datatype != dt) {
			t.Fatalf("output field %s: %+v (want datatype %d)", name, f, dt)
		}
		return l.Accessor(f)
	}
	x, y, z := acc("x", 0), acc("y", 0), acc("z", 0)
	lab, rgb, inst := acc(FieldLabel, pointcloud.Uint16), acc(FieldRGB, pointcloud.Float32), acc(FieldInstance, pointcloud.Uint32)
	out := make([]labelledPoint, l.NumPoints())
	for i := range out {
		out[i] = labelledPoint{x: x.Float(m.Data, i), y: y.Float(m.Data, i), z: z.Float(m.Data, i),
			label: uint16(lab.Float(m.Data, i)), rgb: math.Float32bits(rgb.Float32(m.Data, i)), instance: uint32(inst.Float(m.Data, i))}
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func newParams(values map[string]any) *param.Set { return param.New("lidarseg", values) }

func envWith(values map[string]any) node.Env {
	return node.Env{Name: "lidarseg", Params: newParams(values), Stats: node.NewStats()}
}
