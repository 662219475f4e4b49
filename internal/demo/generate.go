package demo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// The territory is drawn on one jittered lattice of roughly square cells. Every
// area at every level is a set of whole cells, and every boundary is traced
// through the lattice points on its outline, so neighbours share their edges
// vertex for vertex and each level tiles its parent exactly, with no gaps and no
// overlaps.
//
// An area's cells always form a "row-convex" region: in each row an interval of
// cells, and the intervals of consecutive rows overlap by at least one cell.
// Such a region has no holes and no pinch points, so its outline is one simple
// ring, and a region splits into two row-convex regions either between two rows
// or by a cut column chosen per row (see splitCols).

const (
	cellMeters = 150.0 // side of a lattice cell
	latRows    = 36    // rows of cells, north to south (5.4 km)
	latCols    = 104   // columns of cells, west to east (15.6 km)
	jitter     = 0.2   // max displacement of a lattice point, in cells; < 0.25 keeps cells convex
	// Column 80, row 18 (the middle of 黄岛街道) lies at 35.96°N 120.19°E.
	centreLng, centreLat = 120.19, 35.96
	centreCol, centreRow = 80, 18
	territorySeed        = 20221213 // fixed: the territory never depends on Generate's seed
)

var (
	metresPerDegLat = 110574.0
	metresPerDegLng = 111320.0 * math.Cos(centreLat*math.Pi/180)
)

// lattice holds the WGS-84 position of every lattice point, pts[rowLine][colLine].
type lattice struct{ pts [][]orb.Point }

func newLattice(r *rng) *lattice {
	l := &lattice{pts: make([][]orb.Point, latRows+1)}
	for i := range l.pts {
		l.pts[i] = make([]orb.Point, latCols+1)
		for j := range l.pts[i] {
			x := (float64(j-centreCol) + jitter*(2*r.float()-1)) * cellMeters
			y := (float64(centreRow-i) + jitter*(2*r.float()-1)) * cellMeters
			// The outermost row lines bound no cell beyond them, so they may move
			// outward freely: the north edge and the south shore turn irregular.
			switch i {
			case 0:
				y += cellMeters * (0.3 + 0.35*math.Sin(float64(j)*0.23+1) + 0.25*math.Sin(float64(j)*0.61))
			case latRows:
				y -= cellMeters * (0.3 + 0.4*math.Sin(float64(j)*0.19+2) + 0.3*math.Sin(float64(j)*0.53+0.4))
			}
			// A gentle large-scale warp bends the streets; its curvature is far too
			// small to fold a 150 m cell.
			x += 200 * math.Sin(2*math.Pi*y/6000+0.6)
			y += 250 * math.Sin(2*math.Pi*x/9000+1.9)
			l.pts[i][j] = orb.Point{round7(centreLng + x/metresPerDegLng), round7(centreLat + y/metresPerDegLat)}
		}
	}
	return l
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// cellPoint maps (u, v) in the unit square bilinearly into cell (row, col); the
// cells are convex, so 0 < u, v < 1 lands strictly inside.
func (l *lattice) cellPoint(row, col int, u, v float64) orb.Point {
	a, b := l.pts[row][col], l.pts[row][col+1]
	c, d := l.pts[row+1][col], l.pts[row+1][col+1]
	var p orb.Point
	for k := range 2 {
		p[k] = round7((1-v)*((1-u)*a[k]+u*b[k]) + v*((1-u)*c[k]+u*d[k]))
	}
	return p
}

// region is a row-convex set of cells: row top+k holds columns [lo[k], hi[k]).
type region struct {
	top    int
	lo, hi []int
}

func (g region) rows() int { return len(g.lo) }

func (g region) size() int {
	n := 0
	for k := range g.lo {
		n += g.hi[k] - g.lo[k]
	}
	return n
}

// cells lists the region's cells as (row, col) in reading order.
func (g region) cells() [][2]int {
	var out [][2]int
	for k := range g.lo {
		for c := g.lo[k]; c < g.hi[k]; c++ {
			out = append(out, [2]int{g.top + k, c})
		}
	}
	return out
}

// splitRows cuts the region between its rows t-1 and t.
func (g region) splitRows(t int) (region, region) {
	return region{g.top, g.lo[:t:t], g.hi[:t:t]}, region{g.top + t, g.lo[t:], g.hi[t:]}
}

// splitCols cuts every row k at a column near target(k): the west part gets
// [lo, cut), the east part [cut, hi). Both parts stay row-convex when each cut
// lies strictly inside the overlap of its row with the neighbouring rows; ok is
// false when some overlap is too narrow for that.
func (g region) splitCols(target func(k int) float64) (west, east region, ok bool) {
	n := g.rows()
	west = region{g.top, make([]int, n), make([]int, n)}
	east = region{g.top, make([]int, n), make([]int, n)}
	prev := 0
	for k := range n {
		low, high := g.lo[k]+1, g.hi[k]-1
		for _, m := range []int{k - 1, k + 1} {
			if m >= 0 && m < n {
				low, high = max(low, g.lo[m]+1), min(high, g.hi[m]-1)
			}
		}
		if low > high {
			return region{}, region{}, false
		}
		cut := int(math.Round(target(k)))
		if k > 0 && math.Abs(target(k)-float64(prev)) < 1 {
			cut = prev // keep the street straight until the target is a whole cell away
		}
		cut = min(max(cut, low), high)
		west.lo[k], west.hi[k] = g.lo[k], cut
		east.lo[k], east.hi[k] = cut, g.hi[k]
		prev = cut
	}
	return west, east, true
}

// subdivide cuts the region into len(weights) parts of roughly proportional
// size by recursive bisection, ordered roughly north-west to south-east.
func subdivide(g region, weights []float64, r *rng) []region {
	if len(weights) == 1 {
		return []region{g}
	}
	m := len(weights) / 2
	a, b := bisect(g, sum(weights[:m])/sum(weights), r)
	return append(subdivide(a, weights[:m], r), subdivide(b, weights[m:], r)...)
}

func sum(ws []float64) float64 {
	s := 0.0
	for _, w := range ws {
		s += w
	}
	return s
}

// bisect gives the first part about frac of the cells, cutting across the
// region's longer side so that parts stay compact.
func bisect(g region, frac float64, r *rng) (region, region) {
	n := g.rows()
	byRows := float64(n)*(0.8+0.4*r.float()) > float64(g.size())/float64(n)
	for _, rows := range []bool{byRows, !byRows} {
		if rows && n >= 2 {
			target := frac * float64(g.size())
			best, bestErr, acc := 1, math.Inf(1), 0
			for t := 1; t < n; t++ {
				acc += g.hi[t-1] - g.lo[t-1]
				if e := math.Abs(float64(acc) - target); e < bestErr {
					best, bestErr = t, e
				}
			}
			return g.splitRows(best)
		}
		if !rows {
			// The cut wanders a little from row to row, like a real street.
			wobble := make([]float64, n)
			w := 0.0
			for k := range wobble {
				w = max(-2, min(2, w+0.6*(r.float()-0.5)))
				wobble[k] = w
			}
			a, b, ok := g.splitCols(func(k int) float64 {
				return float64(g.lo[k]) + frac*float64(g.hi[k]-g.lo[k]) + wobble[k]
			})
			if ok {
				return a, b
			}
		}
	}
	panic(fmt.Sprintf("demo: region of %d cells cannot be split", g.size()))
}

// boundary traces the region's outline through every lattice point on it and
// returns it as a closed counter-clockwise ring (RFC 7946).
func (g region) boundary(l *lattice) orb.Polygon {
	var ring orb.Ring
	var last [2]int
	add := func(i, j int) {
		if len(ring) == 0 || last != [2]int{i, j} {
			ring = append(ring, l.pts[i][j])
			last = [2]int{i, j}
		}
	}
	along := func(i, from, to int) { // along row line i
		step := 1
		if to < from {
			step = -1
		}
		for j := from; j != to; j += step {
			add(i, j)
		}
		add(i, to)
	}
	n := g.rows()
	along(g.top, g.lo[0], g.hi[0]) // north edge, west to east
	for k := range n {             // east side, down the rows
		add(g.top+k+1, g.hi[k])
		if k+1 < n {
			along(g.top+k+1, g.hi[k], g.hi[k+1])
		}
	}
	along(g.top+n, g.hi[n-1], g.lo[n-1]) // south edge, east to west
	for k := n - 1; k >= 0; k-- {        // west side, up the rows; ends where it began
		add(g.top+k, g.lo[k])
		if k > 0 {
			along(g.top+k, g.lo[k], g.lo[k-1])
		}
	}
	ring.Reverse() // traced clockwise on the map (north up)
	return orb.Polygon{ring}
}

// territory is the generated map plus the cells behind every area, which the
// staffing code uses to place buildings, road sections and stations.
type territory struct {
	lat      *lattice
	areas    []Area            // level order, so parents come before children
	regions  map[string]region // the cells of every area, by code
	names    map[string]string
	children map[string][]string
	units    []Unit
	stations []Station
}

// buildTerritory draws the same map every time: codes and boundaries must not
// depend on the seed that varies the people.
func buildTerritory() *territory {
	r := newRNG(territorySeed)
	t := &territory{lat: newLattice(r), regions: map[string]region{}, names: map[string]string{}, children: map[string][]string{}}
	levels := make([][]Area, len(areaLevels))
	add := func(level int, code, name, parent string, g region) {
		levels[level] = append(levels[level], Area{Code: code, Name: name, Level: areaLevels[level],
			ParentCode: parent, Boundary: g.boundary(t.lat)})
		t.regions[code], t.names[code] = g, name
		if parent != "" {
			t.children[parent] = append(t.children[parent], code)
		}
	}
	district := districtRegion()
	add(0, DistrictCode, "黄岛区", "", district)
	for i, g := range subdistrictRegions(district) {
		spec := subdistrictSpecs[i]
		sc := DistrictCode + spec.suffix
		add(1, sc, spec.name, DistrictCode, g)
		t.units = append(t.units, Unit{Code: "office-" + sc, Name: spec.name + "社会治理中心", Kind: UnitAreaOffice, AreaCode: sc})
		huangdao := i == 0 // only 黄岛街道 is modelled in full detail
		for ci, g := range subdivide(g, weights(r, len(spec.communities)), r) {
			cname, cc := spec.communities[ci], fmt.Sprintf("%s%03d", sc, ci+1)
			add(2, cc, cname, sc, g)
			t.units = append(t.units, Unit{Code: "office-" + cc, Name: cname + "居民委员会", Kind: UnitAreaOffice, AreaCode: cc})
			nGrids := r.between(1, 3)
			if huangdao {
				nGrids = r.between(2, 4)
			}
			for gi, g := range subdivide(g, weights(r, nGrids), r) {
				gc := fmt.Sprintf("%s%03d", cc, gi+1)
				add(3, gc, fmt.Sprintf("%s第%d网格", cname, gi+1), cc, g)
				nMicro := min(4, (g.size()+17)/18) // elsewhere only as many as keep outlines short
				if huangdao {
					nMicro = r.between(2, 4)
				}
				for mi, g := range subdivide(g, weights(r, nMicro), r) {
					add(4, fmt.Sprintf("%s%03d", gc, mi+1), fmt.Sprintf("%s第%d网格第%d微网格", cname, gi+1, mi+1), gc, g)
				}
			}
		}
		stations := 2
		if huangdao {
			stations = 6
		}
		t.placeStations(sc, stations)
	}
	for _, l := range levels {
		t.areas = append(t.areas, l...)
	}
	for _, d := range departments {
		t.units = append(t.units, Unit{Code: d.code, Name: d.name, Kind: UnitDepartment, AreaCode: DistrictCode})
	}
	return t
}

// weights gives n parts sizes that differ by up to ±25%.
func weights(r *rng, n int) []float64 {
	ws := make([]float64, n)
	for i := range ws {
		ws[i] = 0.75 + 0.5*r.float()
	}
	return ws
}

// districtRegion is the modelled strip of the district: an inland western
// edge, the bay coast in the east narrowing to a southern tip, and a south-west
// shore receding at the bottom.
func districtRegion() region {
	g := region{lo: make([]int, latRows), hi: make([]int, latRows)}
	for k := range latRows {
		east := 99 + 3*math.Sin(float64(k)*0.35) + 1.2*math.Sin(float64(k)*0.9+0.7)
		if k > 28 {
			east -= 1.6 * float64(k-28)
		}
		g.hi[k] = int(math.Round(east))
		if k > 31 {
			g.lo[k] = 3 * (k - 31)
		}
	}
	return g
}

// subdistrictRegions lays the subdistricts out west to east — 王台, then 辛安
// (north) over 滨海 (south), then 长江路, then 黄岛 on the coast — and returns
// them in the order of subdistrictSpecs.
func subdistrictRegions(district region) []region {
	street := func(col, phase float64) func(int) float64 {
		return func(k int) float64 { return col + 2.5*math.Sin(float64(k)*0.18+phase) }
	}
	wangtai, rest, ok1 := district.splitCols(street(17, 0))
	middle, east, ok2 := rest.splitCols(street(41, 1))
	changjiang, huangdao, ok3 := east.splitCols(street(60, 2))
	if !ok1 || !ok2 || !ok3 {
		panic("demo: subdistrict layout does not fit the district")
	}
	xinan, binhai := middle.splitRows(17)
	return []region{huangdao, changjiang, binhai, xinan, wangtai}
}

// placeStations spreads n service stations over the subdistrict's communities,
// each in the middle cell of its community.
func (t *territory) placeStations(sub string, n int) {
	comms := t.children[sub]
	for i := range n {
		cc := comms[(2*i+1)*len(comms)/(2*n)]
		cell := t.regions[cc].cells()
		row, col := cell[len(cell)/2][0], cell[len(cell)/2][1]
		name := t.names[cc]
		t.stations = append(t.stations, Station{
			Name:     strings.TrimSuffix(name, "社区") + "城市治理服务站",
			Address:  fmt.Sprintf("黄岛区%s%d号", ewRoad(row), 1+(col*37+row*11)%300),
			AreaCode: cc,
			Location: t.lat.cellPoint(row, col, 0.5, 0.5),
		})
	}
}

// pointIn draws a point strictly inside the area, away from its edges.
func (t *territory) pointIn(code string, r *rng) orb.Point {
	cells := t.regions[code].cells()
	c := cells[r.intn(len(cells))]
	return t.lat.cellPoint(c[0], c[1], 0.2+0.6*r.float(), 0.2+0.6*r.float())
}

// roadSection draws a street section strictly inside the area: a straight run of
// its cells along a row or down a column, passing through each cell's centre
// and the midpoint of each shared edge (so every piece stays inside one convex
// cell). The label names the street and the two cross streets.
func (t *territory) roadSection(code string, r *rng) (orb.LineString, string) {
	g := t.regions[code]
	k := r.intn(g.rows())
	row, col := g.top+k, g.lo[k]+r.intn(g.hi[k]-g.lo[k])
	var cells [][2]int
	var label string
	if r.intn(2) == 0 { // east–west along the row
		for c := g.lo[k]; c < g.hi[k]; c++ {
			cells = append(cells, [2]int{row, c})
		}
		label = fmt.Sprintf("%s(%s—%s)", ewRoad(row), nsRoad(g.lo[k]), crossName(nsRoads, g.lo[k]/colsPerRoad, g.hi[k]/colsPerRoad))
	} else { // north–south down the column, as far as the area reaches
		first, last := k, k
		for first > 0 && g.lo[first-1] <= col && col < g.hi[first-1] {
			first--
		}
		for last+1 < g.rows() && g.lo[last+1] <= col && col < g.hi[last+1] {
			last++
		}
		for k := first; k <= last; k++ {
			cells = append(cells, [2]int{g.top + k, col})
		}
		label = fmt.Sprintf("%s(%s—%s)", nsRoad(col), ewRoad(g.top+first), crossName(ewRoads, (g.top+first)/rowsPerRoad, (g.top+last+1)/rowsPerRoad))
	}
	eastWest := len(cells) < 2 || cells[0][0] == cells[1][0]
	at := func(c [2]int, s float64) orb.Point { // s runs 0..1 along the street
		if eastWest {
			return t.lat.cellPoint(c[0], c[1], s, 0.5)
		}
		return t.lat.cellPoint(c[0], c[1], 0.5, s)
	}
	line := orb.LineString{at(cells[0], 0.15)}
	for i, c := range cells {
		line = append(line, at(c, 0.5))
		if i+1 < len(cells) {
			line = append(line, at(c, 1)) // the midpoint of the shared edge
		}
	}
	return append(line, at(cells[len(cells)-1], 0.85)), label
}

// crossName names the far cross street, never the same as the near one.
func crossName(names []string, near, far int) string {
	if far <= near {
		far = near + 1
	}
	return names[min(far, len(names)-1)]
}
