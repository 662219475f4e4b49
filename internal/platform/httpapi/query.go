package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Query reads a list's query parameters, collecting every bad one in V so
// that one problem names them all (Err).
type Query struct {
	url.Values
	V errs.Validation
}

// NewQuery reads r's query string.
func NewQuery(r *http.Request) *Query { return &Query{Values: r.URL.Query()} }

// Int reads a positive integer; 0 when absent.
func (q *Query) Int(name string) int64 {
	s := q.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	q.V.Check(err == nil && n > 0, name, "integer", name+" must be a positive integer", name+" 必须是正整数")
	return n
}

// Bool reads true or false; nil when absent.
func (q *Query) Bool(name string) *bool {
	s := q.Get(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	q.V.Check(err == nil, name, "boolean", name+" must be true or false", name+" 须为 true 或 false")
	return &b
}

// Date reads a day (YYYY-MM-DD) as its midnight in China; the zero time
// when absent.
func (q *Query) Date(name string) time.Time {
	s := q.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02", s, clock.Shanghai)
	q.V.Check(err == nil, name, "date", name+" must be a date written YYYY-MM-DD", name+" 须为日期，格式 YYYY-MM-DD")
	return t
}

// Err is the problem naming every bad parameter, or nil.
func (q *Query) Err() error { return q.V.Err() }
