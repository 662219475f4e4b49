package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
)

// Filter selects entries for the audit page. Empty fields select all.
type Filter struct {
	Actor    string       // exact username
	Action   string       // exact action code ("auth.login")
	Object   string       // exact object ("user:12")
	From, To time.Time    // at >= From, at < To (zero: open)
	Scope    access.Scope // the areas whose entries may be read
	// AreaLess: entries without an area (system work, failed logins of
	// unknown names) are shown too — only to district-level readers.
	AreaLess bool
	BeforeID int64 // keyset paging: entries older than this id
	Limit    int
}

// MaxList is the largest page List returns.
const MaxList = 500

// List returns the newest entries matching f, and the id to pass as
// BeforeID for the next page (0: no more).
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, int64, error) {
	if f.Limit <= 0 || f.Limit > MaxList {
		f.Limit = 100
	}
	where, args := f.where()
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor, action, object, area_code, source_ip, detail FROM audit_log
		WHERE `+where+` ORDER BY id DESC LIMIT `+strconv.Itoa(f.Limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]Entry, 0, f.Limit)
	for rows.Next() {
		var (
			e      Entry
			at     int64
			detail string
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.AreaCode, &e.SourceIP, &detail); err != nil {
			return nil, 0, err
		}
		e.At = db.Time(at)
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			e.Detail = map[string]any{"raw": detail}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// Each calls fn for every entry matching f, newest first, a page at a time
// (the export): memory stays bounded whatever the log's size.
func Each(ctx context.Context, q db.Querier, f Filter, fn func(Entry) error) error {
	f.Limit = MaxList
	for {
		page, next, err := List(ctx, q, f)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		f.BeforeID = next
	}
}

func (f Filter) where() (string, []any) {
	scope, args := f.Scope.SQL("area_code")
	if f.AreaLess && !f.Scope.All {
		scope = "(" + scope + " OR area_code = '')"
	}
	conds := []string{scope}
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Object != "" {
		add("object = ?", f.Object)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixMilli())
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	return strings.Join(conds, " AND "), args
}
