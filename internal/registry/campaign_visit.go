package registry

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// CampaignVisit is the visit of a house during a campaign. The current visit
// of a house decides its outcome; earlier ones are kept as history.
type CampaignVisit struct {
	ID               int64     `json:"id"`
	CampaignID       int64     `json:"campaign_id"`
	HouseID          int64     `json:"house_id"`
	AreaCode         string    `json:"area_code"`
	Address          string    `json:"address"`
	DoorKnocked      bool      `json:"door_knocked"`
	Entered          bool      `json:"entered"`
	PersonsAsked     int       `json:"persons_asked"`
	Outcome          string    `json:"outcome"`
	Note             string    `json:"note"`
	RecordsChecked   int       `json:"records_checked"`   // persons on record in the house when visited
	RecordsConfirmed int       `json:"records_confirmed"` // of those, confirmed unchanged
	Corrections      int       `json:"corrections"`       // person records corrected
	NewPersons       int       `json:"new_persons"`       // persons found and registered
	Current          bool      `json:"current"`
	VisitedAt        time.Time `json:"visited_at"`
	VisitorName      string    `json:"visitor_name"`
	CorrectedIDs     []int64   `json:"corrected_person_ids"`
	NewPersonIDs     []int64   `json:"new_person_ids"`
}

// PersonCorrection corrects a person on record in the visited house: the
// fields of a PersonPatch beside person_id (channel: verification or none).
type PersonCorrection struct {
	PersonID int64 `json:"person_id"`
	PersonPatch
}

// NewCampaignVisit records a visit. Outcome confirmed, vacant and
// nobody_home carry no corrections; corrected needs at least one entry in
// corrections, new_person at least one in new_persons. New persons join the
// house's household (household_id when the house has several; a household
// is opened when it has none) and need their relationship to its head.
type NewCampaignVisit struct {
	HouseID      int64              `json:"house_id"`
	DoorKnocked  bool               `json:"door_knocked"`
	Entered      bool               `json:"entered"`
	PersonsAsked int                `json:"persons_asked"`
	Outcome      string             `json:"outcome"`
	Note         string             `json:"note"`
	Corrections  []PersonCorrection `json:"corrections"`
	NewPersons   []NewPerson        `json:"new_persons"`
}

const maxVisitChanges = 50

// prefixFields names the fields of a validation error inside a list entry
// ("corrections[0].phone").
func prefixFields(prefix string, err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = prefix + f.Field
		c.Fields[i] = f
	}
	if len(c.Fields) == 1 {
		c.Detail, c.DetailZH = c.Fields[0].Field+": "+c.Fields[0].Detail, c.Fields[0].Field+"："+c.Fields[0].DetailZH
	}
	return &c
}

func verificationChannel(v *errs.Validation, field string, ch *Channel) {
	v.Check(*ch == "" || *ch == ChannelVerification, field, "enum", field+" must be verification (or absent) in a visit", field+" 在摸排走访中须为 verification 或不填")
	*ch = ChannelVerification
}

// checkPatchFields is the validation of a person patch that does not need
// the stored record (as UpdatePerson does it).
func checkPatchFields(c *PersonPatch) error {
	var v errs.Validation
	c.check(&v)
	empty := c.Name == nil && c.IDType == nil && c.IDNumber == nil && c.Gender == nil && c.BirthDate == nil && c.Phone == nil && c.Ethnicity == nil &&
		c.ResidenceType == nil && c.HukouAddress == nil && c.MovedInOn == nil && c.Status == nil && c.Origin == nil && c.Employer == nil &&
		c.Tenancy == nil && c.LeaseEndsOn == nil && c.Note == nil
	v.Check(!empty, "person_id", "no_change", "a correction changes at least one field", "更正须至少修改一个字段")
	return v.Err()
}

func (n *NewCampaignVisit) validate() error {
	n.Note = clean(n.Note)
	var v errs.Validation
	v.Check(n.HouseID > 0, "house_id", "required", "house_id is required", "请选择走访的房屋（house_id）")
	checkEnum(&v, "outcome", n.Outcome, VisitOutcomes, true)
	v.Check(n.PersonsAsked >= 0 && n.PersonsAsked <= 1000, "persons_asked", "range", "persons_asked must be from 0 to 1000", "询问人数须在 0 到 1000 之间")
	v.Check(!n.Entered || n.DoorKnocked, "entered", "door_knocked", "entering a house needs door_knocked", "入户须先敲门（door_knocked）")
	checkLen(&v, "note", n.Note, 1000)
	v.Check(len(n.Corrections) <= maxVisitChanges, "corrections", "max_items", "at most 50 corrections per visit", "每次走访最多 50 条更正")
	v.Check(len(n.NewPersons) <= maxVisitChanges, "new_persons", "max_items", "at most 50 new persons per visit", "每次走访最多登记 50 名新人员")
	switch n.Outcome {
	case "confirmed", "vacant", "nobody_home":
		label := VisitOutcomes.Label(n.Outcome)
		v.Check(len(n.Corrections) == 0, "corrections", "outcome", "outcome "+n.Outcome+" carries no corrections", "走访结果“"+label+"”不能附带更正")
		v.Check(len(n.NewPersons) == 0, "new_persons", "outcome", "outcome "+n.Outcome+" carries no new persons", "走访结果“"+label+"”不能附带新人员")
	case "corrected":
		v.Check(len(n.Corrections) > 0, "corrections", "required", "outcome corrected needs at least one correction", "走访结果“信息已更正”须至少有一条更正")
	case "new_person":
		v.Check(len(n.NewPersons) > 0, "new_persons", "required", "outcome new_person needs at least one new person", "走访结果“发现新人员”须至少登记一人")
	}
	seen := map[int64]bool{}
	for i := range n.Corrections {
		c := &n.Corrections[i]
		pre := "corrections[" + strconv.Itoa(i) + "]."
		if c.PersonID <= 0 {
			v.Add(pre+"person_id", "required", pre+"person_id is required", pre+"person_id 为必填项")
		} else if seen[c.PersonID] {
			v.Add(pre+"person_id", "unique", "person "+strconv.FormatInt(c.PersonID, 10)+" is corrected twice", "人员 "+strconv.FormatInt(c.PersonID, 10)+" 重复更正")
		}
		seen[c.PersonID] = true
		verificationChannel(&v, pre+"channel", &c.Channel)
		v.Merge(pre, prefixFields(pre, checkPatchFields(&c.PersonPatch)))
	}
	for i := range n.NewPersons {
		verificationChannel(&v, "new_persons["+strconv.Itoa(i)+"].channel", &n.NewPersons[i].Channel)
	}
	return v.Err()
}

// RecordVisit records the visit of a house during an active campaign and
// applies its corrections and new persons to the registry through the
// verification channel, all in one transaction: on any error nothing is
// stored. The house must lie inside the caller's registry write scope (else
// not found) and inside the campaign's area.
func (s *Store) RecordVisit(ctx context.Context, campaignID int64, n NewCampaignVisit) (CampaignVisit, error) {
	if err := n.validate(); err != nil {
		return CampaignVisit{}, err
	}
	p := access.From(ctx)
	var id int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.campaign(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		h, err := s.house(ctx, tx, n.HouseID)
		if err != nil || !readScope(p).Contains(h.AreaCode) {
			if err != nil && err != errHouseNotFound {
				return err
			}
			return errs.E(errs.NotFound, "not_found", "house "+strconv.FormatInt(n.HouseID, 10)+" not found", "房屋 "+strconv.FormatInt(n.HouseID, 10)+" 不存在")
		}
		if err := mayWrite(p, h.AreaCode, errHouseNotFound); err != nil {
			return err
		}
		if len(h.AreaCode) < len(c.AreaCode) || h.AreaCode[:len(c.AreaCode)] != c.AreaCode {
			return errs.Field("house_id", "in_campaign", fmt.Sprintf("house %d lies outside the campaign's area %s", h.ID, c.AreaCode),
				fmt.Sprintf("房屋 %d 不在摸排任务的范围（%s）内", h.ID, c.AreaCode))
		}
		a, err := s.actor(ctx, tx, ChannelVerification)
		if err != nil {
			return err
		}
		day := today(a.at)
		switch {
		case c.State == "closed":
			return errs.E(errs.Conflict, "campaign_closed", "the campaign is closed; visits are no longer recorded", "摸排任务已结束，不能再登记走访")
		case c.State != "active":
			return errs.E(errs.Conflict, "campaign_not_active", "the campaign has not started (state draft)", "摸排任务尚未启动（草稿）")
		case day < c.StartsOn || day > c.EndsOn:
			return errs.E(errs.Conflict, "campaign_period", "today lies outside the campaign's period "+c.StartsOn+" – "+c.EndsOn,
				"今天不在摸排任务的期间（"+c.StartsOn+" 至 "+c.EndsOn+"）内")
		}
		onRecord, err := livingIn(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		var corrected, found []int64
		for i, cr := range n.Corrections {
			pre := "corrections[" + strconv.Itoa(i) + "]."
			if !onRecord[cr.PersonID] {
				return errs.Field(pre+"person_id", "in_house", fmt.Sprintf("person %d is not on record as living in house %d", cr.PersonID, h.ID),
					fmt.Sprintf("人员 %d 未登记在房屋 %d 居住", cr.PersonID, h.ID))
			}
			cur, err := s.person(ctx, tx, cr.PersonID)
			if err != nil {
				return err
			}
			if err := s.applyPatch(ctx, tx, a, p, cur, cr.PersonPatch, day); err != nil {
				return prefixFields(pre, err)
			}
			corrected = append(corrected, cr.PersonID)
		}
		var opened *Household
		for i := range n.NewPersons {
			pid, err := s.registerFound(ctx, tx, a, p, h, &opened, &n.NewPersons[i], day)
			if err != nil {
				return prefixFields("new_persons["+strconv.Itoa(i)+"].", err)
			}
			found = append(found, pid)
		}
		checked, confirmed := len(onRecord), len(onRecord)-len(corrected)
		switch n.Outcome {
		case "nobody_home":
			checked, confirmed = 0, 0
		case "vacant":
			confirmed = 0 // persons on record in a vacant house are not confirmed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_visits SET is_current = 0 WHERE campaign_id = ? AND house_id = ? AND is_current = 1`, c.ID, h.ID); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO campaign_visits (campaign_id, house_id, area_code, door_knocked, entered, persons_asked, outcome, note,
			records_checked, records_confirmed, corrections, new_persons, is_current, visited_at, visitor_user_id, visitor_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
			c.ID, h.ID, h.AreaCode, flag(n.DoorKnocked), flag(n.Entered), n.PersonsAsked, n.Outcome, n.Note,
			checked, confirmed, len(corrected), len(found), db.Millis(a.at), a.userID, a.name).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errVisitRace
		}
		if err != nil {
			return err
		}
		for _, x := range []struct {
			kind string
			ids  []int64
		}{{"corrected", corrected}, {"new_person", found}} {
			for _, pid := range x.ids {
				if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_visit_persons (visit_id, person_id, kind) VALUES (?, ?, ?)`, id, pid, x.kind); err != nil {
					return err
				}
			}
		}
		return fileVisitNote(ctx, tx, a, h.ID, day, visitSummary(c.Name, n, len(corrected), len(found)))
	})
	switch {
	case errors.Is(err, errIDTaken):
		return CampaignVisit{}, errs.E(errs.Conflict, "person_exists", "an ID number in the visit was registered meanwhile; nothing was stored", "走访中的证件号码刚被他人登记，本次走访未保存")
	case errors.Is(err, errVisitRace):
		return CampaignVisit{}, errs.E(errs.Conflict, "visit_race", "another visit of this house was recorded at the same moment; nothing was stored", "该房屋同时有另一条走访记录，本次走访未保存")
	case err != nil:
		return CampaignVisit{}, err
	}
	return s.visit(ctx, s.db, id)
}

var errVisitRace = errors.New("registry: concurrent visit")

// visitSummary is the visit note a campaign visit leaves in the household
// file: the campaign, the outcome, what was asked and changed, and the grid
// worker's own note.
func visitSummary(campaign string, n NewCampaignVisit, corrected, found int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "摸排任务“%s”：%s；询问 %d 人；更正 %d 人", campaign, VisitOutcomes.Label(n.Outcome), n.PersonsAsked, corrected)
	if found > 0 {
		fmt.Fprintf(&b, "；新登记 %d 人", found)
	}
	if n.Note != "" {
		b.WriteString("。走访备注：" + n.Note)
	}
	return b.String()
}

// fileVisitNote adds a campaign visit to the file of every open household
// of the house (including one opened during the visit), through the
// verification channel. A house without an open household gets nothing.
func fileVisitNote(ctx context.Context, tx *db.Tx, a actor, houseID int64, day, note string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, area_code FROM households WHERE house_id = ? AND closed_at IS NULL ORDER BY id`, houseID)
	if err != nil {
		return err
	}
	type open struct {
		id   int64
		area string
	}
	var hhs []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.area); err != nil {
			rows.Close()
			return err
		}
		hhs = append(hhs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, o := range hhs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO household_visits (household_id, area_code, visited_on, visitor_user_id, visitor_name, note, channel, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.id, o.area, day, a.userID, a.name, note, string(ChannelVerification), db.Millis(a.at)); err != nil {
			return err
		}
	}
	return nil
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// livingIn is the set of persons on record as living in a house's open
// households.
func livingIn(ctx context.Context, q db.Querier, houseID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id FROM persons p JOIN households hh ON hh.id = p.household_id
		WHERE hh.house_id = ? AND hh.closed_at IS NULL AND p.status = 'living'`, houseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// registerFound registers a person found in a house and puts them into the
// house's household: the one named, the only open one, or one opened for
// them (*opened, shared by the persons of the same visit).
func (s *Store) registerFound(ctx context.Context, tx *db.Tx, a actor, p *access.Principal, h House, opened **Household, n *NewPerson, day string) (int64, error) {
	var hh Household
	if n.HouseholdID != nil {
		x, err := s.household(ctx, tx, *n.HouseholdID)
		if err != nil && err != errHouseholdNotFound {
			return 0, err
		}
		if err != nil || x.HouseID != h.ID || x.ClosedAt != nil {
			return 0, errs.Field("household_id", "in_house", fmt.Sprintf("household %d is not an open household of house %d", *n.HouseholdID, h.ID),
				fmt.Sprintf("户 %d 不是房屋 %d 中的在册户", *n.HouseholdID, h.ID))
		}
		hh = x
	} else {
		var ids []int64
		rows, err := tx.QueryContext(ctx, `SELECT id FROM households WHERE house_id = ? AND closed_at IS NULL ORDER BY id`, h.ID)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		switch {
		case len(ids) > 1:
			return 0, errs.Field("household_id", "required", "the house has several households: choose one (household_id)", "该房屋有多户，请选择所属户（household_id）")
		case len(ids) == 1:
			if hh, err = s.household(ctx, tx, ids[0]); err != nil {
				return 0, err
			}
		default:
			if *opened == nil {
				x, err := s.openHousehold(ctx, tx, a, h)
				if err != nil {
					return 0, err
				}
				*opened = &x
			}
			hh = **opened
		}
		n.HouseholdID = &hh.ID
	}
	n.AreaCode = ""
	if _, err := n.validate(day); err != nil {
		return 0, err
	}
	idSeal, err := s.sealID(n.IDType, n.IDNumber)
	if err != nil {
		return 0, err
	}
	phoneSeal, err := s.sealPhone(n.Phone)
	if err != nil {
		return 0, err
	}
	tagIDs, tagNames, err := resolveTags(ctx, tx, n.Tags, 0)
	if err != nil {
		return 0, err
	}
	if err := checkUniqueID(ctx, tx, p, idSeal.index, 0); err != nil {
		return 0, err
	}
	id, err := insertPerson(ctx, tx, a, hh.AreaCode, *n, idSeal, phoneSeal, tagIDs, tagNames)
	if err != nil {
		return 0, err
	}
	joined := n.JoinedOn
	if joined == "" {
		joined = n.MovedInOn
	}
	if joined == "" {
		joined = day
	}
	per, err := s.person(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if err := s.join(ctx, tx, a, hh, per, n.Relationship, joined); err != nil {
		return 0, err
	}
	return id, nil
}

// openHousehold opens a family household in a house for persons found there.
func (s *Store) openHousehold(ctx context.Context, tx *db.Tx, a actor, h House) (Household, error) {
	now := db.Millis(a.at)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO households (house_id, area_code, household_type, note, created_at, updated_at) VALUES (?, ?, 'family', '', ?, ?) RETURNING id`,
		h.ID, h.AreaCode, now, now).Scan(&id); err != nil {
		return Household{}, err
	}
	if err := record(ctx, tx, a, "household", id, h.AreaCode, diff{{field: "created", to: &h.Address}}); err != nil {
		return Household{}, err
	}
	return s.household(ctx, tx, id)
}

const visitCols = `v.id, v.campaign_id, v.house_id, v.area_code, h.address, v.door_knocked, v.entered, v.persons_asked, v.outcome, v.note,
	v.records_checked, v.records_confirmed, v.corrections, v.new_persons, v.is_current, v.visited_at, v.visitor_name`

const visitFrom = ` FROM campaign_visits v JOIN houses h ON h.id = v.house_id`

func scanVisit(sc interface{ Scan(...any) error }) (CampaignVisit, error) {
	var (
		x                       CampaignVisit
		knocked, entered, isCur int
		at                      int64
	)
	err := sc.Scan(&x.ID, &x.CampaignID, &x.HouseID, &x.AreaCode, &x.Address, &knocked, &entered, &x.PersonsAsked, &x.Outcome, &x.Note,
		&x.RecordsChecked, &x.RecordsConfirmed, &x.Corrections, &x.NewPersons, &isCur, &at, &x.VisitorName)
	x.DoorKnocked, x.Entered, x.Current = knocked == 1, entered == 1, isCur == 1
	x.VisitedAt = db.Time(at)
	x.CorrectedIDs, x.NewPersonIDs = []int64{}, []int64{}
	return x, err
}

// visit reads one visit with its changed persons (no scope check).
func (s *Store) visit(ctx context.Context, q db.Querier, id int64) (CampaignVisit, error) {
	x, err := scanVisit(q.QueryRowContext(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.id = ?`, id))
	if err != nil {
		return x, err
	}
	vs := []CampaignVisit{x}
	if err := s.loadVisitPersons(ctx, q, vs); err != nil {
		return x, err
	}
	return vs[0], nil
}

func (s *Store) loadVisitPersons(ctx context.Context, q db.Querier, vs []CampaignVisit) error {
	if len(vs) == 0 {
		return nil
	}
	at := map[int64]int{}
	ids := make([]any, len(vs))
	for i, v := range vs {
		at[v.ID], ids[i] = i, v.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT visit_id, person_id, kind FROM campaign_visit_persons WHERE visit_id IN `+inClause(len(ids))+` ORDER BY visit_id, person_id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var vid, pid int64
		var kind string
		if err := rows.Scan(&vid, &pid, &kind); err != nil {
			return err
		}
		v := &vs[at[vid]]
		if kind == "corrected" {
			v.CorrectedIDs = append(v.CorrectedIDs, pid)
		} else {
			v.NewPersonIDs = append(v.NewPersonIDs, pid)
		}
	}
	return rows.Err()
}

// HouseVisits lists the visits of a visible house during a campaign, the
// current one first, then the earlier ones newest first.
func (s *Store) HouseVisits(ctx context.Context, campaignID, houseID int64) ([]CampaignVisit, error) {
	if _, err := s.campaign(ctx, s.db, campaignID); err != nil {
		return nil, err
	}
	if _, err := s.GetHouse(ctx, houseID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.campaign_id = ? AND v.house_id = ? ORDER BY v.is_current DESC, v.id DESC LIMIT 1000`, campaignID, houseID)
	if err != nil {
		return nil, err
	}
	out := []CampaignVisit{}
	for rows.Next() {
		x, err := scanVisit(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadVisitPersons(ctx, s.db, out)
}
