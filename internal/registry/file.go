package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// File returns the household file (一户一档): the household, its house and
// building, its members (masked, former ones last), appeals, visit notes
// and history.
func (s *Store) File(ctx context.Context, id int64) (HouseholdFile, error) {
	hh, err := s.GetHousehold(ctx, id)
	if err != nil {
		return HouseholdFile{}, err
	}
	f := HouseholdFile{Household: hh}
	if f.House, err = s.house(ctx, s.db, hh.HouseID); err != nil {
		return f, err
	}
	if f.Building, err = s.building(ctx, s.db, f.House.BuildingID); err != nil {
		return f, err
	}
	if f.Members, err = s.members(ctx, s.db, id, true); err != nil {
		return f, err
	}
	if f.Appeals, err = s.appeals(ctx, `a.household_id = ?`, id); err != nil {
		return f, err
	}
	if f.Visits, err = s.visits(ctx, id); err != nil {
		return f, err
	}
	f.History, err = s.history(ctx, "household", id)
	return f, err
}

const appealCols = `a.id, a.household_id, a.area_code, a.content, a.raised_on, a.status, a.case_id, COALESCE(c.state, ''), a.created_at, a.updated_at
	FROM household_appeals a LEFT JOIN cases c ON c.id = a.case_id`

func (s *Store) appeals(ctx context.Context, where string, args ...any) ([]Appeal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+appealCols+` WHERE `+where+` ORDER BY a.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Appeal{}
	for rows.Next() {
		var x Appeal
		var caseID sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&x.ID, &x.HouseholdID, &x.AreaCode, &x.Content, &x.RaisedOn, &x.Status, &caseID, &x.CaseState, &created, &updated); err != nil {
			return nil, err
		}
		x.CaseID = nullID(caseID)
		x.CreatedAt, x.UpdatedAt = db.Time(created), db.Time(updated)
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) appeal(ctx context.Context, id int64) (Appeal, error) {
	as, err := s.appeals(ctx, `a.id = ?`, id)
	if err != nil {
		return Appeal{}, err
	}
	if len(as) == 0 || !readScope(access.From(ctx)).Contains(as[0].AreaCode) {
		return Appeal{}, errAppealNotFound
	}
	return as[0], nil
}

func (s *Store) visits(ctx context.Context, householdID int64) ([]Visit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, household_id, visited_on, visitor_name, note, channel, created_at FROM household_visits
		WHERE household_id = ? ORDER BY visited_on DESC, id DESC`, householdID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Visit{}
	for rows.Next() {
		var x Visit
		var created int64
		if err := rows.Scan(&x.ID, &x.HouseholdID, &x.VisitedOn, &x.VisitorName, &x.Note, &x.Channel, &created); err != nil {
			return nil, err
		}
		x.CreatedAt = db.Time(created)
		out = append(out, x)
	}
	return out, rows.Err()
}

// AddAppeal records a livelihood appeal in a household file.
func (s *Store) AddAppeal(ctx context.Context, householdID int64, n NewAppeal) (Appeal, error) {
	n.Content = clean(n.Content)
	var v errs.Validation
	v.Required("content", n.Content)
	checkLen(&v, "content", n.Content, 2000)
	checkDay(&v, "raised_on", &n.RaisedOn)
	if err := v.Err(); err != nil {
		return Appeal{}, err
	}
	var id int64
	err := s.writeHousehold(ctx, householdID, n.Channel, func(tx *db.Tx, a actor, hh Household) error {
		if n.RaisedOn == "" {
			n.RaisedOn = today(a.at)
		}
		if n.RaisedOn > today(a.at) {
			return errs.Field("raised_on", "past", "raised_on lies in the future", "诉求日期晚于今天")
		}
		now := db.Millis(a.at)
		if err := tx.QueryRowContext(ctx, `INSERT INTO household_appeals (household_id, area_code, content, raised_on, status, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id`, householdID, hh.AreaCode, n.Content, n.RaisedOn, a.userID, now, now).Scan(&id); err != nil {
			return err
		}
		label := fmt.Sprintf("#%d %s", id, short(n.Content, 40))
		return record(ctx, tx, a, "household", householdID, hh.AreaCode, diff{{field: "appeal", to: &label}})
	})
	if err != nil {
		return Appeal{}, err
	}
	return s.appeal(ctx, id)
}

// short cuts a text to n characters with an ellipsis.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// UpdateAppeal changes an appeal's status.
func (s *Store) UpdateAppeal(ctx context.Context, id int64, c AppealPatch) (Appeal, error) {
	var v errs.Validation
	checkEnum(&v, "status", c.Status, AppealStatuses, true)
	if err := v.Err(); err != nil {
		return Appeal{}, err
	}
	ap, err := s.appeal(ctx, id)
	if err != nil {
		return Appeal{}, err
	}
	err = s.writeHousehold(ctx, ap.HouseholdID, c.Channel, func(tx *db.Tx, a actor, hh Household) error {
		var from string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM household_appeals WHERE id = ?`, id).Scan(&from); err != nil {
			return err
		}
		if from == c.Status {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE household_appeals SET status = ?, updated_at = ? WHERE id = ?`, c.Status, db.Millis(a.at), id); err != nil {
			return err
		}
		var d diff
		d.str("appeal_status", fmt.Sprintf("#%d %s", id, from), fmt.Sprintf("#%d %s", id, c.Status))
		return record(ctx, tx, a, "household", ap.HouseholdID, hh.AreaCode, d)
	})
	if err != nil {
		return Appeal{}, err
	}
	return s.appeal(ctx, id)
}

// AppealCaseResult is an appeal with the case it became.
type AppealCaseResult struct {
	Appeal Appeal     `json:"appeal"`
	Case   cases.Case `json:"case"`
}

// AppealToCase turns an appeal into a case of the case engine, reported
// through the console channel in the household's microgrid, and links the
// two. A retry by the same caller finds the case the first attempt created
// (the case engine's idempotency key), so one appeal never makes two cases.
func (s *Store) AppealToCase(ctx context.Context, id int64, in AppealCase) (AppealCaseResult, error) {
	ap, err := s.appeal(ctx, id)
	if err != nil {
		return AppealCaseResult{}, err
	}
	p := access.From(ctx)
	if err := mayWrite(p, ap.AreaCode, errAppealNotFound); err != nil {
		return AppealCaseResult{}, err
	}
	if ap.CaseID != nil {
		return AppealCaseResult{}, &errs.Error{Kind: errs.Conflict, Code: "appeal_has_case", Detail: fmt.Sprintf("the appeal is already case %d", *ap.CaseID),
			DetailZH: fmt.Sprintf("该诉求已转为事件 %d", *ap.CaseID), Extra: map[string]any{"case_id": *ap.CaseID}}
	}
	hh, err := s.household(ctx, s.db, ap.HouseholdID)
	if err != nil {
		return AppealCaseResult{}, err
	}
	title := clean(in.Title)
	if title == "" {
		title = "民生诉求：" + short(ap.Content, 30)
	}
	desc := clean(in.Description)
	if desc == "" {
		desc = fmt.Sprintf("%s\n（来自户档案 #%d，%s，诉求日期 %s）", ap.Content, hh.ID, hh.HouseAddress, ap.RaisedOn)
	}
	c, _, err := s.cases.Report(ctx, cases.NewCase{CategoryID: in.CategoryID, Title: title, Description: desc, AreaCode: ap.AreaCode,
		Address: hh.HouseAddress, Channel: "console", Extra: in.Extra, IdempotencyKey: "registry-appeal-" + strconv.FormatInt(id, 10)})
	if err != nil {
		return AppealCaseResult{}, err
	}
	err = s.writeHousehold(ctx, ap.HouseholdID, ChannelConsole, func(tx *db.Tx, a actor, hh Household) error {
		res, err := tx.ExecContext(ctx, `UPDATE household_appeals SET case_id = ?, status = 'in_progress', updated_at = ? WHERE id = ? AND case_id IS NULL`,
			c.ID, db.Millis(a.at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "appeal_has_case", "the appeal was turned into a case meanwhile", "该诉求已被他人转为事件")
		}
		var d diff
		d.str("appeal_case", "", fmt.Sprintf("#%d → 事件 %d", id, c.ID))
		if ap.Status != "in_progress" {
			d.str("appeal_status", fmt.Sprintf("#%d %s", id, ap.Status), fmt.Sprintf("#%d in_progress", id))
		}
		return record(ctx, tx, a, "household", ap.HouseholdID, hh.AreaCode, d)
	})
	if err != nil {
		return AppealCaseResult{}, err
	}
	if ap, err = s.appeal(ctx, id); err != nil {
		return AppealCaseResult{}, err
	}
	return AppealCaseResult{Appeal: ap, Case: c}, nil
}

// AddVisit records a visit note in a household file.
func (s *Store) AddVisit(ctx context.Context, householdID int64, n NewVisit) (Visit, error) {
	n.Note = clean(n.Note)
	var v errs.Validation
	v.Required("note", n.Note)
	checkLen(&v, "note", n.Note, 2000)
	checkDay(&v, "visited_on", &n.VisitedOn)
	if err := v.Err(); err != nil {
		return Visit{}, err
	}
	var out Visit
	err := s.writeHousehold(ctx, householdID, n.Channel, func(tx *db.Tx, a actor, hh Household) error {
		if n.VisitedOn == "" {
			n.VisitedOn = today(a.at)
		}
		if n.VisitedOn > today(a.at) {
			return errs.Field("visited_on", "past", "visited_on lies in the future", "走访日期晚于今天")
		}
		out = Visit{HouseholdID: householdID, VisitedOn: n.VisitedOn, VisitorName: a.name, Note: n.Note, Channel: a.channel, CreatedAt: db.Time(db.Millis(a.at))}
		return tx.QueryRowContext(ctx, `INSERT INTO household_visits (household_id, area_code, visited_on, visitor_user_id, visitor_name, note, channel, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, householdID, hh.AreaCode, n.VisitedOn, a.userID, a.name, n.Note, string(a.channel), db.Millis(a.at)).Scan(&out.ID)
	})
	return out, err
}
