// Package httpapi is the HTTP plumbing shared by the domain handlers: handlers
// that return errors, RFC 9457 problem responses, JSON decoding with limits,
// and the middleware chain (request log, panic recovery, metrics).
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Handler is an http.Handler that may fail; the error becomes a problem response.
type Handler func(w http.ResponseWriter, r *http.Request) error

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		WriteError(w, r, err)
	}
}

// statusOf is the one place where domain error kinds become HTTP statuses.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

// Problem is an RFC 9457 problem detail with Tongxin's extensions: a machine
// code, the detail in Chinese, and per-field errors.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail"`
	DetailZH string            `json:"detail_zh"`
	Code     string            `json:"code"`
	Instance string            `json:"instance,omitempty"`
	Errors   []errs.FieldError `json:"errors,omitempty"`
	// Extra are extension members (errs.Error.Extra), written beside the
	// standard ones; a standard member is never overwritten.
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes the problem with its extension members.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, std := members[k]; !std {
			if members[k], err = json.Marshal(v); err != nil {
				return nil, err
			}
		}
	}
	return json.Marshal(members)
}

// ProblemOf turns any error into the problem shown to the user; internal
// errors are logged and shown only as a generic message.
func ProblemOf(err error) Problem {
	var e *errs.Error
	if !errors.As(err, &e) {
		e = errs.E(errs.Internal, "internal", "internal server error", "服务器内部错误")
	}
	status := statusOf(e.Kind)
	return Problem{
		Type:     "urn:tongxin:problem:" + e.Code,
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   e.Detail,
		DetailZH: e.DetailZH,
		Code:     e.Code,
		Errors:   e.Fields,
		Extra:    e.Extra,
	}
}

// WriteError writes err as application/problem+json.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemOf(err)
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
