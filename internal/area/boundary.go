package area

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// ImportResult says what a boundary import did.
type ImportResult struct {
	Created int `json:"created"` // areas that did not exist and were created from the feature's name
	Updated int `json:"updated"` // boundaries set on existing areas
}

// ImportBoundaries reads a GeoJSON FeatureCollection whose features carry
// properties.code (and properties.name for areas to create) and stores the
// boundaries. It is all or nothing: any invalid feature, unknown parent or
// area outside the caller's scope fails the whole file, with every problem
// listed by feature.
func (s *Store) ImportBoundaries(ctx context.Context, data []byte) (ImportResult, error) {
	features, err := geo.ParseFeatureCollection(data)
	if err != nil {
		return ImportResult{}, geoError(err)
	}
	p := access.From(ctx)
	var v errs.Validation
	type item struct {
		code, name string
		geom       []byte
	}
	items := make([]item, 0, len(features))
	seen := map[string]int{}
	for i, f := range features {
		field := fmt.Sprintf("features[%d].properties.code", i)
		code, _ := f.Properties["code"].(string)
		name, _ := f.Properties["name"].(string)
		code, name = strings.TrimSpace(code), strings.TrimSpace(name)
		if code == "" {
			v.Add(field, "required", "every feature needs properties.code (the area code)", "每个要素都需要 properties.code（区划代码）")
			continue
		}
		if err := ValidateCode(code, parentOf(code)); err != nil {
			v.Merge(field, prefixFields(err, field))
			continue
		}
		if j, dup := seen[code]; dup {
			v.Add(field, "unique", fmt.Sprintf("area %s appears twice (features %d and %d)", code, j, i), fmt.Sprintf("区域 %s 重复出现（要素 %d 和 %d）", code, j, i))
			continue
		}
		seen[code] = i
		if !p.CanAt(access.AreasWrite, code) {
			v.Add(field, "scope", "area "+code+" is outside the areas you may change", "区域 "+code+" 不在您可修改的范围内")
			continue
		}
		g, err := geo.MarshalGeometry(f.Geometry)
		if err != nil {
			return ImportResult{}, err
		}
		items = append(items, item{code, name, g})
	}
	if err := v.Err(); err != nil {
		return ImportResult{}, err
	}
	now := db.Millis(s.clock.Now())
	var res ImportResult
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var v errs.Validation
		for _, it := range items {
			field := fmt.Sprintf("features[%d]", seen[it.code])
			r, err := tx.ExecContext(ctx, `UPDATE areas SET boundary = ?, updated_at = ? WHERE code = ?`, string(it.geom), now, it.code)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 1 {
				res.Updated++
				continue
			}
			if it.name == "" {
				v.Add(field+".properties.name", "required", "area "+it.code+" does not exist; give properties.name to create it", "区域 "+it.code+" 不存在；如需新建请提供 properties.name")
				continue
			}
			parent := parentOf(it.code)
			var parentArg any
			if parent != "" {
				var ok int
				err := tx.QueryRowContext(ctx, `SELECT 1 FROM areas WHERE code = ? AND valid_to IS NULL`, parent).Scan(&ok)
				if errors.Is(err, sql.ErrNoRows) {
					v.Add(field+".properties.code", "parent", "parent area "+parent+" of "+it.code+" does not exist (list parents before children)", "区域 "+it.code+" 的上级 "+parent+" 不存在（上级须排在下级之前）")
					continue
				} else if err != nil {
					return err
				}
				parentArg = parent
			}
			level, _ := LevelOfCode(it.code)
			if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, name, level, parent_code, boundary, valid_from, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				it.code, it.name, string(level), parentArg, string(it.geom), now, now); err != nil {
				return err
			}
			res.Created++
		}
		if err := v.Err(); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: db.Time(now), Actor: p.Username, Action: "area.import_boundaries", Object: "areas",
			AreaCode: commonPrefix(items, func(it item) string { return it.code }), Detail: map[string]any{"created": res.Created, "updated": res.Updated}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.index.Rebuild(ctx)
	return res, nil
}

func commonPrefix[T any](xs []T, key func(T) string) string {
	if len(xs) == 0 {
		return ""
	}
	p := key(xs[0])
	for _, x := range xs[1:] {
		k := key(x)
		for !strings.HasPrefix(k, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// parentOf derives the parent code from the code (each level adds 3 digits).
func parentOf(code string) string {
	if len(code) <= 6 {
		return ""
	}
	return code[:len(code)-3]
}

func prefixFields(err error, field string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		for i := range e.Fields {
			e.Fields[i].Field = field
		}
	}
	return err
}

// geoError turns GeoJSON validation errors into field errors.
func geoError(err error) error {
	var ves geo.ValidationErrors
	var ve geo.ValidationError
	var v errs.Validation
	switch {
	case errors.As(err, &ves):
		for _, e := range ves {
			v.Add(e.Path, e.Rule, e.Message, e.MessageZH)
		}
	case errors.As(err, &ve):
		v.Add(ve.Path, ve.Rule, ve.Message, ve.MessageZH)
	default:
		v.Add("body", "geojson", "the body is not valid GeoJSON", "请求体不是有效的 GeoJSON")
	}
	return v.Err()
}

// SetBoundary stores one area's boundary.
func (s *Store) SetBoundary(ctx context.Context, code string, g orb.Geometry) error {
	raw, err := geo.MarshalGeometry(g)
	if err != nil {
		return err
	}
	if _, err := geo.ParseGeometry(raw); err != nil {
		return geoError(err)
	}
	_, err = s.update(ctx, code, "area.set_boundary", func(tx *db.Tx, a Area, now int64) (map[string]any, error) {
		_, err := tx.ExecContext(ctx, `UPDATE areas SET boundary = ?, updated_at = ? WHERE code = ?`, string(raw), now, code)
		return map[string]any{}, err
	})
	if err == nil {
		s.index.Rebuild(ctx)
	}
	return err
}

// WriteBoundaries streams, as a GeoJSON FeatureCollection, the open areas of
// the given level inside root and the caller's scope, each with its code,
// name, parent and community.
func (s *Store) WriteBoundaries(ctx context.Context, w io.Writer, root string, level Level) error {
	scope := access.From(ctx).Scope
	if !scope.Overlaps(root) {
		return errAreaNotFound
	}
	where, args := scope.Within(root).SQL("a.code")
	rows, err := s.db.QueryContext(ctx, `SELECT a.code, a.name, a.level, a.parent_code, a.boundary, COALESCE(c.code, ''), COALESCE(c.name, '')
		FROM areas a LEFT JOIN areas c ON c.code = SUBSTR(a.code, 1, 12) AND LENGTH(a.code) >= 12
		WHERE `+where+` AND a.level = ? AND a.valid_to IS NULL AND a.boundary IS NOT NULL ORDER BY a.code`, append(args, string(level))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type props struct {
		Code          string  `json:"code"`
		Name          string  `json:"name"`
		Level         string  `json:"level"`
		ParentCode    *string `json:"parent_code"`
		CommunityCode string  `json:"community_code"`
		CommunityName string  `json:"community_name"`
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	first := true
	for rows.Next() {
		var p props
		var parent sql.NullString
		var boundary string
		if err := rows.Scan(&p.Code, &p.Name, &p.Level, &parent, &boundary, &p.CommunityCode, &p.CommunityName); err != nil {
			return err
		}
		if parent.Valid {
			p.ParentCode = &parent.String
		}
		pj, _ := json.Marshal(p)
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteString(`{"type":"Feature","properties":`)
		buf.Write(pj)
		buf.WriteString(`,"geometry":`)
		buf.WriteString(boundary)
		buf.WriteByte('}')
		if buf.Len() > 64<<10 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	buf.WriteString("]}")
	_, err = w.Write(buf.Bytes())
	return err
}
