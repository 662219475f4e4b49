package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middleware so that the first listed runs outermost.
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Metrics counts requests and their durations per route pattern, so that the
// label set stays bounded whatever paths clients send.
func Metrics(reg prometheus.Registerer) Middleware {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tongxin_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tongxin_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route"})
	reg.MustRegister(requests, duration)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			r, pattern := withPatternSlot(r)
			next.ServeHTTP(rec, r)
			route := *pattern
			if route == "" {
				route = "unmatched"
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status)).Inc()
			duration.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
		})
	}
}

// Logging writes one structured line per request.
func Logging(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			r, pattern := withPatternSlot(r)
			next.ServeHTTP(rec, r)
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "http",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", *pattern),
				slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Duration("took", time.Since(start)), slog.String("remote", r.RemoteAddr))
		})
	}
}

// Recover turns a panic into a 500 problem and logs the stack.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(r.Context(), "panic", "value", v, "stack", string(debug.Stack()))
				WriteError(w, r, errPanic)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

var errPanic = &panicError{}

type panicError struct{}

func (*panicError) Error() string { return "panic" }

// apiProblems makes the mux's own plain-text answers under /api/ (405 for a
// method a route does not take) problem responses like every other error.
type apiProblems struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (a *apiProblems) WriteHeader(code int) {
	if code == http.StatusMethodNotAllowed && a.Header().Get("Content-Type") != "application/problem+json" {
		a.replaced = true
		a.Header().Del("Content-Length")
		a.Header().Del("X-Content-Type-Options")
		WriteError(a.ResponseWriter, a.r, errMethod)
		return
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *apiProblems) Write(b []byte) (int, error) {
	if a.replaced {
		return len(b), nil
	}
	return a.ResponseWriter.Write(b)
}

func (a *apiProblems) Unwrap() http.ResponseWriter { return a.ResponseWriter }

var errMethod = errs.E(errs.MethodNotAllowed, "method_not_allowed", "this endpoint does not take that method", "此接口不支持该请求方法")

// APIProblems wraps the API so that the router's 405 answers are problems.
func APIProblems(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w = &apiProblems{ResponseWriter: w, r: r}
		}
		next.ServeHTTP(w, r)
	})
}

type patternKey struct{}

// withPatternSlot gives r a place where Routed records the route pattern
// the mux matched. r.Pattern itself is set on the request the mux is
// handed, which is not the one outer middlewares hold once a middleware in
// between (authentication) has replaced it with WithContext.
func withPatternSlot(r *http.Request) (*http.Request, *string) {
	if p, ok := r.Context().Value(patternKey{}).(*string); ok {
		return r, p
	}
	p := new(string)
	return r.WithContext(context.WithValue(r.Context(), patternKey{}, p)), p
}

// Routed wraps the mux so that Metrics and Logging learn the matched
// route pattern.
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(patternKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}
