package cases

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// Calendar computes deadlines in working time (internal/worktime).
type Calendar interface {
	Add(start time.Time, d time.Duration) time.Time
	Between(a, b time.Time) time.Duration
}

// Config tunes duplicate detection.
type Config struct {
	DuplicateRadiusM float64       // default 200 m
	DuplicateWindow  time.Duration // default 72 h
}

// Store is the case engine.
type Store struct {
	db       *db.DB
	clock    clock.Clock
	areas    *area.Store
	keys     *pii.Keyring
	calendar func() Calendar
	files    *attach.Store
	cfg      Config
	cats     categoryCache
}

// NewStore wires the engine; calendar returns the current working-time
// calendar (it is reloaded when the calendar data changes).
func NewStore(d *db.DB, c clock.Clock, areas *area.Store, keys *pii.Keyring, calendar func() Calendar, files *attach.Store, cfg Config) *Store {
	if cfg.DuplicateRadiusM <= 0 {
		cfg.DuplicateRadiusM = 200
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = 72 * time.Hour
	}
	return &Store{db: d, clock: c, areas: areas, keys: keys, calendar: calendar, files: files, cfg: cfg}
}

// visible is the predicate on cases (alias c) for what the principal may
// see: cases in the areas where it may read cases, cases handed to its unit,
// assigned to it or reported by it, and the originals its merged reports
// follow.
func visible(p *access.Principal) (string, []any) {
	where, args := p.ScopeFor(access.CasesRead).SQL("c.area_code")
	parts := []string{where}
	if p.UnitID != 0 {
		parts = append(parts, "c.assignee_unit_id = ?")
		args = append(args, p.UnitID)
	}
	if p.UserID != 0 {
		parts = append(parts, "c.assignee_user_id = ?", "c.reporter_user_id = ?",
			"c.id IN (SELECT m.merged_into_id FROM cases m WHERE m.reporter_user_id = ? AND m.merged_into_id IS NOT NULL)")
		args = append(args, p.UserID, p.UserID, p.UserID)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

var errCaseNotFound = errs.NotFoundf("case", "事件")

func newToken() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// actorName is how a principal appears in timelines.
func actorName(ctx context.Context, q db.Querier, p *access.Principal) (string, error) {
	if p.UserID == 0 {
		return "系统", nil
	}
	if p.DisplayName != "" {
		return p.DisplayName, nil
	}
	var name string
	err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, p.UserID).Scan(&name)
	return name, err
}

// deadline adds an SLA duration in the category's clock.
func (s *Store) deadline(cat Category, from time.Time, minutes int) time.Time {
	d := time.Duration(minutes) * time.Minute
	if cat.SLAClock == "working" && s.calendar != nil {
		if cal := s.calendar(); cal != nil {
			return cal.Add(from, d)
		}
	}
	return from.Add(d)
}

// remaining is the SLA time left between two instants in the category's clock.
func (s *Store) remaining(cat Category, from, due time.Time) time.Duration {
	if !due.After(from) {
		return 0
	}
	if cat.SLAClock == "working" && s.calendar != nil {
		if cal := s.calendar(); cal != nil {
			return cal.Between(from, due)
		}
	}
	return due.Sub(from)
}

// appendEvent writes a timeline step.
func appendEvent(ctx context.Context, tx *db.Tx, caseID int64, areaCode string, at time.Time, p *access.Principal, actor, action string, from *State, to State, level Level, note string, data map[string]any) (int64, error) {
	if data == nil {
		data = map[string]any{}
	}
	raw, _ := json.Marshal(data)
	var uid any
	if p.UserID != 0 {
		uid = p.UserID
	}
	var fromArg any
	if from != nil {
		fromArg = string(*from)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO case_events (case_id, area_code, at, actor_user_id, actor_name, action, from_state, to_state, level, note, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, caseID, areaCode, db.Millis(at), uid, actor, action, fromArg, string(to), string(level), note, string(raw)).Scan(&id)
	return id, err
}

const summaryCols = `c.id, c.token, c.title, c.state, c.level, c.channel, c.category_id, cat.name, c.area_code, a.name, COALESCE(cm.name, ''),
	c.lng, c.lat, c.address, c.overdue, c.reported_at, c.resolve_due_at, COALESCE(asg.display_name, COALESCE(un.name, '')), c.rating`

const summaryFrom = ` FROM cases c
	JOIN case_categories cat ON cat.id = c.category_id
	JOIN areas a ON a.code = c.area_code
	LEFT JOIN areas cm ON cm.code = SUBSTR(c.area_code, 1, 12) AND LENGTH(c.area_code) >= 12
	LEFT JOIN users asg ON asg.id = c.assignee_user_id
	LEFT JOIN units un ON un.id = c.assignee_unit_id`

// scanSummary scans the summary columns, then any extra columns selected
// after them.
func scanSummary(sc interface{ Scan(...any) error }, extra ...any) (Summary, error) {
	var (
		s        Summary
		lng, lat sql.NullFloat64
		overdue  int
		reported int64
		due      sql.NullInt64
		rating   sql.NullString
	)
	err := sc.Scan(append([]any{&s.ID, &s.Token, &s.Title, &s.State, &s.Level, &s.Channel, &s.CategoryID, &s.CategoryName, &s.AreaCode, &s.AreaName, &s.CommunityName,
		&lng, &lat, &s.Address, &overdue, &reported, &due, &s.AssigneeName, &rating}, extra...)...)
	if err != nil {
		return s, err
	}
	if lng.Valid && lat.Valid {
		s.Lng, s.Lat = &lng.Float64, &lat.Float64
	}
	s.Overdue = overdue == 1
	s.ReportedAt = db.Time(reported)
	s.ResolveDueAt = db.NullTime(due)
	if rating.Valid {
		r := Rating(rating.String)
		s.Rating = &r
	}
	return s, nil
}

// load reads the full record of a case without a visibility check.
func (s *Store) load(ctx context.Context, q db.Querier, id int64) (Case, error) {
	var (
		c                                                Case
		maxL                                             string
		closedL, resume, phoneMasked                     sql.NullString
		reporter, asgUser, asgUnit, merged               sql.NullInt64
		suspended, acceptDue, accepted, resolved, closed sql.NullInt64
		rated                                            sql.NullInt64
		updated                                          int64
		extra                                            string
	)
	row := q.QueryRowContext(ctx, `SELECT `+summaryCols+`, c.description, c.max_level, c.closed_level, c.escalations, c.reporter_user_id, c.reporter_name,
		c.reporter_phone_masked, c.assignee_user_id, c.assignee_unit_id, COALESCE(un.name, ''), c.extra, c.media_url, c.merged_into_id, c.resume_state,
		c.suspended_at, c.accept_due_at, c.accepted_at, c.resolved_at, c.closed_at, c.rated_at, c.updated_at`+summaryFrom+` WHERE c.id = ?`, id)
	sum, err := scanSummary(row, &c.Description, &maxL, &closedL, &c.Escalations, &reporter, &c.ReporterName,
		&phoneMasked, &asgUser, &asgUnit, &c.AssigneeUnitName, &extra, &c.MediaURL, &merged, &resume,
		&suspended, &acceptDue, &accepted, &resolved, &closed, &rated, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, errCaseNotFound
	}
	if err != nil {
		return Case{}, err
	}
	c.Summary = sum
	c.MaxLevel = Level(maxL)
	if closedL.Valid {
		l := Level(closedL.String)
		c.ClosedLevel = &l
	}
	if resume.Valid {
		st := State(resume.String)
		c.ResumeState = &st
	}
	c.ReporterPhoneMasked = phoneMasked.String
	c.ReporterUserID = nullID(reporter)
	c.AssigneeUserID = nullID(asgUser)
	c.AssigneeUnitID = nullID(asgUnit)
	c.MergedIntoID = nullID(merged)
	c.Extra = json.RawMessage(extra)
	c.SuspendedAt, c.AcceptDueAt, c.AcceptedAt = db.NullTime(suspended), db.NullTime(acceptDue), db.NullTime(accepted)
	c.ResolvedAt, c.ClosedAt, c.RatedAt = db.NullTime(resolved), db.NullTime(closed), db.NullTime(rated)
	c.UpdatedAt = db.Time(updated)
	return c, nil
}

func nullID(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// Get returns a visible case with its category, timeline, attachments and
// the actions the caller may take now.
func (s *Store) Get(ctx context.Context, id int64) (Case, error) {
	p := access.From(ctx)
	where, args := visible(p)
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM cases c WHERE c.id = ? AND `+where, append([]any{id}, args...)...).Scan(&one); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Case{}, errCaseNotFound
		}
		return Case{}, err
	}
	c, err := s.load(ctx, s.db, id)
	if err != nil {
		return Case{}, err
	}
	cat, err := s.Category(ctx, s.db, c.CategoryID)
	if err != nil {
		return Case{}, err
	}
	c.Category = &cat
	if c.Timeline, err = s.timeline(ctx, id); err != nil {
		return Case{}, err
	}
	c.Attachments = []attach.Attachment{}
	if s.files != nil {
		m, err := s.files.ListByCase(ctx, id)
		if err != nil {
			return Case{}, err
		}
		if m[id] != nil {
			c.Attachments = m[id]
		}
	}
	c.AllowedActions = s.allowed(p, &c)
	return c, nil
}

func (s *Store) timeline(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, actor_name, action, from_state, to_state, level, note, data FROM case_events WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var at int64
		var from sql.NullString
		var data string
		if err := rows.Scan(&e.ID, &at, &e.ActorName, &e.Action, &from, &e.ToState, &e.Level, &e.Note, &data); err != nil {
			return nil, err
		}
		e.At = db.Time(at)
		if from.Valid {
			st := State(from.String)
			e.FromState = &st
		}
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}
