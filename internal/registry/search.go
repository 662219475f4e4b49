package registry

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/govid"
)

// PersonFilter selects persons. Every filter is served by an index: names
// and pinyin by prefix ranges, ID and phone numbers by their blind index,
// addresses by their bigrams, tags and residence types by (value, area).
type PersonFilter struct {
	Area              string // subtree
	Name              string // characters (prefix), full pinyin or initials (prefix)
	IDNumber          string // exact
	Phone             string // exact
	Address           string // fragment of the current house's address
	Tag               string // tag code
	ResidenceType     string
	Status            string
	HouseholdID       int64
	MovedInWithinDays int // moved in within the last N days (today included)
	Limit             int
	BeforeID          int64
}

// pinyinRE is a name typed in Latin letters: full pinyin or initials.
var pinyinRE = regexp.MustCompile(`^[a-z]+$`)

// nameMatch is the predicate for a name query on persons p.
func nameMatch(q string) (string, []any) {
	q = compact(q)
	low := strings.ToLower(q)
	if pinyinRE.MatchString(low) {
		end := prefixEnd(low)
		// Two index ranges; a UNION rather than an OR, so that neither
		// engine falls back to scanning the whole scope.
		return `p.id IN (SELECT x.id FROM persons x WHERE x.name_pinyin >= ? AND x.name_pinyin < ?
			UNION ALL SELECT x.id FROM persons x WHERE x.name_initials >= ? AND x.name_initials < ?)`, []any{low, end, low, end}
	}
	return "(p.name >= ? AND p.name < ?)", []any{q, prefixEnd(q)}
}

// idIndexes are the blind indexes an ID number typed into a search box may
// have: as a resident ID (canonical form) and as the other document types.
func (s *Store) idIndexes(number string) []any {
	number = compact(number)
	out := []any{s.keys.BlindIndex(idIndexField("passport"), strings.ToUpper(number)), s.keys.BlindIndex(idIndexField("other"), number)}
	if c, err := govid.ParseCitizenID(number); err == nil {
		out = append(out, s.keys.BlindIndex(idIndexField("resident_id"), c.Number))
	}
	return out
}

// ListPersons returns the persons matching the filter in the caller's
// scope, newest first, numbers masked, and the keyset cursor.
func (s *Store) ListPersons(ctx context.Context, f PersonFilter) ([]Person, int64, error) {
	var v errs.Validation
	checkEnum(&v, "residence_type", f.ResidenceType, ResidenceTypes, false)
	checkEnum(&v, "status", f.Status, PersonStatuses, false)
	v.Check(f.MovedInWithinDays >= 0 && f.MovedInWithinDays <= 3660, "moved_in_within_days", "range", "moved_in_within_days must be from 0 to 3660", "moved_in_within_days 须在 0 到 3660 之间")
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	sc, err := narrow(access.From(ctx), f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.SQL("p.area_code")
	conds := []string{where}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if q := compact(f.Name); q != "" {
		c, a := nameMatch(q)
		add(c, a...)
	}
	if n := compact(f.IDNumber); n != "" {
		ix := s.idIndexes(n)
		add("p.id_index IN "+inClause(len(ix)), ix...)
	}
	if ph := normalizePhone(f.Phone); ph != "" {
		add("p.phone_index = ?", s.keys.BlindIndex(phoneIndexField, ph))
	}
	if a := compact(f.Address); a != "" {
		c, as, err := s.addressMatch(ctx, "h", a)
		if err != nil {
			return nil, 0, err
		}
		// By person id: the matching houses lead, and their persons are
		// looked up by key (rather than the scope's persons scanned).
		add("p.id IN (SELECT px.id FROM houses h JOIN households hx ON hx.house_id = h.id JOIN persons px ON px.household_id = hx.id WHERE "+c+")", as...)
	}
	if t := compact(f.Tag); t != "" {
		tw, ta := sc.SQL("pt.area_code")
		add("p.id IN (SELECT pt.person_id FROM person_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.code = ? AND "+tw+")", append([]any{t}, ta...)...)
	}
	if f.ResidenceType != "" {
		add("p.residence_type = ?", f.ResidenceType)
	}
	if f.Status != "" {
		add("p.status = ?", f.Status)
	}
	if f.HouseholdID > 0 {
		add("p.household_id = ?", f.HouseholdID)
	}
	if f.MovedInWithinDays > 0 {
		day := today(s.clock.Now())
		add("p.moved_in_on >= ? AND p.moved_in_on <= ?", daysBefore(day, f.MovedInWithinDays-1), day)
	}
	if f.BeforeID > 0 {
		add("p.id < ?", f.BeforeID)
	}
	limit := limitOf(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+personCols+personFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY p.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		x, err := scanPerson(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	out, next, _ := page(out, limit, func(x Person) int64 { return x.ID })
	return out, next, s.loadTags(ctx, out)
}

// SearchResult is a page of persons with the reading of the query.
type SearchResult struct {
	MatchedBy    string   `json:"matched_by"` // id_number, phone, pinyin, name or address
	Items        []Person `json:"items"`
	NextBeforeID *int64   `json:"next_before_id"`
}

// Search reads one search-box query the way staff type it: an ID number, a
// phone number, a name in pinyin or initials, a name in characters, and —
// when no name starts so — an address fragment.
func (s *Store) Search(ctx context.Context, q, root string, limit int, before int64) (SearchResult, error) {
	q = compact(q)
	if q == "" {
		return SearchResult{}, errs.Field("q", "required", "q is required", "请输入查询内容")
	}
	if runes(q) > 64 {
		return SearchResult{}, errs.Field("q", "max_length", "q is longer than 64 characters", "查询内容超过 64 个字")
	}
	f := PersonFilter{Area: root, Limit: limit, BeforeID: before}
	kind := classify(q)
	switch kind {
	case "id_number":
		f.IDNumber = q
	case "phone":
		f.Phone = q
	case "address":
		f.Address = q
	default:
		f.Name = q
	}
	items, next, err := s.ListPersons(ctx, f)
	if err != nil {
		return SearchResult{}, err
	}
	if len(items) == 0 && kind == "name" && before == 0 && runes(q) >= 2 {
		kind, f.Name, f.Address = "address", "", q
		if items, next, err = s.ListPersons(ctx, f); err != nil {
			return SearchResult{}, err
		}
	}
	res := SearchResult{MatchedBy: kind, Items: items}
	if next != 0 {
		res.NextBeforeID = &next
	}
	return res, nil
}

// docRE is a passport or other document number typed into the search box.
var docRE = regexp.MustCompile(`^[A-Za-z0-9]{5,32}$`)

// classify tells what a search-box query is.
func classify(q string) string {
	digits := strings.TrimFunc(q, func(r rune) bool { return r == 'x' || r == 'X' })
	hasDigit := strings.ContainsFunc(q, unicode.IsDigit)
	switch {
	case (len(q) == 18 || len(q) == 15) && strings.Trim(digits, "0123456789") == "":
		return "id_number"
	case phoneRE.MatchString(normalizePhone(q)):
		return "phone"
	case pinyinRE.MatchString(strings.ToLower(q)):
		return "pinyin"
	case hasDigit && docRE.MatchString(q):
		return "id_number"
	case hasDigit:
		return "address" // names have no digits; "12号楼" is a place
	}
	return "name"
}
