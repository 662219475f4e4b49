// Package bench holds the whole-system measurements behind `tongxin bench`,
// whose results go into docs/benchmarks.md. The go test benchmarks measure
// single functions; these measure what an operator would ask about.
package bench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/tongxin/tongxin/internal/geo"
)

// LocateConfig sizes the locate benchmark.
type LocateConfig struct {
	Polygons int // square number: a √n × √n tiling
	Vertices int // per polygon (multiple of 4)
	Lookups  int
	Batches  int
}

// LocateResult is what the locate benchmark found.
type LocateResult struct {
	Build                  time.Duration
	MedianNs, P99Ns, MinNs float64 // per lookup, over batches
	AllocsPerLookup        float64
	Hits                   int
}

// Locate tiles a rectangle near 35.96°N 120.19°E with polygons of the given
// vertex count, then times lookups of random points on one goroutine, in
// batches, reporting the median batch's time per lookup.
func Locate(cfg LocateConfig, progress io.Writer) (LocateResult, error) {
	side := 1
	for side*side < cfg.Polygons {
		side++
	}
	if side*side != cfg.Polygons || cfg.Vertices%4 != 0 || cfg.Vertices < 4 || cfg.Batches < 1 || cfg.Lookups < cfg.Batches {
		return LocateResult{}, fmt.Errorf("polygons must be a square number, vertices a multiple of 4, lookups ≥ batches ≥ 1")
	}
	const cellDeg = 0.001
	start := time.Now()
	items := geo.TestGrid(side, side, cfg.Vertices/4, [2]float64{120.19, 35.96}, cellDeg)
	ix := geo.NewIndex(items)
	res := LocateResult{Build: time.Since(start)}
	fmt.Fprintf(progress, "index of %d polygons × %d vertices built in %v\n", ix.Len(), cfg.Vertices, res.Build.Round(time.Millisecond))

	r := rand.New(rand.NewPCG(1, 2))
	span := float64(side) * cellDeg
	pts := make([][2]float64, 1<<16)
	for i := range pts {
		pts[i] = [2]float64{120.19 + r.Float64()*span, 35.96 + r.Float64()*span}
	}
	per := cfg.Lookups / cfg.Batches
	times := make([]float64, 0, cfg.Batches)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	k := 0
	for b := 0; b < cfg.Batches; b++ {
		t0 := time.Now()
		for i := 0; i < per; i++ {
			p := pts[k&(len(pts)-1)]
			k++
			if _, ok := ix.Locate(p[0], p[1]); ok {
				res.Hits++
			}
		}
		times = append(times, float64(time.Since(t0).Nanoseconds())/float64(per))
	}
	runtime.ReadMemStats(&after)
	slices.Sort(times)
	res.MedianNs = times[len(times)/2]
	res.P99Ns = times[min(len(times)-1, len(times)*99/100)]
	res.MinNs = times[0]
	res.AllocsPerLookup = float64(after.Mallocs-before.Mallocs) / float64(per*cfg.Batches)
	return res, nil
}
