package registry

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/tongxin/tongxin/internal/access"
)

// CampaignFigures are the figures of a campaign for one area (only the part
// inside the caller's scope). Coverage = visited / houses and accuracy =
// confirmed / checked, rounded to 4 decimals; 0 where there is nothing to
// divide by.
type CampaignFigures struct {
	Code             string  `json:"code"`
	Name             string  `json:"name"`
	Houses           int     `json:"houses"`
	Visited          int     `json:"visited"`
	Coverage         float64 `json:"coverage"`
	RecordsChecked   int     `json:"records_checked"`
	RecordsConfirmed int     `json:"records_confirmed"`
	Accuracy         float64 `json:"accuracy"`
	Corrections      int     `json:"corrections"`
	NewPersons       int     `json:"new_persons"`
	Vacant           int     `json:"vacant"`
	NobodyHome       int     `json:"nobody_home"`
}

// CampaignReport is the figures of an area of a campaign, in total and per
// child area (e.g. per grid, for a map coloured by coverage).
type CampaignReport struct {
	CampaignID int64             `json:"campaign_id"`
	Area       string            `json:"area"`
	Total      CampaignFigures   `json:"total"`
	Children   []CampaignFigures `json:"children"`
}

func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}

func (f *CampaignFigures) finish() {
	f.Coverage, f.Accuracy = ratio(f.Visited, f.Houses), ratio(f.RecordsConfirmed, f.RecordsChecked)
}

// Figures computes the figures of a campaign for an area inside its area
// (default: the campaign's area): grouped counts of the houses and of the
// current visits, per child area.
func (s *Store) Figures(ctx context.Context, campaignID int64, root string) (CampaignReport, error) {
	c, err := s.campaign(ctx, s.db, campaignID)
	if err != nil {
		return CampaignReport{}, err
	}
	root, sc, err := campaignArea(access.From(ctx), c, root)
	if err != nil {
		return CampaignReport{}, err
	}
	w := strconv.Itoa(childWidth(root))
	out := CampaignReport{CampaignID: c.ID, Area: root, Children: []CampaignFigures{}}
	by := map[string]*CampaignFigures{}
	get := func(code string) *CampaignFigures {
		if by[code] == nil {
			by[code] = &CampaignFigures{Code: code}
		}
		return by[code]
	}
	// The open child areas inside the caller's scope, even without houses.
	if len(root) < 18 {
		aw, aa := sc.SQL("code")
		rows, err := s.db.QueryContext(ctx, `SELECT code, name FROM areas WHERE parent_code = ? AND valid_to IS NULL AND `+aw, append([]any{root}, aa...)...)
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				rows.Close()
				return out, err
			}
			get(code).Name = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	hw, ha := sc.SQL("h.area_code")
	rows, err := s.db.QueryContext(ctx, `SELECT SUBSTR(h.area_code, 1, `+w+`), COUNT(*) FROM houses h WHERE `+hw+` GROUP BY SUBSTR(h.area_code, 1, `+w+`)`, ha...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			rows.Close()
			return out, err
		}
		get(code).Houses = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows, err = s.db.QueryContext(ctx, `SELECT SUBSTR(h.area_code, 1, `+w+`), COUNT(*), COALESCE(SUM(v.records_checked), 0), COALESCE(SUM(v.records_confirmed), 0),
		COALESCE(SUM(v.corrections), 0), COALESCE(SUM(v.new_persons), 0),
		COALESCE(SUM(CASE WHEN v.outcome = 'vacant' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN v.outcome = 'nobody_home' THEN 1 ELSE 0 END), 0)
		FROM campaign_visits v JOIN houses h ON h.id = v.house_id
		WHERE v.campaign_id = ? AND v.is_current = 1 AND `+hw+` GROUP BY SUBSTR(h.area_code, 1, `+w+`)`, append([]any{c.ID}, ha...)...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var code string
		var x CampaignFigures
		if err := rows.Scan(&code, &x.Visited, &x.RecordsChecked, &x.RecordsConfirmed, &x.Corrections, &x.NewPersons, &x.Vacant, &x.NobodyHome); err != nil {
			rows.Close()
			return out, err
		}
		f := get(code)
		f.Visited, f.RecordsChecked, f.RecordsConfirmed, f.Corrections, f.NewPersons, f.Vacant, f.NobodyHome =
			x.Visited, x.RecordsChecked, x.RecordsConfirmed, x.Corrections, x.NewPersons, x.Vacant, x.NobodyHome
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	t := &out.Total
	for _, f := range by {
		f.finish()
		t.Houses += f.Houses
		t.Visited += f.Visited
		t.RecordsChecked += f.RecordsChecked
		t.RecordsConfirmed += f.RecordsConfirmed
		t.Corrections += f.Corrections
		t.NewPersons += f.NewPersons
		t.Vacant += f.Vacant
		t.NobodyHome += f.NobodyHome
		if len(root) < 18 {
			out.Children = append(out.Children, *f)
		}
	}
	t.finish()
	t.Code = root
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM areas WHERE code = ?`, root).Scan(&t.Name); err != nil && !isNoRows(err) {
		return out, err
	}
	sort.Slice(out.Children, func(i, j int) bool { return out.Children[i].Code < out.Children[j].Code })
	return out, nil
}

// UnvisitedFilter selects the houses of a campaign not yet visited.
type UnvisitedFilter struct {
	Area     string // default: the campaign's area
	Limit    int
	BeforeID int64
}

// Unvisited lists the houses of a campaign's area (the part inside Area and
// the caller's scope) without a visit yet, newest first, and the keyset
// cursor.
func (s *Store) Unvisited(ctx context.Context, campaignID int64, f UnvisitedFilter) ([]House, int64, error) {
	c, err := s.campaign(ctx, s.db, campaignID)
	if err != nil {
		return nil, 0, err
	}
	_, sc, err := campaignArea(access.From(ctx), c, f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.SQL("h.area_code")
	where += ` AND NOT EXISTS (SELECT 1 FROM campaign_visits v WHERE v.campaign_id = ? AND v.house_id = h.id AND v.is_current = 1)`
	args = append(args, c.ID)
	if f.BeforeID > 0 {
		where += " AND h.id < ?"
		args = append(args, f.BeforeID)
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
