//go:build !amd64 || purego

package decode

// blockMax has no vector version here: Argmax's portable loop runs.
func blockMax(hm []float32, out []float32) bool { return false }

// firstBlockAtLeast is firstBlockAtLeastGo here.
func firstBlockAtLeast(m []float32, thr float32) int { return firstBlockAtLeastGo(m, thr) }
