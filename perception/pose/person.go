package pose

// Visibility values of Keypoint.Visibility, as COCO and gopercept_msgs/Keypoint2D
// define them.
const (
	// NotLabelled marks a keypoint that was not found (or not annotated).
	NotLabelled uint8 = 0
	// Occluded marks a keypoint that was found but is not visible.
	Occluded uint8 = 1
	// Visible marks a visible keypoint.
	Visible uint8 = 2
)

// Keypoint is one body keypoint: X, Y in pixels of the image named by the
// context, Score in [0, 1] (the model's confidence; NaN never appears) and
// Visibility (NotLabelled, Occluded or Visible).
type Keypoint struct {
	X, Y, Score float32
	Visibility  uint8
}

// Person is one detected or annotated person: Box as (x1, y1, x2, y2) in
// pixels, Score the detection confidence in [0, 1], and Keypoints in the
// decoder's convention (COCO-17 order for every decoder of pose/decode, with
// length NumKeypoints). Decoders reuse Keypoints' capacity across frames.
type Person struct {
	Box       [4]float32
	Score     float32
	Keypoints []Keypoint
}

// Area returns the box area in square pixels (0 for an inverted box).
func (p *Person) Area() float32 {
	w, h := p.Box[2]-p.Box[0], p.Box[3]-p.Box[1]
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// CopyFrom makes p a deep copy of q, reusing p's keypoint storage.
func (p *Person) CopyFrom(q *Person) {
	p.Box, p.Score = q.Box, q.Score
	p.Keypoints = append(p.Keypoints[:0], q.Keypoints...)
}

// KeypointBox returns the tight box (x1, y1, x2, y2) around the keypoints
// whose Visibility is above NotLabelled, and false when there are none.
func (p *Person) KeypointBox() ([4]float32, bool) {
	var b [4]float32
	ok := false
	for _, k := range p.Keypoints {
		if k.Visibility == NotLabelled {
			continue
		}
		if !ok {
			b = [4]float32{k.X, k.Y, k.X, k.Y}
			ok = true
			continue
		}
		b[0], b[1] = min(b[0], k.X), min(b[1], k.Y)
		b[2], b[3] = max(b[2], k.X), max(b[3], k.Y)
	}
	return b, ok
}

// Grow extends people by one Person and returns the slice and a pointer to
// the new element, whose Keypoints has length k (zeroed) and reuses the
// storage left there by an earlier frame when the slice has capacity. Use it
// as people = people[:0] at the start of a frame, then Grow per person, so
// that decoding allocates nothing after warm-up.
func Grow(people []Person, k int) ([]Person, *Person) {
	n := len(people)
	if n < cap(people) {
		people = people[:n+1]
	} else {
		people = append(people, Person{})
	}
	p := &people[n]
	p.Box, p.Score = [4]float32{}, 0
	if cap(p.Keypoints) < k {
		p.Keypoints = make([]Keypoint, k)
	}
	p.Keypoints = p.Keypoints[:k]
	clear(p.Keypoints)
	return people, p
}
