package drive

import (
	"io"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
)

func TestDriveWritesABag(t *testing.T) {
	path := Temp(t, simdrive.Config{Seed: 5, Duration: 0.2, Cameras: "none"})
	r, err := bag.Open(path, bag.ReaderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	clouds := 0
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Topic == "/lidar/points" {
			clouds++
		}
	}
	if clouds != 2 {
		t.Errorf("0.2 s drive at 10 Hz has %d clouds, want 2", clouds)
	}
}
