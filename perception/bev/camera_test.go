package bev

import "testing"

func TestMul4(t *testing.T) {
	a := [16]float64{1, 2, 0, 3, 0, 1, 0, 0, 0, 0, 1, 4, 0, 0, 0, 1}
	b := [16]float64{0, -1, 0, 1, 1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 1}
	want := [16]float64{2, -1, 0, 8, 1, 0, 0, 2, 0, 0, 1, 4, 0, 0, 0, 1}
	if got := Mul4(a, b); got != want {
		t.Errorf("Mul4 = %v, want %v", got, want)
	}
}
