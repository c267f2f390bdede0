package bev_test

import (
	"fmt"

	"github.com/gopercept/gopercept/perception/bev"
)

// Example shows the cell convention and the OccupancyGrid numbers of
// BEVFusion's grid.
func Example() {
	g := bev.BEVFusionGrid
	fmt.Println("width (cells along x):", g.Width(), "height (cells along y):", g.Height())
	ox, oy := g.Origin()
	fmt.Printf("origin (lower-left corner of cell 0,0): %.1f %.1f\n", ox, oy)
	// A point 10 m ahead and 2 m to the left.
	i, j, ok := g.Cell(10, 2)
	idx, _ := g.Index(10, 2)
	fmt.Println("column", i, "row", j, ok, "index", idx)
	cx, cy := g.Center(i, j)
	fmt.Printf("centre %.1f %.1f\n", cx, cy)
	// Output:
	// width (cells along x): 256 height (cells along y): 256
	// origin (lower-left corner of cell 0,0): -51.2 -51.2
	// column 153 row 133 true index 34201
	// centre 10.2 2.2
}
