package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// NewCase is a report from any channel.
type NewCase struct {
	CategoryID    int64          `json:"category_id"`
	Title         string         `json:"title"`
	Description   string         `json:"description"`
	Lng           *float64       `json:"lng"`
	Lat           *float64       `json:"lat"`
	CRS           string         `json:"crs"`
	AreaCode      string         `json:"area_code"`
	Address       string         `json:"address"`
	Channel       Channel        `json:"channel"`
	ReporterName  string         `json:"reporter_name"`
	ReporterPhone string         `json:"reporter_phone"`
	Extra         map[string]any `json:"extra"`
	MediaURL      string         `json:"media_url,omitempty"`
	// IdempotencyKey comes from the Idempotency-Key header: a retried
	// submission returns the case the first one created.
	IdempotencyKey string `json:"-"`
}

func (n *NewCase) validate() error {
	n.Title, n.Description = strings.TrimSpace(n.Title), strings.TrimSpace(n.Description)
	n.Address, n.ReporterName = strings.TrimSpace(n.Address), strings.TrimSpace(n.ReporterName)
	n.ReporterPhone = strings.ReplaceAll(strings.TrimSpace(n.ReporterPhone), " ", "")
	var v errs.Validation
	v.Check(n.CategoryID > 0, "category_id", "required", "category_id is required", "请选择事件类别")
	v.Required("title", n.Title)
	v.Check(utf8.RuneCountInString(n.Title) <= 100, "title", "max_length", "title is longer than 100 characters", "标题超过 100 个字")
	v.Check(utf8.RuneCountInString(n.Description) <= 5000, "description", "max_length", "description is longer than 5000 characters", "描述超过 5000 个字")
	v.Check(channels[n.Channel], "channel", "enum", "channel must be console, hotline, app, resident, enterprise or open311", "渠道须为 console、hotline、app、resident、enterprise 或 open311")
	if (n.Lng == nil) != (n.Lat == nil) {
		v.Add("lng", "pair", "lng and lat go together", "经纬度须同时提供")
	}
	if n.Lng != nil && n.Lat != nil {
		v.Check(*n.Lng >= -180 && *n.Lng <= 180, "lng", "range", "lng must be between -180 and 180", "经度必须在 -180 到 180 之间")
		v.Check(*n.Lat >= -90 && *n.Lat <= 90, "lat", "range", "lat must be between -90 and 90", "纬度必须在 -90 到 90 之间")
		_, err := geo.ParseCRS(n.CRS)
		v.Check(err == nil, "crs", "enum", "crs must be wgs84, gcj02 or bd09", "crs 必须是 wgs84、gcj02 或 bd09")
	} else {
		v.Check(n.AreaCode != "", "area_code", "required", "without a location, choose the area (area_code)", "未提供位置时须选择所在区域（area_code）")
	}
	v.Check(n.ReporterPhone == "" || len(n.ReporterPhone) <= 20 && strings.Trim(n.ReporterPhone, "+-0123456789") == "", "reporter_phone", "format", "reporter_phone must be a phone number", "联系电话格式不正确")
	v.Check(n.IdempotencyKey == "" || len(n.IdempotencyKey) <= 100, "Idempotency-Key", "max_length", "the Idempotency-Key is longer than 100 characters", "Idempotency-Key 超过 100 个字符")
	return v.Err()
}

// publicReporter: residents and enterprises may report anywhere in the
// district; the engine routes the case to whoever is responsible there.
func publicReporter(p *access.Principal) bool {
	for _, b := range p.Bindings {
		if b.Role == "resident" || b.Role == "enterprise_user" {
			return true
		}
	}
	return false
}

// Report takes in a case: validates it, places it in its microgrid, routes
// it to the level of its category and to the person or unit on duty there,
// sets its deadlines and appends the first timeline step — all in one
// transaction. A repeated Idempotency-Key returns the first case (created=false).
func (s *Store) Report(ctx context.Context, n NewCase) (c Case, created bool, err error) {
	if err := n.validate(); err != nil {
		return Case{}, false, err
	}
	p := access.From(ctx)
	// A repeated Idempotency-Key is caught by the unique index at insert
	// time (below), so the common path costs no lookup.
	cat, err := s.cachedCategory(ctx, n.CategoryID)
	if errs.Is(err, errs.NotFound) || err == nil && (cat.ParentID == nil || !cat.Active) {
		return Case{}, false, errs.Field("category_id", "exists", fmt.Sprintf("category %d does not exist or takes no cases (choose an active subcategory)", n.CategoryID),
			fmt.Sprintf("事件类别 %d 不存在或不可用（请选择启用的小类）", n.CategoryID))
	}
	if err != nil {
		return Case{}, false, err
	}
	extra, err := cat.ValidateExtra(n.Extra)
	if err != nil {
		return Case{}, false, err
	}
	areaCode := n.AreaCode
	var lng, lat any
	if n.Lng != nil {
		crs, _ := geo.ParseCRS(n.CRS)
		x, y := geo.ToWGS84(crs, *n.Lng, *n.Lat)
		code, ok := s.areas.Locator().Code(x, y)
		if !ok {
			return Case{}, false, errs.Field("lng", "outside", "the location lies outside every grid of the district", "该位置不在辖区任何网格内")
		}
		areaCode, lng, lat = code, x, y
	}
	if !p.CanAt(access.CasesReport, areaCode) && !(p.Can(access.CasesReport) && publicReporter(p)) {
		if p.Scope.Contains(areaCode) || n.Lng != nil {
			return Case{}, false, errs.Field("area_code", "scope", "you may not report cases in area "+areaCode, "您无权在区域 "+areaCode+" 上报事件")
		}
		return Case{}, false, errs.Field("area_code", "exists", "area "+areaCode+" not found", "区域 "+areaCode+" 不存在")
	}
	phoneEnc, phoneMasked := "", ""
	if n.ReporterPhone != "" {
		if phoneEnc, err = s.keys.EncryptFor("cases.reporter_phone", n.ReporterPhone); err != nil {
			return Case{}, false, err
		}
		phoneMasked = pii.MaskPhone(n.ReporterPhone)
	}
	extraJSON, err := json.Marshal(extra)
	if err != nil {
		return Case{}, false, err
	}
	now := s.clock.Now()
	level := cat.DefaultLevel
	// Everything that only reads happens before the write, so that the
	// write itself is three INSERTs in a group-committed transaction.
	// Located reports land in an open microgrid (the index holds only
	// those); a chosen area must exist and be open.
	if n.Lng == nil {
		var open int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND valid_to IS NULL`, areaCode).Scan(&open); err != nil {
			return Case{}, false, err
		}
		if open == 0 {
			return Case{}, false, errs.Field("area_code", "exists", "area "+areaCode+" does not exist or is closed", "区域 "+areaCode+" 不存在或已撤销")
		}
	}
	asgUser, asgUnit, err := s.routeTo(ctx, s.db, level, areaCode, cat, nil)
	if err != nil {
		return Case{}, false, err
	}
	actor, err := actorName(ctx, s.db, p)
	if err != nil {
		return Case{}, false, err
	}
	reporterName := n.ReporterName
	var reporter any
	if p.UserID != 0 {
		reporter = p.UserID
		if reporterName == "" {
			reporterName = actor
		}
	}
	var key any
	if n.IdempotencyKey != "" {
		key = idemKey(p, n.IdempotencyKey)
	}
	var id, eventID int64
	token := newToken()
	acceptDue, resolveDue := s.deadline(cat, now, cat.AcceptMinutes), s.deadline(cat, now, cat.ResolveMinutes)
	err = s.db.Group().Do(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO cases (token, area_code, category_id, title, description, state, level, max_level, channel,
			reporter_user_id, reporter_name, reporter_phone_enc, reporter_phone_masked, lng, lat, address, assignee_user_id, assignee_unit_id,
			extra, media_url, accept_due_at, resolve_due_at, reported_at, idempotency_key, updated_at)
			VALUES (?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			token, areaCode, cat.ID, n.Title, n.Description, string(level), string(level), string(n.Channel),
			reporter, reporterName, phoneEnc, phoneMasked, lng, lat, n.Address, asgUser, asgUnit,
			string(extraJSON), n.MediaURL, db.Millis(acceptDue), db.Millis(resolveDue),
			db.Millis(now), key, db.Millis(now)).Scan(&id)
		if err != nil {
			return err
		}
		if eventID, err = appendEvent(ctx, tx, id, areaCode, now, p, actor, "report", nil, Reported, level, "",
			map[string]any{"channel": n.Channel, "assignee_user_id": asgUser, "assignee_unit_id": asgUnit}); err != nil {
			return err
		}
		return s.notifyAssignee(ctx, tx, id, asgUser, asgUnit, "assigned", "新事件："+n.Title, now)
	})
	if err != nil {
		if n.IdempotencyKey != "" && db.IsUniqueViolation(err) {
			// A concurrent retry won the race; answer with its case.
			if c, ok, err2 := s.byIdempotencyKey(ctx, p, n.IdempotencyKey); err2 == nil && ok {
				return c, false, nil
			}
		}
		return Case{}, false, err
	}
	// The new case is answered from what was just written, plus one query
	// for the names, rather than read back whole: intake is the hottest path.
	c = Case{Summary: Summary{ID: id, Token: token, Title: n.Title, State: Reported, Level: level, Channel: n.Channel, CategoryID: cat.ID,
		CategoryName: cat.Name, AreaCode: areaCode, Address: n.Address, ReportedAt: now, ResolveDueAt: &resolveDue},
		Description: n.Description, MaxLevel: level, ReporterName: reporterName, ReporterPhoneMasked: phoneMasked,
		Extra: extraJSON, MediaURL: n.MediaURL, AcceptDueAt: &acceptDue, UpdatedAt: now, Category: &cat, Attachments: []attach.Attachment{}}
	if p.UserID != 0 {
		c.ReporterUserID = &p.UserID
	}
	if x, ok := lng.(float64); ok {
		y := lat.(float64)
		c.Lng, c.Lat = &x, &y
	}
	if u, ok := asgUser.(int64); ok {
		c.AssigneeUserID = &u
	}
	if u, ok := asgUnit.(int64); ok {
		c.AssigneeUnitID = &u
	}
	err = s.db.QueryRowContext(ctx, `SELECT a.name, COALESCE(cm.name, ''), COALESCE((SELECT display_name FROM users WHERE id = ?), ''),
		COALESCE((SELECT name FROM units WHERE id = ?), '') FROM areas a LEFT JOIN areas cm ON cm.code = ? WHERE a.code = ?`,
		asgUser, asgUnit, areaCode[:min(len(areaCode), 12)], areaCode).Scan(&c.AreaName, &c.CommunityName, &c.AssigneeName, &c.AssigneeUnitName)
	if err != nil {
		return Case{}, false, err
	}
	if len(areaCode) < 12 {
		c.CommunityName = ""
	}
	if c.AssigneeName == "" {
		c.AssigneeName = c.AssigneeUnitName
	}
	data, _ := json.Marshal(map[string]any{"channel": n.Channel, "assignee_user_id": asgUser, "assignee_unit_id": asgUnit})
	c.Timeline = []Event{{ID: eventID, At: now, ActorName: actor, Action: "report", ToState: Reported, Level: level, Data: data}}
	c.AllowedActions = s.allowed(p, &c)
	// Staff taking a call are offered the open cases it may repeat; the
	// apps and portals report without waiting for that search (dispatchers
	// see the candidates on the case page).
	if c.Lng != nil && (n.Channel == "console" || n.Channel == "hotline") {
		c.Duplicates, err = s.Duplicates(ctx, id)
	}
	return c, true, err
}

// idemKey scopes an Idempotency-Key to its sender.
func idemKey(p *access.Principal, key string) string {
	return fmt.Sprintf("%d:%s", p.UserID, key)
}

func (s *Store) byIdempotencyKey(ctx context.Context, p *access.Principal, key string) (Case, bool, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM cases WHERE idempotency_key = ?`, idemKey(p, key)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, err
	}
	c, err := s.Get(ctx, id)
	return c, err == nil, err
}

// routeTo finds who handles a case at a level in an area: the grid's worker,
// the community's secretary, nobody in particular at the subdistrict (its
// dispatchers pick it up), or the department of the category (or the unit
// given).
func (s *Store) routeTo(ctx context.Context, q db.Querier, level Level, areaCode string, cat Category, unit *int64) (user, unitID any, err error) {
	first := func(kind string, code string) (any, error) {
		var id int64
		err := q.QueryRowContext(ctx, `SELECT user_id FROM duties WHERE kind = ? AND area_code = ? ORDER BY id LIMIT 1`, kind, code).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return id, err
	}
	switch level {
	case LevelGrid:
		if len(areaCode) >= area.Grid.Width() {
			user, err = first(string(area.GridWorker), areaCode[:area.Grid.Width()])
		}
	case LevelCommunity:
		if len(areaCode) >= area.Community.Width() {
			user, err = first(string(area.Secretary), areaCode[:area.Community.Width()])
		}
	case LevelDepartment:
		switch {
		case unit != nil:
			unitID = *unit
		case cat.DepartmentUnitID != nil:
			unitID = *cat.DepartmentUnitID
		default:
			return nil, nil, errs.Field("assignee_unit_id", "required", "this category names no department: choose the department (assignee_unit_id)", "该类别未指定处置部门，请选择部门（assignee_unit_id）")
		}
	}
	return user, unitID, err
}
