// Package access says who is asking and what they may see. Store code reads the
// Principal from the context and filters by its Scope, so a handler that forgets
// a check cannot leak: a context without a principal sees nothing.
package access

import (
	"context"
	"sort"
	"strings"
)

// Scope is a set of area-code prefixes. "Inside area X" is a prefix test on
// the code (DESIGN §4.1).
type Scope struct {
	All      bool     // system work: demo loading, CLI, background jobs
	Prefixes []string // minimal: no prefix is covered by another
}

// NewScope builds a minimal scope from area codes.
func NewScope(codes ...string) Scope {
	cs := append([]string(nil), codes...)
	sort.Strings(cs)
	var out []string
	for _, c := range cs {
		if c == "" {
			continue
		}
		if n := len(out); n > 0 && strings.HasPrefix(c, out[n-1]) {
			continue
		}
		out = append(out, c)
	}
	return Scope{Prefixes: out}
}

// Contains reports whether the area code lies inside the scope.
func (s Scope) Contains(code string) bool {
	if s.All {
		return true
	}
	for _, p := range s.Prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}

// Overlaps reports whether the subtree rooted at code shares any area with the
// scope: either code is inside the scope, or the scope lies below code.
func (s Scope) Overlaps(code string) bool {
	if s.Contains(code) {
		return true
	}
	for _, p := range s.Prefixes {
		if strings.HasPrefix(p, code) {
			return true
		}
	}
	return false
}

// SQL returns a predicate restricting column col to the scope, as index-friendly
// range tests (col >= prefix AND col < prefix+";"; ';' sorts after every digit),
// with "?" placeholders, and its arguments. An empty scope matches nothing.
func (s Scope) SQL(col string) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	if len(s.Prefixes) == 0 {
		return "1=0", nil
	}
	parts := make([]string, len(s.Prefixes))
	args := make([]any, 0, 2*len(s.Prefixes))
	for i, p := range s.Prefixes {
		parts[i] = "(" + col + " >= ? AND " + col + " < ?)"
		args = append(args, p, p+";")
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Within narrows the scope to the subtree at code (the area switcher): the
// part of the scope inside code, or code itself when the scope covers it.
func (s Scope) Within(code string) Scope {
	if s.Contains(code) {
		return Scope{Prefixes: []string{code}}
	}
	var out []string
	for _, p := range s.Prefixes {
		if strings.HasPrefix(p, code) {
			out = append(out, p)
		}
	}
	return Scope{Prefixes: out}
}

type ctxKey struct{}

// With attaches a principal to the context.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal of the context; an anonymous one (empty scope,
// no permissions) when there is none.
func From(ctx context.Context) *Principal {
	if p, ok := ctx.Value(ctxKey{}).(*Principal); ok && p != nil {
		return p
	}
	return &Principal{}
}

// System returns ctx carrying the all-seeing system principal, for the CLI,
// demo loading and background jobs.
func System(ctx context.Context) context.Context {
	return With(ctx, &Principal{Username: "system", Scope: Scope{All: true}, system: true})
}
