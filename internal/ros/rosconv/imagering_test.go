package rosconv

import (
	"testing"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/builtin_interfaces"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/std_msgs"
)

func rgbImage(sec int32, v byte) *sensor_msgs.Image {
	return &sensor_msgs.Image{Header: std_msgs.Header{Stamp: builtin_interfaces.Time{Sec: sec}, FrameID: "cam"},
		Width: 2, Height: 1, Step: 6, Encoding: "rgb8", Data: []byte{v, v, v, v, v, v}}
}

// TestImageRing keeps the newest Size copies (not the caller's buffer),
// finds the nearest by stamp and decodes it.
func TestImageRing(t *testing.T) {
	r := ImageRing{Size: 2}
	if b, _ := r.Nearest(0); b != nil || r.Newest() != nil {
		t.Fatal("empty ring returned an image")
	}
	for s := int32(1); s <= 3; s++ {
		m := rgbImage(s, byte(10*s))
		r.PushImage(m)
		m.Data[0] = 0 // the ring must hold a copy
	}
	if b, _ := r.Nearest(0); b.Stamp != 2e9 {
		t.Errorf("oldest kept stamp %d, want 2 s (Size 2 drops the first)", b.Stamp)
	}
	b, d := r.Nearest(2_900_000_000)
	if b.Stamp != 3e9 || d != 100_000_000 {
		t.Errorf("nearest to 2.9 s: %d at %d ns", b.Stamp, d)
	}
	var rgb imageconv.RGB
	if err := b.Decode(&rgb); err != nil || rgb.Width != 2 || rgb.Pix[0] != 30 {
		t.Errorf("decode: %v, %d px wide, first %d (want 30)", err, rgb.Width, rgb.Pix[0])
	}
	if r.Newest().Stamp != 3e9 {
		t.Errorf("newest %d", r.Newest().Stamp)
	}
	next := rgbImage(4, 1)
	if a := testing.AllocsPerRun(10, func() { r.PushImage(next) }); a != 0 {
		t.Errorf("a full ring allocates %v times per push", a)
	}
	r.Reset()
	if r.Newest() != nil {
		t.Error("Reset kept images")
	}
}

func TestLayoutAndFieldsRoundTrip(t *testing.T) {
	pc := &sensor_msgs.PointCloud2{Width: 3, Height: 2, PointStep: 16, RowStep: 48, IsBigendian: true,
		Fields: []sensor_msgs.PointField{{Name: "x", Offset: 0, Datatype: 7, Count: 1}, {Name: "ring", Offset: 12, Datatype: 4, Count: 1}}}
	l := Layout(pc, nil)
	if l.NumPoints() != 6 || !l.BigEndian || l.RowStep != 48 {
		t.Fatalf("layout %+v", l)
	}
	back := AppendFields(nil, l.Fields)
	if len(back) != 2 || back[1] != pc.Fields[1] || back[0] != pc.Fields[0] {
		t.Errorf("fields back: %+v, want %+v", back, pc.Fields)
	}
}
