package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/tongxin/tongxin/internal/bench"
)

func runBench(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 && args[0] == "intake" {
		return runBenchIntake(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "overdue" {
		return runBenchOverdue(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "locate" {
		fmt.Fprintln(env.Stderr, "Usage: tongxin bench locate|intake|overdue [flags]")
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

func runBenchIntake(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "bench intake", "[flags]")
	var cfg bench.IntakeConfig
	f.StringVar(&cfg.DSN, "db", "", "an EMPTY postgres:// database to run on (default: a fresh SQLite file)")
	f.IntVar(&cfg.Clients, "clients", 64, "concurrent clients")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the clients post")
	if err := f.parse(args); err != nil {
		return err
	}
	if path := env.Getenv("TONGXIN_CPUPROFILE"); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Intake(ctx, cfg, env.Stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "intake on %s (%s, %d CPUs): %d accepted, %d failed in %v: %.0f reports/s; latency p50 %v, p99 %v, max %v; %d cases stored\n",
		res.Engine, runtime.Version(), runtime.NumCPU(), res.Accepted, res.Failed, res.Elapsed.Round(time.Millisecond), res.PerSecond,
		res.P50.Round(time.Microsecond*100), res.P99.Round(time.Microsecond*100), res.Max.Round(time.Millisecond), res.Stored)
	if res.Stored < res.Accepted {
		return fmt.Errorf("only %d of %d acknowledged reports are stored", res.Stored, res.Accepted)
	}
	return nil
}

func runBenchOverdue(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "bench overdue", "[flags]")
	var cfg bench.OverdueConfig
	f.StringVar(&cfg.DSN, "db", "", "an EMPTY postgres:// database to run on (default: a fresh SQLite file)")
	f.IntVar(&cfg.Cases, "cases", 1_000_000, "cases in the table")
	f.IntVar(&cfg.Overdue, "overdue", 1000, "how many of them just went overdue")
	if err := f.parse(args); err != nil {
		return err
	}
	res, err := bench.Overdue(ctx, cfg, env.Stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "overdue scan on %s over %d cases (loaded in %v): flagged %d in %v; the next scan, finding nothing, took %v\n",
		res.Engine, cfg.Cases, res.Load.Round(time.Millisecond), res.Flagged, res.Scan.Round(time.Millisecond), res.SteadyScan.Round(time.Microsecond))
	return nil
}
