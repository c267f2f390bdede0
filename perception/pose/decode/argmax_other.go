//go:build !amd64 || purego

package decode

// firstBlockAtLeast is firstBlockAtLeastGo here.
func firstBlockAtLeast(m []float32, thr float32) int { return firstBlockAtLeastGo(m, thr) }

// vblur4 is vblur4Go here.
func vblur4(m []float32, p, w int, g []float64, r int, out []float64, ostride int) {
	vblur4Go(m, p, w, g, r, out, ostride)
}

// argmaxAVX has no vector version here: Argmax's portable loop runs.
func argmaxAVX(hm []float32) (i int, v float32, ok bool) { return 0, 0, false }

// hblur6 is hblur6Go here.
func hblur6(v []float64, cols int, g []float64, r int, out *[24]float64) {
	hblur6Go(v, cols, g, r, out)
}
