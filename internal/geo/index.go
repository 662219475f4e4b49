package geo

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Item is one area to index: a microgrid (or any other region) code and
// its boundary, an orb.Polygon or orb.MultiPolygon in WGS-84 lng/lat.
type Item struct {
	Code     string
	Geometry orb.Geometry
}

// Index answers "which area contains this point" for a fixed set of
// polygons. It is immutable once built, so a single *Index may be shared by
// any number of goroutines calling Locate concurrently, and replaced
// wholesale (e.g. through an atomic.Pointer) when boundaries change.
//
// Layout: an R-tree (tidwall/rtree) over the bounding boxes of the
// polygons (one per Polygon, one per part of a MultiPolygon) selects
// candidates; an exact even-odd crossing test then decides containment.
// For that test every polygon's edges (outer ring and holes) are copied
// into one flat []float64, four numbers per edge, and bucketed by
// horizontal band: the polygon's latitude range is cut into equal bands
// and each band lists, contiguously, the edges whose latitude span touches
// it. Only edges that straddle the query latitude can be crossed by the
// horizontal ray, and all of them are in the query's band, so a lookup
// reads a handful of edges instead of whole rings. Each polygon's band
// table sits right before its edges, so testing a candidate touches one
// small contiguous stretch of memory.
type Index struct {
	tree   rtree.RTreeG[blockRef]
	data   []float64  // polygon blocks, see addBlock
	blocks []blockRef // every block, in input order
	codes  []string
}

// blockRef is what the R-tree stores per bounding box: the owning item's
// rank among the indexed items, which follows input order (for the
// first-item-wins rule), and the offset of one of its polygons' block in
// data. A MultiPolygon has one block (and one box) per polygon.
type blockRef struct{ id, off int32 }

// A polygon's block in Index.data:
//
//	[0] y0    latitude where band 0 starts
//	[1] invH  bands per degree of latitude (0 if there is one band)
//	[2] n     number of bands
//	[3 : 3+n+1]  band b holds the edges in block[start_b : start_b+1]
//	             (offsets relative to the block, stored as float64)
//	then the edges, 4 numbers each: ax, ay, bx, by with ay < by.
const blockHeader = 3

// Band sizing: aim at about edgesPerBand edges per band, at most maxBands
// bands, and give up resolution if edges spanning many bands would copy
// the edge list more than maxDup times.
const (
	edgesPerBand = 4
	maxBands     = 1024
	maxDup       = 3
)

// NewIndex builds an index over items. Items whose geometry is neither an
// orb.Polygon nor an orb.MultiPolygon, or has no rings, are skipped (Len
// counts only indexed items). Rings need not be closed; the index closes
// them. A MultiPolygon contains a point when any of its polygons does,
// even if (invalidly) its polygons overlap. When items overlap, Locate
// resolves a point in the overlap to the item that comes first in items.
func NewIndex(items []Item) *Index {
	ix := &Index{}
	var bounds []orb.Bound
	var scratch []float64
	for _, it := range items {
		var polys []orb.Polygon
		switch g := it.Geometry.(type) {
		case orb.Polygon:
			polys = []orb.Polygon{g}
		case orb.MultiPolygon:
			polys = g
		default:
			continue
		}
		id := int32(len(ix.codes))
		for _, p := range polys {
			// Collect the edges, each from its lower to its upper
			// endpoint. Evaluating an edge always in that direction makes
			// the crossing decision bit-identical in the two polygons that
			// share it (they traverse it in opposite directions).
			// Horizontal edges can never be crossed by a horizontal ray
			// and are dropped.
			scratch = scratch[:0]
			bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
			nRings := 0
			for _, r := range p {
				if len(r) == 0 {
					continue
				}
				nRings++
				for k, a := range r {
					bound = bound.Extend(a)
					b := r[0] // closes the ring if it is not closed
					if k+1 < len(r) {
						b = r[k+1]
					}
					switch {
					case a[1] < b[1]:
						scratch = append(scratch, a[0], a[1], b[0], b[1])
					case a[1] > b[1]:
						scratch = append(scratch, b[0], b[1], a[0], a[1])
					}
				}
			}
			if nRings == 0 {
				continue
			}
			ix.blocks = append(ix.blocks, blockRef{id: id, off: ix.addBlock(scratch)})
			bounds = append(bounds, bound)
		}
		if len(ix.blocks) > 0 && ix.blocks[len(ix.blocks)-1].id == id {
			ix.codes = append(ix.codes, it.Code)
		}
	}
	// tidwall/rtree has no bulk loading, and inserting spatially sorted
	// boxes (as boundary files and grids usually are) yields nodes with
	// long thin overlapping rectangles. A fixed pseudo-random insertion
	// order gives measurably better splits (~1.5× faster point queries on
	// the benchmark grid) and keeps the tree deterministic.
	perm := rand.New(rand.NewPCG(0x7465_6e67, 0x7869_6e)).Perm(len(ix.blocks))
	for _, i := range perm {
		ix.tree.Insert([2]float64(bounds[i].Min), [2]float64(bounds[i].Max), ix.blocks[i])
	}
	return ix
}

// addBlock appends the block of one polygon (edges: 4 floats each,
// ay < by) to ix.data and returns its offset.
func (ix *Index) addBlock(edges []float64) int32 {
	n := len(edges) / 4
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for k := 0; k < len(edges); k += 4 {
		ymin = math.Min(ymin, edges[k+1])
		ymax = math.Max(ymax, edges[k+3])
	}
	var y0, invH float64
	nBand := 1
	if n > 0 && ymax > ymin && !math.IsInf(ymax-ymin, 0) {
		y0 = ymin
		nBand = min(max(n/edgesPerBand, 1), maxBands)
	}
	var spans []int // first and last band of each edge
	var total int
	for {
		invH = 0
		if nBand > 1 {
			invH = float64(nBand) / (ymax - ymin)
		}
		spans, total = spans[:0], 0
		for k := 0; k < len(edges); k += 4 {
			lo, hi := bandOf(edges[k+1], y0, invH, nBand), bandOf(edges[k+3], y0, invH, nBand)
			spans = append(spans, lo, hi)
			total += hi - lo + 1
		}
		if nBand == 1 || total <= maxDup*n+nBand {
			break
		}
		nBand /= 2
	}
	off := len(ix.data)
	size := blockHeader + nBand + 1 + 4*total
	if off+size > math.MaxInt32 {
		panic(fmt.Sprintf("geo: NewIndex: index exceeds %d numbers", math.MaxInt32))
	}
	ix.data = append(ix.data, make([]float64, size)...)
	blk := ix.data[off : off+size]
	blk[0], blk[1], blk[2] = y0, invH, float64(nBand)
	// Counting sort of the edges into their bands.
	start := make([]int, nBand+1)
	for i := 0; i < len(spans); i += 2 {
		for b := spans[i]; b <= spans[i+1]; b++ {
			start[b+1] += 4
		}
	}
	start[0] = blockHeader + nBand + 1
	for b := range nBand {
		start[b+1] += start[b]
	}
	for b, s := range start {
		blk[blockHeader+b] = float64(s)
	}
	next := start[:nBand]
	for i := 0; i < len(spans); i += 2 {
		src := edges[2*i : 2*i+4]
		for b := spans[i]; b <= spans[i+1]; b++ {
			copy(blk[next[b]:next[b]+4], src)
			next[b] += 4
		}
	}
	return int32(off)
}

// bandOf maps a latitude to its band, clamped to [0, n). It is monotonic
// in y, which is all that correctness relies on: an edge is filed under
// every band from bandOf(ay) to bandOf(by), so any edge with
// ay <= y < by is filed under bandOf(y).
func bandOf(y, y0, invH float64, n int) int {
	f := (y - y0) * invH
	if !(f >= 0) { // also NaN
		return 0
	}
	if f >= float64(n) {
		return n - 1
	}
	return int(f)
}

// Len returns the number of indexed items.
func (ix *Index) Len() int { return len(ix.codes) }

// Locate returns the code of the item whose area contains (lng, lat).
//
// Boundaries follow the half-open convention of the crossing test: a point
// exactly on an edge shared by two neighbouring polygons belongs to exactly
// one of them, the same one every time (for an exactly shared vertical
// edge, the polygon to its east; for a shared horizontal edge, the polygon
// to its north), so a tiling without gaps leaves no point of its interior
// unassigned. Holes are respected. If polygons overlap, the item listed
// first in NewIndex wins. Locate does not allocate.
func (ix *Index) Locate(lng, lat float64) (code string, ok bool) {
	if ix == nil || len(ix.codes) == 0 {
		return "", false
	}
	best := int32(-1)
	pt := [2]float64{lng, lat}
	// The callback does not escape (TestLocateNoAllocs checks it), so the
	// closure lives on the stack.
	ix.tree.Search(pt, pt, func(_, _ [2]float64, ref blockRef) bool {
		if best >= 0 && ref.id >= best {
			return true // this or an earlier item already contains the point
		}
		if ix.contains(ref.off, lng, lat) {
			best = ref.id
		}
		return true
	})
	if best < 0 {
		return "", false
	}
	return ix.codes[best], true
}

// contains runs the even-odd crossing test of (px, py) against the polygon
// whose block starts at off: a point inside the outer ring and inside one
// of its holes crosses an even number of edges and is outside.
//
// An edge a→b (ay < by) counts when it straddles the horizontal line
// through the point, half-open in y (ay <= py < by), and lies strictly east
// of the point: (px-ax)*(by-ay) < (py-ay)*(bx-ax), division-free since
// by > ay. Every straddling edge is in the point's band.
func (ix *Index) contains(off int32, px, py float64) bool {
	blk := ix.data[off:]
	b := bandOf(py, blk[0], blk[1], int(blk[2]))
	edges := blk[int(blk[blockHeader+b]):int(blk[blockHeader+b+1])]
	inside := false
	for k := 0; k+3 < len(edges); k += 4 {
		ax, ay, bx, by := edges[k], edges[k+1], edges[k+2], edges[k+3]
		if ay <= py && py < by && (px-ax)*(by-ay) < (py-ay)*(bx-ax) {
			inside = !inside
		}
	}
	return inside
}
