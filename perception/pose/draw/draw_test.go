package draw

import (
	"math"
	"testing"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
)

func newImg(w, h int) *imageconv.RGB {
	return &imageconv.RGB{Width: w, Height: h, Pix: make([]uint8, 3*w*h)}
}

func at(img *imageconv.RGB, x, y int) Colour {
	i := 3 * (y*img.Width + x)
	return Colour{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}
}

// TestLineAgainstBruteForce compares Line with a per-pixel distance test
// over the whole image.
func TestLineAgainstBruteForce(t *testing.T) {
	segs := [][5]float64{{3, 4, 40, 25, 3}, {10, 10, 10, 10, 7}, {-20, 5, 70, 30, 2}, {30.5, 2.2, 31.7, 40.1, 1}}
	for _, s := range segs {
		img := newImg(48, 32)
		c := Colour{9, 8, 7}
		Line(img, s[0], s[1], s[2], s[3], s[4], c)
		r := math.Max(s[4]/2, 0.5)
		for y := 0; y < img.Height; y++ {
			for x := 0; x < img.Width; x++ {
				// Distance from the pixel centre to the segment, sampled finely.
				best := math.Inf(1)
				for k := 0; k <= 2000; k++ {
					f := float64(k) / 2000
					qx, qy := s[0]+f*(s[2]-s[0]), s[1]+f*(s[3]-s[1])
					best = math.Min(best, math.Hypot(float64(x)-qx, float64(y)-qy))
				}
				want := best <= r
				got := at(img, x, y) == c
				if want != got && math.Abs(best-r) > 0.05 {
					t.Fatalf("segment %v pixel %d,%d: painted %v, distance %.3f radius %.2f", s, x, y, got, best, r)
				}
			}
		}
	}
	// Non-finite input draws nothing and does not panic.
	img := newImg(8, 8)
	Line(img, math.NaN(), 0, 4, 4, 2, Colour{1, 1, 1})
	Line(img, 0, 0, math.Inf(1), 4, 2, Colour{1, 1, 1})
	for _, v := range img.Pix {
		if v != 0 {
			t.Fatal("non-finite line drew")
		}
	}
}

func TestPerson(t *testing.T) {
	img := newImg(100, 100)
	p := pose.Person{Box: [4]float32{10, 10, 90, 90}, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	p.Keypoints[pose.LeftShoulder] = pose.Keypoint{X: 20, Y: 30, Score: 0.9, Visibility: pose.Visible}
	p.Keypoints[pose.LeftElbow] = pose.Keypoint{X: 60, Y: 30, Score: 0.9, Visibility: pose.Visible}
	p.Keypoints[pose.LeftWrist] = pose.Keypoint{X: 60, Y: 80, Score: 0.1, Visibility: pose.Visible}
	c := ForID(3)
	Person(img, &p, c, Style{Box: true})
	if at(img, 40, 30) != c {
		t.Error("shoulder–elbow limb not drawn")
	}
	if at(img, 60, 60) == c {
		t.Error("limb to a low-score wrist drawn")
	}
	if at(img, 60, 80) == c {
		t.Error("low-score joint drawn")
	}
	if at(img, 50, 10) != c || at(img, 90, 50) != c {
		t.Error("box not drawn")
	}
	if at(img, 50, 50) != (Colour{}) {
		t.Error("inside of the box painted")
	}
	if ForID(0) != Untracked || ForID(1) == ForID(2) || ForID(1) != ForID(11) {
		t.Error("palette")
	}
}

func BenchmarkPerson(b *testing.B) {
	img := newImg(640, 480)
	p := pose.Person{Box: [4]float32{100, 50, 300, 450}, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	for i := range p.Keypoints {
		p.Keypoints[i] = pose.Keypoint{X: 150 + float32(i%2)*100, Y: 60 + float32(i)*22, Score: 0.9, Visibility: pose.Visible}
	}
	b.ReportAllocs()
	for b.Loop() {
		Person(img, &p, ForID(1), Style{})
	}
}
