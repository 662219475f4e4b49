package cases

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Filter selects cases for a list.
type Filter struct {
	State      State
	CategoryID int64 // a 小类, or a 大类 meaning all its 小类
	Level      Level
	Area       string // subtree
	Overdue    bool
	Channel    Channel
	From, To   *time.Time // reported in [From, To)
	Query      string     // in the title
	Mine       string     // "assigned" | "reported"
	Limit      int
	BeforeID   int64 // keyset: cases with a smaller id
}

// List returns visible cases matching the filter, newest first, and the id
// to continue from (0 when there is no more).
func (s *Store) List(ctx context.Context, f Filter) ([]Summary, int64, error) {
	p := access.From(ctx)
	where, args := visible(p)
	conds := []string{where}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	var v errs.Validation
	if f.State != "" {
		_, ok := stateZH[f.State]
		v.Check(ok, "state", "enum", "unknown state "+string(f.State), "未知状态 "+string(f.State))
		add("c.state = ?", string(f.State))
	}
	if f.Level != "" {
		v.Check(f.Level.Valid(), "level", "enum", "level must be grid, community, subdistrict or department", "层级须为 grid、community、subdistrict 或 department")
		add("c.level = ?", string(f.Level))
	}
	if f.Channel != "" {
		v.Check(channels[f.Channel], "channel", "enum", "unknown channel "+string(f.Channel), "未知渠道 "+string(f.Channel))
		add("c.channel = ?", string(f.Channel))
	}
	if f.Mine != "" {
		v.Check(f.Mine == "assigned" || f.Mine == "reported", "mine", "enum", "mine must be assigned or reported", "mine 须为 assigned 或 reported")
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	if f.CategoryID > 0 {
		add("(c.category_id = ? OR cat.parent_id = ?)", f.CategoryID, f.CategoryID)
	}
	if f.Area != "" {
		add("c.area_code >= ? AND c.area_code < ?", f.Area, f.Area+";")
	}
	if f.Overdue {
		add("c.overdue = 1")
	}
	if f.From != nil {
		add("c.reported_at >= ?", db.Millis(*f.From))
	}
	if f.To != nil {
		add("c.reported_at < ?", db.Millis(*f.To))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add("c.title LIKE ?", "%"+strings.NewReplacer("%", "", "_", "").Replace(q)+"%")
	}
	switch f.Mine {
	case "assigned":
		add("(c.assignee_user_id = ? OR (c.assignee_unit_id = ? AND ? <> 0))", p.UserID, p.UnitID, p.UnitID)
	case "reported":
		add("c.reporter_user_id = ?", p.UserID)
	}
	if f.BeforeID > 0 {
		add("c.id < ?", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+summaryFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY c.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		sm, err := scanSummary(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Duplicate is an open case that may be the same matter.
type Duplicate struct {
	Summary
	DistanceM float64 `json:"distance_m"`
}

// Duplicates offers the open cases of the same category reported near the
// case, in space (DuplicateRadiusM) and time (DuplicateWindow), nearest first.
func (s *Store) Duplicates(ctx context.Context, id int64) ([]Duplicate, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []Duplicate{}
	if c.Lng == nil {
		return out, nil
	}
	lng, lat := *c.Lng, *c.Lat
	// A bounding box on the coordinates narrows the candidates; the exact
	// distance decides.
	dLat := s.cfg.DuplicateRadiusM / 111_320
	dLng := dLat / math.Max(math.Cos(lat*math.Pi/180), 0.01)
	p := access.From(ctx)
	where, args := visible(p)
	args = append(args, c.CategoryID, c.ID, db.Millis(c.ReportedAt.Add(-s.cfg.DuplicateWindow)), db.Millis(c.ReportedAt.Add(s.cfg.DuplicateWindow)),
		lng-dLng, lng+dLng, lat-dLat, lat+dLat)
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+summaryFrom+` WHERE `+where+` AND c.category_id = ? AND c.id <> ?
		AND c.reported_at >= ? AND c.reported_at <= ? AND c.lng BETWEEN ? AND ? AND c.lat BETWEEN ? AND ?
		AND c.state IN ('reported','accepted','dispatched','in_progress','reopened','suspended') ORDER BY c.id DESC LIMIT 50`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sm, err := scanSummary(rows)
		if err != nil {
			return nil, err
		}
		if d := distanceM(lng, lat, *sm.Lng, *sm.Lat); d <= s.cfg.DuplicateRadiusM {
			out = append(out, Duplicate{Summary: sm, DistanceM: math.Round(d*10) / 10})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Duplicate) int { return cmp.Compare(a.DistanceM, b.DistanceM) })
	return out, nil
}

// distanceM is the haversine distance in metres.
func distanceM(lng1, lat1, lng2, lat2 float64) float64 {
	const r = 6_371_000
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// Stats are the figures of an area and a period (DESIGN §5.2).
type Stats struct {
	Total          int            `json:"total"`
	ByState        map[State]int  `json:"by_state"`
	ByCategory     []CategoryStat `json:"by_category"`
	Overdue        int            `json:"overdue"`
	AvgHandleHours float64        `json:"avg_handle_hours"`
	Satisfaction   Satisfaction   `json:"satisfaction"`
	Rates          Rates          `json:"rates"`
}

// CategoryStat counts cases of a top-level category.
type CategoryStat struct {
	CategoryID int64  `json:"category_id"`
	Name       string `json:"name"`
	Count      int    `json:"count"`
}

// Satisfaction counts ratings; Rate is (satisfied + basic) / rated.
type Satisfaction struct {
	Satisfied   int     `json:"satisfied"`
	Basic       int     `json:"basic"`
	Unsatisfied int     `json:"unsatisfied"`
	Rate        float64 `json:"rate"`
}

// Rates are the seed's slogans measured: "small matters stay in the
// community" (closed at grid or community level), "big matters stay in the
// subdistrict" (closed at or below the subdistrict), "disputes are not
// pushed up" (dispute cases closed without ever going past the subdistrict).
type Rates struct {
	Community   float64 `json:"community"`
	Subdistrict float64 `json:"subdistrict"`
	Disputes    float64 `json:"disputes"`
}

// Stats computes the figures for cases reported in [from, to) inside area,
// within the caller's scope, in a few aggregate queries.
func (s *Store) Stats(ctx context.Context, areaCode string, from, to time.Time) (Stats, error) {
	p := access.From(ctx)
	scope := p.ScopeFor(access.CasesRead)
	if areaCode != "" {
		if !scope.Overlaps(areaCode) {
			return Stats{}, errs.NotFoundf("area", "区域")
		}
		scope = scope.Within(areaCode)
	}
	where, args := scope.SQL("c.area_code")
	where += " AND c.reported_at >= ? AND c.reported_at < ?"
	args = append(args, db.Millis(from), db.Millis(to))
	st := Stats{ByState: map[State]int{}, ByCategory: []CategoryStat{}}
	rows, err := s.db.QueryContext(ctx, `SELECT c.state, COUNT(*) FROM cases c WHERE `+where+` GROUP BY c.state`, args...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var state State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.ByState[state] = n
		st.Total += n
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT top.id, top.name, COUNT(*) FROM cases c JOIN case_categories cat ON cat.id = c.category_id
		JOIN case_categories top ON top.id = COALESCE(cat.parent_id, cat.id) WHERE `+where+` GROUP BY top.id, top.name ORDER BY COUNT(*) DESC, top.id`, args...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var cs CategoryStat
		if err := rows.Scan(&cs.CategoryID, &cs.Name, &cs.Count); err != nil {
			rows.Close()
			return st, err
		}
		st.ByCategory = append(st.ByCategory, cs)
	}
	rows.Close()
	var (
		closed, atCommunity, atSubdistrict, disputes, disputesKept int
		handleMs                                                   float64
	)
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN c.overdue = 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.rating = 'satisfied' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.rating = 'basic' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.rating = 'unsatisfied' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'closed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'closed' AND c.closed_level IN ('grid','community') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'closed' AND c.closed_level IN ('grid','community','subdistrict') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'closed' AND cat.dispute = 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.state = 'closed' AND cat.dispute = 1 AND c.max_level <> 'department' THEN 1 ELSE 0 END), 0),
		COALESCE(AVG(CASE WHEN c.state = 'closed' THEN c.closed_at - c.reported_at END), 0)
		FROM cases c JOIN case_categories cat ON cat.id = c.category_id WHERE `+where, args...).Scan(
		&st.Overdue, &st.Satisfaction.Satisfied, &st.Satisfaction.Basic, &st.Satisfaction.Unsatisfied,
		&closed, &atCommunity, &atSubdistrict, &disputes, &disputesKept, &handleMs)
	if err != nil {
		return st, err
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return math.Round(float64(a)/float64(b)*10000) / 10000
	}
	rated := st.Satisfaction.Satisfied + st.Satisfaction.Basic + st.Satisfaction.Unsatisfied
	st.Satisfaction.Rate = ratio(st.Satisfaction.Satisfied+st.Satisfaction.Basic, rated)
	st.Rates = Rates{Community: ratio(atCommunity, closed), Subdistrict: ratio(atSubdistrict, closed), Disputes: ratio(disputesKept, disputes)}
	st.AvgHandleHours = math.Round(handleMs/3_600_000*100) / 100
	return st, nil
}
