//go:build !amd64 || purego

package decode

// blockMax has no vector version here: Argmax's portable loop runs.
func blockMax(hm []float32, out []float32) bool { return false }
