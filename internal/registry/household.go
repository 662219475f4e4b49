package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// CreateHousehold opens a household in a visible house.
func (s *Store) CreateHousehold(ctx context.Context, n NewHousehold) (Household, error) {
	n.Note = clean(n.Note)
	if n.Type == "" {
		n.Type = "family"
	}
	var v errs.Validation
	v.Check(n.HouseID > 0, "house_id", "required", "house_id is required", "请选择所在房屋（house_id）")
	checkEnum(&v, "household_type", n.Type, HouseholdTypes, true)
	checkLen(&v, "note", n.Note, 1000)
	validChannel(&v, n.Channel)
	if err := v.Err(); err != nil {
		return Household{}, err
	}
	p := access.From(ctx)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		h, err := s.house(ctx, tx, n.HouseID)
		if err != nil || !readScope(p).Contains(h.AreaCode) {
			if err != nil && err != errHouseNotFound {
				return err
			}
			return refError("house_id", "house", "房屋", n.HouseID)
		}
		if err := mayWrite(p, h.AreaCode, nil); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, n.Channel)
		if err != nil {
			return err
		}
		now := db.Millis(a.at)
		if err := tx.QueryRowContext(ctx, `INSERT INTO households (house_id, area_code, household_type, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			h.ID, h.AreaCode, n.Type, n.Note, now, now).Scan(&id); err != nil {
			return err
		}
		return record(ctx, tx, a, "household", id, h.AreaCode, diff{{field: "created", to: &h.Address}})
	})
	if err != nil {
		return Household{}, err
	}
	return s.GetHousehold(ctx, id)
}

const householdCols = `hh.id, hh.house_id, h.address, hh.area_code, hh.household_type, hh.head_person_id, COALESCE(hp.name, ''),
	(SELECT COUNT(*) FROM household_members m WHERE m.household_id = hh.id AND m.left_on IS NULL), hh.note, hh.created_at, hh.closed_at, hh.updated_at`

const householdFrom = ` FROM households hh JOIN houses h ON h.id = hh.house_id LEFT JOIN persons hp ON hp.id = hh.head_person_id`

func scanHousehold(sc interface{ Scan(...any) error }) (Household, error) {
	var (
		x                Household
		head             sql.NullInt64
		created, updated int64
		closed           sql.NullInt64
	)
	err := sc.Scan(&x.ID, &x.HouseID, &x.HouseAddress, &x.AreaCode, &x.Type, &head, &x.HeadName, &x.Members, &x.Note, &created, &closed, &updated)
	x.HeadPersonID = nullID(head)
	x.CreatedAt, x.ClosedAt, x.UpdatedAt = db.Time(created), db.NullTime(closed), db.Time(updated)
	return x, err
}

func (s *Store) household(ctx context.Context, q db.Querier, id int64) (Household, error) {
	x, err := scanHousehold(q.QueryRowContext(ctx, `SELECT `+householdCols+householdFrom+` WHERE hh.id = ?`, id))
	if isNoRows(err) {
		return Household{}, errHouseholdNotFound
	}
	return x, err
}

// GetHousehold returns a visible household.
func (s *Store) GetHousehold(ctx context.Context, id int64) (Household, error) {
	x, err := s.household(ctx, s.db, id)
	if err != nil {
		return Household{}, err
	}
	if !readScope(access.From(ctx)).Contains(x.AreaCode) {
		return Household{}, errHouseholdNotFound
	}
	return x, nil
}

// HouseholdFilter selects households.
type HouseholdFilter struct {
	Area        string
	HouseID     int64
	IncludeGone bool // closed households too
	Limit       int
	BeforeID    int64
}

// ListHouseholds returns visible households, newest first, and the keyset
// cursor.
func (s *Store) ListHouseholds(ctx context.Context, f HouseholdFilter) ([]Household, int64, error) {
	sc, err := narrow(access.From(ctx), f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.SQL("hh.area_code")
	if f.HouseID > 0 {
		where += " AND hh.house_id = ?"
		args = append(args, f.HouseID)
	}
	if !f.IncludeGone {
		where += " AND hh.closed_at IS NULL"
	}
	if f.BeforeID > 0 {
		where += " AND hh.id < ?"
		args = append(args, f.BeforeID)
	}
	limit := limitOf(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+householdCols+householdFrom+` WHERE `+where+` ORDER BY hh.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Household{}
	for rows.Next() {
		x, err := scanHousehold(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page(out, limit, func(x Household) int64 { return x.ID })
}

// writeHousehold runs fn on a household the caller may change, in a
// transaction with the actor of the change.
func (s *Store) writeHousehold(ctx context.Context, id int64, ch Channel, fn func(tx *db.Tx, a actor, hh Household) error) error {
	var v errs.Validation
	validChannel(&v, ch)
	if err := v.Err(); err != nil {
		return err
	}
	p := access.From(ctx)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		hh, err := s.household(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := mayWrite(p, hh.AreaCode, errHouseholdNotFound); err != nil {
			return err
		}
		a, err := s.actor(ctx, tx, ch)
		if err != nil {
			return err
		}
		return fn(tx, a, hh)
	})
}

// UpdateHousehold changes a household's type or note.
func (s *Store) UpdateHousehold(ctx context.Context, id int64, c HouseholdPatch) (Household, error) {
	var v errs.Validation
	if c.Type != nil {
		checkEnum(&v, "household_type", *c.Type, HouseholdTypes, true)
	}
	if c.Note != nil {
		*c.Note = clean(*c.Note)
		checkLen(&v, "note", *c.Note, 1000)
	}
	if err := v.Err(); err != nil {
		return Household{}, err
	}
	err := s.writeHousehold(ctx, id, c.Channel, func(tx *db.Tx, a actor, hh Household) error {
		var d diff
		next := hh
		if c.Type != nil {
			d.str("household_type", hh.Type, *c.Type)
			next.Type = *c.Type
		}
		if c.Note != nil {
			d.str("note", hh.Note, *c.Note)
			next.Note = *c.Note
		}
		if len(d) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE households SET household_type = ?, note = ?, updated_at = ? WHERE id = ?`, next.Type, next.Note, db.Millis(a.at), id); err != nil {
			return err
		}
		return record(ctx, tx, a, "household", id, hh.AreaCode, d)
	})
	if err != nil {
		return Household{}, err
	}
	return s.GetHousehold(ctx, id)
}

// CloseHousehold ends a household (注销): its open memberships end today.
func (s *Store) CloseHousehold(ctx context.Context, id int64, ch Channel) (Household, error) {
	err := s.writeHousehold(ctx, id, ch, func(tx *db.Tx, a actor, hh Household) error {
		if hh.ClosedAt != nil {
			return errs.E(errs.Conflict, "already_closed", "the household is already closed", "该户已注销")
		}
		members, err := s.members(ctx, tx, id, false)
		if err != nil {
			return err
		}
		day := today(a.at)
		for _, m := range members {
			per, err := s.person(ctx, tx, m.PersonID)
			if err != nil {
				return err
			}
			if err := s.leave(ctx, tx, a, id, per, day); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE households SET closed_at = ?, updated_at = ? WHERE id = ?`, db.Millis(a.at), db.Millis(a.at), id); err != nil {
			return err
		}
		closed := a.at.Format("2006-01-02 15:04")
		return record(ctx, tx, a, "household", id, hh.AreaCode, diff{{field: "closed", to: &closed}})
	})
	if err != nil {
		return Household{}, err
	}
	return s.GetHousehold(ctx, id)
}

// AddMember puts a visible person into a household. A person already in a
// household must leave it first: a person is in one household at a time.
func (s *Store) AddMember(ctx context.Context, householdID int64, n NewMember) (Household, error) {
	var v errs.Validation
	v.Check(n.PersonID > 0, "person_id", "required", "person_id is required", "请选择人员（person_id）")
	checkEnum(&v, "relationship", n.Relationship, Relationships, true)
	checkDay(&v, "joined_on", &n.JoinedOn)
	if err := v.Err(); err != nil {
		return Household{}, err
	}
	p := access.From(ctx)
	err := s.writeHousehold(ctx, householdID, n.Channel, func(tx *db.Tx, a actor, hh Household) error {
		if hh.ClosedAt != nil {
			return errs.E(errs.Conflict, "household_closed", "the household is closed", "该户已注销")
		}
		per, err := s.person(ctx, tx, n.PersonID)
		if err != nil || !readScope(p).Contains(per.AreaCode) {
			if err != nil && err != errPersonNotFound {
				return err
			}
			return refError("person_id", "person", "人员", n.PersonID)
		}
		if err := mayWrite(p, per.AreaCode, nil); err != nil {
			return err
		}
		joined := n.JoinedOn
		if joined == "" {
			joined = today(a.at)
		}
		return s.join(ctx, tx, a, hh, per, n.Relationship, joined)
	})
	if err != nil {
		return Household{}, err
	}
	return s.GetHousehold(ctx, householdID)
}

// memberLabel is how a membership shows in the household's history.
func memberLabel(name string, personID int64, relationship string) *string {
	s := fmt.Sprintf("%s（#%d，%s）", name, personID, Relationships.Label(relationship))
	return &s
}

// join opens a membership: the person lives in the household's microgrid
// from now on.
func (s *Store) join(ctx context.Context, tx *db.Tx, a actor, hh Household, per Person, relationship, joined string) error {
	if per.Status == "deceased" {
		return errs.Field("person_id", "status", "a deceased person cannot join a household", "已死亡人员不能入户")
	}
	var current int64
	err := tx.QueryRowContext(ctx, `SELECT household_id FROM household_members WHERE person_id = ? AND left_on IS NULL`, per.ID).Scan(&current)
	if err == nil {
		return inHousehold(per, current)
	}
	if !isNoRows(err) {
		return err
	}
	if relationship == "head" && hh.HeadPersonID != nil {
		return &errs.Error{Kind: errs.Conflict, Code: "head_exists", Detail: fmt.Sprintf("household %d already has a head (%s)", hh.ID, hh.HeadName),
			DetailZH: fmt.Sprintf("户 %d 已有户主（%s）", hh.ID, hh.HeadName),
			Fields:   []errs.FieldError{{Field: "relationship", Rule: "one_head", Detail: "a household has one head", DetailZH: "一户只能有一名户主"}}}
	}
	now := db.Millis(a.at)
	_, err = tx.ExecContext(ctx, `INSERT INTO household_members (household_id, person_id, area_code, relationship, joined_on, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hh.ID, per.ID, hh.AreaCode, relationship, joined, now)
	if db.IsUniqueViolation(err) {
		return inHousehold(per, 0)
	}
	if err != nil {
		return err
	}
	status := per.Status
	if status == "moved_out" {
		status = "living" // moving in again
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET household_id = ?, area_code = ?, status = ?, updated_at = ? WHERE id = ?`, hh.ID, hh.AreaCode, status, now, per.ID); err != nil {
		return err
	}
	var d diff
	d.add("household_id", idStr(per.HouseholdID), idStr(&hh.ID))
	d.str("relationship", "", relationship)
	d.str("area_code", per.AreaCode, hh.AreaCode)
	d.str("status", per.Status, status)
	if per.AreaCode != hh.AreaCode {
		if _, err := tx.ExecContext(ctx, `UPDATE person_tags SET area_code = ? WHERE person_id = ?`, hh.AreaCode, per.ID); err != nil {
			return err
		}
	}
	if err := record(ctx, tx, a, "person", per.ID, hh.AreaCode, d); err != nil {
		return err
	}
	hd := diff{{field: "member", to: memberLabel(per.Name, per.ID, relationship)}}
	if relationship == "head" {
		if _, err := tx.ExecContext(ctx, `UPDATE households SET head_person_id = ?, updated_at = ? WHERE id = ?`, per.ID, now, hh.ID); err != nil {
			return err
		}
		hd.add("head_person_id", nil, idStr(&per.ID))
	}
	return record(ctx, tx, a, "household", hh.ID, hh.AreaCode, hd)
}

// inHousehold is the conflict of a second open membership.
func inHousehold(per Person, current int64) error {
	e := &errs.Error{Kind: errs.Conflict, Code: "already_in_household",
		Detail:   fmt.Sprintf("%s (person %d) already belongs to a household; record the move out of it first", per.Name, per.ID),
		DetailZH: fmt.Sprintf("%s（人员 %d）已在其他户中，请先办理迁出", per.Name, per.ID),
		Fields: []errs.FieldError{{Field: "person_id", Rule: "one_household", Detail: "a person belongs to one household at a time",
			DetailZH: "一人同一时间只能属于一户"}}}
	if current != 0 {
		e.Extra = map[string]any{"household_id": current}
	}
	return e
}

// RemoveMember ends a person's membership of a household (moving out of it).
func (s *Store) RemoveMember(ctx context.Context, householdID, personID int64, l Leave) (Household, error) {
	var v errs.Validation
	checkDay(&v, "left_on", &l.LeftOn)
	if err := v.Err(); err != nil {
		return Household{}, err
	}
	err := s.writeHousehold(ctx, householdID, l.Channel, func(tx *db.Tx, a actor, hh Household) error {
		per, err := s.person(ctx, tx, personID)
		if err != nil {
			return err
		}
		left := l.LeftOn
		if left == "" {
			left = today(a.at)
		}
		return s.leave(ctx, tx, a, householdID, per, left)
	})
	if err != nil {
		return Household{}, err
	}
	return s.GetHousehold(ctx, householdID)
}

// leave ends the open membership of a person in a household.
func (s *Store) leave(ctx context.Context, tx *db.Tx, a actor, householdID int64, per Person, left string) error {
	var (
		memberID       int64
		relationship   string
		joined, areaOf string
	)
	err := tx.QueryRowContext(ctx, `SELECT id, relationship, joined_on, area_code FROM household_members WHERE household_id = ? AND person_id = ? AND left_on IS NULL`,
		householdID, per.ID).Scan(&memberID, &relationship, &joined, &areaOf)
	if isNoRows(err) {
		return errs.E(errs.NotFound, "not_found", "the person is not a member of this household", "该人员不是此户成员")
	}
	if err != nil {
		return err
	}
	if left < joined {
		return errs.Field("left_on", "after_joined", "left_on lies before the day they joined ("+joined+")", "迁出日期早于入户日期（"+joined+"）")
	}
	now := db.Millis(a.at)
	if _, err := tx.ExecContext(ctx, `UPDATE household_members SET left_on = ? WHERE id = ?`, left, memberID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET household_id = NULL, updated_at = ? WHERE id = ?`, now, per.ID); err != nil {
		return err
	}
	var d diff
	d.add("household_id", idStr(&householdID), nil)
	d.str("relationship", relationship, "")
	if err := record(ctx, tx, a, "person", per.ID, per.AreaCode, d); err != nil {
		return err
	}
	hd := diff{{field: "member", from: memberLabel(per.Name, per.ID, relationship)}}
	if relationship == "head" {
		if _, err := tx.ExecContext(ctx, `UPDATE households SET head_person_id = NULL, updated_at = ? WHERE id = ? AND head_person_id = ?`, now, householdID, per.ID); err != nil {
			return err
		}
		hd.add("head_person_id", idStr(&per.ID), nil)
	}
	return record(ctx, tx, a, "household", householdID, areaOf, hd)
}

// members lists the memberships of a household, masked: the current ones in
// joining order, then (with former) those that ended.
func (s *Store) members(ctx context.Context, q db.Querier, householdID int64, former bool) ([]Member, error) {
	where := " AND m.left_on IS NULL"
	if former {
		where = ""
	}
	rows, err := q.QueryContext(ctx, `SELECT m.person_id, p.name, m.relationship, m.joined_on, m.left_on, p.gender, p.birth_date, p.id_masked, p.phone_masked,
		p.residence_type, p.status FROM household_members m JOIN persons p ON p.id = m.person_id WHERE m.household_id = ?`+where+`
		ORDER BY CASE WHEN m.left_on IS NULL THEN 0 ELSE 1 END, CASE WHEN m.relationship = 'head' THEN 0 ELSE 1 END, m.id`, householdID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		var left, birth sql.NullString
		if err := rows.Scan(&m.PersonID, &m.Name, &m.Relationship, &m.JoinedOn, &left, &m.Gender, &birth, &m.IDNumberMasked, &m.PhoneMasked,
			&m.ResidenceType, &m.Status); err != nil {
			return nil, err
		}
		m.LeftOn, m.BirthDate = nullStr(left), nullStr(birth)
		out = append(out, m)
	}
	return out, rows.Err()
}
