// Package audit keeps the append-only, hash-chained audit log (DESIGN §4.4):
// each entry's hash covers its content and the previous entry's hash, so an
// edited, deleted or inserted row breaks the chain and Verify finds where.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
)

// Genesis is the prev_hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one audited event: who did what to which object, in which area.
type Entry struct {
	ID       int64
	At       time.Time
	Actor    string // username, or "system"
	Action   string // e.g. "auth.login", "area.create", "pii.reveal", "export"
	Object   string // e.g. "area:370211001"
	AreaCode string
	Detail   map[string]any
	PrevHash string
	Hash     string
}

// chainLock is the advisory lock that serialises appends on PostgreSQL, where
// concurrent writers would otherwise fork the chain (SQLite has one writer).
const chainLock = 7_2011_0001

// Append writes e at the end of the chain, inside the caller's transaction so
// that the audited change and its entry commit together.
func Append(ctx context.Context, tx *db.Tx, e Entry) error {
	if tx.Dialect() == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, chainLock); err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
	}
	prev := Genesis
	err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit tail: %w", err)
	}
	detail, err := json.Marshal(orEmpty(e.Detail))
	if err != nil {
		return err
	}
	at := e.At.UnixMilli()
	hash := chainHash(prev, at, e.Actor, e.Action, e.Object, e.AreaCode, string(detail))
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, object, area_code, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, at, e.Actor, e.Action, e.Object, e.AreaCode, string(detail), prev, hash)
	return err
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func chainHash(prev string, at int64, actor, action, object, area, detail string) string {
	h := sha256.New()
	for _, s := range []string{prev, strconv.FormatInt(at, 10), actor, action, object, area, detail} {
		// Length-prefix every field so that moving bytes between fields changes the hash.
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Break describes where the chain fails.
type Break struct {
	ID     int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.ID, b.Reason)
}

// Verify walks the whole chain in order and returns the number of entries
// checked, or a *Break naming the first bad entry.
func Verify(ctx context.Context, d *db.DB) (int, error) {
	rows, err := d.QueryContext(ctx, `SELECT id, at, actor, action, object, area_code, detail, prev_hash, hash FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	prev, n := Genesis, 0
	for rows.Next() {
		var (
			id, at                                            int64
			actor, action, object, area, detail, prevH, hashH string
		)
		if err := rows.Scan(&id, &at, &actor, &action, &object, &area, &detail, &prevH, &hashH); err != nil {
			return n, err
		}
		if prevH != prev {
			return n, &Break{ID: id, Reason: "prev_hash does not match the previous entry (a row was removed or inserted)"}
		}
		if chainHash(prevH, at, actor, action, object, area, detail) != hashH {
			return n, &Break{ID: id, Reason: "content does not match its hash (the row was edited)"}
		}
		prev = hashH
		n++
	}
	return n, rows.Err()
}

// List returns the newest entries within an area prefix (for the console).
func List(ctx context.Context, d *db.DB, where string, args []any, limit int) ([]Entry, error) {
	rows, err := d.QueryContext(ctx, `SELECT id, at, actor, action, object, area_code, detail, prev_hash, hash FROM audit_log
		WHERE `+where+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.AreaCode, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = db.Time(at)
		_ = json.Unmarshal([]byte(detail), &e.Detail)
		out = append(out, e)
	}
	return out, rows.Err()
}
