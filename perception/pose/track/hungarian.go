package track

import "math"

// Hungarian solves the rectangular linear assignment problem: cost is a
// rows×cols matrix in row-major order; it returns, for each row, the column
// assigned to it (or −1 when rows > cols and the row is left over),
// minimising the summed cost over min(rows, cols) pairs. Costs must be
// finite; use a large value for forbidden pairs and reject them afterwards.
// It runs in O(n²m) with n = min(rows, cols) using the shortest augmenting
// path formulation with row and column potentials. Scratch memory comes from
// h, which is reused across calls.
func (h *Hungarian) Solve(cost []float64, rows, cols int) []int {
	h.assign = resize(h.assign, rows)
	for i := range h.assign {
		h.assign[i] = -1
	}
	if rows == 0 || cols == 0 {
		return h.assign
	}
	transposed := rows > cols
	n, m := rows, cols
	at := func(i, j int) float64 { return cost[i*cols+j] }
	if transposed {
		n, m = cols, rows
		at = func(i, j int) float64 { return cost[j*cols+i] }
	}
	// Potentials u (rows, 1-based) and v (columns, 1-based); p[j] is the row
	// matched to column j, column 0 being the virtual start.
	u := resizeF(&h.u, n+1)
	v := resizeF(&h.v, m+1)
	minv := resizeF(&h.minv, m+1)
	p := resizeI(&h.p, m+1)
	way := resizeI(&h.way, m+1)
	used := resizeB(&h.used, m+1)
	clear(u)
	clear(v)
	clear(p)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := math.Inf(1)
			j1 := -1
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				c := at(i0-1, j-1) - u[i0] - v[j]
				if c < minv[j] {
					minv[j] = c
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] == 0 {
			continue
		}
		if transposed {
			h.assign[j-1] = p[j] - 1
		} else {
			h.assign[p[j]-1] = j - 1
		}
	}
	return h.assign
}

// Hungarian holds the scratch memory of the assignment solver; the zero
// value is ready to use.
type Hungarian struct {
	assign []int
	u, v   []float64
	minv   []float64
	p, way []int
	used   []bool
}

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func resizeI(s *[]int, n int) []int {
	*s = resize(*s, n)
	return *s
}

func resizeF(s *[]float64, n int) []float64 {
	if cap(*s) < n {
		*s = make([]float64, n)
	}
	*s = (*s)[:n]
	return *s
}

func resizeB(s *[]bool, n int) []bool {
	if cap(*s) < n {
		*s = make([]bool, n)
	}
	*s = (*s)[:n]
	return *s
}
