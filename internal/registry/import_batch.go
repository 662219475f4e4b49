package registry

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
)

// Batched import. A chunk of rows is parsed first; its buildings, houses,
// households and the ID numbers on record are then looked up with a few
// IN (…) queries, and the rows are checked one by one, in file order, against
// that state. A row of a person not yet on record (the common case) only
// queues its house, household, person, membership and tags; the queues are
// written with multi-row inserts when the chunk ends. A row of a person on
// record writes the queues first and then takes the row-by-row path (write),
// so that it sees exactly what the rows before it stored.

// chunkRow is one read row of a chunk.
type chunkRow struct {
	line        int
	raw         []string
	row         ledgerRow
	problems    []RowProblem
	seal, phone sealed // of valid rows
	full, inits string // the name's pinyin and initials
}

// pending is what new-person rows queued and flushPending writes.
type pending struct {
	houses     []pendingHouse
	households []*houseRef
	persons    []*pendingPerson
}

type pendingHouse struct {
	h                *houseRef
	building         int64
	area, unit, room string
	floor            *int
	addr, usage      string
	floorArea        *int64
	owner            string
}

type pendingPerson struct {
	id           int64
	h            *houseRef
	head         bool
	r            ledgerRow
	seal, phone  sealed
	full, inits  string
	origin       string
	joined       string
	tagIDs       []int64
	area         string
	householdRef *int64
}

// lazy is a history value known once the queues are written.
type lazy func() any

// Markers of records queued but not yet written (their ids come at the end
// of the chunk; nothing but the new-person path sees them).
const queued = -1

// padded repeats the last value up to the next size of a fixed set, so that
// IN lists and multi-row inserts use a handful of statement texts (prepared
// once) rather than one per size.
func padded(vals []any) []any {
	n := 1
	for n < len(vals) {
		n *= 2
	}
	for len(vals) < n {
		vals = append(vals, vals[len(vals)-1])
	}
	return vals
}

// inGroups calls fn with the values in groups of at most 256, padded.
func inGroups(vals []any, fn func(group []any) error) error {
	for len(vals) > 0 {
		n := min(len(vals), 256)
		if err := fn(padded(append([]any(nil), vals[:n]...))); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// insertRows runs head VALUES (…),(…) tail over rows of cols values, in
// statements of power-of-two sizes up to 256 rows. scan, when set, reads the
// RETURNING rows.
func insertRows(ctx context.Context, tx *db.Tx, head string, cols int, args []any, tail string, scan func(*sql.Rows) error) error {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + "), "
	for len(args) > 0 {
		rows := len(args) / cols
		n := 256
		for n > rows {
			n /= 2
		}
		q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple, n), ", ") + tail
		part := args[:n*cols]
		args = args[n*cols:]
		if scan == nil {
			if _, err := tx.ExecContext(ctx, q, part...); err != nil {
				return err
			}
			continue
		}
		rs, err := tx.QueryContext(ctx, q, part...)
		if err != nil {
			return err
		}
		for rs.Next() {
			if err := scan(rs); err != nil {
				rs.Close()
				return err
			}
		}
		if err := rs.Close(); err != nil {
			return err
		}
		if err := rs.Err(); err != nil {
			return err
		}
	}
	return nil
}

// insertNew inserts rows of cols values (args) into table and sets their
// ids through setID(i, id), i the row's index. On SQLite the ids are chosen
// here — the transaction holds the only write lock, so MAX(id)+1 … are free —
// which spares RETURNING its per-row work; on PostgreSQL the identity column
// chooses them and RETURNING id, key… reports them, matched to rows by
// keyOf (the key columns of each row, as text).
func insertNew(ctx context.Context, tx *db.Tx, table, columns string, cols int, args []any, setID func(i int, id int64), key string, keyOf func(i int) string, scanKey func(*sql.Rows) (int64, string, error)) error {
	n := len(args) / cols
	if tx.Dialect() == db.SQLite {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&last); err != nil {
			return err
		}
		withID := make([]any, 0, len(args)+n)
		for i := 0; i < n; i++ {
			setID(i, last+1+int64(i))
			withID = append(append(withID, last+1+int64(i)), args[i*cols:(i+1)*cols]...)
		}
		return insertRows(ctx, tx, `INSERT INTO `+table+` (id, `+columns+`)`, cols+1, withID, ``, nil)
	}
	index := make(map[string]int, n)
	for i := 0; i < n; i++ {
		index[keyOf(i)] = i
	}
	return insertRows(ctx, tx, `INSERT INTO `+table+` (`+columns+`)`, cols, args, ` RETURNING id, `+key, func(rs *sql.Rows) error {
		id, k, err := scanKey(rs)
		if err != nil {
			return err
		}
		if i, ok := index[k]; ok {
			setID(i, id)
		}
		return nil
	})
}

// prefetch looks up what the chunk's valid rows need: their ID numbers on
// record, the buildings by address, and the houses with their open
// households.
func (st *importState) prefetch(ctx context.Context, tx *db.Tx, chunk []chunkRow) error {
	st.known = map[string]bool{}
	var idx, addrs []any
	seenAddr := map[string]bool{}
	for i := range chunk {
		c := &chunk[i]
		if len(c.problems) > 0 {
			continue
		}
		if c.seal.index != "" {
			idx = append(idx, c.seal.index)
		}
		a := c.row.buildingKey()
		if _, ok := st.buildings[a]; !ok && !seenAddr[a] {
			seenAddr[a] = true
			addrs = append(addrs, a)
		}
	}
	err := inGroups(idx, func(g []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT id_index FROM persons WHERE id_index IN `+inClause(len(g)), g...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ix string
			if err := rows.Scan(&ix); err != nil {
				return err
			}
			st.known[ix] = true
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	// Buildings: the same choice as building, for all new addresses at once.
	err = inGroups(addrs, func(g []any) error {
		keys := map[string]bool{}
		for _, a := range g {
			keys[a.(string)] = true
		}
		in := inClause(len(g))
		rows, err := tx.QueryContext(ctx, `SELECT id, area_code, address, name FROM buildings WHERE address IN `+in+` OR address || name IN `+in+` ORDER BY id`, append(g, g...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		found := map[string]bool{}
		for rows.Next() {
			var c bldRef
			if err := rows.Scan(&c.id, &c.area, &c.addr, &c.nm); err != nil {
				return err
			}
			for _, k := range []string{c.addr, c.addr + c.nm} {
				if !keys[k] {
					continue
				}
				found[k] = true
				if b, ok := st.buildings[k]; !ok || b.id == 0 {
					if st.p.CanAt(access.RegistryWrite, c.area) {
						b := c
						st.buildings[k] = &b
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for k := range keys {
			if _, ok := st.buildings[k]; ok {
				continue
			}
			st.buildings[k] = &bldRef{addr: k, outside: found[k]}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Houses of buildings on record, with their open households.
	wanted := map[houseKey]bool{}
	var keys []houseKey
	for i := range chunk {
		c := &chunk[i]
		if len(c.problems) > 0 {
			continue
		}
		b := st.buildings[c.row.buildingKey()]
		if b == nil || b.id == 0 || b.outside {
			continue
		}
		k := houseKey{b.id, c.row.Unit, c.row.Room}
		if _, ok := st.houses[k]; ok || wanted[k] {
			continue
		}
		wanted[k] = true
		keys = append(keys, k)
	}
	for len(keys) > 0 {
		group := keys[:min(len(keys), 256)]
		keys = keys[len(group):]
		var bids, rooms []any
		seenB, seenR := map[int64]bool{}, map[string]bool{}
		for _, k := range group {
			if !seenB[k.building] {
				seenB[k.building] = true
				bids = append(bids, k.building)
			}
			if !seenR[k.room] {
				seenR[k.room] = true
				rooms = append(rooms, k.room)
			}
		}
		bids, rooms = padded(bids), padded(rooms)
		rows, err := tx.QueryContext(ctx, `SELECT id, area_code, building_id, unit, room FROM houses WHERE building_id IN `+inClause(len(bids))+` AND room IN `+inClause(len(rooms)),
			append(bids, rooms...)...)
		if err != nil {
			return err
		}
		found := map[int64]*houseRef{}
		var hids []any
		for rows.Next() {
			h := &houseRef{}
			var k houseKey
			if err := rows.Scan(&h.id, &h.area, &k.building, &k.unit, &k.room); err != nil {
				rows.Close()
				return err
			}
			if !wanted[k] {
				continue
			}
			st.houses[k] = h
			found[h.id] = h
			hids = append(hids, h.id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		err = inGroups(hids, func(g []any) error {
			rows, err := tx.QueryContext(ctx, `SELECT house_id, id, head_person_id FROM households WHERE house_id IN `+inClause(len(g))+` AND closed_at IS NULL ORDER BY id`, g...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var house, id int64
				var head sql.NullInt64
				if err := rows.Scan(&house, &id, &head); err != nil {
					return err
				}
				if h := found[house]; h != nil && h.household == 0 {
					h.household, h.head = id, head.Int64
				}
			}
			return rows.Err()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// writeChunkRow stores one valid row of a prefetched chunk.
func (st *importState) writeChunkRow(ctx context.Context, tx *db.Tx, c *chunkRow) (bool, []RowProblem, error) {
	if c.row.Kind != personRow {
		// A house or building alone: row by row, after what is queued.
		if err := st.flushPending(ctx, tx); err != nil {
			return false, nil, err
		}
		created, problems, err := st.writePlace(ctx, tx, c.row)
		return !created, problems, err
	}
	if c.seal.index == "" || st.known[c.seal.index] {
		// On record (or earlier in this chunk): the row-by-row path, on
		// what the rows before it stored.
		if err := st.flushPending(ctx, tx); err != nil {
			return false, nil, err
		}
		return st.write(ctx, tx, c.row)
	}
	return st.writeNew(ctx, tx, c)
}

// writeNew is write for a person not on record: the same checks, and the
// same records, queued.
func (st *importState) writeNew(ctx context.Context, tx *db.Tx, c *chunkRow) (bool, []RowProblem, error) {
	r := c.row
	b, newArea, problems, err := st.placeOf(ctx, tx, r)
	if err != nil || problems != nil {
		return false, problems, err
	}
	h := st.houses[houseKey{b.id, r.Unit, r.Room}]
	if h == nil || b.id == 0 {
		h = &houseRef{} // prefetch looked every house of the chunk up
	}
	if r.Relationship == "head" && h.head != 0 {
		return false, []RowProblem{{Column: "与户主关系", Rule: "one_head", Detail: "the household already has a head", DetailZH: "该户已有户主，一户只能有一名户主"}}, nil
	}
	var tagIDs []int64
	var added []string
	seen := map[int64]bool{}
	for _, t := range r.Tags {
		id, ok := st.tags[compact(t)]
		if !ok {
			return false, []RowProblem{{Column: "标签(用、分隔)", Rule: "exists", Detail: "unknown tag " + t, DetailZH: "标签 " + t + " 不存在"}}, nil
		}
		tagIDs = append(tagIDs, id)
		if !seen[id] {
			seen[id] = true
			added = append(added, t)
		}
	}
	if b.id == 0 {
		if err := st.createBuilding(ctx, tx, b, r, newArea); err != nil {
			return false, nil, err
		}
		st.houses[houseKey{b.id, r.Unit, r.Room}] = h
	}
	if h.id == 0 {
		addr := composeAddress(Building{Address: b.addr, Name: b.nm}, r.Unit, r.Room)
		h.id, h.area = queued, b.area
		st.queue.houses = append(st.queue.houses, pendingHouse{h: h, building: b.id, area: b.area, unit: r.Unit, room: r.Room, floor: r.Floor, addr: addr, usage: r.Usage,
			floorArea: r.FloorArea, owner: r.OwnerName})
		st.recordRef("house", &h.id, h.area, diff{{field: "created", to: &addr}})
		st.houses[houseKey{b.id, r.Unit, r.Room}] = h
	}
	if h.household == 0 {
		// A household opened by this chunk: one history row, written with
		// the chunk, names the members it was opened with (and its head).
		h.household = queued
		h.members = nil
		st.queue.households = append(st.queue.households, h)
		label := r.BuildingAddress + " " + r.Unit + " " + r.Room
		members := &h.members
		st.recordLazy(&h.household, h.area, "household", "created", nil, func() any {
			s := label
			if len(*members) > 0 {
				s += "；成员：" + strings.Join(*members, "、")
			}
			return &s
		})
	}
	p := &pendingPerson{h: h, r: r, seal: c.seal, phone: c.phone, full: c.full, inits: c.inits, tagIDs: tagIDs, area: h.area, householdRef: &h.household}
	if r.ResidenceType == "new_citizen" {
		p.origin = r.HukouAddress
	}
	p.joined = r.MovedInOn
	if p.joined == "" {
		p.joined = today(st.a.at)
	}
	st.queue.persons = append(st.queue.persons, p)
	st.known[c.seal.index] = true
	// The history, as write records it.
	name, rel := r.Name, r.Relationship
	opened := h.household == queued
	if opened {
		h.members = append(h.members, name+"（"+Relationships.Label(rel)+"）")
	} else {
		member := func() any { return memberLabel(name, p.id, rel) }
		st.recordLazy(&h.household, h.area, "household", "member", nil, member)
	}
	if r.Relationship == "head" {
		p.head = true
		h.head = queued
		if !opened {
			st.recordLazy(&h.household, h.area, "household", "head_person_id", nil, func() any { return idStr(&p.id) })
		}
	}
	if len(added) > 0 {
		tags := strings.Join(added, "、")
		st.recordLazy(&p.id, h.area, "person", "tags", nil, func() any { return &tags })
	}
	return false, nil, nil
}

// recordRef is record with an id known once the queues are written.
func (st *importState) recordRef(entity string, id *int64, areaCode string, d diff) {
	for _, c := range d {
		st.hist = append(st.hist, histRow{area: areaCode, entity: entity, field: c.field, id: id, from: c.from, to: c.to})
	}
}

// recordLazy records one field change with values known once the queues
// are written.
func (st *importState) recordLazy(id *int64, areaCode, entity, field string, from *string, to lazy) {
	st.hist = append(st.hist, histRow{area: areaCode, entity: entity, field: field, id: id, from: from, to: to})
}

// flushPending writes the queues: houses (and their address bigrams),
// households, persons, memberships, heads and tags.
func (st *importState) flushPending(ctx context.Context, tx *db.Tx) error {
	q := &st.queue
	if len(q.houses)+len(q.households)+len(q.persons) == 0 {
		return nil
	}
	now := db.Millis(st.a.at)
	if len(q.houses) > 0 {
		args := make([]any, 0, 11*len(q.houses))
		for _, x := range q.houses {
			var floor any
			if x.floor != nil {
				floor = *x.floor
			}
			var dm2 any
			if x.floorArea != nil {
				dm2 = *x.floorArea
			}
			args = append(args, x.building, x.area, x.unit, floor, x.room, x.addr, x.usage, dm2, x.owner, now, now)
		}
		houseKeyText := func(building int64, unit, room string) string {
			return fmt.Sprint(building, "\x00", unit, "\x00", room)
		}
		err := insertNew(ctx, tx, "houses", `building_id, area_code, unit, floor, room, address, usage, floor_area_dm2, owner_name, created_at, updated_at`, 11, args,
			func(i int, id int64) { q.houses[i].h.id = id },
			`building_id, unit, room`, func(i int) string { x := q.houses[i]; return houseKeyText(x.building, x.unit, x.room) },
			func(rs *sql.Rows) (int64, string, error) {
				var id int64
				var k houseKey
				err := rs.Scan(&id, &k.building, &k.unit, &k.room)
				return id, houseKeyText(k.building, k.unit, k.room), err
			})
		if err != nil {
			return err
		}
		// The bigrams each building lacks, in key order (the inserts walk
		// the primary key forward).
		type gramRow struct {
			gram     string
			building int64
		}
		var gr []gramRow
		for _, x := range q.houses {
			if x.h.id <= 0 {
				return fmt.Errorf("registry: house %d %s %s not returned", x.building, x.unit, x.room)
			}
			set := st.grams[x.building]
			if set == nil {
				set = map[[2]rune]bool{}
				st.grams[x.building] = set
			}
			// The bigrams as rune pairs: a string only for a new one.
			rs := []rune(strings.ToLower(compact(x.addr)))
			for i := 0; i+1 < len(rs); i++ {
				if k := [2]rune{rs[i], rs[i+1]}; !set[k] {
					set[k] = true
					gr = append(gr, gramRow{string(rs[i : i+2]), x.building})
				}
			}
		}
		slices.SortFunc(gr, func(a, b gramRow) int {
			return cmp.Or(strings.Compare(a.gram, b.gram), cmp.Compare(a.building, b.building))
		})
		grs := make([]any, 0, 2*len(gr))
		for _, g := range gr {
			grs = append(grs, g.gram, g.building)
		}
		if err := insertRows(ctx, tx, `INSERT INTO building_grams (gram, building_id)`, 2, grs, ` ON CONFLICT DO NOTHING`, nil); err != nil {
			return err
		}
	}
	if len(q.households) > 0 {
		args := make([]any, 0, 6*len(q.households))
		for _, h := range q.households {
			args = append(args, h.id, h.area, "family", "", now, now)
		}
		err := insertNew(ctx, tx, "households", `house_id, area_code, household_type, note, created_at, updated_at`, 6, args,
			func(i int, id int64) { q.households[i].household = id },
			`house_id`, func(i int) string { return strconv.FormatInt(q.households[i].id, 10) },
			func(rs *sql.Rows) (int64, string, error) {
				var id, house int64
				err := rs.Scan(&id, &house)
				return id, strconv.FormatInt(house, 10), err
			})
		if err != nil {
			return err
		}
	}
	if len(q.persons) > 0 {
		args := make([]any, 0, 24*len(q.persons))
		channel := string(st.a.channel)
		for _, p := range q.persons {
			r := p.r
			args = append(args, p.area, *p.householdRef, r.Name, p.full, p.inits, r.ID.typ, p.seal.enc, argOf(p.seal.index), p.seal.masked, r.ID.gender, argOf(r.ID.birth),
				p.phone.enc, argOf(p.phone.index), p.phone.masked, r.Ethnicity, r.ResidenceType, r.HukouAddress, argOf(r.MovedInOn), p.origin, now, now, channel, st.a.userID, st.a.name)
		}
		// New persons always have an ID number (the others take the
		// row-by-row path): its blind index matches the returned rows.
		err := insertNew(ctx, tx, "persons", `area_code, household_id, name, name_pinyin, name_initials, id_type, id_enc, id_index, id_masked, gender, birth_date,
			phone_enc, phone_index, phone_masked, ethnicity, residence_type, hukou_address, moved_in_on, origin, created_at, updated_at,
			created_channel, created_by, created_by_name`, 24, args,
			func(i int, id int64) { q.persons[i].id = id },
			`id_index`, func(i int) string { return q.persons[i].seal.index },
			func(rs *sql.Rows) (int64, string, error) {
				var id int64
				var ix string
				err := rs.Scan(&id, &ix)
				return id, ix, err
			})
		if err != nil {
			return err
		}
		var members, tags, heads []any
		for _, p := range q.persons {
			if p.id == 0 {
				return fmt.Errorf("registry: person %s not returned", p.seal.masked)
			}
			members = append(members, p.h.household, p.id, p.area, p.r.Relationship, p.joined, now)
			for _, t := range p.tagIDs {
				tags = append(tags, p.id, t, p.area, now)
			}
			if p.head {
				p.h.head = p.id
				heads = append(heads, p.h.household, p.id)
			}
		}
		if err := insertRows(ctx, tx, `INSERT INTO household_members (household_id, person_id, area_code, relationship, joined_on, created_at)`, 6, members, ``, nil); err != nil {
			return err
		}
		for len(heads) > 0 {
			n := 128
			for n > len(heads)/2 {
				n /= 2
			}
			part := heads[:2*n]
			heads = heads[2*n:]
			args := make([]any, 0, 3*n+1)
			ids := make([]any, 0, n)
			for i := 0; i < n; i++ {
				args = append(args, part[2*i], part[2*i+1])
				ids = append(ids, part[2*i])
			}
			args = append(append(args, now), ids...)
			qs := `UPDATE households SET head_person_id = CASE id` + strings.Repeat(` WHEN CAST(? AS BIGINT) THEN CAST(? AS BIGINT)`, n) +
				` END, updated_at = ? WHERE id IN ` + inClause(n)
			if _, err := tx.ExecContext(ctx, qs, args...); err != nil {
				return err
			}
		}
		if err := insertRows(ctx, tx, `INSERT INTO person_tags (person_id, tag_id, area_code, added_at)`, 4, dedupTags(tags), ` ON CONFLICT DO NOTHING`, nil); err != nil {
			return err
		}
	}
	*q = pending{}
	return nil
}

// dedupTags drops repeated (person, tag) pairs, which ON CONFLICT would skip
// but PostgreSQL refuses within one statement.
func dedupTags(args []any) []any {
	type pt struct{ p, t int64 }
	seen := map[pt]bool{}
	out := args[:0]
	for i := 0; i+4 <= len(args); i += 4 {
		k := pt{args[i].(int64), args[i+1].(int64)}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, args[i:i+4]...)
	}
	return out
}
