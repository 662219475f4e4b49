package registry

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

func checkHouseFields(v *errs.Validation, unit, room, address, owner, area *string, floor *int) {
	if unit != nil {
		*unit = clean(*unit)
		checkLen(v, "unit", *unit, 16)
	}
	if room != nil {
		*room = clean(*room)
		checkLen(v, "room", *room, 32)
	}
	if address != nil {
		*address = clean(*address)
		checkLen(v, "address", *address, 200)
	}
	if owner != nil {
		*owner = clean(*owner)
		checkLen(v, "owner_name", *owner, 64)
	}
	if area != nil && *area != "" {
		_, ok := parseFloorArea(*area)
		v.Check(ok, "floor_area", "decimal", "floor_area must be square metres with at most two decimals, e.g. 89.5", "floor_area 须为平方米数，最多两位小数，如 89.5")
	}
	v.Check(floor == nil || *floor >= -10 && *floor <= 200, "floor", "range", "floor must be from -10 to 200", "楼层须在 -10 到 200 之间")
}

func (n *NewHouse) validate() error {
	var v errs.Validation
	v.Check(n.BuildingID > 0, "building_id", "required", "building_id is required", "请选择所在楼栋（building_id）")
	checkHouseFields(&v, &n.Unit, &n.Room, &n.Address, &n.OwnerName, &n.FloorArea, n.Floor)
	v.Check(n.Room != "" || n.Address != "", "room", "required", "give the room number or the full address", "请填写房号或完整地址")
	checkEnum(&v, "usage", n.Usage, Usages, true)
	validChannel(&v, n.Channel)
	return v.Err()
}

// composeAddress is the full address of a house from its building's:
// 幸福路12号 3号楼 2单元 302室.
func composeAddress(b Building, unit, room string) string {
	parts := []string{b.Address}
	if b.Name != "" && !strings.Contains(b.Address, b.Name) {
		parts = append(parts, b.Name)
	}
	if unit != "" {
		if strings.Trim(unit, "0123456789") == "" {
			unit += "单元"
		}
		parts = append(parts, unit)
	}
	if room != "" {
		if strings.Trim(room, "0123456789-") == "" {
			room += "室"
		}
		parts = append(parts, room)
	}
	return strings.Join(parts, "")
}

// CreateHouse registers a house in a visible building.
func (s *Store) CreateHouse(ctx context.Context, n NewHouse) (House, error) {
	if err := n.validate(); err != nil {
		return House{}, err
	}
	p := access.From(ctx)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := s.building(ctx, tx, n.BuildingID)
		if err != nil || !readScope(p).Contains(b.AreaCode) {
			if err != nil && err != errBuildingNotFound {
				return err
			}
			return refError("building_id", "building", "楼栋", n.BuildingID)
		}
		if err := mayWrite(p, b.AreaCode, nil); err != nil {
			return err
		}
		if n.Address == "" {
			n.Address = composeAddress(b, n.Unit, n.Room)
		}
		a, err := s.actor(ctx, tx, n.Channel)
		if err != nil {
			return err
		}
		var dm2 any
		if n.FloorArea != "" {
			dm2, _ = parseFloorArea(n.FloorArea)
		}
		now := db.Millis(a.at)
		err = tx.QueryRowContext(ctx, `INSERT INTO houses (building_id, area_code, unit, floor, room, address, usage, floor_area_dm2, owner_name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.ID, b.AreaCode, n.Unit, n.Floor, n.Room, n.Address, n.Usage, dm2, n.OwnerName, now, now).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &errs.Error{Kind: errs.Conflict, Code: "house_exists", Detail: "this building already has unit " + n.Unit + " room " + n.Room, DetailZH: "该楼栋已有 " + n.Unit + " 单元 " + n.Room + " 室",
				Fields: []errs.FieldError{{Field: "room", Rule: "unique", Detail: "the room is already registered in this building", DetailZH: "该房号已在此楼栋登记"}}}
		}
		if err != nil {
			return err
		}
		if err := indexAddress(ctx, tx, b.ID, n.Address); err != nil {
			return err
		}
		return record(ctx, tx, a, "house", id, b.AreaCode, diff{{field: "created", to: &n.Address}})
	})
	if err != nil {
		return House{}, err
	}
	return s.GetHouse(ctx, id)
}

// indexAddress adds the bigrams of a house's address to its building's.
func indexAddress(ctx context.Context, tx *db.Tx, buildingID int64, address string) error {
	return addGrams(ctx, tx, buildingID, grams(address))
}

// addGrams adds bigrams to a building's set (those it holds already are
// skipped).
func addGrams(ctx context.Context, tx *db.Tx, buildingID int64, gs []string) error {
	for len(gs) > 0 {
		n := min(len(gs), 128)
		args := make([]any, 0, 2*n)
		for _, g := range gs[:n] {
			args = append(args, g, buildingID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO building_grams (gram, building_id) VALUES `+strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")+
			` ON CONFLICT DO NOTHING`, args...); err != nil {
			return err
		}
		gs = gs[n:]
	}
	return nil
}

// reindexBuilding rebuilds a building's bigrams from its houses' addresses,
// after an address changed (so that the old one no longer narrows to it).
func reindexBuilding(ctx context.Context, tx *db.Tx, buildingID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM building_grams WHERE building_id = ?`, buildingID); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT address FROM houses WHERE building_id = ?`, buildingID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var gs []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return err
		}
		for _, g := range grams(a) {
			if !seen[g] {
				seen[g] = true
				gs = append(gs, g)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return addGrams(ctx, tx, buildingID, gs)
}

const houseCols = `h.id, h.building_id, b.name, h.area_code, h.unit, h.floor, h.room, h.address, h.usage, h.floor_area_dm2, h.owner_name,
	(SELECT COUNT(*) FROM households hh WHERE hh.house_id = h.id AND hh.closed_at IS NULL),
	(SELECT COUNT(*) FROM households hh JOIN persons p ON p.household_id = hh.id WHERE hh.house_id = h.id AND p.status = 'living'),
	h.created_at, h.updated_at`

const houseFrom = ` FROM houses h JOIN buildings b ON b.id = h.building_id`

func scanHouse(sc interface{ Scan(...any) error }) (House, error) {
	var (
		h                House
		floor            sql.NullInt64
		dm2              sql.NullInt64
		created, updated int64
	)
	err := sc.Scan(&h.ID, &h.BuildingID, &h.BuildingName, &h.AreaCode, &h.Unit, &floor, &h.Room, &h.Address, &h.Usage, &dm2, &h.OwnerName,
		&h.Households, &h.Occupants, &created, &updated)
	if floor.Valid {
		f := int(floor.Int64)
		h.Floor = &f
	}
	if dm2.Valid {
		h.FloorArea = formatFloorArea(dm2.Int64)
	}
	h.CreatedAt, h.UpdatedAt = db.Time(created), db.Time(updated)
	return h, err
}

func (s *Store) house(ctx context.Context, q db.Querier, id int64) (House, error) {
	h, err := scanHouse(q.QueryRowContext(ctx, `SELECT `+houseCols+houseFrom+` WHERE h.id = ?`, id))
	if isNoRows(err) {
		return House{}, errHouseNotFound
	}
	return h, err
}

// GetHouse returns a visible house.
func (s *Store) GetHouse(ctx context.Context, id int64) (House, error) {
	h, err := s.house(ctx, s.db, id)
	if err != nil {
		return House{}, err
	}
	if !readScope(access.From(ctx)).Contains(h.AreaCode) {
		return House{}, errHouseNotFound
	}
	return h, nil
}

// HouseFilter selects houses. Occupied "false" with usage "rented" answers
// "which rented houses have no registered occupant".
type HouseFilter struct {
	Area       string
	BuildingID int64
	Usage      string
	Occupied   *bool  // a person lives there (status living, in an open household)
	Address    string // fragment of the address
	Limit      int
	BeforeID   int64
}

// ListHouses returns visible houses, newest first, and the keyset cursor.
func (s *Store) ListHouses(ctx context.Context, f HouseFilter) ([]House, int64, error) {
	var v errs.Validation
	checkEnum(&v, "usage", f.Usage, Usages, false)
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	sc, err := narrow(access.From(ctx), f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.SQL("h.area_code")
	add := func(cond string, a ...any) {
		where += " AND " + cond
		args = append(args, a...)
	}
	if f.BuildingID > 0 {
		add("h.building_id = ?", f.BuildingID)
	}
	if f.Usage != "" {
		add("h.usage = ?", f.Usage)
	}
	if f.Occupied != nil {
		occupied := `EXISTS (SELECT 1 FROM households hh JOIN persons p ON p.household_id = hh.id WHERE hh.house_id = h.id AND p.status = 'living')`
		if *f.Occupied {
			add(occupied)
		} else {
			add("NOT " + occupied)
		}
	}
	if f.Address != "" {
		cond, a, err := s.addressMatch(ctx, "h", f.Address)
		if err != nil {
			return nil, 0, err
		}
		add(cond, a...)
	}
	if f.BeforeID > 0 {
		add("h.id < ?", f.BeforeID)
	}
	limit := limitOf(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+houseCols+houseFrom+` WHERE `+where+` ORDER BY h.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []House{}
	for rows.Next() {
		h, err := scanHouse(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page(out, limit, func(h House) int64 { return h.ID })
}

// maxGrams bounds the index lookups of one address search; the LIKE on the
// address decides anyway.
const maxGrams = 4

// addressMatch is a predicate "the address of house alias h contains the
// fragment": index lookups on the bigrams narrow the buildings — the
// rarest bigrams first, so that the most selective one leads — and a LIKE
// on the address confirms. A one-character fragment uses the LIKE only; a
// bigram no building has matches nothing.
func (s *Store) addressMatch(ctx context.Context, h, fragment string) (string, []any, error) {
	frag := strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(compact(fragment)))
	gs := grams(frag)
	if len(gs) > 0 {
		args := make([]any, len(gs))
		for i, g := range gs {
			args[i] = g
		}
		rows, err := s.db.QueryContext(ctx, `SELECT gram, COUNT(*) FROM building_grams WHERE gram IN `+inClause(len(args))+` GROUP BY gram`, args...)
		if err != nil {
			return "", nil, err
		}
		count := map[string]int{}
		for rows.Next() {
			var g string
			var n int
			if err := rows.Scan(&g, &n); err != nil {
				rows.Close()
				return "", nil, err
			}
			count[g] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", nil, err
		}
		if len(count) < len(gs) {
			return "1 = 0", nil, nil
		}
		slices.SortStableFunc(gs, func(a, b string) int { return count[a] - count[b] })
		gs = gs[:min(len(gs), maxGrams)]
	}
	var conds []string
	var args []any
	for _, g := range gs {
		conds = append(conds, h+".building_id IN (SELECT g.building_id FROM building_grams g WHERE g.gram = ?)")
		args = append(args, g)
	}
	conds = append(conds, "REPLACE(LOWER("+h+".address), ' ', '') LIKE ?")
	args = append(args, "%"+frag+"%")
	return "(" + strings.Join(conds, " AND ") + ")", args, nil
}

// UpdateHouse changes a house, keeping field-level history.
func (s *Store) UpdateHouse(ctx context.Context, id int64, c HousePatch) (House, error) {
	var v errs.Validation
	checkHouseFields(&v, c.Unit, c.Room, c.Address, c.OwnerName, c.FloorArea, c.Floor)
	if c.Address != nil {
		v.Required("address", *c.Address)
	}
	if c.Usage != nil {
		checkEnum(&v, "usage", *c.Usage, Usages, true)
	}
	validChannel(&v, c.Channel)
	if err := v.Err(); err != nil {
		return House{}, err
	}
	p := access.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		h, err := s.house(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p, h.AreaCode, errHouseNotFound); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, c.Channel)
		if err != nil {
			return err
		}
		return updateHouse(ctx, tx, a, h, c)
	})
	if err != nil {
		return House{}, err
	}
	return s.GetHouse(ctx, id)
}

// updateHouse applies a checked patch to house h in tx, keeping field-level
// history; nothing changes when the patch changes nothing.
func updateHouse(ctx context.Context, tx *db.Tx, a actor, h House, c HousePatch) error {
	id := h.ID
	var d diff
	next := h
	set := func(field string, cur *string, to *string) {
		if to != nil {
			d.str(field, *cur, *to)
			*cur = *to
		}
	}
	set("unit", &next.Unit, c.Unit)
	set("room", &next.Room, c.Room)
	set("address", &next.Address, c.Address)
	set("usage", &next.Usage, c.Usage)
	set("owner_name", &next.OwnerName, c.OwnerName)
	if c.FloorArea != nil {
		to := ""
		if *c.FloorArea != "" {
			dm2, _ := parseFloorArea(*c.FloorArea)
			to = formatFloorArea(dm2)
		}
		set("floor_area", &next.FloorArea, &to)
	}
	if c.Floor != nil {
		d.add("floor", intStr(h.Floor), intStr(c.Floor))
		next.Floor = c.Floor
	}
	if len(d) == 0 {
		return nil
	}
	var dm2 any
	if next.FloorArea != "" {
		dm2, _ = parseFloorArea(next.FloorArea)
	}
	_, err := tx.ExecContext(ctx, `UPDATE houses SET unit = ?, floor = ?, room = ?, address = ?, usage = ?, floor_area_dm2 = ?, owner_name = ?, updated_at = ? WHERE id = ?`,
		next.Unit, next.Floor, next.Room, next.Address, next.Usage, dm2, next.OwnerName, db.Millis(a.at), id)
	if db.IsUniqueViolation(err) {
		return &errs.Error{Kind: errs.Conflict, Code: "house_exists", Detail: "this building already has that unit and room", DetailZH: "该楼栋已有此单元和房号",
			Fields: []errs.FieldError{{Field: "room", Rule: "unique", Detail: "the room is already registered in this building", DetailZH: "该房号已在此楼栋登记"}}}
	}
	if err != nil {
		return err
	}
	if next.Address != h.Address {
		if err := reindexBuilding(ctx, tx, h.BuildingID); err != nil {
			return err
		}
	}
	return record(ctx, tx, a, "house", id, h.AreaCode, d)
}
