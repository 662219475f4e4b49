package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// Store reads and writes the registry. Every method filters by the scope of
// the principal in ctx: reads need registry:read over the record's area,
// writes registry:write; a record outside the caller's registry scope answers
// not-found.
type Store struct {
	db    *db.DB
	clock clock.Clock
	keys  *pii.Keyring
	areas *area.Store  // places buildings by location
	cases *cases.Store // appeals become cases
}

// NewStore wires the registry.
func NewStore(d *db.DB, c clock.Clock, keys *pii.Keyring, areas *area.Store, cs *cases.Store) *Store {
	return &Store{db: d, clock: c, keys: keys, areas: areas, cases: cs}
}

var (
	errBuildingNotFound  = errs.NotFoundf("building", "楼栋")
	errHouseNotFound     = errs.NotFoundf("house", "房屋")
	errHouseholdNotFound = errs.NotFoundf("household", "户")
	errPersonNotFound    = errs.NotFoundf("person", "人员")
	errAppealNotFound    = errs.NotFoundf("appeal", "诉求")
)

// readScope is where the principal may read the registry.
func readScope(p *access.Principal) access.Scope { return p.ScopeFor(access.RegistryRead) }

// narrow limits a read scope to the subtree at root ("" = the whole scope);
// a root outside the scope is not found.
func narrow(p *access.Principal, root string) (access.Scope, error) {
	sc := readScope(p)
	if root == "" {
		return sc, nil
	}
	if !sc.Overlaps(root) {
		return sc, errs.NotFoundf("area", "区域")
	}
	return sc.Within(root), nil
}

// mayWrite answers notFound for a record outside the caller's registry
// scope, and forbidden where it may read but not write.
func mayWrite(p *access.Principal, areaCode string, notFound error) error {
	if !readScope(p).Contains(areaCode) {
		return notFound
	}
	if !p.CanAt(access.RegistryWrite, areaCode) {
		return errs.E(errs.Forbidden, "forbidden", "you may not change the registry here", "您无权在此修改实有人口/房屋信息")
	}
	return nil
}

// refError is the answer for a referenced record (building_id, house_id …)
// that does not exist or lies outside the caller's scope: a field error, so
// the caller learns which input was wrong, without learning whether the
// record exists elsewhere.
func refError(field, what, whatZH string, id int64) error {
	n := strconv.FormatInt(id, 10)
	return errs.Field(field, "exists", what+" "+n+" does not exist", whatZH+" "+n+" 不存在")
}

// checkMicrogrid requires an open microgrid inside the caller's write scope.
func (s *Store) checkMicrogrid(ctx context.Context, q db.Querier, p *access.Principal, code string) error {
	if len(code) != area.Microgrid.Width() {
		return errs.Field("area_code", "microgrid", "area_code must be a microgrid (18 digits)", "area_code 须为微网格（18 位代码）")
	}
	if !readScope(p).Contains(code) {
		return errs.Field("area_code", "exists", "area "+code+" does not exist", "区域 "+code+" 不存在")
	}
	var open int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND valid_to IS NULL`, code).Scan(&open); err != nil {
		return err
	}
	if open == 0 {
		return errs.Field("area_code", "exists", "area "+code+" does not exist or is closed", "区域 "+code+" 不存在或已撤销")
	}
	return mayWrite(p, code, nil)
}

// actor is who makes a change, when and through which channel.
type actor struct {
	userID  any // nil for the system
	name    string
	channel Channel
	at      time.Time
}

func (s *Store) actor(ctx context.Context, q db.Querier, ch Channel) (actor, error) {
	p := access.From(ctx)
	if ch == "" {
		ch = ChannelConsole
	}
	a := actor{name: "系统", channel: ch, at: s.clock.Now()}
	if p.UserID == 0 {
		return a, nil
	}
	a.userID, a.name = p.UserID, p.DisplayName
	if a.name == "" {
		if err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, p.UserID).Scan(&a.name); err != nil {
			return a, err
		}
	}
	return a, nil
}

// fieldChange is one changed field, values as shown (PII masked). Nil is
// "no value".
type fieldChange struct {
	field    string
	from, to *string
}

// diff collects the changed fields of one record.
type diff []fieldChange

func (d *diff) add(field string, from, to *string) {
	if (from == nil) == (to == nil) && (from == nil || *from == *to) {
		return
	}
	*d = append(*d, fieldChange{field, from, to})
}

// str records a text field, "" counting as no value.
func (d *diff) str(field, from, to string) { d.add(field, nonEmpty(from), nonEmpty(to)) }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func intStr(n *int) *string {
	if n == nil {
		return nil
	}
	s := strconv.Itoa(*n)
	return &s
}

// record appends the history rows of one record in the caller's transaction.
func record(ctx context.Context, tx *db.Tx, a actor, entity string, id int64, areaCode string, d diff) error {
	for _, c := range d {
		_, err := tx.ExecContext(ctx, `INSERT INTO registry_history (area_code, entity, entity_id, field, from_value, to_value, actor_user_id, actor_name, channel, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, areaCode, entity, id, c.field, c.from, c.to, a.userID, a.name, string(a.channel), db.Millis(a.at))
		if err != nil {
			return err
		}
	}
	return nil
}

// History returns the field-level history of a visible record, oldest first
// (at most the latest 1000 rows).
func (s *Store) History(ctx context.Context, entity string, id int64) ([]Change, error) {
	var areaCode string
	var notFound error
	switch entity {
	case "building":
		areaCode, notFound = s.areaOf(ctx, "buildings", id), errBuildingNotFound
	case "house":
		areaCode, notFound = s.areaOf(ctx, "houses", id), errHouseNotFound
	case "household":
		areaCode, notFound = s.areaOf(ctx, "households", id), errHouseholdNotFound
	case "person":
		areaCode, notFound = s.areaOf(ctx, "persons", id), errPersonNotFound
	default:
		return nil, errs.Field("entity", "enum", "entity must be "+historyEntities.list(), "entity 须为 "+historyEntities.listZH())
	}
	if areaCode == "" || !readScope(access.From(ctx)).Contains(areaCode) {
		return nil, notFound
	}
	return s.history(ctx, entity, id)
}

func (s *Store) history(ctx context.Context, entity string, id int64) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, entity, entity_id, field, from_value, to_value, actor_name, channel, at FROM (
		SELECT * FROM registry_history WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1000) h ORDER BY id`, entity, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var from, to sql.NullString
		var at int64
		if err := rows.Scan(&c.ID, &c.Entity, &c.EntityID, &c.Field, &from, &to, &c.ActorName, &c.Channel, &at); err != nil {
			return nil, err
		}
		if from.Valid {
			c.From = &from.String
		}
		if to.Valid {
			c.To = &to.String
		}
		c.At = db.Time(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if entity == "person" {
		return s.withRegistration(ctx, id, out)
	}
	return out, nil
}

// withRegistration puts a person's registration, which the record tells
// (migration 00008), before the changes: a "created" change naming the
// person as registered — the name and ID number before any later change.
func (s *Store) withRegistration(ctx context.Context, id int64, changes []Change) ([]Change, error) {
	var name, masked, actorName, channel string
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT name, id_masked, created_by_name, created_channel, created_at FROM persons WHERE id = ?`, id).
		Scan(&name, &masked, &actorName, &channel, &at)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && channel == "") {
		return changes, nil // none recorded (registered before 00008: history has its row)
	}
	if err != nil {
		return nil, err
	}
	named, numbered := false, false
	for _, c := range changes {
		if c.Field == "name" && !named && c.From != nil {
			name, named = *c.From, true
		}
		if c.Field == "id_number" && !numbered {
			masked, numbered = "", true
			if c.From != nil {
				masked = *c.From
			}
		}
	}
	label := strings.TrimSpace(name + " " + masked)
	reg := Change{Entity: "person", EntityID: id, Field: "created", To: &label, ActorName: actorName, Channel: Channel(channel), At: db.Time(at)}
	return append([]Change{reg}, changes...), nil
}

// areaOf is the area code of a record, "" when there is none. table is one
// of the registry's own tables.
func (s *Store) areaOf(ctx context.Context, table string, id int64) string {
	var code string
	if err := s.db.QueryRowContext(ctx, `SELECT area_code FROM `+table+` WHERE id = ?`, id).Scan(&code); err != nil {
		return ""
	}
	return code
}

// validChannel checks the channel of a write ("" means console).
func validChannel(v *errs.Validation, ch Channel) {
	v.Check(ch == "" || ch.valid(), "channel", "enum", "channel must be console, app, import or verification", "channel 须为 console、app、import 或 verification")
}

func checkEnum(v *errs.Validation, field, value string, e enum, required bool) {
	if value == "" {
		if required {
			v.Add(field, "required", field+" is required", field+" 为必填项")
		}
		return
	}
	v.Check(e.has(value), field, "enum", field+" must be "+e.list(), field+" 须为 "+e.listZH()+" 之一")
}

func checkLen(v *errs.Validation, field, value string, max int) {
	if len(value) <= max || runes(value) <= max {
		return
	}
	v.Add(field, "max_length", field+" is longer than "+strconv.Itoa(max)+" characters", field+" 超过 "+strconv.Itoa(max)+" 个字")
}

// checkDay normalises an optional day field in place.
func checkDay(v *errs.Validation, field string, value *string) {
	if *value == "" {
		return
	}
	d, ok := parseDay(*value)
	if !ok {
		v.Add(field, "date", field+" must be a date such as 2024-03-05", field+" 须为日期，如 2024-03-05")
		return
	}
	*value = d
}

// inClause is "(?, ?, …)" for n values.
func inClause(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func nullID(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

// argOf turns "" into NULL for nullable text columns.
func argOf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// limitOf bounds a page size.
func limitOf(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}
