package pose2dnode

import (
	"testing"

	"github.com/gopercept/gopercept/internal/imageconv"
)

// TestNMSAcrossPasses: across passes the same person seen at two scales (one
// box mostly inside the other) is kept once, the better scored; within a
// pass two overlapping people are both kept unless their IoU passes the
// threshold.
func TestNMSAcrossPasses(t *testing.T) {
	dets := []detection{
		{box: [4]float32{100, 100, 140, 200}, score: 0.8, pass: 0},
		{box: [4]float32{102, 104, 138, 196}, score: 0.9, pass: 3}, // same person from a tile
		{box: [4]float32{120, 100, 160, 200}, score: 0.7, pass: 0}, // neighbour, IoU 0.33
		{box: [4]float32{300, 50, 310, 70}, score: 0.5, pass: 2},   // small person, only in a tile
		{box: [4]float32{121, 101, 161, 201}, score: 0.6, pass: 0}, // duplicate of the neighbour
	}
	got := nms(dets, 0.6, 10)
	want := [][4]float32{{102, 104, 138, 196}, {120, 100, 160, 200}, {300, 50, 310, 70}}
	if len(got) != len(want) {
		t.Fatalf("kept %d: %+v", len(got), got)
	}
	for i, w := range want {
		if got[i].box != w {
			t.Errorf("kept[%d] = %v, want %v", i, got[i].box, w)
		}
	}
	if got := nms(append([]detection(nil), dets...), 0.6, 2); len(got) != 2 {
		t.Errorf("maxN 2 kept %d", len(got))
	}
}

// TestCutTile: a tile holds exactly the frame's pixels at its place.
func TestCutTile(t *testing.T) {
	img := imageconv.RGB{Width: 8, Height: 6, Pix: make([]uint8, 3*8*6)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var e estimator
	e.cutTile(&img, 3, 2, 4, 3)
	if e.tile.Width != 4 || e.tile.Height != 3 || e.frameW != 8 || e.frameH != 6 {
		t.Fatalf("tile %d×%d of %d×%d", e.tile.Width, e.tile.Height, e.frameW, e.frameH)
	}
	for y := range 3 {
		for x := range 4 {
			for c := range 3 {
				if got, want := e.tile.Pix[3*(y*4+x)+c], img.Pix[3*((y+2)*8+x+3)+c]; got != want {
					t.Fatalf("tile (%d,%d,%d) = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
}
