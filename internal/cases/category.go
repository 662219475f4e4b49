package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Category is a node of the two-level taxonomy (大类/小类). Cases are filed
// under a 小类; its settings decide the level a case starts at, the
// department it goes to beyond the subdistrict, its deadlines and whether an
// overdue case escalates by itself.
type Category struct {
	ID                 int64   `json:"id"`
	Code               string  `json:"code"`
	ParentID           *int64  `json:"parent_id"`
	Name               string  `json:"name"`
	NameEN             string  `json:"name_en"`
	DefaultLevel       Level   `json:"default_level"`
	DepartmentUnitID   *int64  `json:"department_unit_id"`
	DepartmentUnitName string  `json:"department_unit_name"`
	AcceptMinutes      int     `json:"accept_minutes"`
	ResolveMinutes     int     `json:"resolve_minutes"`
	SLAClock           string  `json:"sla_clock"` // working | calendar
	AutoEscalate       bool    `json:"auto_escalate"`
	Dispute            bool    `json:"dispute"`
	Active             bool    `json:"active"`
	Sort               int     `json:"sort"`
	Fields             []Field `json:"fields"`
}

// Field is an extra field a category asks of its cases.
type Field struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	LabelEN  string   `json:"label_en"`
	Type     string   `json:"type"` // text | number | date | single | multi
	Required bool     `json:"required"`
	Options  []string `json:"options"`
}

var fieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate checks a category's settings.
func (c *Category) Validate() error {
	c.Code, c.Name, c.NameEN = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name), strings.TrimSpace(c.NameEN)
	var v errs.Validation
	v.Check(regexp.MustCompile(`^[a-z][a-z0-9_.-]{1,63}$`).MatchString(c.Code), "code", "format", "code must be 2–64 lower-case letters, digits, '.', '_' or '-'", "代码须为 2–64 位小写字母、数字、'.'、'_' 或 '-'")
	v.Required("name", c.Name)
	v.Check(c.DefaultLevel.Valid(), "default_level", "enum", "default_level must be grid, community, subdistrict or department", "默认处置层级须为 grid、community、subdistrict 或 department")
	v.Check(c.DefaultLevel != LevelDepartment || c.DepartmentUnitID != nil, "department_unit_id", "required", "a category handled by a department needs department_unit_id", "由部门处置的类别须指定部门")
	v.Check(c.AcceptMinutes > 0 && c.AcceptMinutes <= 60*24*60, "accept_minutes", "range", "accept_minutes must be between 1 and 86400", "受理时限须在 1 到 86400 分钟之间")
	v.Check(c.ResolveMinutes > 0 && c.ResolveMinutes <= 60*24*365, "resolve_minutes", "range", "resolve_minutes must be between 1 and 525600", "办结时限须在 1 到 525600 分钟之间")
	v.Check(c.SLAClock == "working" || c.SLAClock == "calendar", "sla_clock", "enum", "sla_clock must be working or calendar", "计时方式须为 working（工作时间）或 calendar（自然时间）")
	seen := map[string]bool{}
	for i, f := range c.Fields {
		p := fmt.Sprintf("fields[%d]", i)
		v.Check(fieldKeyRE.MatchString(f.Key), p+".key", "format", "field keys are lower-case letters, digits and '_', starting with a letter", "字段键须以小写字母开头，仅含小写字母、数字和下划线")
		v.Check(!seen[f.Key], p+".key", "unique", "field key "+f.Key+" is used twice", "字段键 "+f.Key+" 重复")
		seen[f.Key] = true
		v.Check(strings.TrimSpace(f.Label) != "", p+".label", "required", "every field needs a label", "每个字段都需要名称")
		switch f.Type {
		case "text", "number", "date":
		case "single", "multi":
			v.Check(len(f.Options) > 0, p+".options", "required", "choice fields need options", "选择类字段须提供选项")
		default:
			v.Add(p+".type", "enum", "field type must be text, number, date, single or multi", "字段类型须为 text、number、date、single 或 multi")
		}
	}
	return v.Err()
}

// ValidateExtra checks a case's extra values against the category's fields
// and returns them normalised (numbers as numbers, dates as YYYY-MM-DD).
func (c *Category) ValidateExtra(extra map[string]any) (map[string]any, error) {
	var v errs.Validation
	out := map[string]any{}
	known := map[string]bool{}
	for _, f := range c.Fields {
		known[f.Key] = true
		field := "extra." + f.Key
		val, present := extra[f.Key]
		if !present || val == nil || val == "" {
			v.Check(!f.Required, field, "required", f.LabelEN+" ("+f.Key+") is required for this category", f.Label+" 为该类别的必填项")
			continue
		}
		switch f.Type {
		case "text":
			s, ok := val.(string)
			v.Check(ok && len([]rune(s)) <= 2000, field, "text", f.Key+" must be text of at most 2000 characters", f.Label+" 须为不超过 2000 字的文本")
			out[f.Key] = s
		case "number":
			var n float64
			ok := false
			switch x := val.(type) {
			case float64:
				n, ok = x, true
			case string:
				p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
				n, ok = p, err == nil
			}
			ok = ok && !math.IsNaN(n) && !math.IsInf(n, 0)
			v.Check(ok, field, "number", f.Key+" must be a finite number", f.Label+" 须为数字")
			out[f.Key] = n
		case "date":
			s, _ := val.(string)
			_, err := time.Parse("2006-01-02", s)
			v.Check(err == nil, field, "date", f.Key+" must be a date YYYY-MM-DD", f.Label+" 须为日期（YYYY-MM-DD）")
			out[f.Key] = s
		case "single":
			s, _ := val.(string)
			v.Check(contains(f.Options, s), field, "option", f.Key+" must be one of: "+strings.Join(f.Options, ", "), f.Label+" 须为以下之一："+strings.Join(f.Options, "、"))
			out[f.Key] = s
		case "multi":
			list, ok := val.([]any)
			if ok && len(list) == 0 {
				v.Check(!f.Required, field, "required", f.LabelEN+" ("+f.Key+") is required for this category", f.Label+" 为该类别的必填项")
				continue
			}
			var got []string
			for _, x := range list {
				s, _ := x.(string)
				ok = ok && contains(f.Options, s)
				got = append(got, s)
			}
			v.Check(ok, field, "options", f.Key+" must be a list of: "+strings.Join(f.Options, ", "), f.Label+" 须为以下选项的列表："+strings.Join(f.Options, "、"))
			out[f.Key] = got
		}
	}
	for k := range extra {
		v.Check(known[k], "extra."+k, "unknown_field", "this category has no field "+k, "该类别没有字段 "+k)
	}
	return out, v.Err()
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const categoryCols = `c.id, c.code, c.parent_id, c.name, c.name_en, c.default_level, c.department_unit_id, COALESCE(u.name, ''),
	c.accept_minutes, c.resolve_minutes, c.sla_clock, c.auto_escalate, c.dispute, c.active, c.sort, c.fields`

func scanCategory(sc interface{ Scan(...any) error }) (Category, error) {
	var (
		c              Category
		parent, unit   sql.NullInt64
		auto, dis, act int
		fields         string
	)
	err := sc.Scan(&c.ID, &c.Code, &parent, &c.Name, &c.NameEN, &c.DefaultLevel, &unit, &c.DepartmentUnitName,
		&c.AcceptMinutes, &c.ResolveMinutes, &c.SLAClock, &auto, &dis, &act, &c.Sort, &fields)
	if err != nil {
		return c, err
	}
	if parent.Valid {
		c.ParentID = &parent.Int64
	}
	if unit.Valid {
		c.DepartmentUnitID = &unit.Int64
	}
	c.AutoEscalate, c.Dispute, c.Active = auto == 1, dis == 1, act == 1
	c.Fields = []Field{}
	_ = json.Unmarshal([]byte(fields), &c.Fields)
	return c, nil
}

// Categories lists the whole taxonomy, parents first.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+categoryCols+` FROM case_categories c LEFT JOIN units u ON u.id = c.department_unit_id
		ORDER BY COALESCE(c.parent_id, c.id), c.parent_id IS NOT NULL, c.sort, c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// categoryTTL bounds how long a replica uses a cached category after another
// replica changed it; this replica's own changes clear its cache at once.
const categoryTTL = 10 * time.Second

type categoryCache struct {
	mu   sync.Mutex
	at   time.Time
	byID map[int64]Category
}

// cachedCategory serves intake, which reads the category of every report.
func (s *Store) cachedCategory(ctx context.Context, id int64) (Category, error) {
	s.cats.mu.Lock()
	if time.Since(s.cats.at) < categoryTTL {
		if c, ok := s.cats.byID[id]; ok {
			s.cats.mu.Unlock()
			return c, nil
		}
	} else {
		s.cats.byID, s.cats.at = map[int64]Category{}, time.Now()
	}
	s.cats.mu.Unlock()
	c, err := s.Category(ctx, s.db, id)
	if err != nil {
		return c, err
	}
	s.cats.mu.Lock()
	s.cats.byID[id] = c
	s.cats.mu.Unlock()
	return c, nil
}

// Category returns one category.
func (s *Store) Category(ctx context.Context, q db.Querier, id int64) (Category, error) {
	c, err := scanCategory(q.QueryRowContext(ctx, `SELECT `+categoryCols+` FROM case_categories c LEFT JOIN units u ON u.id = c.department_unit_id WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("category", "事件类别")
	}
	return c, err
}

// SaveCategory creates (ID 0) or updates a category.
func (s *Store) SaveCategory(ctx context.Context, c Category) (Category, error) {
	p := access.From(ctx)
	if !p.Can(access.CasesConfig) {
		return Category{}, errs.E(errs.Forbidden, "forbidden", "you may not configure case categories", "您无权配置事件类别")
	}
	if err := c.Validate(); err != nil {
		return Category{}, err
	}
	fields, _ := json.Marshal(c.Fields)
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if c.ParentID != nil {
			parent, err := s.Category(ctx, tx, *c.ParentID)
			if err != nil || parent.ParentID != nil || parent.ID == c.ID {
				return errs.Field("parent_id", "parent", "parent_id must name a top-level category (大类)", "上级须为大类")
			}
		}
		if c.DepartmentUnitID != nil {
			var kind string
			if err := tx.QueryRowContext(ctx, `SELECT kind FROM units WHERE id = ?`, *c.DepartmentUnitID).Scan(&kind); err != nil || kind != "department" {
				return errs.Field("department_unit_id", "department", "department_unit_id must name a department", "须指定一个部门")
			}
		}
		args := []any{c.Code, c.ParentID, c.Name, c.NameEN, string(c.DefaultLevel), c.DepartmentUnitID, c.AcceptMinutes, c.ResolveMinutes,
			c.SLAClock, b2i(c.AutoEscalate), b2i(c.Dispute), b2i(c.Active), c.Sort, string(fields), db.Millis(now)}
		var err error
		action := "category.update"
		if c.ID == 0 {
			action = "category.create"
			err = tx.QueryRowContext(ctx, `INSERT INTO case_categories (code, parent_id, name, name_en, default_level, department_unit_id,
				accept_minutes, resolve_minutes, sla_clock, auto_escalate, dispute, active, sort, fields, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&c.ID)
		} else {
			var r sql.Result
			r, err = tx.ExecContext(ctx, `UPDATE case_categories SET code = ?, parent_id = ?, name = ?, name_en = ?, default_level = ?, department_unit_id = ?,
				accept_minutes = ?, resolve_minutes = ?, sla_clock = ?, auto_escalate = ?, dispute = ?, active = ?, sort = ?, fields = ?, updated_at = ?
				WHERE id = ?`, append(args, c.ID)...)
			if err == nil {
				if n, _ := r.RowsAffected(); n == 0 {
					return errs.NotFoundf("category", "事件类别")
				}
			}
		}
		if db.IsUniqueViolation(err) {
			return errs.Field("code", "unique", "category code "+c.Code+" already exists", "类别代码 "+c.Code+" 已存在")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: action, Object: "category:" + c.Code})
	})
	if err != nil {
		return Category{}, err
	}
	s.cats.mu.Lock()
	s.cats.byID = map[int64]Category{}
	s.cats.mu.Unlock()
	return s.Category(ctx, s.db, c.ID)
}
