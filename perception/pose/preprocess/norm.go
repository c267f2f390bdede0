package preprocess

import (
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
	"github.com/gopercept/gopercept/internal/imageconv"
)

// Norm is the per-channel normalisation value = (pixel − Mean[c]) / Std[c]
// with pixels in 0..255, channels in RGB order. BGR makes the tensor's
// channel 0 blue (Mean and Std stay in RGB order).
type Norm struct {
	Mean, Std [3]float32
	BGR       bool
}

// UnitScale divides by 255 (YOLO): values in [0, 1].
var UnitScale = Norm{Std: [3]float32{255, 255, 255}}

// ImageNet is the ImageNet mean/std on 0..255 RGB used by the top-down pose
// models (mmpose, RTMPose).
var ImageNet = Norm{
	Mean: [3]float32{123.675, 116.28, 103.53},
	Std:  [3]float32{58.395, 57.12, 57.375},
}

// coeffs returns per tensor channel the source channel, the multiplier and
// the offset: value = pixel·mul + add. param names n in a config error.
func (n Norm) coeffs(param string) (src [3]int, mul, add [3]float32, err error) {
	for c := range 3 {
		s := c
		if n.BGR {
			s = 2 - c
		}
		if !(n.Std[s] > 0) {
			return src, mul, add, configerr.New(fmt.Sprintf("%s.Std[%d]", param, s), n.Std[s], "want > 0")
		}
		src[c] = s
		mul[c] = 1 / n.Std[s]
		add[c] = -n.Mean[s] / n.Std[s]
	}
	return src, mul, add, nil
}

func checkImage(img *imageconv.RGB) error {
	if img == nil || img.Width <= 0 || img.Height <= 0 {
		return fmt.Errorf("%w: empty", ErrImage)
	}
	if len(img.Pix) < 3*img.Width*img.Height {
		return fmt.Errorf("%w: %d×%d needs %d bytes, have %d", ErrImage, img.Width, img.Height, 3*img.Width*img.Height, len(img.Pix))
	}
	return nil
}
