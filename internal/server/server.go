// Package server assembles Tongxin's HTTP server: the route table (routes.go,
// the one place where every URL is listed), the middleware chain, health and
// metrics, and the embedded web console.
package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/open311"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
	"github.com/tongxin/tongxin/internal/platform/pii"
	"github.com/tongxin/tongxin/internal/registry"
	"github.com/tongxin/tongxin/internal/worktime"
)

// Config is what the server needs from the command line.
type Config struct {
	DataDir         string // where attachments are kept (default ./data)
	ImportMaxBytes  int64  // upload limit of a registry ledger import (default 512 MiB)
	WebhookURL      string // where overdue (督办) events are POSTed; none: no webhook
	WebhookSecret   string // HMAC-SHA256 key for the X-Tongxin-Signature header
	ScanEvery       time.Duration
	Jurisdiction    string // the district this deployment serves (Open311 jurisdiction_id); default 370211
	Open311Area     string // where Open311 requests with only an address are filed; default the jurisdiction
	TileURL         string // optional map tile URL template for the console
	TileAttribution string
	SecureCookies   bool
	Version         string
	// Accounts: the 等保 policy a deployment chooses (auth.Policy).
	RequireTOTP     bool
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	// AuditRetention: entries older are purged daily (0: never purged;
	// otherwise at least audit.MinRetention).
	AuditRetention time.Duration
	PasswordMaxAge time.Duration
}

// Deps are the server's collaborators, built once by the CLI (or a test).
type Deps struct {
	DB     *db.DB
	Clock  clock.Clock
	Keys   *pii.Keyring
	Logger *slog.Logger
	UI     fs.FS // the built console; nil serves a placeholder page
	Config Config
}

// Server is the assembled application.
type Server struct {
	deps     Deps
	Areas    *area.Store
	Auth     *auth.Store
	Cases    *cases.Store
	Files    *attach.Store
	Registry *registry.Store
	Webhook  *cases.Webhook
	calendar atomic.Pointer[worktime.Calendar]
	handler  http.Handler
	routes   []Route
	imports  *registry.ImportHTTP
	registry *prometheus.Registry
}

// New builds the server and its route table.
func New(d Deps) *Server {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Config.DataDir == "" {
		d.Config.DataDir = "./data"
	}
	if d.Config.Jurisdiction == "" {
		d.Config.Jurisdiction = "370211"
	}
	if d.Config.Open311Area == "" {
		d.Config.Open311Area = d.Config.Jurisdiction
	}
	s := &Server{deps: d, Areas: area.NewStore(d.DB, d.Clock), Auth: auth.NewStore(d.DB, d.Clock, d.Keys), registry: prometheus.NewRegistry()}
	s.Auth.Policy = auth.Policy{RequireTOTP: d.Config.RequireTOTP, SessionIdle: d.Config.SessionIdle, SessionAbsolute: d.Config.SessionAbsolute, PasswordMaxAge: d.Config.PasswordMaxAge}
	s.Files = attach.NewStore(d.DB, filepath.Join(d.Config.DataDir, "attachments"), d.Clock, attach.Limits{})
	s.Cases = cases.NewStore(d.DB, d.Clock, s.Areas, d.Keys, s.Calendar, s.Files, cases.Config{})
	s.Registry = registry.NewStore(d.DB, d.Clock, d.Keys, s.Areas, s.Cases)
	s.Webhook = &cases.Webhook{DB: d.DB, URL: d.Config.WebhookURL, Secret: d.Config.WebhookSecret, Now: d.Clock.Now}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	authHTTP := &auth.HTTP{Store: s.Auth, SecureCookie: d.Config.SecureCookies}
	calendarHTTP := &worktime.HTTP{DB: d.DB, Clock: d.Clock, OnChange: func() { _ = s.ReloadCalendar(context.Background()) }}
	open311HTTP := open311.New(s.Cases, s.Auth, d.DB, d.Clock, open311.Config{Jurisdiction: d.Config.Jurisdiction, DefaultArea: d.Config.Open311Area})
	s.imports = &registry.ImportHTTP{Store: s.Registry, MaxBytes: d.Config.ImportMaxBytes, Dir: filepath.Join(d.Config.DataDir, "imports")}
	s.routes = s.routeTable(authHTTP, &area.HTTP{Store: s.Areas}, &cases.HTTP{Store: s.Cases}, calendarHTTP, open311HTTP, &registry.HTTP{Store: s.Registry})
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" "+rt.Path, rt.handler())
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	// "GET /" rather than "/" so that a wrong method on an API route gets
	// the mux's 405 (made a problem by APIProblems) instead of the console.
	mux.Handle("GET /", s.uiHandler())
	s.handler = httpapi.Chain(httpapi.Routed(mux), httpapi.Recover, httpapi.APIProblems, httpapi.Logging(d.Logger), httpapi.Metrics(s.registry), securityHeaders(contentSecurityPolicy(d.Config.TileURL)), authHTTP.Authenticate)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes exposes the route table (for the OpenAPI document and its test).
func (s *Server) Routes() []Route { return s.routes }

// Start loads what the server keeps in memory (the locate index) and starts
// its background refreshers; they stop with ctx.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Areas.Locator().Rebuild(ctx); err != nil {
		return err
	}
	year := s.deps.Clock.Now().In(clock.Shanghai).Year()
	if _, err := worktime.SeedFromLunar(ctx, s.deps.DB, year-1, year, year+1); err != nil {
		return fmt.Errorf("holiday calendar: %w", err)
	}
	if err := s.ReloadCalendar(ctx); err != nil {
		return err
	}
	if n, err := s.Registry.InterruptedJobs(ctx); err != nil {
		return err
	} else if n > 0 {
		s.deps.Logger.WarnContext(ctx, "registry imports interrupted by the last stop", "jobs", n)
	}
	if s.deps.DB.Dialect() == db.Postgres {
		// Replicas share the database: an import whose replica stopped is
		// told by its heartbeat, not by a start.
		go s.watchImports(ctx, time.Minute)
	}
	go s.Areas.Locator().Watch(ctx, 30*time.Second)
	s.anchorAudit(ctx) // at once, so that a start after tampering says so
	go s.keepAudit(ctx)
	go s.sweepFiles(ctx)
	every := s.deps.Config.ScanEvery
	if every > 0 {
		log := s.deps.Logger
		go s.Cases.Watch(access.System(ctx), every, s.Webhook, func(msg string, args ...any) { log.InfoContext(ctx, msg, args...) })
	}
	return nil
}

// watchImports fails, every period, the imports whose heartbeat stopped.
func (s *Server) watchImports(ctx context.Context, period time.Duration) {
	every(ctx, period, func() {
		if n, err := s.Registry.InterruptedJobs(ctx); err != nil && ctx.Err() == nil {
			s.deps.Logger.ErrorContext(ctx, "interrupted imports", "err", err)
		} else if n > 0 {
			s.deps.Logger.WarnContext(ctx, "registry imports interrupted: their server stopped", "jobs", n)
		}
	})
}

// sweepFiles removes, hourly, attachment files that no row refers to (left by
// uploads whose transaction rolled back) once they are an hour old.
func (s *Server) sweepFiles(ctx context.Context) {
	every(ctx, time.Hour, func() {
		if n, err := s.Files.Sweep(ctx, time.Hour); err != nil && ctx.Err() == nil {
			s.deps.Logger.WarnContext(ctx, "sweeping attachment files", "err", err)
		} else if n > 0 {
			s.deps.Logger.InfoContext(ctx, "swept unreferenced attachment files", "count", n)
		}
	})
}

// anchorAudit writes the audit chain's anchor to DataDir/audit-anchor.json,
// after checking that the chain extends the anchor written before; when it
// does not, the old anchor stays as evidence and the error is logged.
func (s *Server) anchorAudit(ctx context.Context) {
	key, err := audit.CurrentKey()
	if err == nil {
		err = audit.WriteAnchor(ctx, s.deps.DB, key, filepath.Join(s.deps.Config.DataDir, audit.AnchorFile))
	}
	if err != nil && ctx.Err() == nil {
		s.deps.Logger.ErrorContext(ctx, "audit anchor: run tongxin audit verify", "err", err, "dir", s.deps.Config.DataDir)
	}
}

// keepAudit anchors the audit chain every minute and purges the entries
// older than the retention daily.
func (s *Server) keepAudit(ctx context.Context) {
	lastPurge := time.Time{}
	every(ctx, time.Minute, func() {
		s.anchorAudit(ctx)
		r := s.deps.Config.AuditRetention
		if r <= 0 || time.Since(lastPurge) < 24*time.Hour {
			return
		}
		lastPurge = time.Now()
		key, err := audit.CurrentKey()
		if err != nil {
			return // anchorAudit has said so
		}
		res, err := audit.Purge(access.System(ctx), s.deps.DB, key, s.deps.Clock.Now(), r)
		if err != nil && ctx.Err() == nil {
			s.deps.Logger.ErrorContext(ctx, "audit purge", "err", err)
		} else if res.Removed > 0 {
			s.deps.Logger.InfoContext(ctx, "audit entries purged", "removed", res.Removed, "before", res.Before)
		}
	})
}

// every runs fn each period until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// ReloadCalendar reads the working-time calendar again (after it changed).
func (s *Server) ReloadCalendar(ctx context.Context) error {
	cal, err := worktime.Load(ctx, s.deps.DB)
	if err != nil {
		return err
	}
	s.calendar.Store(cal)
	return nil
}

// Calendar is the current working-time calendar (nil before Start).
func (s *Server) Calendar() cases.Calendar {
	if c := s.calendar.Load(); c != nil {
		return c
	}
	return nil
}

func init() {
	// Go's table lacks the web app manifest's type (the phone apps' PWA).
	_ = mime.AddExtensionType(".webmanifest", "application/manifest+json")
}

// contentSecurityPolicy allows the console and the phone apps nothing but
// their own files: no inline script, no eval, no framing (clickjacking),
// images also from data: and blob: URLs (photos, QR codes) and from the
// configured map tiles' origin. Styles may be inline: the UI libraries set
// style attributes.
func contentSecurityPolicy(tileURL string) string {
	img := "'self' data: blob:"
	if u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0").Replace(tileURL)); err == nil && u.Scheme != "" && u.Host != "" {
		host := u.Host
		if strings.Contains(tileURL, "{s}.") {
			host = "*." + strings.SplitN(u.Host, ".", 2)[1]
		}
		img += " " + u.Scheme + "://" + host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
		"; connect-src 'self'; font-src 'self' data:; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

func securityHeaders(csp string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Content-Security-Policy", csp)
			next.ServeHTTP(w, r)
		})
	}
}

// uiHandler serves the console's files and, for any other non-API path, its
// index.html (history-mode routing).
func (s *Server) uiHandler() http.Handler {
	console := s.consoleHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			httpapi.WriteError(w, r, errNoRoute)
			return
		}
		console.ServeHTTP(w, r)
	})
}

func (s *Server) consoleHandler() http.Handler {
	ui := s.deps.UI
	if ui == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(placeholderPage))
		})
	}
	files := http.FileServerFS(ui)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if p != "" {
			if f, err := ui.Open(p); err == nil {
				st, _ := f.Stat()
				f.Close()
				if st != nil && !st.IsDir() {
					switch {
					case strings.HasPrefix(p, "assets/"):
						w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
					case strings.HasSuffix(p, "sw.js"), strings.HasSuffix(p, ".webmanifest"):
						w.Header().Set("Cache-Control", "no-cache") // a service worker must be able to update
					}
					files.ServeHTTP(w, r)
					return
				}
			}
		}
		// The phone apps (grid worker, resident portal) are their own page
		// with their own history-mode router under /m/.
		page := "index.html"
		if r.URL.Path == "/m" || strings.HasPrefix(r.URL.Path, "/m/") {
			page = "m.html"
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, ui, page)
	})
}

const placeholderPage = `<!doctype html><meta charset="utf-8"><title>同心 Tongxin</title>
<body style="font-family:sans-serif;margin:3em"><h1>同心 · 基层治理</h1>
<p>此二进制未嵌入 Web 控制台。请使用 <code>scripts/run.sh</code> 构建（会先构建 web/ 再以 <code>-tags webui</code> 编译）。</p>
<p>This binary was built without the web console. Build with <code>scripts/run.sh</code> (it builds web/ and compiles with <code>-tags webui</code>). The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>`
