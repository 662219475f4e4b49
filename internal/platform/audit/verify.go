package audit

import (
	"context"
	"fmt"

	"github.com/tongxin/tongxin/internal/platform/db"
)

// Break describes where the chain fails. ID is the entry concerned, 0 for
// the head or the log as a whole.
type Break struct {
	ID     int64
	Reason string
}

func (b *Break) Error() string {
	if b.ID == 0 {
		return "audit chain broken: " + b.Reason
	}
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.ID, b.Reason)
}

// Report is what Check found in an intact chain.
type Report struct {
	Entries  int      // entries verified
	Legacy   int      // of which written before the chain was keyed
	Head     Anchor   // the chain's end (At is zero)
	Warnings []string // facts an operator should know that are not breaks
}

// Verify checks the chain with the key this process appends with, and
// returns the number of entries verified or a *Break.
func Verify(ctx context.Context, d *db.DB) (int, error) {
	key, err := processKey()
	if err != nil {
		return 0, err
	}
	r, err := Check(ctx, d, key, nil)
	return r.Entries, err
}

// Check walks the whole chain in order and checks every entry's hash and
// link, that it starts where the last purge left it, that it ends at the
// head and the head is sealed by key, and — given an anchor kept outside —
// that the anchored entry is still there unchanged and the count of entries
// ever written has not shrunk. The error is a *Break naming the first fault
// found (edited at id N, removed after id N, head mismatch, …).
func Check(ctx context.Context, d *db.DB, key Key, anchor *Anchor) (Report, error) {
	if !key.valid() {
		return Report{}, ErrNoKey
	}
	// An append or purge between reading the head and the rows looks like
	// tampering; when the head moved meanwhile, look again.
	var (
		r     Report
		err   error
		moved bool
	)
	for range 3 {
		if r, moved, err = checkOnce(ctx, d, key, anchor); !moved {
			break
		}
	}
	return r, err
}

func checkOnce(ctx context.Context, d *db.DB, key Key, anchor *Anchor) (Report, bool, error) {
	var r Report
	h, err := readHead(ctx, d)
	if err != nil {
		return r, false, err
	}
	sealed := h.MAC != ""
	if sealed && !h.sealedBy(key) {
		return r, false, badHead(ctx, d, key)
	}
	n, legacy, lastID, lastHash, err := walk(ctx, d, key, h)
	r.Entries, r.Legacy = n, legacy
	h2, herr := readHead(ctx, d)
	if herr != nil {
		return r, false, herr
	}
	if h2 != h {
		return r, true, err
	}
	if err != nil {
		return r, false, err
	}
	switch {
	case lastID < h.LastID && n == 0:
		return r, false, &Break{Reason: fmt.Sprintf("entries removed: the log is empty, the head's last entry is id %d", h.LastID)}
	case lastID < h.LastID:
		return r, false, &Break{ID: lastID, Reason: fmt.Sprintf("entries removed after id %d: the head's last entry is id %d", lastID, h.LastID)}
	case lastID > h.LastID:
		return r, false, &Break{ID: lastID, Reason: fmt.Sprintf("entries inserted after id %d (the head's last entry) without the key, up to id %d", h.LastID, lastID)}
	case lastHash != h.LastHash:
		return r, false, &Break{ID: lastID, Reason: fmt.Sprintf("head mismatch: entry %d's hash differs from the one the head records", lastID)}
	case int64(n) != h.Total-h.Purged:
		return r, false, &Break{Reason: fmt.Sprintf("count mismatch: %d entries in the log, the head accounts for %d", n, h.Total-h.Purged)}
	}
	r.Head = Anchor{Count: h.Total, LastID: h.LastID, LastHash: h.LastHash}
	if !sealed && n > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the head is not sealed yet: all %d entries were written before the chain was keyed; the next entry (or tongxin audit anchor) seals it", n))
	}
	if anchor != nil {
		warn, err := checkAnchor(ctx, d, h, *anchor)
		if err != nil {
			return r, false, err
		}
		if warn != "" {
			r.Warnings = append(r.Warnings, warn)
		}
	}
	return r, false, nil
}

// badHead says why the head's MAC fails: the wrong key (the keyed entries
// fail too) or an altered head.
func badHead(ctx context.Context, d *db.DB, key Key) error {
	var (
		id, at                                                int64
		actor, action, object, area, ip, detail, prev, stored string
	)
	err := d.QueryRowContext(ctx, `SELECT id, at, actor, action, object, area_code, source_ip, detail, prev_hash, hash FROM audit_log WHERE scheme = 1 ORDER BY id DESC LIMIT 1`).
		Scan(&id, &at, &actor, &action, &object, &area, &ip, &detail, &prev, &stored)
	if err == nil && keyedHash(key, id, prev, at, actor, action, object, area, ip, detail) != stored {
		return &Break{Reason: fmt.Sprintf("wrong key: neither the head nor entry %d verifies under it (is this the deployment's PII key file?)", id)}
	}
	return errHeadMismatch
}

// walk checks every entry in id order against the head h, returning the
// count, the unkeyed count, and the newest entry's id and hash.
func walk(ctx context.Context, d *db.DB, key Key, h head) (n, legacy int, lastID int64, lastHash string, err error) {
	rows, err := d.QueryContext(ctx, `SELECT id, at, actor, action, object, area_code, source_ip, detail, prev_hash, hash, scheme FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, 0, 0, "", err
	}
	defer rows.Close()
	prev, start := Genesis, "the chain's start"
	if h.BaseID > 0 {
		prev, start = h.BaseHash, fmt.Sprintf("the chain's start after the last purge (id %d)", h.BaseID)
	}
	sealed := h.MAC != ""
	for rows.Next() {
		var (
			id, at, scheme                                          int64
			actor, action, object, area, ip, detail, prevH, storedH string
		)
		if err := rows.Scan(&id, &at, &actor, &action, &object, &area, &ip, &detail, &prevH, &storedH, &scheme); err != nil {
			return n, legacy, lastID, lastHash, err
		}
		if n == 0 && h.BaseID > 0 && id != h.BaseID {
			if id > h.BaseID {
				return n, legacy, lastID, lastHash, &Break{ID: id, Reason: fmt.Sprintf("entries removed before id %d: %s", id, start)}
			}
			return n, legacy, lastID, lastHash, &Break{ID: id, Reason: fmt.Sprintf("entry %d lies before %s: inserted", id, start)}
		}
		if prevH != prev {
			after := start
			if n > 0 {
				after = fmt.Sprintf("entry %d", lastID)
			}
			return n, legacy, lastID, lastHash, &Break{ID: id, Reason: fmt.Sprintf("entries removed or inserted before id %d: its prev_hash does not match %s", id, after)}
		}
		switch scheme {
		case schemeSHA256:
			if id > h.LegacyUntil {
				return n, legacy, lastID, lastHash, &Break{ID: id, Reason: fmt.Sprintf("entry %d is unkeyed but was written after the chain was keyed (after id %d): forged", id, h.LegacyUntil)}
			}
			if ip != "" || legacyHash(prevH, at, actor, action, object, area, detail) != storedH {
				return n, legacy, lastID, lastHash, edited(id)
			}
			legacy++
		case schemeHMAC:
			if !sealed {
				return n, legacy, lastID, lastHash, headReset(id)
			}
			if keyedHash(key, id, prevH, at, actor, action, object, area, ip, detail) != storedH {
				return n, legacy, lastID, lastHash, edited(id)
			}
		default:
			return n, legacy, lastID, lastHash, &Break{ID: id, Reason: fmt.Sprintf("entry %d has an unknown hash scheme %d: edited", id, scheme)}
		}
		prev, lastID, lastHash = storedH, id, storedH
		n++
	}
	return n, legacy, lastID, lastHash, rows.Err()
}

func edited(id int64) *Break {
	return &Break{ID: id, Reason: fmt.Sprintf("edited at id %d: the entry's content does not match its hash", id)}
}
