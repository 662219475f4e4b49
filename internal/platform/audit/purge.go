package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// MinRetention is the shortest retention a purge accepts: 等保 level 3 and
// the Cybersecurity Law keep network logs at least six months.
const MinRetention = 180 * 24 * time.Hour

// DefaultRetention is how long a server keeps entries unless told otherwise.
const DefaultRetention = 365 * 24 * time.Hour

// Purged is what a purge removed.
type Purged struct {
	Removed   int64     // entries deleted
	Before    time.Time // the cut-off: entries older than this were removed
	FirstKept int64     // the chain now starts at this id (0: nothing removed)
}

// Purge deletes the entries older than retention (at least MinRetention) —
// the oldest part of the chain, up to the first entry at or after the
// cut-off — and records where the chain now starts in the sealed head, so
// that it keeps verifying, and appends an audit.purge entry saying how many
// were removed and up to when. A chain that does not verify is not purged:
// that would destroy the evidence.
func Purge(ctx context.Context, d *db.DB, key Key, now time.Time, retention time.Duration) (Purged, error) {
	if retention < MinRetention {
		return Purged{}, errs.Field("retention", "min_180_days",
			fmt.Sprintf("audit entries are kept at least 180 days; %s is shorter", days(retention)),
			fmt.Sprintf("审计日志至少保留 180 天，所给的 %s 过短", daysZH(retention)))
	}
	if _, err := Check(ctx, d, key, nil); err != nil {
		return Purged{}, fmt.Errorf("audit purge refused, so that the evidence is kept: %w", err)
	}
	res := Purged{Before: now.Add(-retention)}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := lockChain(ctx, tx); err != nil {
			return err
		}
		h, err := loadHead(ctx, tx, key)
		if err != nil {
			return err
		}
		// The chain is cut at the first entry not older than the cut-off;
		// an older entry after it (a clock set back) stays with it.
		cut, baseHash := h.LastID+1, h.LastHash
		err = tx.QueryRowContext(ctx, `SELECT id, prev_hash FROM audit_log WHERE at >= ? ORDER BY id LIMIT 1`, res.Before.UnixMilli()).Scan(&cut, &baseHash)
		if err != nil && !isNoRows(err) {
			return err
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id < ?`, cut)
		if err != nil {
			return err
		}
		if res.Removed, err = r.RowsAffected(); err != nil || res.Removed == 0 {
			return err
		}
		res.FirstKept = cut
		_, err = appendEntry(ctx, tx, key, Entry{At: now, Actor: actorName(ctx), Action: "audit.purge", Object: "audit",
			Detail: map[string]any{"removed": res.Removed, "before": res.Before.UTC().Format(time.RFC3339), "retention_days": int64(retention / (24 * time.Hour)), "first_kept_id": cut}},
			func(h *head) {
				h.Purged += res.Removed
				h.BaseID, h.BaseHash = cut, baseHash
			})
		return err
	})
	if err != nil {
		return Purged{}, err
	}
	return res, nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func daysZH(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d 天", d/(24*time.Hour))
	}
	return d.String()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func actorName(ctx context.Context) string {
	if p := access.From(ctx); p.Username != "" {
		return p.Username
	}
	return "system"
}
