package kernelbench

import (
	"errors"
	"testing"
)

func TestMeasureCountsAllocationsAndErrors(t *testing.T) {
	var sink []byte
	allocating := Kernel{Name: "t-alloc", Setup: func(int) (func() error, func(), error) {
		return func() error { sink = make([]byte, 1<<10); return nil }, nil, nil
	}}
	r, err := Measure(allocating, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops == 0 || r.AllocsPerOp != 1 || r.BytesPerOp < 1<<10 {
		t.Errorf("allocating kernel: %+v", r)
	}
	_ = sink
	failing := Kernel{Name: "t-fail", Setup: func(int) (func() error, func(), error) {
		return func() error { return errors.New("boom") }, nil, nil
	}}
	if _, err := Measure(failing, 1); err == nil {
		t.Error("a failing kernel measured without error")
	}
}

// TestKernelsRegistered checks every family's workload builds and runs once.
func TestKernelsRegistered(t *testing.T) {
	for _, k := range Kernels() {
		op, done, err := k.Setup(1)
		if err != nil {
			t.Errorf("%s: %v", k.Name, err)
			continue
		}
		if err := op(); err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
		if done != nil {
			done()
		}
	}
}
