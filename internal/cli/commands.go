package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/demo"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/server"
)

func runMigrate(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "migrate", "[flags]")
	var d dbFlags
	f.db(&d)
	if err := f.parse(args); err != nil {
		return err
	}
	h, err := db.Open(ctx, d.dsn)
	if err != nil {
		return err
	}
	defer h.Close()
	n, err := h.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migrations (%s)\n", n, h.Dialect())
	return nil
}

func runDemo(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "demo", "[flags]")
	var d dbFlags
	var seed int64
	f.db(&d)
	f.Int64Var(&seed, "seed", demo.DefaultSeed, "seed of the generated people (same seed, same data)")
	if err := f.parse(args); err != nil {
		return err
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
	ctx = access.System(ctx)
	srv := server.New(server.Deps{DB: h, Clock: clock.Real{}, Keys: keys, Config: server.Config{DataDir: d.dataDirectory()}})
	ds, err := demo.LoadIfEmpty(ctx, srv.Areas, srv.Auth, srv.Cases, srv.Registry, h, seed)
	if err != nil {
		return err
	}
	if ds == nil {
		return errors.New("the database already holds areas; the demo loads only into an empty database")
	}
	fmt.Fprintf(env.Stdout, "Loaded the demo district: %d areas, %d users, %d duties, %d stations.\n", len(ds.Areas), len(ds.Users), len(ds.Duties), len(ds.Stations))
	printLogins(env, ds)
	return nil
}

// printLogins lists the demo logins of the default seed, and the Open311
// API key when the demo was just loaded (only its hash is kept).
func printLogins(env Env, loaded *demo.Dataset) {
	ds := demo.Generate(demo.DefaultSeed)
	fmt.Fprintln(env.Stdout, "\nDemo logins (演示账号):")
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\tpassword\trole\tarea")
	for _, u := range ds.LoginUsers() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", u.Username, u.Password, u.Role, u.AreaCode)
	}
	tw.Flush()
	if loaded != nil && loaded.Open311Key != "" {
		fmt.Fprintf(env.Stdout, "\nOpen311 API key (account %q; shown once): %s\n", demo.Open311User, loaded.Open311Key)
	} else {
		fmt.Fprintf(env.Stdout, "\nOpen311: issue an API key with: tongxin user apikey --username %s --name <client>\n", demo.Open311User)
	}
	fmt.Fprintln(env.Stdout)
}

func runUser(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "Usage: tongxin user add|passwd|grant|apikey [flags]")
		return ErrUsage
	}
	sub, args := args[0], args[1:]
	f := newFlags(env, "user "+sub, "[flags]")
	var (
		d                                         dbFlags
		username, name, phone, role, areaCode, pw string
		keyName                                   string
		permanent                                 bool
	)
	f.db(&d)
	f.StringVar(&username, "username", "", "login name")
	switch sub {
	case "add":
		f.StringVar(&name, "name", "", "display name")
		f.StringVar(&phone, "phone", "", "phone number (stored encrypted)")
		f.StringVar(&role, "role", "", "role: "+roleCodes())
		f.StringVar(&areaCode, "area", "", "area code the role is bound to")
		f.StringVar(&pw, "password", "", "password (default: read from standard input)")
		f.BoolVar(&permanent, "permanent", false, "the user keeps this password (default: it must be changed at the first login)")
	case "passwd":
		f.StringVar(&pw, "password", "", "new password (default: read from standard input)")
		f.BoolVar(&permanent, "permanent", false, "the user keeps this password (default: it must be changed at the next login)")
	case "grant":
		f.StringVar(&role, "role", "", "role: "+roleCodes())
		f.StringVar(&areaCode, "area", "", "area code the role is bound to")
	case "apikey":
		f.StringVar(&keyName, "name", "", "what the key is for, e.g. \"open311 gateway\"")
	default:
		fmt.Fprintf(env.Stderr, "tongxin user: unknown subcommand %q (add, passwd, grant, apikey)\n", sub)
		return ErrUsage
	}
	if err := f.parse(args); err != nil {
		return err
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
	store := auth.NewStore(h, clock.Real{}, keys)
	ctx = access.System(ctx)
	if (sub == "add" || sub == "passwd") && pw == "" {
		if pw, err = readPassword(env); err != nil {
			return err
		}
	}
	switch sub {
	case "add":
		u, err := store.CreateUser(ctx, auth.NewUser{Username: username, DisplayName: name, Phone: phone, Password: pw, Role: role, AreaCode: areaCode, Permanent: permanent})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "created user %s (id %d) as %s in %s\n", u.Username, u.ID, role, areaCode)
		return nil
	}
	id, err := store.UserIDByName(ctx, username)
	if err != nil {
		return explain(err)
	}
	switch sub {
	case "passwd":
		if err := store.SetPassword(ctx, id, pw, !permanent); err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; their sessions have ended\n", username)
	case "grant":
		if err := store.GrantRole(ctx, id, access.Binding{Role: role, AreaCode: areaCode}); err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "granted %s in %s to %s\n", role, areaCode, username)
	case "apikey":
		k, key, err := store.CreateAPIKey(ctx, id, keyName)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "API key %d for %s (shown once, keep it safe):\n%s\n", k.ID, username, key)
	}
	return nil
}

func roleCodes() string {
	codes := make([]string, len(access.Roles))
	for i, r := range access.Roles {
		codes[i] = r.Code
	}
	return strings.Join(codes, ", ")
}

func readPassword(env Env) (string, error) {
	if env.Stdin == nil {
		return "", errors.New("no password given: use --password or pipe it on standard input")
	}
	fmt.Fprint(env.Stderr, "password: ")
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// explain renders a domain error with its field details for the terminal.
func explain(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(e.Detail)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s [%s] / %s", f.Field, f.Detail, f.Rule, f.DetailZH)
	}
	return errors.New(b.String())
}

func runAreas(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(env.Stderr, "Usage: tongxin areas import [flags] FILE.geojson")
		return ErrUsage
	}
	f := newFlags(env, "areas import", "[flags] FILE.geojson")
	var d dbFlags
	f.db(&d)
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	if f.NArg() != 1 {
		f.Usage()
		return ErrUsage
	}
	data, err := os.ReadFile(f.Arg(0))
	if err != nil {
		return err
	}
	h, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := area.NewStore(h, clock.Real{}).ImportBoundaries(access.System(ctx), data)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(env.Stdout, "imported %s: %d areas created, %d boundaries updated\n", f.Arg(0), res.Created, res.Updated)
	return nil
}

func runAudit(ctx context.Context, env Env, args []string) error {
	usage := func() error {
		fmt.Fprintln(env.Stderr, `Usage: tongxin audit verify [--anchor FILE] [flags]   check every entry, the head and an anchor kept outside
       tongxin audit anchor [--out FILE] [flags]      print the chain's end (count, last id and hash) for an outside record
       tongxin audit purge [--retention 4320h] [flags] delete entries older than the retention (at least 180 days)`)
		return ErrUsage
	}
	if len(args) == 0 {
		return usage()
	}
	f := newFlags(env, "audit "+args[0], "[flags]")
	var d dbFlags
	f.db(&d)
	var anchorPath, out string
	retention := audit.DefaultRetention
	switch args[0] {
	case "verify":
		f.StringVar(&anchorPath, "anchor", "", "an anchor written by the server or by audit anchor (default: audit-anchor.json in the data directory, if there)")
	case "anchor":
		f.StringVar(&out, "out", "", "write the anchor to this file (after checking the chain extends the anchor already there) instead of printing it")
	case "purge":
		f.DurationVar(&retention, "retention", audit.DefaultRetention, "keep entries younger than this (at least 4320h = 180 days)")
	default:
		return usage()
	}
	if err := f.parse(args[1:]); err != nil {
		return err
	}
	h, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer h.Close()
	key, err := audit.CurrentKey()
	if err != nil {
		return err
	}
	switch args[0] {
	case "anchor":
		if out != "" {
			if err := audit.WriteAnchor(ctx, h, key, out); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "anchor written to %s\n", out)
			return nil
		}
		a, err := audit.TakeAnchor(ctx, h, key, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, a.String())
		return nil
	case "purge":
		res, err := audit.Purge(access.System(ctx), h, key, time.Now(), retention)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(env.Stdout, "audit purge: %d entries older than %s removed\n", res.Removed, res.Before.In(clock.Shanghai).Format(time.DateTime))
		return nil
	}
	var anchor *audit.Anchor
	if anchorPath == "" {
		if p := filepath.Join(d.dataDirectory(), audit.AnchorFile); fileExists(p) {
			anchorPath = p
		}
	}
	if anchorPath != "" {
		a, err := audit.ReadAnchor(anchorPath)
		if err != nil {
			return err
		}
		anchor = &a
	}
	r, err := audit.Check(ctx, h, key, anchor)
	if err != nil {
		return fmt.Errorf("audit log NOT intact after %d good entries: %w", r.Entries, err)
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d entries verified (head: %d ever written, last id %d)\n", r.Entries, r.Head.Count, r.Head.LastID)
	if anchor != nil {
		fmt.Fprintf(env.Stdout, "anchor %s (%d entries at %s) matches\n", anchorPath, anchor.Count, anchor.At.In(clock.Shanghai).Format(time.DateTime))
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(env.Stdout, "note:", w)
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
