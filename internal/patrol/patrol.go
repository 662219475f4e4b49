// Package patrol keeps grid workers' patrols (巡查, DESIGN §5.4): a walk in
// an area with its GPS track. Uploads come from the field app's outbox, so
// every write is idempotent: starting a patrol again by its client id
// returns it, and track points already received are skipped, never stored
// twice. Totals (points, distance) are kept on the patrol as the track
// arrives, so figures for a month of a subdistrict read one row a patrol.
package patrol

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Limits of an upload.
const (
	MaxPointsPerBatch = 1000
	// ClockSkew is how far in the future a device's timestamp may lie.
	ClockSkew = 2 * time.Minute
	// MaxAccuracyM: a fix worse than this says nothing about where one was.
	MaxAccuracyM = 1000
)

// Patrol is one walk.
type Patrol struct {
	ID        int64      `json:"id"`
	ClientID  string     `json:"client_id"`
	UserID    int64      `json:"user_id"`
	AreaCode  string     `json:"area_code"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Points    int        `json:"points"`
	DistanceM float64    `json:"distance_m"`
}

// NewPatrol starts a patrol.
type NewPatrol struct {
	ClientID  string    `json:"client_id"` // the app's id of the patrol
	AreaCode  string    `json:"area_code"` // the grid walked
	StartedAt time.Time `json:"started_at"`
}

// Point is a GPS fix in WGS-84.
type Point struct {
	At        time.Time `json:"at"`
	Lng       float64   `json:"lng"`
	Lat       float64   `json:"lat"`
	AccuracyM float64   `json:"accuracy_m"`
}

// Store keeps patrols.
type Store struct {
	db    *db.DB
	clock clock.Clock
}

// NewStore returns a store.
func NewStore(d *db.DB, c clock.Clock) *Store { return &Store{db: d, clock: c} }

var errNotFound = errs.NotFoundf("patrol", "巡查记录")

// Start starts a patrol in an area where the caller records patrols; the
// same client id again returns the patrol it started (created false).
func (s *Store) Start(ctx context.Context, n NewPatrol) (Patrol, bool, error) {
	p := access.From(ctx)
	n.ClientID = strings.TrimSpace(n.ClientID)
	var v errs.Validation
	v.Check(n.ClientID != "" && len(n.ClientID) <= 100, "client_id", "required", "client_id (the app's id of the patrol, at most 100 characters) is required", "缺少 client_id（巡查在应用中的编号，最多 100 个字符）")
	v.Check(!n.StartedAt.IsZero(), "started_at", "required", "started_at is required", "缺少开始时间 started_at")
	v.Check(n.StartedAt.IsZero() || !n.StartedAt.After(s.clock.Now().Add(ClockSkew)), "started_at", "future", "started_at lies in the future", "开始时间晚于当前时间")
	v.Check(n.AreaCode != "", "area_code", "required", "area_code (the grid patrolled) is required", "缺少巡查区域 area_code")
	if err := v.Err(); err != nil {
		return Patrol{}, false, err
	}
	if !p.CanAt(access.PatrolRecord, n.AreaCode) {
		return Patrol{}, false, errs.Field("area_code", "scope", "you do not patrol in this area", "您不负责该区域的巡查")
	}
	var (
		out     Patrol
		created bool
	)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND valid_to IS NULL`, n.AreaCode).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return errs.Field("area_code", "exists", "no open area has this code", "没有该编码的区域")
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO patrols (client_id, user_id, area_code, started_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, client_id) DO NOTHING`, n.ClientID, p.UserID, n.AreaCode, db.Millis(n.StartedAt))
		if err != nil {
			return err
		}
		k, _ := r.RowsAffected()
		created = k == 1
		out, err = scanPatrol(tx.QueryRowContext(ctx, `SELECT `+patrolCols+` FROM patrols WHERE user_id = ? AND client_id = ?`, p.UserID, n.ClientID))
		return err
	})
	return out, created, err
}

const patrolCols = `id, client_id, user_id, area_code, started_at, ended_at, points, distance_m`

func scanPatrol(row interface{ Scan(...any) error }) (Patrol, error) {
	var (
		p       Patrol
		started int64
		ended   sql.NullInt64
	)
	err := row.Scan(&p.ID, &p.ClientID, &p.UserID, &p.AreaCode, &started, &ended, &p.Points, &p.DistanceM)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	p.StartedAt, p.EndedAt = db.Time(started), db.NullTime(ended)
	return p, err
}

// own reads the caller's own patrol for an upload, locked for the update
// on PostgreSQL; someone else's patrol does not exist for the caller.
func own(ctx context.Context, tx *db.Tx, id int64) (p Patrol, lastAt sql.NullInt64, last orb.Point, err error) {
	lock := ""
	if tx.Dialect() == db.Postgres {
		lock = " FOR UPDATE"
	}
	var lng, lat sql.NullFloat64
	var started int64
	var ended sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT id, client_id, user_id, area_code, started_at, ended_at, points, distance_m, last_at, last_lng, last_lat
		FROM patrols WHERE id = ? AND user_id = ?`+lock, id, access.From(ctx).UserID).
		Scan(&p.ID, &p.ClientID, &p.UserID, &p.AreaCode, &started, &ended, &p.Points, &p.DistanceM, &lastAt, &lng, &lat)
	if errors.Is(err, sql.ErrNoRows) {
		return p, lastAt, last, errNotFound
	}
	p.StartedAt, p.EndedAt = db.Time(started), db.NullTime(ended)
	return p, lastAt, orb.Point{lng.Float64, lat.Float64}, err
}

// Added is what an upload of track points did.
type Added struct {
	Accepted  int     `json:"accepted"`
	Skipped   int     `json:"skipped"` // already received (a replayed upload)
	DistanceM float64 `json:"distance_m"`
}

// AddPoints appends track points to the caller's patrol: in time order,
// none in the future or before the start, coordinates on the earth and
// the accuracy sensible. Points up to the newest one already received are
// skipped as a replay. One refused point refuses the upload, naming it
// (points[3].lat); nothing of it is stored.
func (s *Store) AddPoints(ctx context.Context, patrolID int64, pts []Point) (Added, error) {
	var res Added
	if len(pts) > MaxPointsPerBatch {
		return res, errs.Field("points", "max_items", fmt.Sprintf("at most %d points an upload", MaxPointsPerBatch), fmt.Sprintf("每次最多上传 %d 个轨迹点", MaxPointsPerBatch))
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, lastAt, last, err := own(ctx, tx, patrolID)
		if err != nil {
			return err
		}
		if err := checkPoints(pts, p.StartedAt, s.clock.Now()); err != nil {
			return err
		}
		fresh := pts
		if lastAt.Valid {
			i := 0
			for i < len(pts) && db.Millis(pts[i].At) <= lastAt.Int64 {
				i++
			}
			fresh, res.Skipped = pts[i:], i
		}
		if len(fresh) == 0 {
			return nil
		}
		if p.EndedAt != nil && fresh[0].At.After(*p.EndedAt) {
			return errs.Field("points", "ended", "the patrol has ended; points after its end are refused", "巡查已结束，不接受结束之后的轨迹点")
		}
		prev, hasPrev := last, lastAt.Valid
		for _, pt := range fresh {
			here := orb.Point{pt.Lng, pt.Lat}
			if hasPrev {
				res.DistanceM += geo.Distance(prev, here)
			}
			prev, hasPrev = here, true
		}
		if err := insertPoints(ctx, tx, patrolID, fresh); err != nil {
			return err
		}
		res.Accepted = len(fresh)
		end := fresh[len(fresh)-1]
		_, err = tx.ExecContext(ctx, `UPDATE patrols SET points = points + ?, distance_m = distance_m + ?, last_at = ?, last_lng = ?, last_lat = ? WHERE id = ?`,
			len(fresh), res.DistanceM, db.Millis(end.At), end.Lng, end.Lat, patrolID)
		return err
	})
	return res, err
}

// checkPoints refuses the first point that breaks a rule.
func checkPoints(pts []Point, start, now time.Time) error {
	var v errs.Validation
	for i, pt := range pts {
		f := "points[" + strconv.Itoa(i) + "]."
		switch {
		case pt.Lng < -180 || pt.Lng > 180 || pt.Lng != pt.Lng:
			v.Add(f+"lng", "range", "lng must be between -180 and 180", "经度必须在 -180 到 180 之间")
		case pt.Lat < -90 || pt.Lat > 90 || pt.Lat != pt.Lat:
			v.Add(f+"lat", "range", "lat must be between -90 and 90", "纬度必须在 -90 到 90 之间")
		case pt.Lng == 0 && pt.Lat == 0:
			v.Add(f+"lng", "no_fix", "0,0 is no GPS fix", "坐标 0,0 不是有效定位")
		case pt.AccuracyM < 0 || pt.AccuracyM > MaxAccuracyM:
			v.Add(f+"accuracy_m", "range", fmt.Sprintf("accuracy_m must be between 0 and %d metres", MaxAccuracyM), fmt.Sprintf("定位精度须在 0 到 %d 米之间", MaxAccuracyM))
		case pt.At.IsZero():
			v.Add(f+"at", "required", "each point needs its time", "每个轨迹点须有时间")
		case pt.At.After(now.Add(ClockSkew)):
			v.Add(f+"at", "future", "the point's time lies in the future", "轨迹点时间晚于当前时间")
		case pt.At.Before(start):
			v.Add(f+"at", "before_start", "the point is older than the patrol's start", "轨迹点时间早于巡查开始时间")
		case i > 0 && !pt.At.After(pts[i-1].At):
			v.Add(f+"at", "order", "points must come in time order, each later than the one before", "轨迹点须按时间先后排列，且时间不能重复")
		}
		if v.Err() != nil {
			return v.Err()
		}
	}
	return nil
}

// insertPoints writes the points in multi-row statements (one round trip a
// few hundred points, not one a point).
func insertPoints(ctx context.Context, tx *db.Tx, patrolID int64, pts []Point) error {
	const perStatement = 200
	for len(pts) > 0 {
		n := min(len(pts), perStatement)
		var b strings.Builder
		b.WriteString(`INSERT INTO patrol_points (patrol_id, at, lng, lat, accuracy_m) VALUES `)
		args := make([]any, 0, 5*n)
		for i, pt := range pts[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, patrolID, db.Millis(pt.At), pt.Lng, pt.Lat, pt.AccuracyM)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("patrol points: %w", err)
		}
		pts = pts[n:]
	}
	return nil
}

// End ends the caller's patrol at endedAt (idempotent: ending it again
// keeps the first end).
func (s *Store) End(ctx context.Context, patrolID int64, endedAt time.Time) (Patrol, error) {
	var out Patrol
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, lastAt, _, err := own(ctx, tx, patrolID)
		if err != nil {
			return err
		}
		if p.EndedAt != nil {
			out = p
			return nil
		}
		var v errs.Validation
		v.Check(!endedAt.IsZero(), "ended_at", "required", "ended_at is required", "缺少结束时间 ended_at")
		v.Check(!endedAt.After(s.clock.Now().Add(ClockSkew)), "ended_at", "future", "ended_at lies in the future", "结束时间晚于当前时间")
		v.Check(!endedAt.Before(p.StartedAt) && (!lastAt.Valid || db.Millis(endedAt) >= lastAt.Int64), "ended_at", "order",
			"ended_at must not be before the start or the last track point", "结束时间不能早于开始时间或最后一个轨迹点")
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patrols SET ended_at = ? WHERE id = ?`, db.Millis(endedAt), patrolID); err != nil {
			return err
		}
		p.EndedAt = &endedAt
		out = p
		return nil
	})
	return out, err
}
