// Package errs is the one domain error type of Tongxin. Every package returns
// *errs.Error for anything a user can cause; the HTTP layer maps its Kind to a
// status in exactly one place (httpapi.statusOf), and anything that is not an
// *errs.Error is an internal error whose text is never shown to users.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the transport layer.
type Kind string

const (
	Invalid          Kind = "invalid"           // bad input; Fields says which
	NotFound         Kind = "not_found"         // absent, or outside the caller's scope
	Conflict         Kind = "conflict"          // duplicates, stale state, illegal transition
	Unauthorized     Kind = "unauthorized"      // not logged in, bad credentials
	Forbidden        Kind = "forbidden"         // logged in, lacks the permission
	TooMany          Kind = "too_many_requests" // throttled
	TooLarge         Kind = "too_large"         // request body over its limit
	MethodNotAllowed Kind = "method_not_allowed"
	Internal         Kind = "internal"
)

// FieldError names one field and the rule it broke, in both languages.
type FieldError struct {
	Field    string `json:"field"`
	Rule     string `json:"rule"`
	Detail   string `json:"detail"`
	DetailZH string `json:"detail_zh"`
}

// Error is a user-facing error: a kind, a stable machine code, a message in
// English and Chinese, and per-field details.
type Error struct {
	Kind     Kind
	Code     string
	Detail   string
	DetailZH string
	Fields   []FieldError
	// Extra holds extension members of the problem (RFC 9457 §3.2), such
	// as the id of the record a duplicate points to.
	Extra map[string]any
	Err   error // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Detail + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of the given kind and code.
func E(kind Kind, code, detail, detailZH string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail, DetailZH: detailZH}
}

// NotFoundf is the common "no such thing (or not yours)" answer.
func NotFoundf(what, whatZH string) *Error {
	return E(NotFound, "not_found", what+" not found", "未找到"+whatZH)
}

// Field is a one-field validation error.
func Field(field, rule, detail, detailZH string) *Error {
	return &Error{Kind: Invalid, Code: "invalid", Detail: "invalid input: " + detail, DetailZH: "输入有误：" + detailZH,
		Fields: []FieldError{{Field: field, Rule: rule, Detail: detail, DetailZH: detailZH}}}
}

// KindOf returns the Kind of err, Internal for anything that is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// Validation accumulates field errors so that a request reports all its
// problems at once.
type Validation struct{ fields []FieldError }

// Add records a broken rule.
func (v *Validation) Add(field, rule, detail, detailZH string) {
	v.fields = append(v.fields, FieldError{Field: field, Rule: rule, Detail: detail, DetailZH: detailZH})
}

// Check records a broken rule unless ok.
func (v *Validation) Check(ok bool, field, rule, detail, detailZH string) {
	if !ok {
		v.Add(field, rule, detail, detailZH)
	}
}

// Required checks that s is not empty.
func (v *Validation) Required(field, s string) {
	v.Check(s != "", field, "required", field+" is required", field+" 为必填项")
}

// Merge adds the fields of err if it is a validation error, else records it
// under field with rule "invalid".
func (v *Validation) Merge(field string, err error) {
	if err == nil {
		return
	}
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			if f.Field == "" {
				f.Field = field
			}
			v.fields = append(v.fields, f)
		}
		return
	}
	// Any other error's text is for logs (English, maybe internals): the
	// user is told only which field, unless an *Error words it in both.
	detail, zh := field+" is not valid", field+" 无效"
	if e != nil && e.Detail != "" && e.DetailZH != "" {
		detail, zh = e.Detail, e.DetailZH
	}
	v.Add(field, "invalid", detail, zh)
}

// Err returns nil when nothing was recorded, else an Invalid error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	f := v.fields[0]
	detail, zh := f.Detail, f.DetailZH
	if n := len(v.fields); n > 1 {
		detail = fmt.Sprintf("%s (and %d more problems)", detail, n-1)
		zh = fmt.Sprintf("%s（另有 %d 处问题）", zh, n-1)
	}
	return &Error{Kind: Invalid, Code: "invalid", Detail: "invalid input: " + detail, DetailZH: "输入有误：" + zh, Fields: v.fields}
}
