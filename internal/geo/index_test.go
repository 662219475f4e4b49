package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The benchmark tiling: 100×100 microgrid cells of 64 vertices near
// 35.96°N 120.19°E (Qingdao West Coast), each about 90 m × 110 m.
var (
	benchOrigin = [2]float64{120.19, 35.96}
)

const (
	benchCells = 100
	benchVPS   = 16 // vertices per side → 64-vertex cells
	benchCell  = 0.001
)

// bruteForce returns the indexes of the items whose geometry contains p
// according to orb/planar (boundary points count as inside there).
func bruteForce(items []Item, bounds []orb.Bound, p orb.Point) []int {
	var out []int
	for i, it := range items {
		if !bounds[i].Contains(p) {
			continue
		}
		switch g := it.Geometry.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				out = append(out, i)
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				out = append(out, i)
			}
		}
	}
	return out
}

func boundsOf(items []Item) []orb.Bound {
	b := make([]orb.Bound, len(items))
	for i, it := range items {
		b[i] = it.Geometry.Bound()
	}
	return b
}

func TestTestGridShape(t *testing.T) {
	const nx, ny, vps, cell = 7, 5, 16, 0.001
	items := TestGrid(nx, ny, vps, benchOrigin, cell)
	if len(items) != nx*ny {
		t.Fatalf("got %d items, want %d", len(items), nx*ny)
	}
	codes := map[string]bool{}
	var total float64
	byCode := map[string]orb.Ring{}
	for _, it := range items {
		poly, ok := it.Geometry.(orb.Polygon)
		if !ok || len(poly) != 1 {
			t.Fatalf("%s: geometry %T with %d rings", it.Code, it.Geometry, len(poly))
		}
		r := poly[0]
		if len(r) != 4*vps+1 || r[0] != r[len(r)-1] {
			t.Fatalf("%s: ring of %d positions (closed %v), want %d", it.Code, len(r), r[0] == r[len(r)-1], 4*vps+1)
		}
		if r.Orientation() != orb.CCW {
			t.Errorf("%s: ring is not counter-clockwise", it.Code)
		}
		codes[it.Code] = true
		total += planar.Area(poly)
		byCode[it.Code] = r
		// Valid GeoJSON by our own validator.
		b, err := MarshalGeometry(poly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseGeometry(b); err != nil {
			t.Fatalf("%s: generated cell fails validation: %v", it.Code, err)
		}
	}
	if len(codes) != nx*ny {
		t.Errorf("codes are not unique: %d distinct", len(codes))
	}
	// The cells tile (nearly) the rectangle: the wave moves area between
	// neighbours but creates or loses none, except along the wavy outer
	// boundary. (TestSharedEdgesPartition checks the tiling exactly.)
	want := nx * ny * cell * cell
	if math.Abs(total-want) > 1e-3*want {
		t.Errorf("total area %g, want %g", total, want)
	}
	// Neighbours share edges vertex for vertex, bit for bit: the east side
	// of (i,j) is the west side of (i+1,j) reversed, and the north side of
	// (i,j) the south side of (i,j+1) reversed.
	for j := range ny {
		for i := range nx {
			r := byCode[TestGridCode(i, j)]
			east := r[vps : 2*vps+1]
			north := r[2*vps : 3*vps+1]
			if i+1 < nx {
				west := slices.Clone(byCode[TestGridCode(i+1, j)][3*vps : 4*vps+1])
				slices.Reverse(west)
				if !slices.Equal(east, west) {
					t.Fatalf("cells (%d,%d) and (%d,%d) do not share their edge exactly", i, j, i+1, j)
				}
			}
			if j+1 < ny {
				south := slices.Clone(byCode[TestGridCode(i, j+1)][0 : vps+1])
				slices.Reverse(south)
				if !slices.Equal(north, south) {
					t.Fatalf("cells (%d,%d) and (%d,%d) do not share their edge exactly", i, j, i, j+1)
				}
			}
		}
	}
	if TestGrid(0, 3, 4, benchOrigin, cell) != nil {
		t.Error("empty grid should be nil")
	}
	if g := TestGrid(2, 2, 0, benchOrigin, cell); len(g[0].Geometry.(orb.Polygon)[0]) != 5 {
		t.Error("verticesPerSide < 1 should give plain squares")
	}
}

func TestLocateMatchesBruteForce(t *testing.T) {
	items := TestGrid(benchCells, benchCells, benchVPS, benchOrigin, benchCell)
	ix := NewIndex(items)
	if ix.Len() != len(items) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(items))
	}
	bounds := boundsOf(items)
	r := rand.New(rand.NewPCG(7, 8))
	span := benchCells * benchCell
	var inside, outside int
	for range 20000 {
		// Sample a margin around the tiling too, to get misses.
		p := orb.Point{
			benchOrigin[0] - 0.05*span + r.Float64()*1.1*span,
			benchOrigin[1] - 0.05*span + r.Float64()*1.1*span,
		}
		want := bruteForce(items, bounds, p)
		code, ok := ix.Locate(p[0], p[1])
		switch len(want) {
		case 0:
			outside++
			if ok {
				t.Fatalf("Locate(%v) = %q, want no match", p, code)
			}
		case 1:
			inside++
			if !ok || code != items[want[0]].Code {
				t.Fatalf("Locate(%v) = %q, %v; want %q", p, code, ok, items[want[0]].Code)
			}
		default: // on a shared boundary: any of the neighbours
			if !ok || !slices.ContainsFunc(want, func(i int) bool { return items[i].Code == code }) {
				t.Fatalf("Locate(%v) = %q, %v; want one of %v", p, code, ok, want)
			}
		}
	}
	if inside < 10000 || outside < 1000 {
		t.Errorf("sampling is off: %d inside, %d outside", inside, outside)
	}
}

// TestLocateAssortedPolygons checks the band bucketing on shapes unlike
// grid cells: a 6000-vertex star with a star-shaped hole (many bands), a
// comb whose long teeth span every band (exercising the duplication cap), a
// triangle (one band), a polygon with horizontal edges only at its bottom
// and top, and a multipolygon of scattered small parts.
func TestLocateAssortedPolygons(t *testing.T) {
	star := func(cx, cy, r0, r1 float64, n int, cw bool) orb.Ring {
		ring := make(orb.Ring, 0, n+1)
		for k := range n {
			a := 2 * math.Pi * float64(k) / float64(n)
			if cw {
				a = -a
			}
			r := r0 + r1*math.Sin(7*a)*math.Cos(3*a)
			ring = append(ring, orb.Point{cx + r*math.Cos(a), cy + r*math.Sin(a)})
		}
		return append(ring, ring[0])
	}
	comb := orb.Ring{{10, 0}, {20, 0}, {20, 10}}
	for k := 19; k >= 10; k-- {
		x := float64(k)
		comb = append(comb, orb.Point{x + 0.5, 10}, orb.Point{x + 0.5, 0.5}, orb.Point{x, 10})
	}
	comb = append(comb, orb.Point{10, 0})
	var parts orb.MultiPolygon
	rr := rand.New(rand.NewPCG(13, 14))
	for range 40 {
		x, y := 30+rr.Float64()*10, rr.Float64()*10
		parts = append(parts, orb.Polygon{star(x, y, 0.2, 0.05, 12, false)})
	}
	items := []Item{
		{"star", orb.Polygon{star(5, 5, 4, 0.8, 6000, false), star(5, 5, 1.5, 0.5, 3000, true)}},
		{"comb", orb.Polygon{comb}},
		{"triangle", orb.Polygon{{{0, 12}, {8, 12}, {4, 20}, {0, 12}}}},
		{"flat", orb.Polygon{{{10, 12}, {14, 12}, {15, 14}, {14, 16}, {10, 16}, {11, 14}, {10, 12}}}},
		{"parts", parts},
	}
	ix := NewIndex(items)
	bounds := boundsOf(items)
	counts := map[string]int{}
	for range 50000 {
		p := orb.Point{-1 + rr.Float64()*43, -1 + rr.Float64()*22}
		want := bruteForce(items, bounds, p)
		code, ok := ix.Locate(p[0], p[1])
		switch len(want) {
		case 0:
			if ok {
				t.Fatalf("Locate(%v) = %q, want no match", p, code)
			}
		case 1:
			if !ok || code != items[want[0]].Code {
				t.Fatalf("Locate(%v) = %q, %v; want %q", p, code, ok, items[want[0]].Code)
			}
			counts[code]++
		default:
			t.Fatalf("test shapes overlap at %v", p)
		}
	}
	for _, it := range items {
		if counts[it.Code] < 50 {
			t.Errorf("only %d sample points fell in %q", counts[it.Code], it.Code)
		}
	}
}

// TestSharedEdgesPartition checks that every point of the tiling's interior
// is claimed by exactly one cell, including the hard cases: grid vertices,
// points exactly on shared edges and points a few ulps off them.
func TestSharedEdgesPartition(t *testing.T) {
	const n, vps, cell = 12, 8, 0.001
	items := TestGrid(n, n, vps, benchOrigin, cell)
	ix := NewIndex(items)
	claims := func(x, y float64) (count int, first int32) {
		first = -1
		for _, blk := range ix.blocks { // one block per cell here
			if ix.contains(blk.off, x, y) {
				if first < 0 {
					first = blk.id
				}
				count++
			}
		}
		return count, first
	}
	// Interior = farther than the wave amplitude from the outer boundary.
	margin := cell / vps
	lo0, lo1 := benchOrigin[0]+margin, benchOrigin[1]+margin
	hi0, hi1 := benchOrigin[0]+n*cell-margin, benchOrigin[1]+n*cell-margin
	interior := func(x, y float64) bool { return x > lo0 && x < hi0 && y > lo1 && y < hi1 }

	var probes [][2]float64
	for _, it := range items {
		r := it.Geometry.(orb.Polygon)[0]
		for k := 0; k+1 < len(r); k++ {
			a, b := r[k], r[k+1]
			probes = append(probes, a,
				[2]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2},
				[2]float64{a[0] + (b[0]-a[0])/3, a[1] + (b[1]-a[1])/3},
				[2]float64{math.Nextafter(a[0], math.Inf(1)), a[1]},
				[2]float64{a[0], math.Nextafter(a[1], math.Inf(-1))},
			)
		}
	}
	rr := rand.New(rand.NewPCG(9, 10))
	for range 5000 {
		probes = append(probes, [2]float64{
			benchOrigin[0] + rr.Float64()*n*cell,
			benchOrigin[1] + rr.Float64()*n*cell,
		})
	}
	checked := 0
	for _, p := range probes {
		count, first := claims(p[0], p[1])
		if count > 1 {
			t.Fatalf("point %v claimed by %d cells", p, count)
		}
		if !interior(p[0], p[1]) {
			continue
		}
		checked++
		if count != 1 {
			t.Fatalf("interior point %v claimed by %d cells", p, count)
		}
		code, ok := ix.Locate(p[0], p[1])
		if !ok || code != ix.codes[first] {
			t.Fatalf("Locate(%v) = %q, %v; want %q", p, code, ok, ix.codes[first])
		}
		// Deterministic: the same answer every time.
		if again, _ := ix.Locate(p[0], p[1]); again != code {
			t.Fatalf("Locate(%v) not deterministic: %q then %q", p, code, again)
		}
	}
	if checked < 10000 {
		t.Errorf("only %d interior probes checked", checked)
	}
}

func TestLocateSharedAxisAlignedEdgeConvention(t *testing.T) {
	// Plain squares (1 vertex per side): a point on a vertical shared edge
	// goes east, on a horizontal one north, and a shared corner to the
	// north-east cell.
	items := TestGrid(2, 2, 1, [2]float64{0, 0}, 1)
	ix := NewIndex(items)
	cases := []struct {
		x, y float64
		want string
	}{
		{1, 0.5, TestGridCode(1, 0)},
		{0.5, 1, TestGridCode(0, 1)},
		{1, 1, TestGridCode(1, 1)},
		{0, 0, TestGridCode(0, 0)}, // south-west corner of the tiling
		{0, 1.5, TestGridCode(0, 1)},
	}
	for _, c := range cases {
		if got, ok := ix.Locate(c.x, c.y); !ok || got != c.want {
			t.Errorf("Locate(%v, %v) = %q, %v; want %q", c.x, c.y, got, ok, c.want)
		}
	}
	// The east and north outer boundaries are outside (half-open cells).
	for _, p := range [][2]float64{{2, 0.5}, {0.5, 2}, {2, 2}} {
		if got, ok := ix.Locate(p[0], p[1]); ok {
			t.Errorf("Locate(%v) = %q, want no match", p, got)
		}
	}
}

func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestLocateHole(t *testing.T) {
	hole := square(3, 3, 7, 7)
	hole.Reverse() // holes run clockwise in GeoJSON
	donut := orb.Polygon{square(0, 0, 10, 10), hole}
	island := orb.Polygon{square(4, 4, 6, 6)}
	ix := NewIndex([]Item{{"donut", donut}, {"island", island}})
	cases := []struct {
		x, y float64
		want string
	}{
		{1, 1, "donut"},
		{9, 5, "donut"},
		{5, 1, "donut"},
		{3.5, 3.5, ""}, // in the hole, off the island
		{6.5, 5, ""},
		{5, 5, "island"},
		{4.5, 5.5, "island"},
		{11, 5, ""},
		{-0.1, 5, ""},
	}
	for _, c := range cases {
		got, ok := ix.Locate(c.x, c.y)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("Locate(%v, %v) = %q, %v; want %q", c.x, c.y, got, ok, c.want)
		}
	}
}

func TestLocateMultiPolygon(t *testing.T) {
	mp := orb.MultiPolygon{
		{square(0, 0, 1, 1)},
		{square(5, 5, 8, 8), square(6, 6, 7, 7)}, // a part with a hole
	}
	other := orb.Polygon{square(2, 0, 3, 1)}
	ix := NewIndex([]Item{{"multi", mp}, {"other", other}})
	cases := []struct {
		x, y float64
		want string
	}{
		{0.5, 0.5, "multi"},
		{5.5, 7.5, "multi"},
		{6.5, 6.5, ""}, // hole of the second part
		{2.5, 0.5, "other"},
		{1.5, 0.5, ""}, // between the parts
		{4, 4, ""},
	}
	for _, c := range cases {
		got, ok := ix.Locate(c.x, c.y)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("Locate(%v, %v) = %q, %v; want %q", c.x, c.y, got, ok, c.want)
		}
	}
}

func TestLocateOverlapFirstItemWins(t *testing.T) {
	a := orb.Polygon{square(0, 0, 2, 2)}
	b := orb.Polygon{square(1, 1, 3, 3)}
	for _, order := range [][]Item{{{"a", a}, {"b", b}}, {{"b", b}, {"a", a}}} {
		ix := NewIndex(order)
		if got, _ := ix.Locate(1.5, 1.5); got != order[0].Code {
			t.Errorf("overlap resolved to %q, want the first item %q", got, order[0].Code)
		}
		if got, _ := ix.Locate(0.5, 0.5); got != "a" {
			t.Errorf("Locate(0.5,0.5) = %q", got)
		}
		if got, _ := ix.Locate(2.5, 2.5); got != "b" {
			t.Errorf("Locate(2.5,2.5) = %q", got)
		}
	}
}

func TestNewIndexEdgeCases(t *testing.T) {
	open := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}} // not closed
	ix := NewIndex([]Item{
		{"open", open},
		{"point", orb.Point{5, 5}},
		{"nil", nil},
		{"empty", orb.Polygon{}},
		{"emptyRing", orb.Polygon{orb.Ring{}}},
		{"line", orb.LineString{{0, 0}, {9, 9}}},
	})
	if ix.Len() != 1 {
		t.Errorf("Len = %d, want 1 (only the polygon is indexable)", ix.Len())
	}
	if got, ok := ix.Locate(0.5, 0.5); !ok || got != "open" {
		t.Errorf("unclosed ring: Locate = %q, %v", got, ok)
	}
	if got, ok := ix.Locate(0.5, 1.5); ok {
		t.Errorf("Locate outside = %q", got)
	}
	for _, p := range [][2]float64{{math.NaN(), 0.5}, {0.5, math.NaN()}, {math.Inf(1), 0.5}, {math.Inf(-1), math.Inf(-1)}} {
		if got, ok := ix.Locate(p[0], p[1]); ok {
			t.Errorf("Locate(%v) = %q, want no match", p, got)
		}
	}
	empty := NewIndex(nil)
	if empty.Len() != 0 {
		t.Error("empty index has items")
	}
	if _, ok := empty.Locate(0, 0); ok {
		t.Error("empty index located a point")
	}
	var nilIndex *Index
	if _, ok := nilIndex.Locate(0, 0); ok {
		t.Error("nil index located a point")
	}
}

func TestLocateConcurrent(t *testing.T) {
	items := TestGrid(30, 30, 8, benchOrigin, benchCell)
	ix := NewIndex(items)
	r := rand.New(rand.NewPCG(11, 12))
	pts := make([][2]float64, 2000)
	want := make([]string, len(pts))
	for i := range pts {
		pts[i] = [2]float64{benchOrigin[0] + r.Float64()*0.031, benchOrigin[1] + r.Float64()*0.031}
		want[i], _ = ix.Locate(pts[i][0], pts[i][1])
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 5 * len(pts) {
				i := (k*7 + g*131) % len(pts)
				if got, _ := ix.Locate(pts[i][0], pts[i][1]); got != want[i] {
					t.Errorf("goroutine %d: Locate(%v) = %q, want %q", g, pts[i], got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// benchPoints returns n random points within the benchmark tiling, inset
// by the amplitude of its wavy outer boundary so that every point is in
// some cell.
func benchPoints(n int) [][2]float64 {
	r := rand.New(rand.NewPCG(42, 43))
	inset := benchCell / benchVPS
	span := benchCells*benchCell - 2*inset
	pts := make([][2]float64, n)
	for i := range pts {
		pts[i] = [2]float64{benchOrigin[0] + inset + r.Float64()*span, benchOrigin[1] + inset + r.Float64()*span}
	}
	return pts
}

func TestLocateNoAllocs(t *testing.T) {
	ix := NewIndex(TestGrid(benchCells, benchCells, benchVPS, benchOrigin, benchCell))
	pts := benchPoints(1024)
	pts = append(pts, [2]float64{0, 0}, [2]float64{math.NaN(), 1}) // misses too
	i := 0
	var hits int
	allocs := testing.AllocsPerRun(5000, func() {
		p := pts[i%len(pts)]
		i++
		if _, ok := ix.Locate(p[0], p[1]); ok {
			hits++
		}
	})
	if allocs != 0 {
		t.Errorf("Locate allocates %v times per call, want 0", allocs)
	}
	if hits == 0 {
		t.Error("no hits; the allocation check exercised nothing")
	}
}

func BenchmarkLocate(b *testing.B) {
	ix := NewIndex(TestGrid(benchCells, benchCells, benchVPS, benchOrigin, benchCell))
	pts := benchPoints(1 << 16)
	b.ReportAllocs()
	b.ResetTimer()
	var hits, i int
	for b.Loop() {
		p := pts[i&(len(pts)-1)]
		i++
		if _, ok := ix.Locate(p[0], p[1]); ok {
			hits++
		}
	}
	if hits != i {
		b.Fatalf("%d of %d points located", hits, i)
	}
}

func BenchmarkNewIndex(b *testing.B) {
	items := TestGrid(benchCells, benchCells, benchVPS, benchOrigin, benchCell)
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(items)
	}
}
