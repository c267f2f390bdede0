package sim

import (
	"math"
	"sort"
)

// bvhNode is a node of a flattened bounding volume hierarchy. An inner node
// has count == 0 and children at index+1 (left) and right; a leaf covers
// items [first, first+count).
type bvhNode struct {
	box   aabb
	right int32 // inner: right child index; leaf: first item
	count int32
}

const (
	bvhLeafMax = 4
	bvhBins    = 12
	bvhStack   = 64
)

// buildBVH builds a hierarchy over items with the given bounds, using binned
// SAH splits, and returns the nodes and the item order (leaf ranges index
// into order).
func buildBVH(boxes []aabb) ([]bvhNode, []int32) {
	n := len(boxes)
	order := make([]int32, n)
	cent := make([][3]float64, n)
	for i := range boxes {
		order[i] = int32(i)
		for k := 0; k < 3; k++ {
			cent[i][k] = 0.5 * (boxes[i].lo[k] + boxes[i].hi[k])
		}
	}
	nodes := make([]bvhNode, 0, 2*n+1)
	if n == 0 {
		nodes = append(nodes, bvhNode{box: emptyAABB()})
		return nodes, order
	}
	var build func(lo, hi int) int32
	build = func(lo, hi int) int32 {
		idx := int32(len(nodes))
		nodes = append(nodes, bvhNode{})
		box := emptyAABB()
		cb := emptyAABB()
		for _, it := range order[lo:hi] {
			box.grow(boxes[it])
			cb.growPt(cent[it])
		}
		nodes[idx].box = box
		cnt := hi - lo
		if cnt <= bvhLeafMax {
			nodes[idx].right, nodes[idx].count = int32(lo), int32(cnt)
			return idx
		}
		// Binned SAH over all three axes.
		bestCost, bestAxis, bestSplit := math.Inf(1), -1, 0
		for ax := 0; ax < 3; ax++ {
			ext := cb.hi[ax] - cb.lo[ax]
			if ext <= 1e-9 {
				continue
			}
			var bb [bvhBins]aabb
			var bc [bvhBins]int
			for b := range bb {
				bb[b] = emptyAABB()
			}
			for _, it := range order[lo:hi] {
				b := int(float64(bvhBins) * (cent[it][ax] - cb.lo[ax]) / ext)
				if b >= bvhBins {
					b = bvhBins - 1
				}
				bb[b].grow(boxes[it])
				bc[b]++
			}
			var rightArea [bvhBins]float64
			var rightCnt [bvhBins]int
			acc, ac := emptyAABB(), 0
			for b := bvhBins - 1; b > 0; b-- {
				acc.grow(bb[b])
				ac += bc[b]
				rightArea[b], rightCnt[b] = acc.area(), ac
			}
			acc, ac = emptyAABB(), 0
			for b := 0; b < bvhBins-1; b++ {
				acc.grow(bb[b])
				ac += bc[b]
				if ac == 0 || rightCnt[b+1] == 0 {
					continue
				}
				cost := acc.area()*float64(ac) + rightArea[b+1]*float64(rightCnt[b+1])
				if cost < bestCost {
					bestCost, bestAxis, bestSplit = cost, ax, b
				}
			}
		}
		mid := lo
		if bestAxis >= 0 {
			ax := bestAxis
			ext := cb.hi[ax] - cb.lo[ax]
			i, j := lo, hi-1
			for i <= j {
				b := int(float64(bvhBins) * (cent[order[i]][ax] - cb.lo[ax]) / ext)
				if b >= bvhBins {
					b = bvhBins - 1
				}
				if b <= bestSplit {
					i++
				} else {
					order[i], order[j] = order[j], order[i]
					j--
				}
			}
			mid = i
		}
		if mid == lo || mid == hi {
			// Degenerate: median split on the longest axis.
			ax, ext := 0, -1.0
			for k := 0; k < 3; k++ {
				if e := cb.hi[k] - cb.lo[k]; e > ext {
					ax, ext = k, e
				}
			}
			sub := order[lo:hi]
			sort.Slice(sub, func(a, b int) bool { return cent[sub[a]][ax] < cent[sub[b]][ax] })
			mid = (lo + hi) / 2
		}
		build(lo, mid)
		r := build(mid, hi)
		nodes[idx].right = r
		return idx
	}
	build(0, n)
	return nodes, order
}

// rayBox returns whether the ray with origin o and inverse direction inv
// overlaps box within (tmin, tmax), and the entry parameter.
func rayBox(b *aabb, o, inv *[3]float64, tmin, tmax float64) (float64, bool) {
	for k := 0; k < 3; k++ {
		t0 := (b.lo[k] - o[k]) * inv[k]
		t1 := (b.hi[k] - o[k]) * inv[k]
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		if t0 > tmin {
			tmin = t0
		}
		if t1 < tmax {
			tmax = t1
		}
		if tmin > tmax {
			return 0, false
		}
	}
	return tmin, true
}
