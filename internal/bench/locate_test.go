package bench

import (
	"io"
	"testing"
)

// A small run proves the harness measures real lookups: the random points lie
// in the tiling's bounding box, whose wavy outer edge leaves only slivers
// outside, so nearly every lookup hits; and none allocates.
func TestLocateHarness(t *testing.T) {
	res, err := Locate(LocateConfig{Polygons: 400, Vertices: 64, Lookups: 20000, Batches: 20}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hits < 19800 {
		t.Fatalf("hits %d of 20000", res.Hits)
	}
	if res.AllocsPerLookup > 0.001 {
		t.Fatalf("allocations per lookup: %f", res.AllocsPerLookup)
	}
	if res.MedianNs <= 0 || res.P99Ns < res.MedianNs {
		t.Fatalf("timings %+v", res)
	}
	if _, err := Locate(LocateConfig{Polygons: 10, Vertices: 64, Lookups: 10, Batches: 1}, io.Discard); err == nil {
		t.Fatal("a non-square polygon count was accepted")
	}
}
