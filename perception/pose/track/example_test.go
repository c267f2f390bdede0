package track_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/track"
)

// standing returns a crude figure whose keypoints lie in a column at x.
func standing(x float32) pose.Person {
	p := pose.Person{Box: [4]float32{x - 30, 0, x + 30, 170}, Score: 0.9, Keypoints: make([]pose.Keypoint, pose.NumKeypoints)}
	for i := range p.Keypoints {
		p.Keypoints[i] = pose.Keypoint{X: x + float32(i%2*20-10), Y: float32(10 * i), Score: 0.9, Visibility: pose.Visible}
	}
	return p
}

func ExampleTracker() {
	tr, err := track.New(track.Config{MinHits: 2, MaxMisses: 1})
	if err != nil {
		panic(err)
	}
	// Two people walking right at 5 px a frame, 30 frames a second; the
	// detector lists them in either order.
	for f := int64(0); f < 4; f++ {
		a, b := standing(100+5*float32(f)), standing(300+5*float32(f))
		people := []pose.Person{a, b}
		if f%2 == 1 {
			people = []pose.Person{b, a}
		}
		ids := tr.Update(f*33_333_333, people)
		fmt.Println(f, ids)
	}
	// Output:
	// 0 [0 0]
	// 1 [2 1]
	// 2 [1 2]
	// 3 [2 1]
}
