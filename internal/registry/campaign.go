package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Verification campaigns (摸排, DESIGN §5.3): a campaign targets an area of
// any level and a period; grid workers visit the houses in it door to door,
// record an outcome per house, and apply what they find to the registry
// through the "verification" channel.

// The closed lists of campaigns.
var (
	CampaignStates = newEnum("draft", "草稿", "active", "进行中", "closed", "已结束")
	VisitOutcomes  = newEnum("confirmed", "信息无误", "corrected", "信息已更正", "new_person", "发现新人员", "vacant", "空置", "nobody_home", "无人在家")
)

var errCampaignNotFound = errs.NotFoundf("campaign", "摸排任务")

// Campaign is a verification campaign.
type Campaign struct {
	ID          int64      `json:"id"`
	AreaCode    string     `json:"area_code"`
	AreaName    string     `json:"area_name"`
	Name        string     `json:"name"`
	StartsOn    string     `json:"starts_on"`
	EndsOn      string     `json:"ends_on"`
	State       string     `json:"state"`
	CreatorName string     `json:"creator_name"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivatedAt *time.Time `json:"activated_at"`
	ClosedAt    *time.Time `json:"closed_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// NewCampaign is the input to create a campaign (state draft, or active when
// asked). The creator needs registry:write over the area.
type NewCampaign struct {
	AreaCode string `json:"area_code"`
	Name     string `json:"name"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	State    string `json:"state"` // draft (default) or active
}

// CampaignPatch changes a campaign that is not closed; state moves only
// draft → active → closed.
type CampaignPatch struct {
	Name     *string `json:"name"`
	StartsOn *string `json:"starts_on"`
	EndsOn   *string `json:"ends_on"`
	State    *string `json:"state"`
}

// CampaignFilter selects campaigns.
type CampaignFilter struct {
	Area     string // campaigns overlapping this subtree
	State    string
	Limit    int
	BeforeID int64
}

func checkPeriod(v *errs.Validation, from, to *string) {
	checkDay(v, "starts_on", from)
	checkDay(v, "ends_on", to)
	v.Check(*from == "" || *to == "" || *from <= *to, "ends_on", "after_start", "ends_on lies before starts_on", "结束日期早于开始日期")
}

func checkCampaignName(v *errs.Validation, name string) {
	v.Required("name", name)
	checkLen(v, "name", name, 100)
}

// CreateCampaign creates a campaign over an open area inside the caller's
// registry write scope.
func (s *Store) CreateCampaign(ctx context.Context, n NewCampaign) (Campaign, error) {
	n.Name, n.AreaCode = clean(n.Name), compact(n.AreaCode)
	if n.State == "" {
		n.State = "draft"
	}
	var v errs.Validation
	checkCampaignName(&v, n.Name)
	v.Required("area_code", n.AreaCode)
	v.Required("starts_on", n.StartsOn)
	v.Required("ends_on", n.EndsOn)
	checkPeriod(&v, &n.StartsOn, &n.EndsOn)
	v.Check(n.State == "draft" || n.State == "active", "state", "enum", "a new campaign's state must be draft or active", "新建摸排任务的状态须为 draft 或 active")
	if err := v.Err(); err != nil {
		return Campaign{}, err
	}
	p := access.From(ctx)
	if !readScope(p).Overlaps(n.AreaCode) {
		return Campaign{}, errs.Field("area_code", "exists", "area "+n.AreaCode+" does not exist", "区域 "+n.AreaCode+" 不存在")
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND valid_to IS NULL`, n.AreaCode).Scan(&open); err != nil {
			return err
		}
		if open == 0 {
			return errs.Field("area_code", "exists", "area "+n.AreaCode+" does not exist or is closed", "区域 "+n.AreaCode+" 不存在或已撤销")
		}
		if !p.CanAt(access.RegistryWrite, n.AreaCode) {
			return errs.E(errs.Forbidden, "forbidden", "you may not start a campaign over area "+n.AreaCode, "您无权在区域 "+n.AreaCode+" 发起摸排任务")
		}
		a, err := s.actor(ctx, tx, ChannelConsole)
		if err != nil {
			return err
		}
		now := db.Millis(a.at)
		var activated any
		if n.State == "active" {
			activated = now
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO registry_campaigns (area_code, name, starts_on, ends_on, state, created_by, creator_name, created_at, activated_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.AreaCode, n.Name, n.StartsOn, n.EndsOn, n.State, a.userID, a.name, now, activated, now).Scan(&id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: a.at, Actor: actorName(p), Action: "campaign.create", Object: campaignObject(id), AreaCode: n.AreaCode,
			Detail: map[string]any{"name": n.Name, "area_code": n.AreaCode, "starts_on": n.StartsOn, "ends_on": n.EndsOn, "state": n.State}})
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

const campaignCols = `c.id, c.area_code, COALESCE(ar.name, ''), c.name, c.starts_on, c.ends_on, c.state, c.creator_name, c.created_at, c.activated_at, c.closed_at, c.updated_at`

const campaignFrom = ` FROM registry_campaigns c LEFT JOIN areas ar ON ar.code = c.area_code`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var (
		c                  Campaign
		created, updated   int64
		activated, closedA sql.NullInt64
	)
	err := sc.Scan(&c.ID, &c.AreaCode, &c.AreaName, &c.Name, &c.StartsOn, &c.EndsOn, &c.State, &c.CreatorName, &created, &activated, &closedA, &updated)
	c.CreatedAt, c.UpdatedAt = db.Time(created), db.Time(updated)
	c.ActivatedAt, c.ClosedAt = db.NullTime(activated), db.NullTime(closedA)
	return c, err
}

// campaign reads a campaign visible to the caller: its area overlaps the
// caller's registry read scope (a grid worker sees the campaigns of their
// community).
func (s *Store) campaign(ctx context.Context, q db.Querier, id int64) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+campaignFrom+` WHERE c.id = ?`, id))
	if isNoRows(err) {
		return Campaign{}, errCampaignNotFound
	}
	if err != nil {
		return Campaign{}, err
	}
	if !readScope(access.From(ctx)).Overlaps(c.AreaCode) {
		return Campaign{}, errCampaignNotFound
	}
	return c, nil
}

// GetCampaign returns a visible campaign.
func (s *Store) GetCampaign(ctx context.Context, id int64) (Campaign, error) {
	return s.campaign(ctx, s.db, id)
}

// ancestors are the codes of an area and the areas above it.
func ancestors(code string) []string {
	var out []string
	for _, w := range []int{6, 9, 12, 15, 18} {
		if w <= len(code) {
			out = append(out, code[:w])
		}
	}
	return out
}

// overlapSQL is a predicate "the area in col overlaps the scope": it lies in
// the scope or above a part of it.
func overlapSQL(sc access.Scope, col string) (string, []any) {
	where, args := sc.SQL(col)
	if sc.All {
		return where, args
	}
	var ups []any
	for _, p := range sc.Prefixes {
		for _, a := range ancestors(p) {
			if a != p {
				ups = append(ups, a)
			}
		}
	}
	if len(ups) == 0 {
		return where, args
	}
	return "(" + where + " OR " + col + " IN " + inClause(len(ups)) + ")", append(args, ups...)
}

// ListCampaigns returns the visible campaigns, newest first, and the keyset
// cursor.
func (s *Store) ListCampaigns(ctx context.Context, f CampaignFilter) ([]Campaign, int64, error) {
	var v errs.Validation
	checkEnum(&v, "state", f.State, CampaignStates, false)
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	sc, err := narrow(access.From(ctx), f.Area)
	if err != nil {
		return nil, 0, err
	}
	where, args := overlapSQL(sc, "c.area_code")
	if f.State != "" {
		where += " AND c.state = ?"
		args = append(args, f.State)
	}
	if f.BeforeID > 0 {
		where += " AND c.id < ?"
		args = append(args, f.BeforeID)
	}
	limit := limitOf(f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT `+campaignCols+campaignFrom+` WHERE `+where+` ORDER BY c.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page(out, limit, func(c Campaign) int64 { return c.ID })
}

// campaignTransitions are the allowed state changes.
var campaignTransitions = map[string]string{"draft": "active", "active": "closed"}

// UpdateCampaign renames a campaign, changes its period or moves its state
// (draft → active → closed). A closed campaign does not change.
func (s *Store) UpdateCampaign(ctx context.Context, id int64, c CampaignPatch) (Campaign, error) {
	var v errs.Validation
	if c.Name != nil {
		*c.Name = clean(*c.Name)
		checkCampaignName(&v, *c.Name)
	}
	if c.StartsOn != nil {
		v.Required("starts_on", *c.StartsOn)
		checkDay(&v, "starts_on", c.StartsOn)
	}
	if c.EndsOn != nil {
		v.Required("ends_on", *c.EndsOn)
		checkDay(&v, "ends_on", c.EndsOn)
	}
	if c.State != nil {
		checkEnum(&v, "state", *c.State, CampaignStates, true)
	}
	if err := v.Err(); err != nil {
		return Campaign{}, err
	}
	p := access.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		cur, err := s.campaign(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.CanAt(access.RegistryWrite, cur.AreaCode) {
			return errs.E(errs.Forbidden, "forbidden", "you may not change this campaign", "您无权修改此摸排任务")
		}
		if cur.State == "closed" {
			return errs.E(errs.Conflict, "campaign_closed", "the campaign is closed and does not change", "摸排任务已结束，不能修改")
		}
		next := cur
		if c.Name != nil {
			next.Name = *c.Name
		}
		if c.StartsOn != nil {
			next.StartsOn = *c.StartsOn
		}
		if c.EndsOn != nil {
			next.EndsOn = *c.EndsOn
		}
		if next.StartsOn > next.EndsOn {
			return errs.Field("ends_on", "after_start", "ends_on lies before starts_on", "结束日期早于开始日期")
		}
		if c.State != nil {
			next.State = *c.State
		}
		if next.State != cur.State && campaignTransitions[cur.State] != next.State {
			e := errs.E(errs.Conflict, "state_transition",
				fmt.Sprintf("a campaign cannot go from %s to %s (draft → active → closed only)", cur.State, next.State),
				fmt.Sprintf("摸排任务不能从“%s”变为“%s”（只能 草稿 → 进行中 → 已结束）", CampaignStates.Label(cur.State), CampaignStates.Label(next.State)))
			e.Fields = []errs.FieldError{{Field: "state", Rule: "transition", Detail: e.Detail, DetailZH: e.DetailZH}}
			return e
		}
		changes := campaignChanges(cur, next)
		if len(changes) == 0 {
			return nil // nothing changes: no write, no audit entry
		}
		a, err := s.actor(ctx, tx, ChannelConsole)
		if err != nil {
			return err
		}
		now := db.Millis(a.at)
		q := `UPDATE registry_campaigns SET name = ?, starts_on = ?, ends_on = ?, updated_at = ?`
		args := []any{next.Name, next.StartsOn, next.EndsOn, now}
		if next.State != cur.State {
			q += `, state = ?`
			args = append(args, next.State)
			if next.State == "active" {
				q += `, activated_at = ?`
			} else {
				q += `, closed_at = ?`
			}
			args = append(args, now)
		}
		if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, id)...); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: a.at, Actor: actorName(p), Action: "campaign.update", Object: campaignObject(id), AreaCode: cur.AreaCode,
			Detail: map[string]any{"name": cur.Name, "changes": changes}})
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, id)
}

func campaignObject(id int64) string { return "campaign:" + strconv.FormatInt(id, 10) }

// campaignChanges lists the fields that differ between two versions of a
// campaign, each as {"from": …, "to": …}, for the audit entry.
func campaignChanges(from, to Campaign) map[string]any {
	out := map[string]any{}
	for _, f := range []struct{ field, a, b string }{
		{"name", from.Name, to.Name}, {"starts_on", from.StartsOn, to.StartsOn}, {"ends_on", from.EndsOn, to.EndsOn}, {"state", from.State, to.State},
	} {
		if f.a != f.b {
			out[f.field] = map[string]any{"from": f.a, "to": f.b}
		}
	}
	return out
}

// childWidth is the code width of the areas just below an area code (its
// own width for a microgrid).
func childWidth(code string) int {
	for _, w := range []int{6, 9, 12, 15, 18} {
		if w > len(code) {
			return w
		}
	}
	return len(code)
}

// campaignArea checks that root (default: the campaign's area) lies inside
// the campaign's area and overlaps the caller's scope, and returns the
// caller's scope narrowed to it.
func campaignArea(p *access.Principal, c Campaign, root string) (string, access.Scope, error) {
	root = compact(root)
	if root == "" {
		root = c.AreaCode
	}
	if !strings.HasPrefix(root, c.AreaCode) {
		return "", access.Scope{}, errs.Field("area", "in_campaign", "area "+root+" lies outside the campaign's area "+c.AreaCode, "区域 "+root+" 不在摸排任务的范围 "+c.AreaCode+" 内")
	}
	sc, err := narrow(p, root)
	return root, sc, err
}
