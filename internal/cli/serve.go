package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/demo"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/registry"
	"github.com/tongxin/tongxin/internal/server"
	"github.com/tongxin/tongxin/web"
)

func runServe(ctx context.Context, env Env, args []string) error {
	f := newFlags(env, "serve", "[flags]")
	var (
		d                          dbFlags
		addr, tileURL, tileAttr, l string
		hookURL, hookSecret        string
		jurisdiction, open311Area  string
		loadDemo, secure, totp     bool
		seed, importMaxMB          int64
		scanEvery                  time.Duration
		idle, absolute, pwAge      time.Duration
	)
	f.envString(&addr, "addr", "TONGXIN_ADDR", ":8080", "listen address")
	f.db(&d)
	f.envBool(&loadDemo, "demo", "TONGXIN_DEMO", false, "load the demo district when the database is empty, and print the demo logins")
	f.Int64Var(&seed, "seed", demo.DefaultSeed, "demo data seed")
	f.envString(&tileURL, "tile-url", "TONGXIN_TILE_URL", "", "map tile URL template for the console, e.g. an intranet or Tianditu server (none: grids drawn without a base map)")
	f.envString(&tileAttr, "tile-attribution", "TONGXIN_TILE_ATTRIBUTION", "", "attribution text shown with the tiles")
	f.envBool(&secure, "secure-cookies", "TONGXIN_SECURE_COOKIES", false, "mark session cookies Secure (serve behind HTTPS)")
	f.envString(&l, "log-level", "TONGXIN_LOG_LEVEL", "info", "log level: debug, info, warn, error")
	f.envString(&hookURL, "webhook-url", "TONGXIN_WEBHOOK_URL", "", "URL that receives overdue (督办) events as signed JSON POSTs")
	f.envString(&hookSecret, "webhook-secret", "TONGXIN_WEBHOOK_SECRET", "", "HMAC-SHA256 key for the X-Tongxin-Signature header of webhooks")
	f.DurationVar(&scanEvery, "scan-every", time.Minute, "how often to look for overdue cases and deliver webhooks")
	f.envString(&jurisdiction, "jurisdiction", "TONGXIN_JURISDICTION", "370211", "area code of the district served (the Open311 jurisdiction_id)")
	f.envString(&open311Area, "open311-area", "TONGXIN_OPEN311_AREA", "", "area where Open311 requests that give only an address are filed (default: the jurisdiction)")
	f.envBool(&totp, "require-totp", "TONGXIN_REQUIRE_TOTP", false, "require a TOTP second factor of staff above grid worker (等保 level 3); they enrol at their next login")
	f.envDuration(&idle, "session-idle", "TONGXIN_SESSION_IDLE", auth.SessionIdle, "a session ends after this long without a request")
	f.envDuration(&absolute, "session-max", "TONGXIN_SESSION_MAX", auth.SessionAbsolute, "a session ends this long after its login, however active")
	f.envDuration(&pwAge, "password-max-age", "TONGXIN_PASSWORD_MAX_AGE", 0, "passwords older than this must be changed at the next login (0: never)")
	retention := audit.DefaultRetention
	f.envDuration(&retention, "audit-retention", "TONGXIN_AUDIT_RETENTION", audit.DefaultRetention, "audit entries older than this are purged, daily (at least 4320h = 180 days)")
	f.envInt(&importMaxMB, "import-max-mb", "TONGXIN_IMPORT_MAX_MB", registry.DefaultImportMaxBytes>>20, "upload limit of a registry ledger import, in MiB (larger uploads get 413)")
	if err := f.parse(args); err != nil {
		return err
	}
	if retention < audit.MinRetention {
		fmt.Fprintln(env.Stderr, "--audit-retention must be at least 4320h (180 days: 等保 level 3 keeps logs six months)")
		return ErrUsage
	}
	if importMaxMB <= 0 {
		fmt.Fprintln(env.Stderr, "--import-max-mb must be at least 1")
		return ErrUsage
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
	log := logger(env.Stderr, l)
	srv := server.New(server.Deps{DB: h, Clock: clock.Real{}, Keys: keys, Logger: log, UI: web.UI(),
		Config: server.Config{DataDir: d.dataDirectory(), Jurisdiction: jurisdiction, Open311Area: open311Area, WebhookURL: hookURL, WebhookSecret: hookSecret, ScanEvery: scanEvery,
			ImportMaxBytes: importMaxMB << 20, TileURL: tileURL, TileAttribution: tileAttr, SecureCookies: secure, Version: Version,
			RequireTOTP: totp, SessionIdle: idle, SessionAbsolute: absolute, PasswordMaxAge: pwAge, AuditRetention: retention}})
	if loadDemo {
		loaded, err := demo.LoadIfEmpty(access.System(ctx), srv.Areas, srv.Auth, srv.Cases, srv.Registry, h, seed)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded != nil {
			fmt.Fprintln(env.Stdout, "Loaded the demo district (seed", seed, ").")
		}
		printLogins(env, loaded)
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(env.Stdout, "Tongxin %s serving on %s (database: %s)\n", Version, displayURL(ln.Addr()), h.Dialect())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func displayURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
