package bench

import (
	"context"
	"io"
	"testing"
	"time"
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

func TestOverdueHarness(t *testing.T) {
	res, err := Overdue(context.Background(), OverdueConfig{Cases: 3000, Overdue: 40}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Flagged != 40 || res.Engine != "sqlite" {
		t.Fatalf("flagged %d on %s, want 40 on sqlite", res.Flagged, res.Engine)
	}
}

func TestIntakeHarness(t *testing.T) {
	res, err := Intake(context.Background(), IntakeConfig{Clients: 4, Duration: 300 * time.Millisecond}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || res.Failed != 0 || res.Stored < res.Accepted || res.P99 < res.P50 {
		t.Fatalf("intake harness: %+v", res)
	}
}
