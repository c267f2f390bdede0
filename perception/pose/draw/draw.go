package draw

import (
	"math"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/perception/pose"
)

// Colour is an RGB triple.
type Colour [3]uint8

// palette holds well-separated colours (Tableau 10).
var palette = [...]Colour{
	{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
	{140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
}

// Untracked is the colour of people without a track id.
var Untracked = Colour{255, 255, 255}

// ForID returns the colour of track id (Untracked for 0); ids cycle through
// a 10-colour palette.
func ForID(id uint64) Colour {
	if id == 0 {
		return Untracked
	}
	return palette[(id-1)%uint64(len(palette))]
}

// Style sets line widths and which keypoints are drawn.
type Style struct {
	// LineWidth is the limb thickness in pixels (default 2).
	LineWidth float64
	// JointRadius is the joint disc radius in pixels (default 3).
	JointRadius float64
	// MinScore is the keypoint score below which a keypoint and its limbs
	// are not drawn (default 0.3).
	MinScore float32
	// Box draws the person's box outline when true.
	Box bool
}

func (s Style) withDefaults() Style {
	if s.LineWidth <= 0 {
		s.LineWidth = 2
	}
	if s.JointRadius <= 0 {
		s.JointRadius = 3
	}
	if s.MinScore == 0 {
		s.MinScore = 0.3
	}
	return s
}

// Person draws p's COCO-17 skeleton on img in colour c: limbs of
// pose.Skeleton whose two ends are labelled and score at least MinScore,
// then the joints, then (with Style.Box) the box.
func Person(img *imageconv.RGB, p *pose.Person, c Colour, st Style) {
	st = st.withDefaults()
	kp := p.Keypoints
	ok := func(i int) bool {
		return i < len(kp) && kp[i].Visibility != pose.NotLabelled && kp[i].Score >= st.MinScore
	}
	if len(kp) == pose.NumKeypoints {
		for _, l := range pose.Skeleton {
			if ok(l[0]) && ok(l[1]) {
				a, b := kp[l[0]], kp[l[1]]
				Line(img, float64(a.X), float64(a.Y), float64(b.X), float64(b.Y), st.LineWidth, c)
			}
		}
	}
	for i := range kp {
		if ok(i) {
			Disc(img, float64(kp[i].X), float64(kp[i].Y), st.JointRadius, c)
		}
	}
	if st.Box {
		b := p.Box
		x0, y0, x1, y1 := float64(b[0]), float64(b[1]), float64(b[2]), float64(b[3])
		Line(img, x0, y0, x1, y0, 1, c)
		Line(img, x1, y0, x1, y1, 1, c)
		Line(img, x1, y1, x0, y1, 1, c)
		Line(img, x0, y1, x0, y0, 1, c)
	}
}

// Line paints the pixels whose centres lie within width/2 of the segment
// (x0, y0)–(x1, y1). Non-finite coordinates draw nothing.
func Line(img *imageconv.RGB, x0, y0, x1, y1, width float64, c Colour) {
	if !finite(x0 + y0 + x1 + y1 + width) {
		return
	}
	r := width / 2
	if r < 0.5 {
		r = 0.5
	}
	minX, maxX := clampI(math.Floor(math.Min(x0, x1)-r), img.Width), clampI(math.Ceil(math.Max(x0, x1)+r), img.Width)
	minY, maxY := clampI(math.Floor(math.Min(y0, y1)-r), img.Height), clampI(math.Ceil(math.Max(y0, y1)+r), img.Height)
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	r2 := r * r
	inside := func(x, y int) bool {
		px, py := float64(x)-x0, float64(y)-y0
		t := 0.0
		if l2 > 0 {
			t = math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
		}
		ex, ey := px-t*dx, py-t*dy
		return ex*ex+ey*ey <= r2
	}
	// The capsule is convex, so each row meets it in one run of pixels:
	// start next to the segment's point nearest the row and grow both ways.
	for y := minY; y <= maxY; y++ {
		t := 0.5
		if dy != 0 {
			t = math.Max(0, math.Min(1, (float64(y)-y0)/dy))
		}
		xc := int(math.Round(x0 + t*dx))
		start := minX - 1
		for _, x := range [3]int{xc, xc - 1, xc + 1} {
			if x >= minX && x <= maxX && inside(x, y) {
				start = x
				break
			}
		}
		if start < minX {
			continue
		}
		lo, hi := start, start
		for lo-1 >= minX && inside(lo-1, y) {
			lo--
		}
		for hi+1 <= maxX && inside(hi+1, y) {
			hi++
		}
		for x := lo; x <= hi; x++ {
			set(img, x, y, c)
		}
	}
}

// Disc paints the pixels whose centres lie within radius of (cx, cy).
func Disc(img *imageconv.RGB, cx, cy, radius float64, c Colour) {
	Line(img, cx, cy, cx, cy, 2*radius, c)
}

func set(img *imageconv.RGB, x, y int, c Colour) {
	if x < 0 || y < 0 || x >= img.Width || y >= img.Height {
		return
	}
	i := 3 * (y*img.Width + x)
	img.Pix[i], img.Pix[i+1], img.Pix[i+2] = c[0], c[1], c[2]
}

// clampI converts v to an int clamped to [-1, n] so loops stay small for
// far-away coordinates; set ignores the out-of-image rows and columns.
func clampI(v float64, n int) int {
	if v < -1 {
		return -1
	}
	if v > float64(n) {
		return n
	}
	return int(v)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
