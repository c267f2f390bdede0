package lidarseg_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/lidarseg"
)

// Example projects a small cloud as lidar-bonnetal does, labels its pixels
// (here by hand, as a model's argmax would), and brings the labels back to
// every point with RangeNet++'s kNN post-processing.
func Example() {
	cfg, _ := lidarseg.PresetConfig("hdl64e")
	cfg.Height, cfg.Width = 8, 64 // a tiny image for the example
	proj, err := lidarseg.NewProjector(cfg)
	if err != nil {
		panic(err)
	}
	cloud := lidarseg.Cloud{
		X: []float32{10, 20, 5, -7},
		Y: []float32{0, 0.1, 3, 2},
		Z: []float32{-1, -1.5, -1.7, 0},
	}
	tensor := make([]float32, proj.TensorLen()) // the model's [1,5,H,W] input
	p, err := proj.Project(cloud, tensor)
	if err != nil {
		panic(err)
	}
	for i := range cloud.X {
		fmt.Printf("point %d: row %d, column %d, range %.2f m\n", i, p.PointV[i], p.PointU[i], p.PointRange[i])
	}
	pixels := make([]uint16, cfg.Height*cfg.Width)
	for pix, j := range p.PixelPoint {
		if j >= 0 {
			pixels[pix] = 9 // road
		}
	}
	knn, _ := lidarseg.NewKNN(lidarseg.DefaultKNNConfig(), 20, cfg.Height, cfg.Width)
	classes := make([]uint16, len(cloud.X))
	_ = knn.Apply(classes, p, pixels)
	labels := lidarseg.SemanticKITTI()
	fmt.Println("class of point 0:", labels.ClassName(classes[0]), "raw id", labels.RawID(classes[0]))
	// Output:
	// point 0: row 2, column 32, range 10.05 m
	// point 1: row 2, column 31, range 20.06 m
	// point 2: row 5, column 26, range 6.07 m
	// point 3: row 0, column 2, range 7.28 m
	// class of point 0: road raw id 40
}
