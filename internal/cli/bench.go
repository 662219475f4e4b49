package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/tongxin/tongxin/internal/bench"
)

func runBench(_ context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "locate" {
		fmt.Fprintln(env.Stderr, "Usage: tongxin bench locate [flags]")
		return ErrUsage
	}
	f := newFlags(env, "bench locate", "[flags]")
	var cfg bench.LocateConfig
	f.IntVar(&cfg.Polygons, "polygons", 10000, "microgrid polygons (a square number)")
	f.IntVar(&cfg.Vertices, "vertices", 64, "vertices per polygon (a multiple of 4)")
	f.IntVar(&cfg.Lookups, "lookups", 2_000_000, "point lookups in all")
	f.IntVar(&cfg.Batches, "batches", 200, "timed batches (the median batch is reported)")
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	res, err := bench.Locate(cfg, env.Stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "locate on one goroutine (%s, %d CPUs, %s): median %.0f ns, p99 %.0f ns, min %.0f ns per lookup; %.4f allocs per lookup; %d/%d hits\n",
		runtime.Version(), runtime.NumCPU(), runtime.GOARCH, res.MedianNs, res.P99Ns, res.MinNs, res.AllocsPerLookup, res.Hits, cfg.Lookups/cfg.Batches*cfg.Batches)
	return nil
}
