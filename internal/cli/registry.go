package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/registry"
)

// runRegistry: tongxin registry import|template.
func runRegistry(ctx context.Context, env Env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return runRegistryImport(ctx, env, args[1:])
		case "template":
			return runRegistryTemplate(env, args[1:])
		}
	}
	fmt.Fprintln(env.Stderr, "Usage: tongxin registry import|template [flags]")
	return ErrUsage
}

func runRegistryTemplate(env Env, args []string) error {
	f := newFlags(env, "registry template", "--out F.xlsx")
	var out string
	f.StringVar(&out, "out", "人口台账导入模板.xlsx", "where to write the persons ledger template")
	if err := f.parse(args); err != nil {
		return err
	}
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := registry.WriteTemplate(file); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "wrote", out)
	return nil
}

func runRegistryImport(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "registry import", "--file F.xlsx|F.csv [--mode valid_rows] [--area CODE] [flags]")
	var file, mode, areaCode, reportPath string
	var quiet, bulk bool
	f.StringVar(&file, "file", "", "the ledger to import (.xlsx or .csv, UTF-8 or GB18030)")
	f.StringVar(&mode, "mode", string(registry.ImportAllOrNothing), "all_or_nothing (any invalid row: nothing is stored) or valid_rows")
	f.StringVar(&areaCode, "area", "", "the microgrid (18 digits) where buildings not yet on record are created")
	f.StringVar(&reportPath, "report", "", "where to write the error report (default: beside the file, NAME.errors.xlsx)")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	f.BoolVar(&bulk, "bulk", false, "initial load of a large ledger: one transaction (other changes wait until it ends), indexes built at the end")
	var d dbFlags
	f.db(&d)
	if err := f.parse(args); err != nil {
		return err
	}
	if file == "" {
		f.Usage()
		return ErrUsage
	}
	format, err := registry.LedgerFormat(file)
	if err != nil {
		return explain(err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	if reportPath == "" {
		reportPath = strings.TrimSuffix(file, "."+format) + ".errors.xlsx"
		if strings.HasSuffix(strings.ToLower(file), ".xlsm") {
			reportPath = file + ".errors.xlsx"
		}
	}
	h, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	keys, err := d.keys(env)
	if err != nil {
		return err
	}
	c := clock.Real{}
	areas := area.NewStore(h, c)
	store := registry.NewStore(h, c, keys, areas, cases.NewStore(h, c, areas, keys, nil, nil, cases.Config{}))

	var bar *progressbar.ProgressBar
	opts := registry.ImportOptions{Mode: registry.ImportMode(mode), Area: areaCode, ReportPath: reportPath, Bulk: bulk}
	if !quiet {
		// By the bytes of the rows written — for a workbook, the share of its
		// rows read as the same share of the file, when the sheet records its
		// length; otherwise a count of rows.
		opts.Progress = func(rows int, bytes int64) {
			if bar == nil && bytes >= 0 {
				bar = progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(env.Stderr), progressbar.OptionShowBytes(true),
					progressbar.OptionSetDescription("导入 "+file), progressbar.OptionThrottle(200_000_000), progressbar.OptionClearOnFinish())
			}
			if bar == nil {
				bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(env.Stderr), progressbar.OptionSetDescription("导入 "+file+"（行）"),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(200_000_000), progressbar.OptionClearOnFinish())
			}
			if bytes >= 0 {
				_ = bar.Set64(bytes)
			} else {
				_ = bar.Set(rows)
			}
		}
	}
	res, err := store.ImportFile(access.System(ctx), file, file, opts)
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "%s: %d rows, %d imported, %d updated, %d invalid (mode %s)\n", file, res.Rows, res.Imported, res.Updated, res.Invalid, res.Mode)
	if res.Invalid > 0 {
		if res.Mode == registry.ImportAllOrNothing {
			fmt.Fprintln(env.Stdout, "nothing was imported (mode all_or_nothing); use --mode valid_rows to import the valid rows")
		}
		for i, p := range res.Problems {
			if i == 10 {
				fmt.Fprintf(env.Stdout, "  … and %d more\n", res.Invalid-10)
				break
			}
			var reasons []string
			for _, x := range p.Problems {
				reasons = append(reasons, x.Column+": "+x.DetailZH)
			}
			fmt.Fprintf(env.Stdout, "  line %d: %s\n", p.Line, strings.Join(reasons, "; "))
		}
		fmt.Fprintln(env.Stdout, "error report:", reportPath)
		if res.Mode == registry.ImportAllOrNothing {
			return fmt.Errorf("%d invalid rows", res.Invalid)
		}
	}
	return nil
}
