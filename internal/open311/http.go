package open311

import (
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Config is what a deployment says about its Open311 endpoint.
type Config struct {
	// Jurisdiction is the district's area code ("370211"): the one
	// jurisdiction_id accepted, and the subtree whose cases are shown.
	Jurisdiction string
	// DefaultArea is where a request located only by address_string or
	// address_id is filed ("370211001", the subdistrict): its dispatchers
	// place it.
	DefaultArea string
	// BaseURL is the server's public origin ("https://tongxin.example.cn");
	// empty: taken from each request.
	BaseURL    string
	Contact    string // discovery: how to reach the operators
	KeyService string // discovery: how to get an API key
}

// KeyResolver turns an api_key into the principal it acts as (auth.Store).
type KeyResolver interface {
	APIKeyPrincipal(ctx context.Context, key string) (*access.Principal, error)
}

// Handler serves /open311/v2/. Its methods fit the route table's handler
// type but always write their own answer (errors in the specification's
// format) and return nil.
type Handler struct {
	cases *cases.Store
	keys  KeyResolver
	db    *db.DB
	clock clock.Clock
	cfg   Config
}

// New builds the handler over the case engine.
func New(cs *cases.Store, keys KeyResolver, d *db.DB, c clock.Clock, cfg Config) *Handler {
	if cfg.Contact == "" {
		cfg.Contact = "同心 Tongxin 基层治理平台：请联系街道社会治理中心 (Tongxin grid governance: contact the subdistrict governance centre)"
	}
	if cfg.KeyService == "" {
		cfg.KeyService = "API 密钥由平台管理员为居民角色账号签发 (API keys are issued by the administrators to an account with the resident role: POST /api/v1/users/{id}/api-keys)"
	}
	return &Handler{cases: cs, keys: keys, db: d, clock: c, cfg: cfg}
}

// format splits "name.json" / "name.xml" into the name and the format; ok
// is false for any other extension.
func format(file string) (name, f string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return file, "json", false
	}
	switch ext := file[i+1:]; ext {
	case "json", "xml":
		return file[:i], ext, true
	}
	return file[:i], "json", false
}

// formatOf reads the format from the last segment of the path.
func formatOf(r *http.Request) (string, bool) {
	p := r.URL.Path
	_, f, ok := format(p[strings.LastIndexByte(p, '/')+1:])
	return f, ok
}

// write answers v as JSON, or as XML (x, the document with its root element).
func write(w http.ResponseWriter, f string, status int, v, x any) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if f == "xml" {
		out, err := xml.Marshal(x)
		if err != nil {
			slog.Error("open311: xml", "err", err)
			status, out = http.StatusBadRequest, []byte("<errors><error><code>400</code><description>general service error</description></error></errors>")
		}
		h.Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(xml.Header))
		_, _ = w.Write(out)
		return
	}
	out, err := json.Marshal(v)
	if err != nil {
		slog.Error("open311: json", "err", err)
		status, out = http.StatusBadRequest, []byte(`[{"code":400,"description":"general service error"}]`)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out)
	_, _ = w.Write([]byte("\n"))
}

// fail answers errors. The status is the most telling of their codes:
// 403 before 404 before 400 (the specification's three).
func fail(w http.ResponseWriter, f string, list ...Error) error {
	status := http.StatusBadRequest
	for _, code := range []int{http.StatusForbidden, http.StatusNotFound} {
		var only []Error
		for _, e := range list {
			if e.Code == code {
				only = append(only, e)
			}
		}
		if len(only) > 0 {
			status = code
			if code == http.StatusForbidden {
				list = only // nothing else is said to a caller without a key
			}
			break
		}
	}
	write(w, f, status, list, xmlErrors{Errors: list})
	return nil
}

// failInternal logs an error the caller cannot fix and answers the
// specification's "400 - General service error" without its text.
func failInternal(w http.ResponseWriter, r *http.Request, f string, err error) error {
	slog.ErrorContext(r.Context(), "open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return fail(w, f, Error{Code: 400, Description: "general service error — 服务暂时无法处理该请求，请稍后重试 (the service could not process the request; try again later)"})
}

var errNoFormat = Error{Code: 404, Description: "format: not_found — 仅支持 .json 与 .xml (only .json and .xml are served)"}

// checkJurisdiction accepts an absent or empty jurisdiction_id, or ours.
func (h *Handler) checkJurisdiction(id string) []Error {
	if id = strings.TrimSpace(id); id == "" || id == h.cfg.Jurisdiction {
		return nil
	}
	return []Error{fieldError(404, "jurisdiction_id", "not_found", "本接口只服务辖区 "+h.cfg.Jurisdiction, "this endpoint serves jurisdiction "+h.cfg.Jurisdiction+" only")}
}

// Discovery serves discovery.{json|xml}.
func (h *Handler) Discovery(w http.ResponseWriter, r *http.Request) error {
	f, ok := formatOf(r)
	if !ok {
		return fail(w, f, errNoFormat)
	}
	changeset, err := h.changeset(r.Context())
	if err != nil {
		return failInternal(w, r, f, err)
	}
	d := Discovery{Changeset: changeset, Contact: h.cfg.Contact, KeyService: h.cfg.KeyService,
		Endpoints: []Endpoint{{Specification: Specification, URL: h.baseURL(r) + "/open311/v2", Changeset: changeset,
			Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	write(w, f, http.StatusOK, d, d)
	return nil
}

// changeset is the last change of the taxonomy, which is what services and
// definitions are made of: clients refresh their cache when it moves.
func (h *Handler) changeset(ctx context.Context) (string, error) {
	var ms sql.NullInt64
	if err := h.db.QueryRowContext(ctx, `SELECT MAX(updated_at) FROM case_categories`).Scan(&ms); err != nil {
		return "", err
	}
	return w3c(db.Time(ms.Int64)), nil
}

func (h *Handler) baseURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return strings.TrimSuffix(h.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// NotFound answers every other path under /open311/: 404, or 405 for a
// method a resource does not take, in the specification's error format.
func (h *Handler) NotFound(w http.ResponseWriter, r *http.Request) error {
	f, _ := formatOf(r)
	name, _, _ := format(strings.TrimPrefix(r.URL.Path, "/open311/v2/"))
	known := name == "discovery" || name == "services" || name == "requests" ||
		strings.Count(name, "/") == 1 && (strings.HasPrefix(name, "services/") || strings.HasPrefix(name, "requests/") || strings.HasPrefix(name, "tokens/"))
	known = known && strings.HasPrefix(r.URL.Path, "/open311/v2/")
	if known && (r.Method == http.MethodGet || r.Method == http.MethodHead || name == "requests" && r.Method == http.MethodPost) {
		return fail(w, f, errNoFormat) // a resource we serve, in a format we do not
	}
	if known {
		allow := "GET, HEAD"
		if name == "requests" {
			allow = "GET, HEAD, POST"
		}
		w.Header().Set("Allow", allow)
		write(w, f, http.StatusMethodNotAllowed, []Error{{Code: 405, Description: "method: not_allowed — 该资源只接受 " + allow + " (this resource takes " + allow + ")"}},
			xmlErrors{Errors: []Error{{Code: 405, Description: "method: not_allowed — 该资源只接受 " + allow + " (this resource takes " + allow + ")"}}})
		return nil
	}
	return fail(w, f, Error{Code: 404, Description: "path: not_found — 没有此 Open311 资源 (no such Open311 resource: " + r.URL.Path + ")"})
}

// formContentType says whether the body is a form.
func formContentType(r *http.Request) (multipart bool, ok bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return false, false
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		return false, true
	case "multipart/form-data":
		return true, true
	}
	return false, false
}

// keyError words a refused api_key.
func keyError(err error) (Error, bool) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Unauthorized {
		return Error{}, false
	}
	return fieldError(403, "api_key", "invalid", "API 密钥无效或已吊销", "invalid or revoked api_key"), true
}
