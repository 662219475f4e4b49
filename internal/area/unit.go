package area

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Units lists the units whose area lies inside root and the caller's scope;
// departments (bound to the district) are listed for everyone who can see
// areas, since cases are handed to them from anywhere.
func (s *Store) Units(ctx context.Context, root string) ([]Unit, error) {
	scope := access.From(ctx).Scope
	if root != "" {
		if !scope.Overlaps(root) {
			return nil, errAreaNotFound
		}
		scope = scope.Within(root)
	}
	where, args := scope.SQL("area_code")
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name, kind, area_code FROM units WHERE `+where+` OR kind = 'department' ORDER BY kind, area_code, code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Kind, &u.AreaCode); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUnit adds an area office or a department.
func (s *Store) CreateUnit(ctx context.Context, u Unit) (Unit, error) {
	u.Code, u.Name = strings.TrimSpace(u.Code), strings.TrimSpace(u.Name)
	var v errs.Validation
	v.Required("code", u.Code)
	v.Required("name", u.Name)
	v.Check(u.Kind == "area_office" || u.Kind == "department", "kind", "enum", "kind must be area_office or department", "类型必须是 area_office 或 department")
	v.Required("area_code", u.AreaCode)
	if err := v.Err(); err != nil {
		return Unit{}, err
	}
	p := access.From(ctx)
	if !p.Scope.Contains(u.AreaCode) {
		return Unit{}, errAreaNotFound
	}
	if !p.CanAt(access.AreasWrite, u.AreaCode) {
		return Unit{}, errs.E(errs.Forbidden, "forbidden", "you may not add units here", "您无权在此添加单位")
	}
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.get(ctx, tx, u.AreaCode); err != nil {
			return errs.Field("area_code", "exists", "area "+u.AreaCode+" does not exist", "区域 "+u.AreaCode+" 不存在")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO units (code, name, kind, area_code) VALUES (?, ?, ?, ?) RETURNING id`, u.Code, u.Name, u.Kind, u.AreaCode).Scan(&u.ID)
		if db.IsUniqueViolation(err) {
			return errs.Field("code", "unique", "unit code "+u.Code+" already exists", "单位代码 "+u.Code+" 已存在")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "unit.create", Object: "unit:" + u.Code, AreaCode: u.AreaCode})
	})
	return u, err
}

// Stations lists the service stations inside root and the caller's scope.
func (s *Store) Stations(ctx context.Context, root string) ([]Station, error) {
	scope := access.From(ctx).Scope
	if !scope.Overlaps(root) {
		return nil, errAreaNotFound
	}
	where, args := scope.Within(root).SQL("area_code")
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, address, area_code, lng, lat FROM stations WHERE `+where+` ORDER BY area_code, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Station{}
	for rows.Next() {
		var st Station
		var lng, lat sql.NullFloat64
		if err := rows.Scan(&st.ID, &st.Name, &st.Address, &st.AreaCode, &lng, &lat); err != nil {
			return nil, err
		}
		if lng.Valid && lat.Valid {
			st.Lng, st.Lat = &lng.Float64, &lat.Float64
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CreateStation adds a service station to an area.
func (s *Store) CreateStation(ctx context.Context, st Station) (Station, error) {
	st.Name, st.Address = strings.TrimSpace(st.Name), strings.TrimSpace(st.Address)
	var v errs.Validation
	v.Required("name", st.Name)
	v.Required("area_code", st.AreaCode)
	if st.Lng != nil || st.Lat != nil {
		v.Check(st.Lng != nil && st.Lat != nil, "lng", "pair", "lng and lat go together", "经纬度须同时提供")
		v.Check(st.Lng == nil || (*st.Lng >= -180 && *st.Lng <= 180), "lng", "range", "lng must be between -180 and 180", "经度必须在 -180 到 180 之间")
		v.Check(st.Lat == nil || (*st.Lat >= -90 && *st.Lat <= 90), "lat", "range", "lat must be between -90 and 90", "纬度必须在 -90 到 90 之间")
	}
	if err := v.Err(); err != nil {
		return Station{}, err
	}
	p := access.From(ctx)
	if !p.Scope.Contains(st.AreaCode) {
		return Station{}, errAreaNotFound
	}
	if !p.CanAt(access.AreasWrite, st.AreaCode) {
		return Station{}, errs.E(errs.Forbidden, "forbidden", "you may not add stations here", "您无权在此添加服务站")
	}
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.get(ctx, tx, st.AreaCode); err != nil {
			return errs.Field("area_code", "exists", "area "+st.AreaCode+" does not exist", "区域 "+st.AreaCode+" 不存在")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO stations (name, address, area_code, lng, lat) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			st.Name, st.Address, st.AreaCode, st.Lng, st.Lat).Scan(&st.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "station.create", Object: "station:" + st.Name, AreaCode: st.AreaCode})
	})
	return st, err
}

// Detail is an area with its chain and who serves it.
type Detail struct {
	Area      Area     `json:"area"`
	Ancestors []Area   `json:"ancestors"`
	Duty      DutyView `json:"duty"`
}

// Person is someone on duty, as shown to staff.
type Person struct {
	UserID      *int64 `json:"user_id"`
	Name        string `json:"name"`
	PhoneMasked string `json:"phone_masked"`
}

// HeadView is one of the three heads.
type HeadView struct {
	Kind        string `json:"kind"` // building | road | area
	Name        string `json:"name"`
	PhoneMasked string `json:"phone_masked"`
	Label       string `json:"label"`
}

// DutyView is who serves an area: its community's secretary, its grids'
// workers, the heads inside it and the station responsible for it.
type DutyView struct {
	Secretary   *Person    `json:"secretary"`
	GridWorkers []Person   `json:"grid_workers"`
	Heads       []HeadView `json:"heads"`
	Station     *Station   `json:"station"`
}

// Detail returns an area, its ancestors and the people serving it.
func (s *Store) Detail(ctx context.Context, code string) (Detail, error) {
	a, err := s.Get(ctx, code)
	if err != nil {
		return Detail{}, err
	}
	anc, err := s.Ancestors(ctx, code)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Area: a, Ancestors: anc, Duty: DutyView{GridWorkers: []Person{}, Heads: []HeadView{}}}
	// The secretary of the enclosing community (never one of the communities
	// below), grid workers of the enclosing grid or of the grids below, heads
	// inside the area (a road head of the grid is not a head of each of its
	// microgrids): one query over the chain and the subtree.
	chain := []any{}
	marks := []string{}
	for _, x := range append(anc, a) {
		chain = append(chain, x.Code)
		marks = append(marks, "?")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.kind, d.user_id, u.display_name, u.phone_masked, d.label, d.area_code FROM duties d JOIN users u ON u.id = d.user_id
		WHERE d.area_code IN (`+strings.Join(marks, ",")+`) OR (d.area_code >= ? AND d.area_code < ?) ORDER BY d.area_code, d.id`,
		append(chain, code, code+";")...)
	if err != nil {
		return Detail{}, err
	}
	defer rows.Close()
	headKind := map[string]string{"building_head": "building", "road_head": "road", "area_head": "area"}
	// Above the community the lists would run to hundreds: people are listed
	// for a community and below; a subdistrict shows only its station.
	local := len(code) >= Community.Width()
	for rows.Next() {
		var kind, name, phone, label, at string
		var uid int64
		if err := rows.Scan(&kind, &uid, &name, &phone, &label, &at); err != nil {
			return Detail{}, err
		}
		person := Person{UserID: &uid, Name: name, PhoneMasked: phone}
		inside := strings.HasPrefix(at, code)
		switch {
		case kind == string(Secretary) && (!inside || at == code):
			d.Duty.Secretary = &person
		case kind == string(GridWorker) && local:
			d.Duty.GridWorkers = append(d.Duty.GridWorkers, person)
		case headKind[kind] != "" && inside && local:
			d.Duty.Heads = append(d.Duty.Heads, HeadView{Kind: headKind[kind], Name: name, PhoneMasked: phone, Label: label})
		}
	}
	if err := rows.Err(); err != nil {
		return Detail{}, err
	}
	// The station of the nearest area in the chain that has one.
	srows, err := s.db.QueryContext(ctx, `SELECT id, name, address, area_code, lng, lat FROM stations WHERE area_code IN (`+strings.Join(marks, ",")+`) ORDER BY LENGTH(area_code) DESC, id LIMIT 1`, chain...)
	if err != nil {
		return Detail{}, err
	}
	defer srows.Close()
	if srows.Next() {
		var st Station
		var lng, lat sql.NullFloat64
		if err := srows.Scan(&st.ID, &st.Name, &st.Address, &st.AreaCode, &lng, &lat); err != nil {
			return Detail{}, err
		}
		if lng.Valid && lat.Valid {
			st.Lng, st.Lat = &lng.Float64, &lat.Float64
		}
		d.Duty.Station = &st
	}
	return d, srows.Err()
}
