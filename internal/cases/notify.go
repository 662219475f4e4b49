package cases

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Notification is an entry of a user's in-app list.
type Notification struct {
	ID        int64      `json:"id"`
	CaseID    *int64     `json:"case_id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

func notify(ctx context.Context, tx *db.Tx, userID int64, caseID int64, kind, title, body string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, case_id, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, caseID, kind, title, body, db.Millis(at))
	return err
}

// notifyAssignee tells the person a case was given to, or the handlers of
// the unit it was given to.
func (s *Store) notifyAssignee(ctx context.Context, tx *db.Tx, caseID int64, user, unit any, kind, title string, at time.Time) error {
	var ids []int64
	if u, ok := user.(int64); ok {
		ids = append(ids, u)
	}
	if u, ok := unit.(int64); ok {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE unit_id = ?`, u)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
	}
	for _, id := range ids {
		if err := notify(ctx, tx, id, caseID, kind, title, "", at); err != nil {
			return err
		}
	}
	return nil
}

// Notifications lists the caller's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, unreadOnly bool, limit int) ([]Notification, int, error) {
	p := access.From(ctx)
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where := "user_id = ?"
	if unreadOnly {
		where += " AND read_at IS NULL"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, kind, title, body, created_at, read_at FROM notifications WHERE `+where+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), p.UserID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var caseID, read sql.NullInt64
		var at int64
		if err := rows.Scan(&n.ID, &caseID, &n.Kind, &n.Title, &n.Body, &at, &read); err != nil {
			return nil, 0, err
		}
		n.CaseID, n.CreatedAt, n.ReadAt = nullID(caseID), db.Time(at), db.NullTime(read)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var unread int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, p.UserID).Scan(&unread)
	return out, unread, err
}

// MarkRead marks one of the caller's notifications read.
func (s *Store) MarkRead(ctx context.Context, id int64) error {
	p := access.From(ctx)
	r, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`, db.Millis(s.clock.Now()), id, p.UserID)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return errs.NotFoundf("notification", "通知")
	}
	return nil
}

// enqueueWebhook adds an event to the outbox, in the caller's transaction,
// so that it is sent if and only if the change commits.
func enqueueWebhook(ctx context.Context, tx *db.Tx, event string, payload any, at time.Time) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO webhook_outbox (event, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?)`, event, string(raw), db.Millis(at), db.Millis(at))
	return err
}

// Webhook delivers outbox events to one URL, signed with HMAC-SHA256 of the
// body in X-Tongxin-Signature. Failed deliveries are retried with backoff.
type Webhook struct {
	DB     *db.DB
	URL    string
	Secret string
	Client *http.Client
	Now    func() time.Time
}

// DeliverDue sends the events whose time has come. A row is claimed by
// moving its next attempt forward before sending, so replicas do not send
// the same event at once.
func (w *Webhook) DeliverDue(ctx context.Context) (sent int, err error) {
	if w.URL == "" {
		return 0, nil
	}
	now := w.Now()
	rows, err := w.DB.QueryContext(ctx, `SELECT id, event, payload, attempts FROM webhook_outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT 100`, db.Millis(now))
	if err != nil {
		return 0, err
	}
	type item struct {
		id       int64
		event    string
		payload  string
		attempts int
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.event, &it.payload, &it.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	for _, it := range items {
		backoff := time.Duration(1<<min(it.attempts, 10)) * time.Minute
		r, err := w.DB.ExecContext(ctx, `UPDATE webhook_outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ? AND attempts = ? AND delivered_at IS NULL`,
			db.Millis(now.Add(backoff)), it.id, it.attempts)
		if err != nil {
			return sent, err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			continue // another replica took it
		}
		body := fmt.Sprintf(`{"id":%d,"event":%q,"data":%s}`, it.id, it.event, it.payload)
		mac := hmac.New(sha256.New, []byte(w.Secret))
		mac.Write([]byte(body))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Tongxin-Event", it.event)
		req.Header.Set("X-Tongxin-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		res, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
			res.Body.Close()
			if res.StatusCode >= 300 {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
		}
		if err != nil {
			slog.WarnContext(ctx, "webhook delivery failed", "id", it.id, "err", err)
			_, _ = w.DB.ExecContext(ctx, `UPDATE webhook_outbox SET last_error = ? WHERE id = ?`, err.Error(), it.id)
			continue
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE webhook_outbox SET delivered_at = ? WHERE id = ?`, db.Millis(w.Now()), it.id); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}
