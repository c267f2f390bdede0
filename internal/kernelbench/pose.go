package kernelbench

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/decode"
)

// The pose family: mmpose's DARK refinement of one person's heatmaps and
// lightweight-openpose's PAF grouping, on the inputs those were timed on
// (decode.DARKPersonHeatmaps, decode.PAFSixPeople). Neither has a parallel
// path at this size: one person is 17 heatmaps of a few microseconds, and
// the grouping is sequential; threads only sets GOMAXPROCS.
func init() {
	register(Kernel{
		Name:     "dark",
		Workload: "DARK per person, 17×64×48 heatmaps, blur kernel 11 (mmpose refine_keypoints_dark)",
		TargetMs: 0.02,
		Setup: func(int) (func() error, func(), error) {
			const k, w, h = pose.NumKeypoints, decode.DARKPersonW, decode.DARKPersonH
			hm := decode.DARKPersonHeatmaps()
			d, err := decode.NewDARK(11)
			if err != nil {
				return nil, nil, err
			}
			out := make([]pose.Keypoint, k)
			return func() error { d.Decode(hm, k, w, h, out); return nil }, nil, nil
		},
	})
	register(Kernel{
		Name:     "paf",
		Workload: "PAF grouping, 6 people, 19+38 channels of 328×184 (lightweight-openpose group_keypoints)",
		TargetMs: 1,
		Setup: func(int) (func() error, func(), error) {
			const w, h = decode.PAFSixW, decode.PAFSixH
			hm, paf := decode.PAFSixPeople()
			d, err := decode.New("openpose", decode.Config{InputWidth: 656, InputHeight: 368,
				PAF: decode.PAFConfig{Topology: decode.OpenPoseCOCO}})
			if err != nil {
				return nil, nil, err
			}
			outs := []decode.Tensor{
				{Name: "heatmaps", Shape: []int{1, 19, h, w}, Data: hm},
				{Name: "pafs", Shape: []int{1, 38, h, w}, Data: paf},
			}
			var people []pose.Person
			op := func() error {
				var err error
				if people, err = d.Decode(outs, people); err != nil {
					return fmt.Errorf("paf decode: %w", err)
				}
				// A decoder that finds fewer people does less work: the
				// timing would not be of this workload.
				if len(people) != 6 {
					return fmt.Errorf("paf decode: %d people, want 6", len(people))
				}
				return nil
			}
			return op, nil, nil
		},
	})
}
