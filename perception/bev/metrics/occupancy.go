package metrics

import (
	"fmt"
	"math"
)

// OccupancyIoU accumulates the IoU of the occupied class between predicted
// and ground-truth grids in nav_msgs/OccupancyGrid values (−1 unknown, 0–100
// occupancy probability in percent). The zero value is ready to use; add
// frames with Add and read IoU.
type OccupancyIoU struct {
	// Threshold is the value at or above which a cell counts as occupied;
	// 0 means 50.
	Threshold int8
	// Intersection and Union count cells occupied in both grids and in
	// either; Ignored counts cells unknown in the ground truth.
	Intersection, Union, Ignored int64
}

// Add accumulates one pair of grids of equal size. Cells unknown (< 0) in gt
// are skipped; an unknown prediction counts as free. It returns an error
// wrapping ErrSize when the sizes differ.
func (o *OccupancyIoU) Add(pred, gt []int8) error {
	if len(pred) != len(gt) {
		return fmt.Errorf("metrics: occupancy: %d predicted cells, %d ground-truth cells: %w", len(pred), len(gt), ErrSize)
	}
	thr := o.Threshold
	if thr <= 0 {
		thr = 50
	}
	var inter, union, ign int64
	for i, g := range gt {
		if g < 0 {
			ign++
			continue
		}
		po, gob := pred[i] >= thr, g >= thr
		if po && gob {
			inter++
		}
		if po || gob {
			union++
		}
	}
	o.Intersection += inter
	o.Union += union
	o.Ignored += ign
	return nil
}

// IoU returns Intersection/Union over everything added, NaN when no cell
// was occupied in either grid.
func (o *OccupancyIoU) IoU() float64 {
	if o.Union == 0 {
		return math.NaN()
	}
	return float64(o.Intersection) / float64(o.Union)
}
