package registry

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

func checkLocation(v *errs.Validation, lng, lat *float64, crs string) {
	if (lng == nil) != (lat == nil) {
		v.Add("lng", "pair", "lng and lat go together", "经纬度须同时提供")
		return
	}
	if lng == nil {
		return
	}
	v.Check(*lng >= -180 && *lng <= 180, "lng", "range", "lng must be between -180 and 180", "经度必须在 -180 到 180 之间")
	v.Check(*lat >= -90 && *lat <= 90, "lat", "range", "lat must be between -90 and 90", "纬度必须在 -90 到 90 之间")
	_, err := geo.ParseCRS(crs)
	v.Check(err == nil, "crs", "enum", "crs must be wgs84, gcj02 or bd09", "crs 必须是 wgs84、gcj02 或 bd09")
}

// toWGS84 converts a validated location in place.
func toWGS84(lng, lat *float64, crs string) {
	if lng == nil {
		return
	}
	c, _ := geo.ParseCRS(crs)
	*lng, *lat = geo.ToWGS84(c, *lng, *lat)
}

func (n *NewBuilding) validate() error {
	n.AreaCode, n.Name, n.Address = compact(n.AreaCode), clean(n.Name), clean(n.Address)
	var v errs.Validation
	v.Required("address", n.Address)
	checkLen(&v, "address", n.Address, 200)
	checkLen(&v, "name", n.Name, 64)
	checkLocation(&v, n.Lng, n.Lat, n.CRS)
	v.Check(n.AreaCode != "" || n.Lng != nil, "area_code", "required", "choose the microgrid (area_code) or give the location (lng, lat)", "请选择所在微网格（area_code）或提供位置（经纬度）")
	v.Check(n.Floors >= 0 && n.Floors <= 200, "floors", "range", "floors must be from 0 to 200", "楼层数须在 0 到 200 之间")
	v.Check(n.Units >= 0 && n.Units <= 100, "units", "range", "units must be from 0 to 100", "单元数须在 0 到 100 之间")
	validChannel(&v, n.Channel)
	return v.Err()
}

// checkHead requires the building head to be an existing account.
func checkHead(ctx context.Context, q db.Querier, id *int64) error {
	if id == nil || *id == 0 {
		return nil
	}
	var one int
	if err := q.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, *id).Scan(&one); err != nil {
		if isNoRows(err) {
			return refError("head_user_id", "user", "用户", *id)
		}
		return err
	}
	return nil
}

// CreateBuilding registers a building in a microgrid of the caller's scope.
func (s *Store) CreateBuilding(ctx context.Context, n NewBuilding) (Building, error) {
	if err := n.validate(); err != nil {
		return Building{}, err
	}
	toWGS84(n.Lng, n.Lat, n.CRS)
	if n.AreaCode == "" {
		code, ok := s.areas.Locator().Code(*n.Lng, *n.Lat)
		if !ok {
			return Building{}, errs.Field("lng", "outside", "the location lies outside every microgrid of the district", "该位置不在辖区任何微网格内")
		}
		n.AreaCode = code
	}
	p := access.From(ctx)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := s.checkMicrogrid(ctx, tx, p, n.AreaCode); err != nil {
			return err
		}
		if err := checkHead(ctx, tx, n.HeadUserID); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, n.Channel)
		if err != nil {
			return err
		}
		var head any
		if n.HeadUserID != nil && *n.HeadUserID != 0 {
			head = *n.HeadUserID
		}
		now := db.Millis(a.at)
		if err := tx.QueryRowContext(ctx, `INSERT INTO buildings (area_code, name, address, lng, lat, floors, units, head_user_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.AreaCode, n.Name, n.Address, n.Lng, n.Lat, n.Floors, n.Units, head, now, now).Scan(&id); err != nil {
			return err
		}
		label := strings.TrimSpace(n.Address + " " + n.Name)
		return record(ctx, tx, a, "building", id, n.AreaCode, diff{{field: "created", to: &label}})
	})
	if err != nil {
		return Building{}, err
	}
	return s.GetBuilding(ctx, id)
}

const buildingCols = `b.id, b.area_code, a.name, b.name, b.address, b.lng, b.lat, b.floors, b.units, b.head_user_id, COALESCE(u.display_name, ''),
	(SELECT COUNT(*) FROM houses h WHERE h.building_id = b.id), b.created_at, b.updated_at`

const buildingFrom = ` FROM buildings b JOIN areas a ON a.code = b.area_code LEFT JOIN users u ON u.id = b.head_user_id`

func scanBuilding(sc interface{ Scan(...any) error }) (Building, error) {
	var (
		b                Building
		lng, lat         sql.NullFloat64
		head             sql.NullInt64
		created, updated int64
	)
	err := sc.Scan(&b.ID, &b.AreaCode, &b.AreaName, &b.Name, &b.Address, &lng, &lat, &b.Floors, &b.Units, &head, &b.HeadName, &b.Houses, &created, &updated)
	if lng.Valid && lat.Valid {
		b.Lng, b.Lat = &lng.Float64, &lat.Float64
	}
	b.HeadUserID = nullID(head)
	b.CreatedAt, b.UpdatedAt = db.Time(created), db.Time(updated)
	return b, err
}

func (s *Store) building(ctx context.Context, q db.Querier, id int64) (Building, error) {
	b, err := scanBuilding(q.QueryRowContext(ctx, `SELECT `+buildingCols+buildingFrom+` WHERE b.id = ?`, id))
	if isNoRows(err) {
		return Building{}, errBuildingNotFound
	}
	return b, err
}

// GetBuilding returns a visible building.
func (s *Store) GetBuilding(ctx context.Context, id int64) (Building, error) {
	b, err := s.building(ctx, s.db, id)
	if err != nil {
		return Building{}, err
	}
	if !readScope(access.From(ctx)).Contains(b.AreaCode) {
		return Building{}, errBuildingNotFound
	}
	return b, nil
}

// BuildingFilter selects buildings.
type BuildingFilter struct {
	Area     string // subtree
	Query    string // words in the address or name
	Limit    int
	BeforeID int64
}

// ListBuildings returns visible buildings, newest first, and the id to
// continue from (0 at the end).
func (s *Store) ListBuildings(ctx context.Context, f BuildingFilter) ([]Building, int64, error) {
	sc, err := narrow(access.From(ctx), f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.SQL("b.area_code")
	if q := likeFragment(f.Query); q != "" {
		where += " AND (b.address LIKE ? OR b.name LIKE ?)"
		args = append(args, q, q)
	}
	if f.BeforeID > 0 {
		where += " AND b.id < ?"
		args = append(args, f.BeforeID)
	}
	limit := limitOf(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+buildingCols+buildingFrom+` WHERE `+where+` ORDER BY b.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Building{}
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page(out, limit, func(b Building) int64 { return b.ID })
}

// page cuts a list fetched with limit+1 rows and returns the keyset cursor.
func page[T any](items []T, limit int, id func(T) int64) ([]T, int64, error) {
	if len(items) <= limit {
		return items, 0, nil
	}
	items = items[:limit]
	return items, id(items[limit-1]), nil
}

// likeFragment is a LIKE pattern for "contains", with the wildcards of the
// input removed; "" for an empty fragment.
func likeFragment(q string) string {
	q = strings.NewReplacer("%", "", "_", "").Replace(clean(q))
	if q == "" {
		return ""
	}
	return "%" + q + "%"
}

// UpdateBuilding changes a building, keeping field-level history.
func (s *Store) UpdateBuilding(ctx context.Context, id int64, c BuildingPatch) (Building, error) {
	var v errs.Validation
	if c.Name != nil {
		*c.Name = clean(*c.Name)
		checkLen(&v, "name", *c.Name, 64)
	}
	if c.Address != nil {
		*c.Address = clean(*c.Address)
		v.Required("address", *c.Address)
		checkLen(&v, "address", *c.Address, 200)
	}
	checkLocation(&v, c.Lng, c.Lat, c.CRS)
	v.Check(c.Floors == nil || *c.Floors >= 0 && *c.Floors <= 200, "floors", "range", "floors must be from 0 to 200", "楼层数须在 0 到 200 之间")
	v.Check(c.Units == nil || *c.Units >= 0 && *c.Units <= 100, "units", "range", "units must be from 0 to 100", "单元数须在 0 到 100 之间")
	validChannel(&v, c.Channel)
	if err := v.Err(); err != nil {
		return Building{}, err
	}
	toWGS84(c.Lng, c.Lat, c.CRS)
	p := access.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := s.building(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p, b.AreaCode, errBuildingNotFound); err != nil {
			return err
		}
		if err := checkHead(ctx, tx, c.HeadUserID); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, c.Channel)
		if err != nil {
			return err
		}
		return updateBuilding(ctx, tx, a, b, c)
	})
	if err != nil {
		return Building{}, err
	}
	return s.GetBuilding(ctx, id)
}

// updateBuilding applies a checked patch (location in WGS-84) to building b
// in tx, keeping field-level history; nothing changes when the patch
// changes nothing.
func updateBuilding(ctx context.Context, tx *db.Tx, a actor, b Building, c BuildingPatch) error {
	id := b.ID
	var d diff
	next := b
	if c.Name != nil {
		d.str("name", b.Name, *c.Name)
		next.Name = *c.Name
	}
	if c.Address != nil {
		d.str("address", b.Address, *c.Address)
		next.Address = *c.Address
	}
	if c.Lng != nil {
		d.add("location", locString(b.Lng, b.Lat), locString(c.Lng, c.Lat))
		next.Lng, next.Lat = c.Lng, c.Lat
	}
	if c.Floors != nil {
		d.add("floors", intStr(&b.Floors), intStr(c.Floors))
		next.Floors = *c.Floors
	}
	if c.Units != nil {
		d.add("units", intStr(&b.Units), intStr(c.Units))
		next.Units = *c.Units
	}
	var head any
	if b.HeadUserID != nil {
		head = *b.HeadUserID
	}
	if c.HeadUserID != nil {
		from, to := idStr(b.HeadUserID), idStr(c.HeadUserID)
		d.add("head_user_id", from, to)
		head = nil
		if *c.HeadUserID != 0 {
			head = *c.HeadUserID
		}
	}
	if len(d) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE buildings SET name = ?, address = ?, lng = ?, lat = ?, floors = ?, units = ?, head_user_id = ?, updated_at = ? WHERE id = ?`,
		next.Name, next.Address, next.Lng, next.Lat, next.Floors, next.Units, head, db.Millis(a.at), id); err != nil {
		return err
	}
	return record(ctx, tx, a, "building", id, b.AreaCode, d)
}

func locString(lng, lat *float64) *string {
	if lng == nil || lat == nil {
		return nil
	}
	s := strconv.FormatFloat(*lng, 'f', 6, 64) + "," + strconv.FormatFloat(*lat, 'f', 6, 64)
	return &s
}

// idStr shows a reference as "#12"; nil or 0 is no value.
func idStr(id *int64) *string {
	if id == nil || *id == 0 {
		return nil
	}
	s := "#" + strconv.FormatInt(*id, 10)
	return &s
}
