//go:build !amd64 || purego

package lss

// useSIMD is false where no assembly kernel exists.
var useSIMD = false

// dotSIMD does nothing without an assembly kernel.
func dotSIMD(acc, feat []float32, offs []int32, depth []float32, di []int32) int { return 0 }

// sfence does nothing without non-temporal stores.
func sfence() {}

// storeBlock writes the block with the portable loop.
func storeBlock(out []float32, plane, lo, n int, buf []float32, c int) {
	storeBlockGo(out, plane, lo, n, buf, c, 0, 0)
}

// transposeTiles leaves the whole transpose to the portable loop.
func transposeTiles(dst, src []float32, v, fw, fh, hw, c int) (u8, c8 int) { return 0, 0 }

// expRow leaves the whole row to the portable loop.
func expRow(row []float32, mx, sum []float64) int { return 0 }

// maxRow leaves the whole row to the portable loop.
func maxRow(row, mx []float32) int { return 0 }

// normRow leaves the whole row to the portable loop.
func normRow(row []float32, s []float64) int { return 0 }
