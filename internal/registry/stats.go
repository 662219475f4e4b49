package registry

import (
	"context"
	"sort"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// CommunityFigures answer the seed's new-citizen questions for one
// community (only the part inside the caller's scope).
type CommunityFigures struct {
	Code             string `json:"code"`
	Name             string `json:"name"`
	NewCitizens      int    `json:"new_citizens"`      // living here, residence type new_citizen
	MovedInRecently  int    `json:"moved_in_recently"` // living here, moved in within the last Days days
	RentedHouses     int    `json:"rented_houses"`
	RentedUnoccupied int    `json:"rented_unoccupied"` // rented houses where no registered person lives
}

// NewCitizenStats are the figures per community of an area.
type NewCitizenStats struct {
	Area        string             `json:"area"`
	Days        int                `json:"days"`
	Since       string             `json:"since"` // first day counted as recent
	Communities []CommunityFigures `json:"communities"`
	Total       CommunityFigures   `json:"total"`
}

// NewCitizens counts, per community inside area (default: the caller's
// scope), the new citizens living there, the persons who moved in within
// the last days days (default 30), and the rented houses with and without
// a registered occupant — each a grouped count over an (area_code …) index.
func (s *Store) NewCitizens(ctx context.Context, root string, days int) (NewCitizenStats, error) {
	if days == 0 {
		days = 30
	}
	if days < 1 || days > 3660 {
		return NewCitizenStats{}, errs.Field("days", "range", "days must be from 1 to 3660", "days 须在 1 到 3660 之间")
	}
	sc, err := narrow(access.From(ctx), root)
	if err != nil {
		return NewCitizenStats{}, err
	}
	day := today(s.clock.Now())
	out := NewCitizenStats{Area: root, Days: days, Since: daysBefore(day, days-1), Communities: []CommunityFigures{}}
	by := map[string]*CommunityFigures{}
	get := func(code string) *CommunityFigures {
		if by[code] == nil {
			by[code] = &CommunityFigures{Code: code}
		}
		return by[code]
	}
	count := func(q string, args []any, set func(f *CommunityFigures, n int)) error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var n int
			if err := rows.Scan(&code, &n); err != nil {
				return err
			}
			set(get(code), n)
		}
		return rows.Err()
	}
	pw, pa := sc.SQL("p.area_code")
	hw, ha := sc.SQL("h.area_code")
	occupied := `EXISTS (SELECT 1 FROM households hh JOIN persons p ON p.household_id = hh.id WHERE hh.house_id = h.id AND p.status = 'living')`
	steps := []struct {
		q    string
		args []any
		set  func(f *CommunityFigures, n int)
	}{
		{`SELECT SUBSTR(p.area_code, 1, 12), COUNT(*) FROM persons p WHERE ` + pw + ` AND p.residence_type = 'new_citizen' AND p.status = 'living' GROUP BY SUBSTR(p.area_code, 1, 12)`,
			pa, func(f *CommunityFigures, n int) { f.NewCitizens = n }},
		{`SELECT SUBSTR(p.area_code, 1, 12), COUNT(*) FROM persons p WHERE ` + pw + ` AND p.moved_in_on >= ? AND p.moved_in_on <= ? AND p.status = 'living' GROUP BY SUBSTR(p.area_code, 1, 12)`,
			append(append([]any{}, pa...), out.Since, day), func(f *CommunityFigures, n int) { f.MovedInRecently = n }},
		{`SELECT SUBSTR(h.area_code, 1, 12), COUNT(*) FROM houses h WHERE ` + hw + ` AND h.usage = 'rented' GROUP BY SUBSTR(h.area_code, 1, 12)`,
			ha, func(f *CommunityFigures, n int) { f.RentedHouses = n }},
		{`SELECT SUBSTR(h.area_code, 1, 12), COUNT(*) FROM houses h WHERE ` + hw + ` AND h.usage = 'rented' AND NOT ` + occupied + ` GROUP BY SUBSTR(h.area_code, 1, 12)`,
			ha, func(f *CommunityFigures, n int) { f.RentedUnoccupied = n }},
	}
	for _, st := range steps {
		if err := count(st.q, st.args, st.set); err != nil {
			return out, err
		}
	}
	if len(by) > 0 {
		codes := make([]any, 0, len(by))
		for c := range by {
			codes = append(codes, c)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT code, name FROM areas WHERE code IN `+inClause(len(codes)), codes...)
		if err != nil {
			return out, err
		}
		defer rows.Close()
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				return out, err
			}
			by[code].Name = name
		}
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	for _, f := range by {
		out.Communities = append(out.Communities, *f)
		out.Total.NewCitizens += f.NewCitizens
		out.Total.MovedInRecently += f.MovedInRecently
		out.Total.RentedHouses += f.RentedHouses
		out.Total.RentedUnoccupied += f.RentedUnoccupied
	}
	sort.Slice(out.Communities, func(i, j int) bool { return out.Communities[i].Code < out.Communities[j].Code })
	out.Total.Code, out.Total.Name = root, "合计"
	return out, nil
}
