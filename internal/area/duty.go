package area

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Unit is an organisation that can be given a case: the office of an area,
// or a department outside the tree (城管, 住建, 公安 …).
type Unit struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"` // area_office | department
	AreaCode string `json:"area_code"`
}

// Station is a city-governance service station (城市治理服务站).
type Station struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Address  string   `json:"address"`
	AreaCode string   `json:"area_code"`
	Lng      *float64 `json:"lng"`
	Lat      *float64 `json:"lat"`
}

// DutyKind names a post: the community secretary, a grid worker, one of the
// three heads (building: a point, road section: a line, area: a polygon), or
// a station chief.
type DutyKind string

const (
	Secretary    DutyKind = "secretary"
	GridWorker   DutyKind = "grid_worker"
	BuildingHead DutyKind = "building_head"
	RoadHead     DutyKind = "road_head"
	AreaHead     DutyKind = "area_head"
	StationChief DutyKind = "station_chief"
)

// dutyLevel is the level of area each post is held at; heads sit in any area
// from community down.
var dutyLevel = map[DutyKind]Level{Secretary: Community, GridWorker: Grid}

// Duty is a person on duty in an area.
type Duty struct {
	ID          int64           `json:"id"`
	Kind        DutyKind        `json:"kind"`
	UserID      int64           `json:"user_id"`
	Name        string          `json:"name"`
	PhoneMasked string          `json:"phone_masked"`
	AreaCode    string          `json:"area_code"`
	Label       string          `json:"label"`
	Geometry    json.RawMessage `json:"geometry,omitempty"`
}

// NewDuty is the input to put someone on duty.
type NewDuty struct {
	Kind     DutyKind     `json:"kind"`
	UserID   int64        `json:"user_id"`
	AreaCode string       `json:"area_code"`
	Label    string       `json:"label"`
	Geometry orb.Geometry `json:"-"`
}

// Validate checks the post against the area level and the head's geometry.
func (n *NewDuty) Validate() error {
	n.Label = strings.TrimSpace(n.Label)
	var v errs.Validation
	switch n.Kind {
	case Secretary, GridWorker, StationChief:
		v.Check(n.Geometry == nil, "geometry", "none", "only heads carry a geometry", "只有三长需要空间范围")
	case BuildingHead:
		_, ok := n.Geometry.(orb.Point)
		v.Check(ok, "geometry", "point", "a building head holds a point", "楼栋院长的责任范围应为点")
	case RoadHead:
		_, ok := n.Geometry.(orb.LineString)
		v.Check(ok, "geometry", "line", "a road-section head holds a line", "路段长的责任范围应为线")
	case AreaHead:
		_, ok := n.Geometry.(orb.Polygon)
		_, okm := n.Geometry.(orb.MultiPolygon)
		v.Check(ok || okm, "geometry", "polygon", "an area head holds a polygon", "区片长的责任范围应为面")
	default:
		v.Add("kind", "enum", "kind must be one of secretary, grid_worker, building_head, road_head, area_head, station_chief",
			"岗位类型必须是 secretary、grid_worker、building_head、road_head、area_head、station_chief 之一")
	}
	v.Check(n.UserID > 0, "user_id", "required", "user_id is required", "user_id 为必填项")
	if want, ok := dutyLevel[n.Kind]; ok && len(n.AreaCode) != want.Width() {
		v.Add("area_code", "level", "a "+string(n.Kind)+" is put on a "+string(want), string(n.Kind)+" 只能设在"+levelZH[want]+"一级")
	}
	return v.Err()
}

// AddDuty puts a user on duty in an area.
func (s *Store) AddDuty(ctx context.Context, n NewDuty) (int64, error) {
	if err := n.Validate(); err != nil {
		return 0, err
	}
	p := access.From(ctx)
	if !p.Scope.Contains(n.AreaCode) {
		return 0, errAreaNotFound
	}
	if !p.CanAt(access.DutyWrite, n.AreaCode) {
		return 0, errs.E(errs.Forbidden, "forbidden", "you may not assign duties here", "您无权在此安排岗位")
	}
	var geom any
	if n.Geometry != nil {
		raw, err := geo.MarshalGeometry(n.Geometry)
		if err != nil {
			return 0, errs.Field("geometry", "geojson", "geometry is not a geometry that can be stored", "空间范围无效")
		}
		geom = string(raw)
	}
	now := s.clock.Now()
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := s.get(ctx, tx, n.AreaCode); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, n.UserID).Scan(&one); err != nil {
			return errs.Field("user_id", "exists", "no such user", "用户不存在")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO duties (kind, user_id, area_code, label, geometry, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			string(n.Kind), n.UserID, n.AreaCode, n.Label, geom, db.Millis(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "duplicate_duty", "this person already holds this post here", "此人已在该区域担任该岗位")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "duty.add", Object: "duty:" + strconv.FormatInt(id, 10), AreaCode: n.AreaCode,
			Detail: map[string]any{"kind": n.Kind, "user_id": n.UserID, "label": n.Label}})
	})
	return id, err
}

// RemoveDuty ends a post.
func (s *Store) RemoveDuty(ctx context.Context, id int64) error {
	p := access.From(ctx)
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var code string
		err := tx.QueryRowContext(ctx, `SELECT area_code FROM duties WHERE id = ?`, id).Scan(&code)
		if err == sql.ErrNoRows || (err == nil && !p.Scope.Contains(code)) {
			return errs.NotFoundf("duty", "岗位")
		}
		if err != nil {
			return err
		}
		if !p.CanAt(access.DutyWrite, code) {
			return errs.E(errs.Forbidden, "forbidden", "you may not change duties here", "您无权在此调整岗位")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM duties WHERE id = ?`, id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "duty.remove", Object: "duty:" + strconv.FormatInt(id, 10), AreaCode: code})
	})
}

// Duties lists the posts held in an area and, with below, in its subtree.
func (s *Store) Duties(ctx context.Context, code string, below bool) ([]Duty, error) {
	scope := access.From(ctx).Scope
	if !scope.Overlaps(code) {
		return nil, errAreaNotFound
	}
	where, args := scope.Within(code).SQL("d.area_code")
	if !below {
		where += " AND d.area_code = ?"
		args = append(args, code)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.kind, d.user_id, u.display_name, u.phone_masked, d.area_code, d.label, d.geometry
		FROM duties d JOIN users u ON u.id = d.user_id WHERE `+where+` ORDER BY d.area_code, d.kind, d.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Duty{}
	for rows.Next() {
		var d Duty
		var g sql.NullString
		if err := rows.Scan(&d.ID, &d.Kind, &d.UserID, &d.Name, &d.PhoneMasked, &d.AreaCode, &d.Label, &g); err != nil {
			return nil, err
		}
		if g.Valid {
			d.Geometry = json.RawMessage(g.String)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
