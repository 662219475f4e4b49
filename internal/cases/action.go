package cases

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Action is a step a person takes on a case.
type Action string

const (
	ActAccept   Action = "accept"
	ActReject   Action = "reject"
	ActMerge    Action = "merge"
	ActDispatch Action = "dispatch"
	ActStart    Action = "start"
	ActResolve  Action = "resolve"
	ActVerify   Action = "verify"
	ActReopen   Action = "reopen"
	ActSuspend  Action = "suspend"
	ActResume   Action = "resume"
	ActEscalate Action = "escalate"
	ActHandDown Action = "hand_down"
	ActRate     Action = "rate"
)

var openStates = []State{Accepted, Dispatched, InProgress, Reopened}

// from lists the states each action may start from: the state machine.
var from = map[Action][]State{
	ActAccept:   {Reported},
	ActReject:   {Reported},
	ActMerge:    {Reported, Accepted},
	ActDispatch: {Accepted, Dispatched, Reopened},
	ActStart:    {Accepted, Dispatched, Reopened}, // from accepted when it already has its handler
	ActResolve:  {InProgress},
	ActVerify:   {Resolved},
	ActReopen:   {Resolved, Closed},
	ActSuspend:  openStates,
	ActResume:   {Suspended},
	ActEscalate: {Reported, Accepted, Dispatched, InProgress, Reopened},
	ActHandDown: {Reported, Accepted, Dispatched, InProgress, Reopened},
	ActRate:     {Closed},
}

// Actions lists every action, in the order the UI offers them.
var Actions = []Action{ActAccept, ActReject, ActMerge, ActDispatch, ActStart, ActResolve, ActVerify, ActReopen, ActSuspend, ActResume, ActEscalate, ActHandDown, ActRate}

// ActionInput carries what an action needs.
type ActionInput struct {
	Note           string  `json:"note"`
	Reason         string  `json:"reason"`
	AssigneeUserID *int64  `json:"assignee_user_id"`
	AssigneeUnitID *int64  `json:"assignee_unit_id"`
	TargetID       *int64  `json:"target_id"`
	Passed         *bool   `json:"passed"`
	Rating         *Rating `json:"rating"`
	Reopen         bool    `json:"reopen"`
}

func stateIn(s State, list []State) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// role of the caller toward one case.
type relation struct {
	dispatcher bool // may dispatch cases in the case's area
	handler    bool // the case is assigned to the caller or the caller's unit
	reporter   bool
	staff      bool // reported as staff (not a resident): may verify own report
}

func relate(p *access.Principal, c *Case) relation {
	r := relation{dispatcher: p.CanAt(access.CasesDispatch, c.AreaCode)}
	r.handler = p.Can(access.CasesHandle) && (c.AssigneeUserID != nil && *c.AssigneeUserID == p.UserID || c.AssigneeUnitID != nil && *c.AssigneeUnitID == p.UnitID && p.UnitID != 0)
	r.reporter = c.ReporterUserID != nil && *c.ReporterUserID == p.UserID && p.UserID != 0
	r.staff = r.reporter && !publicReporter(p)
	return r
}

// may says whether the relation permits the action (the state is checked apart).
func (r relation) may(a Action, c *Case) bool {
	switch a {
	case ActAccept:
		return r.dispatcher || r.handler
	case ActReject, ActMerge, ActDispatch, ActHandDown, ActResume, ActReopen:
		return r.dispatcher
	case ActStart:
		return r.handler || r.dispatcher && c.State != Accepted
	case ActResolve:
		return r.handler || r.dispatcher
	case ActSuspend, ActEscalate:
		return r.handler || r.dispatcher
	case ActVerify:
		return r.dispatcher || r.staff
	case ActRate:
		return r.reporter || r.dispatcher // staff record a phone follow-up
	}
	return false
}

// allowed lists the actions the caller may take on the case now.
func (s *Store) allowed(p *access.Principal, c *Case) []Action {
	r := relate(p, c)
	out := []Action{}
	for _, a := range Actions {
		if !stateIn(c.State, from[a]) || !r.may(a, c) {
			continue
		}
		if blocked(a, c) != nil {
			continue
		}
		out = append(out, a)
	}
	return out
}

// blocked explains why an action the state machine allows cannot happen to
// this case: no level above or below, or a rating already given.
func blocked(a Action, c *Case) error {
	switch {
	case a == ActEscalate && c.Level.up() == "":
		return errs.E(errs.Conflict, "top_level", "the case is already at the top level", "事件已在最高层级")
	case a == ActHandDown && c.Level.down() == "":
		return errs.E(errs.Conflict, "bottom_level", "the case is already at the grid level", "事件已在网格层级")
	case a == ActRate && c.Rating != nil:
		return errs.E(errs.Conflict, "already_rated", "the case has been rated already", "该事件已评价")
	}
	return nil
}

func (in *ActionInput) validate(a Action) error {
	in.Note, in.Reason = strings.TrimSpace(in.Note), strings.TrimSpace(in.Reason)
	var v errs.Validation
	switch a {
	case ActReject, ActEscalate, ActHandDown, ActSuspend, ActReopen:
		v.Check(in.Reason != "", "reason", "required", "a reason is required", "请填写原因")
	case ActMerge:
		v.Check(in.TargetID != nil, "target_id", "required", "target_id (the case to merge into) is required", "请选择要合并到的事件（target_id）")
	case ActDispatch:
		v.Check(in.AssigneeUserID != nil || in.AssigneeUnitID != nil, "assignee_user_id", "required", "choose a person (assignee_user_id) or a unit (assignee_unit_id)", "请选择处置人或处置单位")
	case ActVerify:
		v.Check(in.Passed != nil, "passed", "required", "passed (true or false) is required", "请填写核查结果（passed）")
	case ActRate:
		v.Check(in.Rating != nil && ratings[*in.Rating], "rating", "enum", "rating must be satisfied, basic or unsatisfied", "评价须为 satisfied、basic 或 unsatisfied")
	}
	v.Check(len([]rune(in.Note)) <= 2000 && len([]rune(in.Reason)) <= 2000, "note", "max_length", "note and reason are limited to 2000 characters", "说明和原因不超过 2000 字")
	return v.Err()
}

// Act applies an action to a case: checks the caller's right and the state
// machine, updates the case and appends the timeline step in one transaction.
func (s *Store) Act(ctx context.Context, id int64, a Action, in ActionInput) (Case, error) {
	if _, ok := from[a]; !ok {
		return Case{}, errs.Field("action", "enum", "unknown action "+string(a), "未知操作 "+string(a))
	}
	if err := in.validate(a); err != nil {
		return Case{}, err
	}
	p := access.From(ctx)
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		where, args := visible(p)
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM cases c WHERE c.id = ? AND `+where, append([]any{id}, args...)...).Scan(&one); err != nil {
			return errCaseNotFound
		}
		c, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !stateIn(c.State, from[a]) {
			return errs.E(errs.Conflict, "illegal_transition", fmt.Sprintf("a case that is %s cannot be %s", c.State, pastTense(a)),
				fmt.Sprintf("处于“%s”状态的事件不能执行“%s”", stateZH[c.State], actionZH[a]))
		}
		if !relate(p, &c).may(a, &c) {
			return errs.E(errs.Forbidden, "forbidden", "you may not "+string(a)+" this case", "您无权对该事件执行“"+actionZH[a]+"”")
		}
		if err := blocked(a, &c); err != nil {
			return err
		}
		cat, err := s.Category(ctx, tx, c.CategoryID)
		if err != nil {
			return err
		}
		actor, err := actorName(ctx, tx, p)
		if err != nil {
			return err
		}
		return s.apply(ctx, tx, &c, cat, a, in, p, actor, now)
	})
	if err != nil {
		return Case{}, err
	}
	return s.Get(ctx, id)
}

func pastTense(a Action) string {
	switch a {
	case ActHandDown:
		return "handed down"
	case ActStart:
		return "started"
	case ActRate:
		return "rated"
	case ActReopen:
		return "reopened"
	}
	return strings.TrimSuffix(string(a), "e") + "ed"
}

// apply performs a permitted action. Each branch sets the new state and the
// columns it changes; the timeline step is appended at the end.
func (s *Store) apply(ctx context.Context, tx *db.Tx, c *Case, cat Category, a Action, in ActionInput, p *access.Principal, actor string, now time.Time) error {
	prev := c.State
	to := c.State
	level := c.Level
	set := map[string]any{}
	data := map[string]any{}
	note := in.Note
	if in.Reason != "" {
		note = strings.TrimSpace(in.Reason + " " + in.Note)
	}
	notifyUser, notifyUnit := any(nil), any(nil)
	switch a {
	case ActAccept:
		to = Accepted
		set["accepted_at"] = db.Millis(now)
	case ActReject:
		to = Rejected
		set["closed_at"] = db.Millis(now)
	case ActMerge:
		if *in.TargetID == c.ID {
			return errs.Field("target_id", "self", "a case cannot be merged into itself", "事件不能合并到自身")
		}
		target, err := s.load(ctx, tx, *in.TargetID)
		if err != nil || !access.From(ctx).ScopeFor(access.CasesRead).Contains(target.AreaCode) {
			return errs.Field("target_id", "exists", "the target case does not exist", "要合并到的事件不存在")
		}
		if target.MergedIntoID != nil || stateIn(target.State, []State{Rejected, Merged, Closed}) {
			return errs.Field("target_id", "open", "the target case is not open", "要合并到的事件已办结或已合并")
		}
		to = Merged
		set["merged_into_id"] = target.ID
		set["closed_at"] = db.Millis(now)
		data["target_id"] = target.ID
		if _, err := appendEvent(ctx, tx, target.ID, target.AreaCode, now, p, actor, "merged_from", &target.State, target.State, target.Level, note,
			map[string]any{"source_id": c.ID, "source_reporter": c.ReporterName}); err != nil {
			return err
		}
	case ActDispatch:
		user, unit, err := s.checkAssignee(ctx, tx, c, in)
		if err != nil {
			return err
		}
		to = Dispatched
		set["assignee_user_id"], set["assignee_unit_id"] = user, unit
		data["assignee_user_id"], data["assignee_unit_id"] = user, unit
		notifyUser, notifyUnit = user, unit
	case ActStart:
		to = InProgress
	case ActResolve:
		to = Resolved
		set["resolved_at"] = db.Millis(now)
	case ActVerify:
		data["passed"] = *in.Passed
		if *in.Passed {
			to = Closed
			set["closed_at"] = db.Millis(now)
			set["closed_level"] = string(c.Level)
		} else {
			to = Reopened
			set["resolved_at"] = nil
			set["resolve_due_at"] = db.Millis(s.deadline(cat, now, cat.ResolveMinutes))
			set["overdue"] = 0
		}
	case ActReopen:
		to = Reopened
		set["closed_at"], set["closed_level"], set["resolved_at"] = nil, nil, nil
		set["resolve_due_at"] = db.Millis(s.deadline(cat, now, cat.ResolveMinutes))
		set["overdue"] = 0
	case ActSuspend:
		to = Suspended
		set["suspended_at"] = db.Millis(now)
		set["resume_state"] = string(c.State)
	case ActResume:
		to = *c.ResumeState
		set["suspended_at"], set["resume_state"] = nil, nil
		// The clock stood still while suspended: what was left of each
		// deadline at suspension is what is left now.
		if c.SuspendedAt != nil {
			for col, due := range map[string]*time.Time{"accept_due_at": c.AcceptDueAt, "resolve_due_at": c.ResolveDueAt} {
				if due != nil && due.After(*c.SuspendedAt) {
					left := s.remaining(cat, *c.SuspendedAt, *due)
					set[col] = db.Millis(s.deadlineDur(cat, now, left))
				}
			}
			data["suspended_for"] = now.Sub(*c.SuspendedAt).String()
		}
	case ActEscalate, ActHandDown:
		level = c.Level.up()
		if a == ActHandDown {
			level = c.Level.down()
		}
		user, unit, err := s.routeTo(ctx, tx, level, c.AreaCode, cat, in.AssigneeUnitID)
		if err != nil {
			return err
		}
		to = Accepted
		if c.State == Reported {
			set["accepted_at"] = db.Millis(now)
		}
		set["level"], set["assignee_user_id"], set["assignee_unit_id"] = string(level), user, unit
		if a == ActEscalate {
			set["escalations"] = c.Escalations + 1
			if level.rank() > c.MaxLevel.rank() {
				set["max_level"] = string(level)
			}
		}
		data["from_level"], data["to_level"] = c.Level, level
		data["assignee_user_id"], data["assignee_unit_id"] = user, unit
		notifyUser, notifyUnit = user, unit
	case ActRate:
		set["rating"] = string(*in.Rating)
		set["rated_at"] = db.Millis(now)
		data["rating"] = *in.Rating
		if !relate(p, c).reporter {
			data["recorded_by_staff"] = true
		}
		if *in.Rating == "unsatisfied" && in.Reopen {
			to = Reopened
			set["closed_at"], set["closed_level"], set["resolved_at"] = nil, nil, nil
			set["resolve_due_at"] = db.Millis(s.deadline(cat, now, cat.ResolveMinutes))
			set["overdue"] = 0
			data["reopened"] = true
		}
	}
	set["state"] = string(to)
	set["updated_at"] = db.Millis(now)
	if err := updateCase(ctx, tx, c.ID, set); err != nil {
		return err
	}
	if _, err := appendEvent(ctx, tx, c.ID, c.AreaCode, now, p, actor, string(a), &prev, to, level, note, data); err != nil {
		return err
	}
	if notifyUser != nil || notifyUnit != nil {
		kind := "assigned"
		if a == ActEscalate {
			kind = "escalated"
		}
		return s.notifyAssignee(ctx, tx, c.ID, notifyUser, notifyUnit, kind, actionZH[a]+"："+c.Title, now)
	}
	return nil
}

// deadlineDur adds a duration (not whole minutes) in the category's clock.
func (s *Store) deadlineDur(cat Category, from time.Time, d time.Duration) time.Time {
	if cat.SLAClock == "working" && s.calendar != nil {
		if cal := s.calendar(); cal != nil {
			return cal.Add(from, d)
		}
	}
	return from.Add(d)
}

// updateCase sets columns of a case; column names come from this package only.
func updateCase(ctx context.Context, tx *db.Tx, id int64, set map[string]any) error {
	cols := make([]string, 0, len(set))
	for k := range set {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	parts := make([]string, len(cols))
	args := make([]any, 0, len(cols)+1)
	for i, k := range cols {
		parts[i] = k + " = ?"
		args = append(args, set[k])
	}
	_, err := tx.ExecContext(ctx, `UPDATE cases SET `+strings.Join(parts, ", ")+` WHERE id = ?`, append(args, id)...)
	return err
}

// checkAssignee verifies that a dispatch names a person who may handle cases
// in the case's area, or a unit.
func (s *Store) checkAssignee(ctx context.Context, tx *db.Tx, c *Case, in ActionInput) (user, unit any, err error) {
	if in.AssigneeUserID != nil {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id
			WHERE r.user_id = ? AND u.disabled = ? AND ? >= r.area_code AND ? < r.area_code || ';'`, *in.AssigneeUserID, falseValue(tx), c.AreaCode, c.AreaCode).Scan(&n)
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, errs.Field("assignee_user_id", "scope", "the assignee holds no role over the case's area", "该处置人在事件所在区域没有岗位")
		}
		user = *in.AssigneeUserID
	}
	if in.AssigneeUnitID != nil {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = ?`, *in.AssigneeUnitID).Scan(&n); err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, errs.Field("assignee_unit_id", "exists", "no such unit", "处置单位不存在")
		}
		unit = *in.AssigneeUnitID
	}
	return user, unit, nil
}

// falseValue is "not disabled" on each engine (INTEGER on SQLite, BOOLEAN on PostgreSQL).
func falseValue(q db.Querier) any {
	if q.Dialect() == db.Postgres {
		return false
	}
	return 0
}
