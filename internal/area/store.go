package area

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Store reads and writes the area tree. Every method filters by the scope of
// the principal in ctx: an area outside it answers not-found.
type Store struct {
	db    *db.DB
	clock clock.Clock
	index *Locator
}

// NewStore returns a store; the locator is rebuilt whenever boundaries change.
func NewStore(d *db.DB, c clock.Clock) *Store {
	s := &Store{db: d, clock: c}
	s.index = newLocator(s)
	return s
}

const areaCols = `code, name, level, parent_code, valid_from, valid_to`

func scanArea(sc interface{ Scan(...any) error }) (Area, error) {
	var (
		a      Area
		parent sql.NullString
		from   int64
		to     sql.NullInt64
	)
	if err := sc.Scan(&a.Code, &a.Name, &a.Level, &parent, &from, &to); err != nil {
		return a, err
	}
	if parent.Valid {
		a.ParentCode = &parent.String
	}
	a.ValidFrom = db.Time(from)
	a.ValidTo = db.NullTime(to)
	return a, nil
}

var errAreaNotFound = errs.NotFoundf("area", "区域")

// Get returns one area inside the caller's scope.
func (s *Store) Get(ctx context.Context, code string) (Area, error) {
	if !access.From(ctx).Scope.Contains(code) {
		return Area{}, errAreaNotFound
	}
	return s.get(ctx, s.db, code)
}

func (s *Store) get(ctx context.Context, q db.Querier, code string) (Area, error) {
	a, err := scanArea(q.QueryRowContext(ctx, `SELECT `+areaCols+` FROM areas WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Area{}, errAreaNotFound
	}
	return a, err
}

// Ancestors returns the chain above a visible area, from the district down.
// Names of the areas above one's own are not secret; their contents are.
func (s *Store) Ancestors(ctx context.Context, code string) ([]Area, error) {
	if !access.From(ctx).Scope.Contains(code) {
		return nil, errAreaNotFound
	}
	var codes []any
	var marks []string
	for _, l := range Levels {
		if l.Width() < len(code) {
			codes = append(codes, code[:l.Width()])
			marks = append(marks, "?")
		}
	}
	if len(codes) == 0 {
		return []Area{}, nil
	}
	return s.query(ctx, `SELECT `+areaCols+` FROM areas WHERE code IN (`+strings.Join(marks, ",")+`) ORDER BY code`, codes...)
}

// ListQuery selects a subtree.
type ListQuery struct {
	Root       string // "" = the roots of the caller's scope
	Depth      int    // levels below the root; 0 = all
	Level      Level  // only this level, when set
	OpenOnly   bool   // leave out closed areas
	MaxResults int
}

// List returns the areas of a subtree inside the caller's scope, by code.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Area, error) {
	scope := access.From(ctx).Scope
	if q.Root != "" {
		if !scope.Overlaps(q.Root) {
			return nil, errAreaNotFound
		}
		scope = scope.Within(q.Root)
	}
	where, args := scope.SQL("code")
	if q.Depth > 0 {
		// The deepest level allowed: the shallowest scope root plus depth.
		minW := 18
		for _, p := range scope.Prefixes {
			minW = min(minW, len(p))
		}
		if scope.All {
			minW = 6
		}
		maxW := minW + 3*q.Depth
		where += fmt.Sprintf(" AND LENGTH(code) <= %d", maxW)
	}
	if q.Level != "" {
		where += " AND level = ?"
		args = append(args, string(q.Level))
	}
	if q.OpenOnly {
		where += " AND valid_to IS NULL"
	}
	limit := ""
	if q.MaxResults > 0 {
		limit = fmt.Sprintf(" LIMIT %d", q.MaxResults)
	}
	return s.query(ctx, `SELECT `+areaCols+` FROM areas WHERE `+where+` ORDER BY code`+limit, args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) ([]Area, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Area{}
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Create adds an area under an open parent the caller may write in.
func (s *Store) Create(ctx context.Context, n NewArea) (Area, error) {
	if err := n.Validate(); err != nil {
		return Area{}, err
	}
	p := access.From(ctx)
	where := n.ParentCode
	if where == "" {
		where = n.Code
	}
	if !p.CanAt(access.AreasWrite, where) {
		if p.Scope.Contains(where) {
			return Area{}, errs.E(errs.Forbidden, "forbidden", "you may not change areas here", "您无权在此修改区域")
		}
		return Area{}, errs.NotFoundf("parent area", "上级区域")
	}
	level, _ := LevelOfCode(n.Code)
	now := s.clock.Now()
	var created Area
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var parent any
		if n.ParentCode != "" {
			pa, err := s.get(ctx, tx, n.ParentCode)
			if err != nil {
				return errs.Field("parent_code", "exists", "parent area "+n.ParentCode+" does not exist", "上级区域 "+n.ParentCode+" 不存在")
			}
			if !pa.Open() {
				return errs.Field("parent_code", "open", "parent area "+n.ParentCode+" is closed", "上级区域 "+n.ParentCode+" 已撤销")
			}
			parent = n.ParentCode
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO areas (code, name, level, parent_code, valid_from, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			n.Code, n.Name, string(level), parent, db.Millis(now), db.Millis(now))
		if db.IsUniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Code: "duplicate_code", Detail: "area code " + n.Code + " already exists", DetailZH: "区划代码 " + n.Code + " 已存在",
				Fields: []errs.FieldError{{Field: "code", Rule: "unique", Detail: "area code " + n.Code + " already exists", DetailZH: "区划代码 " + n.Code + " 已存在"}}}
		}
		if err != nil {
			return err
		}
		created, err = s.get(ctx, tx, n.Code)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "area.create", Object: "area:" + n.Code, AreaCode: n.Code,
			Detail: map[string]any{"name": n.Name, "level": level}})
	})
	return created, err
}

// Rename changes an area's name; the code stays.
func (s *Store) Rename(ctx context.Context, code, name string) (Area, error) {
	name = strings.TrimSpace(name)
	var v errs.Validation
	checkName(&v, name)
	if err := v.Err(); err != nil {
		return Area{}, err
	}
	return s.update(ctx, code, "area.rename", func(tx *db.Tx, a Area, now int64) (map[string]any, error) {
		_, err := tx.ExecContext(ctx, `UPDATE areas SET name = ?, updated_at = ? WHERE code = ?`, name, now, code)
		return map[string]any{"from": a.Name, "to": name}, err
	})
}

// Close ends an area's validity. Areas with open children are refused: the
// children must be closed (or re-created elsewhere) first, so nothing moves
// silently.
func (s *Store) Close(ctx context.Context, code string) (Area, error) {
	return s.update(ctx, code, "area.close", func(tx *db.Tx, a Area, now int64) (map[string]any, error) {
		if !a.Open() {
			return nil, errs.E(errs.Conflict, "already_closed", "area "+code+" is already closed", "区域 "+code+" 已撤销")
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE parent_code = ? AND valid_to IS NULL`, code).Scan(&open); err != nil {
			return nil, err
		}
		if open > 0 {
			return nil, errs.E(errs.Conflict, "has_open_children", fmt.Sprintf("area %s still has %d open sub-areas; close them first", code, open),
				fmt.Sprintf("区域 %s 仍有 %d 个未撤销的下级区域，请先撤销下级区域", code, open))
		}
		_, err := tx.ExecContext(ctx, `UPDATE areas SET valid_to = ?, updated_at = ? WHERE code = ?`, now, now, code)
		return map[string]any{}, err
	})
}

func (s *Store) update(ctx context.Context, code, action string, fn func(tx *db.Tx, a Area, now int64) (map[string]any, error)) (Area, error) {
	p := access.From(ctx)
	if !p.Scope.Contains(code) {
		return Area{}, errAreaNotFound
	}
	if !p.CanAt(access.AreasWrite, code) {
		return Area{}, errs.E(errs.Forbidden, "forbidden", "you may not change this area", "您无权修改此区域")
	}
	now := s.clock.Now()
	var out Area
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		a, err := s.get(ctx, tx, code)
		if err != nil {
			return err
		}
		detail, err := fn(tx, a, db.Millis(now))
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, code); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: action, Object: "area:" + code, AreaCode: code, Detail: detail})
	})
	return out, err
}
