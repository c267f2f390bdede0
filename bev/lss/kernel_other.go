//go:build !amd64 || purego

package lss

// useSIMD is false where no assembly kernel exists.
var useSIMD = false

// dotSIMD does nothing without an assembly kernel.
func dotSIMD(acc, feat []float32, offs []int32, depth []float32, di []int32) int { return 0 }
