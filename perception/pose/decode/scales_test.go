package decode

import (
	"testing"

	"github.com/gopercept/gopercept/perception/pose"
)

func person(box [4]float32, score float32, kps ...pose.Keypoint) pose.Person {
	return pose.Person{Box: box, Score: score, Keypoints: kps}
}

func kp(x, y, s float32) pose.Keypoint {
	return pose.Keypoint{X: x, Y: y, Score: s, Visibility: pose.Visible}
}

func TestScaleFusion(t *testing.T) {
	base := []pose.Person{
		person([4]float32{0, 0, 100, 200}, 0.5, kp(10, 10, 0.9), kp(20, 20, 0.1)),
		person([4]float32{300, 0, 400, 200}, 0.4, kp(310, 10, 0.2), kp(320, 20, 0.2)),
	}
	other := []pose.Person{
		// The first person again (IoU 0.82): its second joint is surer here.
		person([4]float32{0, 10, 100, 200}, 0.7, kp(12, 12, 0.5), kp(25, 30, 0.6)),
		// Someone only this size found.
		person([4]float32{150, 0, 250, 200}, 0.3, kp(160, 10, 0.8), kp(170, 20, 0.8)),
		// Overlaps the second person too little (IoU 0.33) to be them.
		person([4]float32{350, 0, 450, 200}, 0.9, kp(360, 10, 0.9), kp(370, 20, 0.9)),
	}
	var f ScaleFusion
	got := f.Fuse(base, other)
	if len(got) != 4 {
		t.Fatalf("%d people, want 4 (two fused, two appended)", len(got))
	}
	if g := got[0]; g.Score != 0.7 || g.Keypoints[0] != kp(10, 10, 0.9) || g.Keypoints[1] != kp(25, 30, 0.6) || g.Box != base[0].Box {
		t.Errorf("fused person %+v: want score 0.7, the first joint from base, the second from other, base's box", g)
	}
	if g := got[1]; g.Score != 0.4 || g.Keypoints[0] != kp(310, 10, 0.2) {
		t.Errorf("unmatched base person changed: %+v", g)
	}
	if got[2].Box != other[1].Box || got[3].Box != other[2].Box {
		t.Errorf("appended %v and %v, want other's second and third", got[2].Box, got[3].Box)
	}
	// The appended people are copies: other's storage is the next frame's.
	other[1].Keypoints[0].X = -1
	if got[2].Keypoints[0].X != 160 {
		t.Error("an appended person shares keypoint storage with other")
	}
	// One person of base takes at most one of other.
	f2 := ScaleFusion{MinIoU: 0.5}
	two := []pose.Person{person([4]float32{0, 0, 100, 200}, 0.5, kp(1, 1, 0.1)), person([4]float32{0, 5, 100, 200}, 0.5, kp(2, 2, 0.1))}
	got = f2.Fuse([]pose.Person{person([4]float32{0, 0, 100, 200}, 0.5, kp(0, 0, 0.5))}, two)
	if len(got) != 2 {
		t.Errorf("%d people, want 2: the second near-duplicate has no free partner", len(got))
	}
}

func TestScaleFusionAllocs(t *testing.T) {
	base := make([]pose.Person, 0, 8)
	other := []pose.Person{person([4]float32{0, 0, 10, 10}, 0.5, kp(1, 1, 0.5)), person([4]float32{50, 0, 60, 10}, 0.5, kp(51, 1, 0.5))}
	first := person([4]float32{0, 0, 10, 10}, 0.4, kp(1, 1, 0.4))
	var f ScaleFusion
	run := func() {
		b, p := pose.Grow(base[:0], 1)
		p.Box, p.Score, p.Keypoints[0] = first.Box, first.Score, first.Keypoints[0]
		base = f.Fuse(b, other)
		if len(base) != 2 {
			t.Fatalf("%d people, want 2", len(base))
		}
	}
	run()
	if a := testing.AllocsPerRun(50, run); a != 0 {
		t.Errorf("Fuse allocates %v times per frame after warm-up", a)
	}
}
