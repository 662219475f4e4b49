package registry

import (
	"context"
	"regexp"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// resolveTags turns tag codes into ids and names; an unknown code, or an
// inactive one that person holder does not hold already (0: a new person),
// is a field error. A retired tag stays on the persons who have it until
// it is taken off them.
func resolveTags(ctx context.Context, q db.Querier, codes []string, holder int64) (ids []int64, names []string, err error) {
	seen := map[string]bool{}
	var args []any
	for _, c := range codes {
		c = compact(c)
		if c != "" && !seen[c] {
			seen[c] = true
			args = append(args, c)
		}
	}
	if len(args) == 0 {
		return nil, nil, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, code, name FROM tags WHERE code IN `+inClause(len(args))+`
		AND (active = 1 OR id IN (SELECT tag_id FROM person_tags WHERE person_id = ?)) ORDER BY sort, id`, append(args, holder)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id int64
		var code, name string
		if err := rows.Scan(&id, &code, &name); err != nil {
			return nil, nil, err
		}
		found[code] = true
		ids, names = append(ids, id), append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var missing []string
	for _, a := range args {
		if !found[a.(string)] {
			missing = append(missing, a.(string))
		}
	}
	if len(missing) > 0 {
		m := strings.Join(missing, ", ")
		return nil, nil, errs.Field("tags", "exists", "unknown or inactive tag "+m, "标签 "+m+" 不存在或已停用")
	}
	return ids, names, nil
}

func insertTags(ctx context.Context, tx *db.Tx, personID int64, areaCode string, tagIDs []int64, now int64) error {
	for _, t := range tagIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag_id, area_code, added_at) VALUES (?, ?, ?, ?)`, personID, t, areaCode, now); err != nil {
			return err
		}
	}
	return nil
}

// SetTags replaces a person's tags with the given codes.
func (s *Store) SetTags(ctx context.Context, id int64, codes []string, ch Channel) (Person, error) {
	var v errs.Validation
	validChannel(&v, ch)
	if err := v.Err(); err != nil {
		return Person{}, err
	}
	p := access.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.person(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p, cur.AreaCode, errPersonNotFound); err != nil {
			return err
		}
		ids, names, err := resolveTags(ctx, tx, codes, id)
		if err != nil {
			return err
		}
		var before []string
		rows, err := tx.QueryContext(ctx, `SELECT t.name FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.person_id = ? ORDER BY t.sort, t.id`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			before = append(before, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var d diff
		d.str("tags", strings.Join(before, "、"), strings.Join(names, "、"))
		if len(d) == 0 {
			return nil
		}
		a, err := s.actor(ctx, tx, ch)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_tags WHERE person_id = ?`, id); err != nil {
			return err
		}
		if err := insertTags(ctx, tx, id, cur.AreaCode, ids, db.Millis(a.at)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET updated_at = ? WHERE id = ?`, db.Millis(a.at), id); err != nil {
			return err
		}
		return record(ctx, tx, a, "person", id, cur.AreaCode, d)
	})
	if err != nil {
		return Person{}, err
	}
	return s.GetPerson(ctx, id)
}

// Tags lists the managed tags (inactive ones too, last).
func (s *Store) Tags(ctx context.Context) ([]Tag, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name, name_en, active, sort FROM tags ORDER BY active DESC, sort, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		var active int
		if err := rows.Scan(&t.ID, &t.Code, &t.Name, &t.NameEN, &active, &t.Sort); err != nil {
			return nil, err
		}
		t.Active = active == 1
		out = append(out, t)
	}
	return out, rows.Err()
}

var tagCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// SaveTag adds a tag (ID 0) or changes one; codes never change meaning, so
// a tag is retired by making it inactive, not by deleting it.
func (s *Store) SaveTag(ctx context.Context, t Tag) (Tag, error) {
	t.Code, t.Name, t.NameEN = compact(t.Code), clean(t.Name), clean(t.NameEN)
	var v errs.Validation
	v.Check(tagCodeRE.MatchString(t.Code), "code", "format", "code must be 2–32 lower-case letters, digits or '_', starting with a letter", "code 须为 2–32 位小写字母、数字或下划线，以字母开头")
	checkName(&v, t.Name)
	checkLen(&v, "name_en", t.NameEN, 64)
	if err := v.Err(); err != nil {
		return Tag{}, err
	}
	if !access.From(ctx).Can(access.RegistryConfig) {
		return Tag{}, errs.E(errs.Forbidden, "forbidden", "you may not manage the tag list", "您无权管理标签")
	}
	active := 0
	if t.Active {
		active = 1
	}
	now := db.Millis(s.clock.Now())
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if t.ID == 0 {
			err = tx.QueryRowContext(ctx, `INSERT INTO tags (code, name, name_en, active, sort, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
				t.Code, t.Name, t.NameEN, active, t.Sort, now).Scan(&t.ID)
		} else {
			var res interface{ RowsAffected() (int64, error) }
			res, err = tx.ExecContext(ctx, `UPDATE tags SET name = ?, name_en = ?, active = ?, sort = ?, updated_at = ? WHERE id = ? AND code = ?`,
				t.Name, t.NameEN, active, t.Sort, now, t.ID, t.Code)
			if err == nil {
				if n, _ := res.RowsAffected(); n == 0 {
					return errs.NotFoundf("tag "+t.Code, "标签 "+t.Code)
				}
			}
		}
		if db.IsUniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Code: "duplicate_code", Detail: "tag code " + t.Code + " already exists", DetailZH: "标签代码 " + t.Code + " 已存在",
				Fields: []errs.FieldError{{Field: "code", Rule: "unique", Detail: "tag code " + t.Code + " already exists", DetailZH: "标签代码 " + t.Code + " 已存在"}}}
		}
		return err
	})
	return t, err
}
