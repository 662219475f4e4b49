// Package audit keeps the append-only, hash-chained audit log (DESIGN §4.4):
// each entry's hash covers its content and the previous entry's hash, so an
// edited, deleted or inserted row breaks the chain and Verify finds where.
//
// The hash is an HMAC under a key kept apart from the database (see Key), so
// someone who can write to the database cannot recompute a chain after
// editing it. The chain's end is anchored twice: a head row (audit_head),
// updated with every entry and sealed by the same key, tells when the newest
// entries were deleted; and an anchor (the head's count and last hash) can be
// kept outside the deployment, where not even the key's holder can change it.
//
// Entries written before the chain was keyed (scheme 0, a plain SHA-256
// chain) keep verifying; every entry after them must be keyed.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
)

// Genesis is the prev_hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one audited event: who did what to which object, in which area,
// from which address.
type Entry struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`     // username, or "system"
	Action   string         `json:"action"`    // e.g. "auth.login", "area.create", "pii.reveal", "registry.export"
	Object   string         `json:"object"`    // e.g. "area:370211001"
	AreaCode string         `json:"area_code"` // '' for events of no area: only the system admin sees them
	SourceIP string         `json:"source_ip"` // the request's peer address; '' for system and CLI work
	Detail   map[string]any `json:"detail"`
	PrevHash string         `json:"-"`
	Hash     string         `json:"-"`
}

// Hash schemes, recorded per entry.
const (
	schemeSHA256 = 0 // before the chain was keyed: SHA-256, no source address
	schemeHMAC   = 1 // HMAC-SHA256 under the audit key, covering id and source address
)

// chainLock is the advisory lock that serialises appends on PostgreSQL, where
// concurrent writers would otherwise fork the chain (SQLite has one writer).
const chainLock = 7_2011_0001

// Append writes e at the end of the chain, inside the caller's transaction so
// that the audited change and its entry commit together. The key is the one
// set at start-up (SetKey): Append is called from every store. An empty
// SourceIP is taken from the context (WithSource).
func Append(ctx context.Context, tx *db.Tx, e Entry) error {
	key, err := processKey()
	if err != nil {
		return err
	}
	_, err = appendEntry(ctx, tx, key, e, nil)
	return err
}

// appendEntry appends e after the sealed head, lets adjust change the head
// further (a purge moves its base), and seals the head again. It returns the
// new entry's id.
func appendEntry(ctx context.Context, tx *db.Tx, key Key, e Entry, adjust func(*head)) (int64, error) {
	if err := lockChain(ctx, tx); err != nil {
		return 0, err
	}
	h, err := loadHead(ctx, tx, key)
	if err != nil {
		return 0, err
	}
	if e.SourceIP == "" {
		e.SourceIP = SourceOf(ctx)
	}
	detail, err := json.Marshal(orEmpty(e.Detail))
	if err != nil {
		return 0, err
	}
	// Ids are given, not drawn from a sequence, so that the hash can cover
	// them: a renumbered row breaks the chain too.
	id, at := h.LastID+1, e.At.UnixMilli()
	sum := keyedHash(key, id, h.LastHash, at, e.Actor, e.Action, e.Object, e.AreaCode, e.SourceIP, string(detail))
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, object, area_code, source_ip, detail, prev_hash, hash, scheme)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, at, e.Actor, e.Action, e.Object, e.AreaCode, e.SourceIP, string(detail), h.LastHash, sum, schemeHMAC)
	if err != nil {
		return 0, fmt.Errorf("audit append: %w", err)
	}
	h.Total++
	h.LastID, h.LastHash = id, sum
	if adjust != nil {
		adjust(&h)
	}
	return id, storeHead(ctx, tx, key, h)
}

func lockChain(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect() == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, chainLock); err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// writeFields length-prefixes every field so that moving bytes between
// fields changes the hash.
func writeFields(h hash.Hash, fields ...string) {
	for _, s := range fields {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
}

// legacyHash is the unkeyed hash of scheme 0 entries.
func legacyHash(prev string, at int64, actor, action, object, area, detail string) string {
	h := sha256.New()
	writeFields(h, prev, strconv.FormatInt(at, 10), actor, action, object, area, detail)
	return hex.EncodeToString(h.Sum(nil))
}

// keyedHash is the hash of scheme 1 entries.
func keyedHash(key Key, id int64, prev string, at int64, actor, action, object, area, ip, detail string) string {
	h := hmac.New(sha256.New, key.entry)
	writeFields(h, strconv.FormatInt(id, 10), prev, strconv.FormatInt(at, 10), actor, action, object, area, ip, detail)
	return hex.EncodeToString(h.Sum(nil))
}

type sourceKey struct{}

// WithSource records in ctx the address of the request being served, so
// that every entry appended while serving it names it.
func WithSource(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, sourceKey{}, ip)
}

// SourceOf is the address WithSource recorded, or "".
func SourceOf(ctx context.Context) string {
	ip, _ := ctx.Value(sourceKey{}).(string)
	return ip
}
