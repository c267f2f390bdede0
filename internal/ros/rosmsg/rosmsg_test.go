package rosmsg_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosmsg"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

// fill sets every field of v to pseudo-random values, sequences 0..3 long.
func fill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i))
		}
	case reflect.Slice:
		n := r.IntN(4)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			fill(r, v.Index(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fill(r, v.Index(i))
		}
	case reflect.String:
		v.SetString(strings.Repeat("ab", r.IntN(4)))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(r.Uint64()) >> (64 - v.Type().Bits()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(r.Uint64() >> (64 - v.Type().Bits()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(float32(r.NormFloat64() * 100)))
	}
}

// normalize maps nil and empty slices to the same value for comparison.
func equalMsgs(a, b any) bool {
	return reflect.DeepEqual(canon(reflect.ValueOf(a)), canon(reflect.ValueOf(b)))
}

func canon(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		return canon(v.Elem())
	case reflect.Struct:
		out := make([]any, v.NumField())
		for i := range out {
			out[i] = canon(v.Field(i))
		}
		return out
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = canon(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

func TestRoundTripEveryType(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range rosmsg.TypeNames() {
		for trial := 0; trial < 20; trial++ {
			m, err := rosmsg.New(name)
			if err != nil {
				t.Fatal(err)
			}
			fill(r, reflect.ValueOf(m).Elem())
			data := cdr.Marshal(m)
			got, _ := rosmsg.New(name)
			if err := cdr.Unmarshal(data, got); err != nil {
				t.Fatalf("%s: unmarshal: %v", name, err)
			}
			if !equalMsgs(m, got) {
				t.Fatalf("%s: round trip differs:\n got %+v\nwant %+v", name, got, m)
			}
			if again := cdr.Marshal(got); !bytes.Equal(again, data) {
				t.Fatalf("%s: re-encoding differs", name)
			}
			// Every strict prefix must fail cleanly, never panic: the encoder
			// writes no trailing padding, so the last field always ends the data.
			for cut := 0; cut < len(data); cut++ {
				p, _ := rosmsg.New(name)
				if err := cdr.Unmarshal(data[:cut], p); err == nil {
					t.Fatalf("%s: prefix %d/%d decoded without error", name, cut, len(data))
				}
			}
		}
	}
}

// TestKnownBytes pins the wire layout against bytes worked out by hand from
// the XCDR1 rules: alignment counts from after the encapsulation header.
func TestKnownBytes(t *testing.T) {
	m := &geometry_msgs.TransformStamped{
		Header:       std_msgs.Header{FrameID: "map"},
		ChildFrameID: "odom",
	}
	m.Header.Stamp.Sec = 1
	m.Header.Stamp.Nanosec = 2
	m.Transform.Translation.X = 1.5
	m.Transform.Rotation.W = 1
	got := cdr.Marshal(m)
	want := []byte{
		0x00, 0x01, 0x00, 0x00, // CDR_LE
		1, 0, 0, 0, 2, 0, 0, 0, // stamp
		4, 0, 0, 0, 'm', 'a', 'p', 0, // frame_id
		5, 0, 0, 0, 'o', 'd', 'o', 'm', 0, // child_frame_id (ends at body offset 25)
		0, 0, 0, 0, 0, 0, 0, // pad to 32
		0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // x = 1.5
	}
	if !bytes.Equal(got[:len(want)], want) {
		t.Fatalf("layout:\n got % x\nwant % x", got[:len(want)], want)
	}
	if len(got) != len(want)+8*6 {
		t.Fatalf("length %d, want %d", len(got), len(want)+48)
	}
}

func TestBigEndianDecode(t *testing.T) {
	data := []byte{0x00, 0x00, 0x00, 0x00, 0, 0, 0, 7, 0, 0, 0, 9}
	m, _ := rosmsg.New("builtin_interfaces/Time")
	if err := cdr.Unmarshal(data, m); err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(m).Elem()
	if v.Field(0).Int() != 7 || v.Field(1).Uint() != 9 {
		t.Fatalf("big endian decode gave %+v", m)
	}
}

func TestHostileLength(t *testing.T) {
	// A PointCloud2 whose fields sequence claims 2^32-1 entries.
	var e cdr.Encoder
	e.Reset(nil)
	(&std_msgs.Header{FrameID: "x"}).EncodeCDR(&e)
	e.Uint32(1)
	e.Uint32(1)
	e.Uint32(0xffffffff)
	var pc sensor_msgs.PointCloud2
	err := cdr.Unmarshal(e.Bytes(), &pc)
	if !errors.Is(err, cdr.ErrLength) {
		t.Fatalf("got %v, want ErrLength", err)
	}
	var de *cdr.DecodeError
	if !errors.As(err, &de) || de.Type != sensor_msgs.PointCloud2TypeName || de.Offset == 0 {
		t.Fatalf("error does not locate the failure: %v", err)
	}
	if cap(pc.Fields) != 0 {
		t.Fatalf("allocated %d fields for a hostile length", cap(pc.Fields))
	}
}

func TestBadHeader(t *testing.T) {
	var img sensor_msgs.Image
	for _, data := range [][]byte{nil, {0, 1}, {0, 9, 0, 0, 1, 2}} {
		if err := cdr.Unmarshal(data, &img); err == nil {
			t.Fatalf("% x: no error", data)
		}
	}
}

func TestSchemaDependencies(t *testing.T) {
	s, err := rosmsg.Schema("visualization_msgs/msg/MarkerArray")
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range []string{"MSG: visualization_msgs/Marker\n", "MSG: std_msgs/Header\n", "MSG: builtin_interfaces/Time\n",
		"MSG: builtin_interfaces/Duration\n", "MSG: geometry_msgs/Pose\n", "MSG: sensor_msgs/CompressedImage\n", "MSG: visualization_msgs/MeshFile\n"} {
		if strings.Count(s, dep) != 1 {
			t.Errorf("schema has %d × %q, want 1", strings.Count(s, dep), dep)
		}
	}
	if _, err := rosmsg.New("nope_msgs/msg/Nope"); err == nil {
		t.Fatal("unknown type accepted")
	}
}

func TestDecodeReusesAndAliases(t *testing.T) {
	pc := &sensor_msgs.PointCloud2{Header: std_msgs.Header{FrameID: "lidar_top"}, Height: 1, Width: 2, PointStep: 4,
		Fields: []sensor_msgs.PointField{{Name: "x", Offset: 0, Datatype: sensor_msgs.PointField_FLOAT32, Count: 1}},
		Data:   []byte{1, 2, 3, 4, 5, 6, 7, 8}}
	data := cdr.Marshal(pc)
	var got sensor_msgs.PointCloud2
	if err := cdr.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	// Data sits just before the trailing is_dense byte.
	if &got.Data[0] != &data[len(data)-1-len(pc.Data)] {
		t.Fatal("PointCloud2.data was copied, want an alias of the input")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := cdr.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Fatalf("steady-state decode allocates %.0f times", allocs)
	}
}

// scramble changes every leaf of v in place, keeping slice headers, as a
// producer that reuses its buffers does.
func scramble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		scramble(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			scramble(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			scramble(v.Index(i))
		}
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	}
}

// TestCloneSharesNothing: a clone keeps its values when the original's
// buffers are rewritten in place (the bug that halved eval bevfusion's AP).
func TestCloneSharesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, name := range rosmsg.TypeNames() {
		for trial := 0; trial < 10; trial++ {
			m, err := rosmsg.New(name)
			if err != nil {
				t.Fatal(err)
			}
			fill(r, reflect.ValueOf(m).Elem())
			before := cdr.Marshal(m)
			c := cdr.Clone(m)
			scramble(reflect.ValueOf(m))
			if after := cdr.Marshal(c); !bytes.Equal(after, before) {
				t.Fatalf("%s: clone changed when the original was rewritten in place", name)
			}
			if len(before) > 8 && bytes.Equal(cdr.Marshal(m), before) {
				t.Fatalf("%s: scramble did not change the original; the test proves nothing", name)
			}
		}
	}
}
