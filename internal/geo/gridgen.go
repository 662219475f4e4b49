package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// TestGridCode is the code TestGrid gives the cell in column ix (west to
// east) and row iy (south to north).
func TestGridCode(ix, iy int) string {
	return fmt.Sprintf("grid-%d-%d", ix, iy)
}

// TestGrid builds a synthetic tiling for tests and benchmarks: nx×ny cells
// of cellDeg degrees, the south-west corner at origin ([lng, lat]). Each
// cell is a polygon of 4·verticesPerSide vertices (plus the closing one):
// every side is subdivided into verticesPerSide segments whose inner
// vertices are displaced perpendicular to the side by a deterministic wave.
// The wave is a function of the grid line and global position along it,
// so neighbouring cells share their common edge vertex for vertex (bit for
// bit) and the tiling has no gaps or overlaps. Displacements stay below
// half a segment, so the cells remain simple polygons. The codes are
// TestGridCode(ix, iy); rings are counter-clockwise.
//
// TestGrid(100, 100, 16, [2]float64{120.19, 35.96}, 0.001) gives the
// 10,000 cells of 64 vertices used by BenchmarkLocate.
func TestGrid(nx, ny, verticesPerSide int, origin [2]float64, cellDeg float64) []Item {
	if nx <= 0 || ny <= 0 {
		return nil
	}
	vps := max(verticesPerSide, 1)
	fv := float64(vps)
	amp := 0.35 / fv // in cells; < 0.5/fv keeps the polygons simple
	ox, oy := origin[0], origin[1]

	corner := func(i, j int) orb.Point {
		return orb.Point{ox + float64(i)*cellDeg, oy + float64(j)*cellDeg}
	}
	// Vertex k (0 < k < vps) of vertical grid line i inside cell row j.
	vert := func(i, j, k int) orb.Point {
		t := float64(j*vps + k)
		w := amp * math.Sin(0.9*t+1.7*float64(i))
		return orb.Point{ox + (float64(i)+w)*cellDeg, oy + (float64(j)+float64(k)/fv)*cellDeg}
	}
	// Vertex k (0 < k < vps) of horizontal grid line j inside cell column i.
	horiz := func(i, j, k int) orb.Point {
		t := float64(i*vps + k)
		w := amp * math.Sin(1.1*t+2.3*float64(j))
		return orb.Point{ox + (float64(i)+float64(k)/fv)*cellDeg, oy + (float64(j)+w)*cellDeg}
	}

	items := make([]Item, 0, nx*ny)
	for iy := 0; iy < ny; iy++ {
		for ix := 0; ix < nx; ix++ {
			ring := make(orb.Ring, 0, 4*vps+1)
			ring = append(ring, corner(ix, iy)) // south side, west to east
			for k := 1; k < vps; k++ {
				ring = append(ring, horiz(ix, iy, k))
			}
			ring = append(ring, corner(ix+1, iy)) // east side, south to north
			for k := 1; k < vps; k++ {
				ring = append(ring, vert(ix+1, iy, k))
			}
			ring = append(ring, corner(ix+1, iy+1)) // north side, east to west
			for k := vps - 1; k >= 1; k-- {
				ring = append(ring, horiz(ix, iy+1, k))
			}
			ring = append(ring, corner(ix, iy+1)) // west side, north to south
			for k := vps - 1; k >= 1; k-- {
				ring = append(ring, vert(ix, iy, k))
			}
			ring = append(ring, ring[0])
			items = append(items, Item{Code: TestGridCode(ix, iy), Geometry: orb.Polygon{ring}})
		}
	}
	return items
}
