package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/platform/atomicfile"
	"github.com/tongxin/tongxin/internal/platform/db"
)

// head is the one row of audit_head: where the chain ends, where it starts
// since the last purge, and the MAC that seals both. Appends update it in
// their transaction, so deleting the newest entries leaves a head that no
// longer matches — and rewriting the head needs the key.
type head struct {
	Total       int64  // entries ever appended, purged ones included: never shrinks
	LastID      int64  // the newest entry (0: none yet)
	LastHash    string // its hash (Genesis: none yet)
	BaseID      int64  // the oldest entry kept by the last purge (0: never purged)
	BaseHash    string // its prev_hash: the purged entry before it
	Purged      int64  // entries removed by purges
	LegacyUntil int64  // the last entry written before the chain was keyed (0: none)
	MAC         string // '' until the first keyed entry (or anchor) seals it
}

func (h head) mac(key Key) string {
	m := hmac.New(sha256.New, key.head)
	writeFields(m, "head", strconv.FormatInt(h.Total, 10), strconv.FormatInt(h.LastID, 10), h.LastHash,
		strconv.FormatInt(h.BaseID, 10), h.BaseHash, strconv.FormatInt(h.Purged, 10), strconv.FormatInt(h.LegacyUntil, 10))
	return hex.EncodeToString(m.Sum(nil))
}

func (h head) sealedBy(key Key) bool {
	return h.MAC != "" && hmac.Equal([]byte(h.MAC), []byte(h.mac(key)))
}

var errHeadMissing = &Break{Reason: "head missing: the audit_head row was deleted, so the chain's end cannot be checked"}

// readHead reads the head row as it is, unchecked.
func readHead(ctx context.Context, q db.Querier) (head, error) {
	var h head
	err := q.QueryRowContext(ctx, `SELECT total, last_id, last_hash, base_id, base_hash, purged, legacy_until, mac FROM audit_head WHERE id = 1`).
		Scan(&h.Total, &h.LastID, &h.LastHash, &h.BaseID, &h.BaseHash, &h.Purged, &h.LegacyUntil, &h.MAC)
	if errors.Is(err, sql.ErrNoRows) {
		return h, errHeadMissing
	}
	return h, err
}

// loadHead reads the head for extending the chain: it must be sealed by key,
// or not yet sealed on a chain with no keyed entry. Extending a head that
// fails would seal whatever was done to it, so the append is refused.
func loadHead(ctx context.Context, q db.Querier, key Key) (head, error) {
	h, err := readHead(ctx, q)
	if err != nil {
		return h, fmt.Errorf("audit: %w", err)
	}
	if h.MAC == "" {
		if id, keyed, err := firstKeyed(ctx, q); err != nil {
			return h, err
		} else if keyed {
			return h, fmt.Errorf("audit: %w", headReset(id))
		}
		return h, nil
	}
	if !h.sealedBy(key) {
		return h, fmt.Errorf("audit: refusing to append: %w", errHeadMismatch)
	}
	return h, nil
}

var errHeadMismatch = &Break{Reason: "head mismatch: the audit_head row does not match its MAC (it was altered, or this is not the deployment's key); run tongxin audit verify"}

func headReset(id int64) *Break {
	return &Break{ID: id, Reason: fmt.Sprintf("head mismatch: entry %d is keyed but the head is not sealed (the head was reset)", id)}
}

// firstKeyed finds the oldest keyed entry.
func firstKeyed(ctx context.Context, q db.Querier) (int64, bool, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM audit_log WHERE scheme <> 0 ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

func storeHead(ctx context.Context, tx *db.Tx, key Key, h head) error {
	h.MAC = h.mac(key)
	_, err := tx.ExecContext(ctx, `UPDATE audit_head SET total = ?, last_id = ?, last_hash = ?, base_id = ?, base_hash = ?, purged = ?, legacy_until = ?, mac = ? WHERE id = 1`,
		h.Total, h.LastID, h.LastHash, h.BaseID, h.BaseHash, h.Purged, h.LegacyUntil, h.MAC)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// AnchorFile is where a server keeps the anchor, in its data directory.
const AnchorFile = "audit-anchor.json"

// Anchor is the chain's end at a moment, to be kept outside the deployment:
// with it, Check notices even a rewrite made with the key (the anchored
// entry changed or gone, or fewer entries than were ever written).
type Anchor struct {
	Count    int64     `json:"count"` // entries ever appended (purged ones included)
	LastID   int64     `json:"last_id"`
	LastHash string    `json:"last_hash"`
	At       time.Time `json:"at"` // when the anchor was taken
}

// String is the anchor as one JSON line.
func (a Anchor) String() string {
	b, _ := json.Marshal(a)
	return string(b)
}

// TakeAnchor returns the chain's current end, after checking that the head is
// sealed by key and that the newest entry is the one it names. A head left
// unsealed by the upgrade to keyed hashing is sealed now, so that the
// switch-over point is fixed even before the first keyed entry.
func TakeAnchor(ctx context.Context, d *db.DB, key Key, now time.Time) (Anchor, error) {
	return takeAnchor(ctx, d, key, now, nil)
}

func takeAnchor(ctx context.Context, d *db.DB, key Key, now time.Time, prev *Anchor) (Anchor, error) {
	var a Anchor
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := lockChain(ctx, tx); err != nil {
			return err
		}
		h, err := loadHead(ctx, tx, key)
		if err != nil {
			return err
		}
		if err := checkTail(ctx, tx, h); err != nil {
			return err
		}
		if prev != nil {
			if _, err := checkAnchor(ctx, tx, h, *prev); err != nil {
				return err
			}
		}
		if h.MAC == "" {
			if err := storeHead(ctx, tx, key, h); err != nil {
				return err
			}
		}
		a = Anchor{Count: h.Total, LastID: h.LastID, LastHash: h.LastHash, At: now.UTC().Truncate(time.Second)}
		return nil
	})
	return a, err
}

// checkTail checks that the newest entry is the one the head names.
func checkTail(ctx context.Context, q db.Querier, h head) error {
	var id int64
	var hash string
	err := q.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if h.LastID != 0 {
			return &Break{Reason: fmt.Sprintf("entries removed: the log is empty, the head's last entry is id %d", h.LastID)}
		}
		return nil
	case err != nil:
		return err
	case id < h.LastID:
		return &Break{ID: id, Reason: fmt.Sprintf("entries removed after id %d: the head's last entry is id %d", id, h.LastID)}
	case id > h.LastID:
		return &Break{ID: id, Reason: fmt.Sprintf("entries inserted after id %d (the head's last entry) without the key, up to id %d", h.LastID, id)}
	case hash != h.LastHash:
		return &Break{ID: id, Reason: fmt.Sprintf("head mismatch: entry %d's hash differs from the one the head records", id)}
	}
	return nil
}

// checkAnchor checks the chain against an anchor taken earlier. It returns
// a warning when the anchored entry has since been purged (the anchor is
// older than the retention and can no longer be checked).
func checkAnchor(ctx context.Context, q db.Querier, h head, a Anchor) (string, error) {
	when := a.At.In(time.UTC).Format(time.RFC3339)
	if h.Total < a.Count {
		return "", &Break{Reason: fmt.Sprintf("count shrank: the anchor of %s records %d entries ever written, the head now %d", when, a.Count, h.Total)}
	}
	if a.LastID == 0 {
		return "", nil
	}
	if a.LastID < h.BaseID {
		return fmt.Sprintf("the anchored entry %d has been purged (retention); take a newer anchor", a.LastID), nil
	}
	var hash string
	err := q.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = ?`, a.LastID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &Break{ID: a.LastID, Reason: fmt.Sprintf("the anchored entry %d (anchor of %s) is missing: removed", a.LastID, when)}
	}
	if err != nil {
		return "", err
	}
	if hash != a.LastHash {
		return "", &Break{ID: a.LastID, Reason: fmt.Sprintf("the anchored entry %d (anchor of %s) has a different hash: the chain was rewritten", a.LastID, when)}
	}
	return "", nil
}

// ReadAnchor reads an anchor written by WriteAnchor or printed by
// "tongxin audit anchor".
func ReadAnchor(path string) (Anchor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Anchor{}, err
	}
	var a Anchor
	if err := json.Unmarshal(b, &a); err != nil {
		return Anchor{}, fmt.Errorf("audit anchor %s: not an anchor (want one JSON line with count, last_id, last_hash, at): %v", path, err)
	}
	if _, err := hex.DecodeString(a.LastHash); err != nil || len(a.LastHash) != 64 || a.Count < 0 || a.LastID < 0 {
		return Anchor{}, fmt.Errorf("audit anchor %s: last_hash must be 64 hex digits, count and last_id not negative", path)
	}
	return a, nil
}

// WriteAnchor writes the chain's current end to path (the server keeps
// DataDir/audit-anchor.json, every minute), replacing the file atomically.
// The anchor already there is checked first: when the chain no longer
// extends it, the error says how and the old file stays as evidence.
func WriteAnchor(ctx context.Context, d *db.DB, key Key, path string) error {
	var prev *Anchor
	if a, err := ReadAnchor(path); err == nil {
		prev = &a
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	a, err := takeAnchor(ctx, d, key, time.Now(), prev)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, []byte(a.String()+"\n"), 0o644)
}
