// Package cli is the tongxin command: it parses subcommands and flags (each
// flag with an environment variable) and hands over to internal packages.
// Run takes its environment as arguments so that tests drive the real thing.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// Version is set at build time (-ldflags "-X …cli.Version=…").
var Version = "dev"

// Env is what a command run sees of the outside world.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (API, console, metrics)", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"demo", "load the demo district into an empty database and print the demo logins", runDemo},
		{"user", "manage accounts: add, passwd, grant, apikey", runUser},
		{"areas", "area tree: import (GeoJSON FeatureCollection)", runAreas},
		{"audit", "audit log: verify the chain and its anchor, take an anchor, purge old entries", runAudit},
		{"bench", "whole-system benchmarks: locate, intake, overdue", runBench},
		{"registry", "population registry: import a persons ledger (xlsx/csv), write the template", runRegistry},
		{"version", "print the version", func(_ context.Context, env Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "tongxin", Version)
			return nil
		}},
	}
}

// ErrUsage marks a usage error (exit status 2).
var ErrUsage = errors.New("usage")

// errHelp stops a command after -h printed its flags; Run reports success.
var errHelp = errors.New("help shown")

// Run executes the command line.
func Run(ctx context.Context, env Env) error {
	if len(env.Args) < 2 || env.Args[1] == "-h" || env.Args[1] == "--help" || env.Args[1] == "help" {
		usage(env.Stdout)
		if len(env.Args) < 2 {
			return ErrUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == env.Args[1] {
			if err := c.run(ctx, env, env.Args[2:]); !errors.Is(err, errHelp) {
				return err
			}
			return nil
		}
	}
	fmt.Fprintf(env.Stderr, "tongxin: unknown command %q\n\n", env.Args[1])
	usage(env.Stderr)
	return ErrUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "同心 Tongxin — grid-based grassroots governance\n\nUsage: tongxin <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tongxin <command> -h' for the flags of a command; every flag can also be set by the environment variable shown.")
}

// flags is a FlagSet whose flags default to environment variables.
type flags struct {
	*flag.FlagSet
	env    Env
	envErr error // an environment variable that is not a valid flag value
}

func newFlags(env Env, name, args string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: tongxin %s %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return &flags{FlagSet: fs, env: env}
}

func (f *flags) envString(p *string, name, envVar, def, help string) {
	if v := f.env.Getenv(envVar); v != "" {
		def = v
	}
	f.StringVar(p, name, def, help+" (env "+envVar+")")
}

func (f *flags) envBool(p *bool, name, envVar string, def bool, help string) {
	if v := f.env.Getenv(envVar); v != "" {
		def = v == "1" || strings.EqualFold(v, "true")
	}
	f.BoolVar(p, name, def, help+" (env "+envVar+")")
}

// envInt is an integer flag whose default an environment variable may set;
// a value that is not a number is refused when the flags are parsed.
func (f *flags) envInt(p *int64, name, envVar string, def int64, help string) {
	f.Int64Var(p, name, def, help+" (env "+envVar+")")
	if v := f.env.Getenv(envVar); v != "" {
		if err := f.Set(name, v); err != nil {
			f.envErr = fmt.Errorf("%s=%q: not a whole number", envVar, v)
		}
	}
}

// envDuration is a duration flag (e.g. 30m, 12h) whose default an
// environment variable may set.
func (f *flags) envDuration(p *time.Duration, name, envVar string, def time.Duration, help string) {
	f.DurationVar(p, name, def, help+" (env "+envVar+")")
	if v := f.env.Getenv(envVar); v != "" {
		if err := f.Set(name, v); err != nil {
			f.envErr = fmt.Errorf("%s=%q: not a duration such as 30m or 12h", envVar, v)
		}
	}
}

// dbFlags are shared by every command that touches the database.
type dbFlags struct {
	dsn     string
	keyFile string
	dataDir string
	env     Env
	keyring *pii.Keyring // loaded once
}

const defaultDB = "./data/tongxin.db"

func (f *flags) db(d *dbFlags) {
	d.env = f.env
	f.envString(&d.dsn, "db", "TONGXIN_DB", defaultDB, "SQLite file path or postgres:// URL")
	f.envString(&d.dataDir, "data-dir", "TONGXIN_DATA_DIR", "", "directory for attachments (default: beside the SQLite file, or ./data)")
	f.envString(&d.keyFile, "pii-key", "TONGXIN_PII_KEY_FILE", "", "key file for personal data (default: pii.key beside the SQLite file, or ./data/pii.key); env "+pii.EnvVar+" may hold the keys instead")
}

// open opens and migrates the database, and keys the audit chain from the
// deployment's key file: every command may append to the audit log.
func (d *dbFlags) open(ctx context.Context) (*db.DB, error) {
	keys, err := d.keys(d.env)
	if err != nil {
		return nil, err
	}
	audit.SetKey(audit.KeyFrom(keys))
	h, err := db.Open(ctx, d.dsn)
	if err != nil {
		return nil, err
	}
	if _, err := h.Migrate(ctx); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

func (d *dbFlags) dataDirectory() string {
	switch {
	case d.dataDir != "":
		return d.dataDir
	case db.IsPostgres(d.dsn):
		return "./data"
	}
	return filepath.Dir(d.dsn)
}

func (d *dbFlags) keys(env Env) (*pii.Keyring, error) {
	if d.keyring != nil {
		return d.keyring, nil
	}
	k, err := d.loadKeys(env)
	d.keyring = k
	return k, err
}

func (d *dbFlags) loadKeys(env Env) (*pii.Keyring, error) {
	if v := env.Getenv(pii.EnvVar); v != "" {
		return pii.FromEnv(v)
	}
	path := d.keyFile
	if path == "" {
		path = "./data/pii.key"
		if !db.IsPostgres(d.dsn) {
			path = filepath.Join(filepath.Dir(d.dsn), "pii.key")
		}
	}
	return pii.LoadOrCreate(path)
}

func (f *flags) parse(args []string) error {
	if f.envErr != nil {
		fmt.Fprintln(f.env.Stderr, f.envErr)
		return ErrUsage
	}
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return ErrUsage
	}
	return nil
}

func logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// Main is the entry point used by cmd/tongxin.
func Main() int {
	ctx, stop := signalContext()
	defer stop()
	err := Run(ctx, Env{Args: os.Args, Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	default:
		fmt.Fprintln(os.Stderr, "tongxin:", err)
		return 1
	}
}
