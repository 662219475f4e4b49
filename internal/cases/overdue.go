package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/platform/db"
)

// scanBatch bounds one scanner transaction.
const scanBatch = 200

// ScanOverdue flags the cases whose accept or resolve deadline has passed,
// tells the supervisors (督办: an in-app notification and a webhook event),
// and escalates the case where its category says so. It is safe to run on
// several replicas at once: rows are claimed with FOR UPDATE SKIP LOCKED on
// PostgreSQL (SQLite has a single writer), and flagging is conditional on
// overdue = 0, so each case is flagged, notified and escalated exactly once.
// Suspended cases are never overdue: their clock stands still.
func (s *Store) ScanOverdue(ctx context.Context) (flagged int, err error) {
	for {
		n, err := s.scanOnce(ctx)
		flagged += n
		if err != nil || n < scanBatch {
			return flagged, err
		}
	}
}

func (s *Store) scanOnce(ctx context.Context) (int, error) {
	now := s.clock.Now()
	ms := db.Millis(now)
	n := 0
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		lock := ""
		if tx.Dialect() == db.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		// The predicates repeat the partial indexes' (cases_accept_due, cases_resolve_due).
		ids, err := queryIDs(ctx, tx, `SELECT id FROM cases WHERE state = 'reported' AND overdue = 0 AND accept_due_at < ? ORDER BY accept_due_at LIMIT `+fmt.Sprint(scanBatch)+lock, ms)
		if err != nil {
			return err
		}
		more, err := queryIDs(ctx, tx, `SELECT id FROM cases WHERE state IN ('accepted','dispatched','in_progress','reopened') AND overdue = 0 AND resolve_due_at < ? ORDER BY resolve_due_at LIMIT `+fmt.Sprint(scanBatch)+lock, ms)
		if err != nil {
			return err
		}
		ids = append(ids, more...)
		system := access.From(access.System(ctx))
		for _, id := range ids {
			r, err := tx.ExecContext(ctx, `UPDATE cases SET overdue = 1, updated_at = ? WHERE id = ? AND overdue = 0`, ms, id)
			if err != nil {
				return err
			}
			if k, _ := r.RowsAffected(); k == 0 {
				continue
			}
			if err := s.superviseOverdue(ctx, tx, id, system, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func queryIDs(ctx context.Context, q db.Querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// superviseOverdue records the overdue step, notifies, and auto-escalates.
func (s *Store) superviseOverdue(ctx context.Context, tx *db.Tx, id int64, system *access.Principal, now time.Time) error {
	c, err := s.load(ctx, tx, id)
	if err != nil {
		return err
	}
	cat, err := s.cachedCategory(ctx, c.CategoryID)
	if err != nil {
		return err
	}
	which := "resolve"
	if c.State == Reported {
		which = "accept"
	}
	if _, err := appendEvent(ctx, tx, id, c.AreaCode, now, system, "系统", "overdue", &c.State, c.State, c.Level, "",
		map[string]any{"deadline": which}); err != nil {
		return err
	}
	title := fmt.Sprintf("督办：事件“%s”已超期（%s时限）", c.Title, map[string]string{"accept": "受理", "resolve": "办结"}[which])
	supervisors, err := s.supervisors(ctx, tx, &c)
	if err != nil {
		return err
	}
	for _, uid := range supervisors {
		if err := notify(ctx, tx, uid, id, "overdue", title, "", now); err != nil {
			return err
		}
	}
	if err := enqueueWebhook(ctx, tx, "case.overdue", map[string]any{"case_id": id, "token": c.Token, "title": c.Title, "area_code": c.AreaCode,
		"level": c.Level, "state": c.State, "deadline": which, "supervisors": supervisors, "at": now}, now); err != nil {
		return err
	}
	if !cat.AutoEscalate || c.Level.up() == "" {
		return nil
	}
	level := c.Level.up()
	user, unit, err := s.routeTo(ctx, tx, level, c.AreaCode, cat, nil)
	if err != nil {
		return nil // no department configured: stay flagged and supervised
	}
	set := map[string]any{"state": string(Accepted), "level": string(level), "assignee_user_id": user, "assignee_unit_id": unit,
		"escalations": c.Escalations + 1, "updated_at": db.Millis(now)}
	if level.rank() > c.MaxLevel.rank() {
		set["max_level"] = string(level)
	}
	if c.State == Reported {
		set["accepted_at"] = db.Millis(now)
	}
	if err := updateCase(ctx, tx, id, set); err != nil {
		return err
	}
	if _, err := appendEvent(ctx, tx, id, c.AreaCode, now, system, "系统", "auto_escalate", &c.State, Accepted, level, "超期自动上报",
		map[string]any{"from_level": c.Level, "to_level": level, "assignee_user_id": user, "assignee_unit_id": unit}); err != nil {
		return err
	}
	return s.notifyAssignee(ctx, tx, id, user, unit, "escalated", "超期上报："+c.Title, now)
}

// supervisors are who is told of an overdue case: its assignee, the
// community secretary for grid-level cases, and the subdistrict's
// administrators and dispatchers for cases at community level and above.
func (s *Store) supervisors(ctx context.Context, tx *db.Tx, c *Case) ([]int64, error) {
	seen := map[int64]bool{}
	var out []int64
	add := func(ids []int64) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	if c.AssigneeUserID != nil {
		add([]int64{*c.AssigneeUserID})
	}
	if c.Level == LevelGrid && len(c.AreaCode) >= area.Community.Width() {
		ids, err := queryIDs(ctx, tx, `SELECT user_id FROM duties WHERE kind = 'secretary' AND area_code = ? ORDER BY id`, c.AreaCode[:area.Community.Width()])
		if err != nil {
			return nil, err
		}
		add(ids)
	}
	if c.Level != LevelGrid && len(c.AreaCode) >= area.Subdistrict.Width() {
		ids, err := queryIDs(ctx, tx, `SELECT user_id FROM user_roles WHERE role IN ('subdistrict_admin','dispatcher') AND area_code = ? ORDER BY user_id`, c.AreaCode[:area.Subdistrict.Width()])
		if err != nil {
			return nil, err
		}
		add(ids)
	}
	return out, nil
}

// Watch runs the overdue scanner and the webhook deliverer every interval
// until ctx ends.
func (s *Store) Watch(ctx context.Context, every time.Duration, hook *Webhook, logf func(string, ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.ScanOverdue(ctx); err != nil && ctx.Err() == nil {
			logf("overdue scan failed", "err", err)
		} else if n > 0 {
			logf("overdue cases flagged", "count", n)
		}
		if hook != nil {
			if _, err := hook.DeliverDue(ctx); err != nil && ctx.Err() == nil {
				logf("webhook delivery failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
