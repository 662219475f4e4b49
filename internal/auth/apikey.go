package auth

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// APIKey is an integration's credential. It acts as a user (whose roles give
// it its scope); only the SHA-256 of the key is stored, and the key itself is
// shown once, at creation.
type APIKey struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"` // the first characters, to recognise a key in lists
	UserID    int64      `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

const apiKeyPrefix = "txk_"

// CreateAPIKey issues a key acting as the given user; returns the key once.
func (s *Store) CreateAPIKey(ctx context.Context, userID int64, name string) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return APIKey{}, "", errs.Field("name", "required", "name is required", "名称为必填项")
	}
	p := access.From(ctx)
	area := homeArea(p.Bindings)
	if p.UserID != userID {
		u, err := s.manageable(ctx, userID)
		if err != nil {
			return APIKey{}, "", err
		}
		area = homeArea(u.Roles)
	}
	key := apiKeyPrefix + randomToken(30)
	now := s.clock.Now()
	k := APIKey{Name: name, Prefix: key[:len(apiKeyPrefix)+6], UserID: userID, CreatedAt: now}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var username string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, userID).Scan(&username); err != nil {
			return errs.NotFoundf("user", "用户")
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_keys (name, prefix, key_hash, user_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			name, k.Prefix, tokenHash(key), userID, db.Millis(now)).Scan(&k.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "apikey.create", Object: "apikey:" + strconv.FormatInt(k.ID, 10), AreaCode: area,
			Detail: map[string]any{"name": name, "user": username}})
	})
	return k, key, err
}

// RevokeAPIKey ends a key.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) error {
	p := access.From(ctx)
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var userID int64
		if err := tx.QueryRowContext(ctx, `SELECT user_id FROM api_keys WHERE id = ?`, id).Scan(&userID); err != nil {
			return errs.NotFoundf("API key", "密钥")
		}
		area := homeArea(p.Bindings)
		if userID != p.UserID {
			u, err := s.manageable(ctx, userID)
			if errs.Is(err, errs.NotFound) {
				return errs.NotFoundf("API key", "密钥")
			}
			if err != nil {
				return err
			}
			area = homeArea(u.Roles)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, db.Millis(now), id); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "apikey.revoke", Object: "apikey:" + strconv.FormatInt(id, 10), AreaCode: area})
	})
}

// APIKeyPrincipal resolves a presented key to the principal it acts as.
func (s *Store) APIKeyPrincipal(ctx context.Context, key string) (*access.Principal, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, errs.E(errs.Unauthorized, "invalid_api_key", "invalid API key", "API 密钥无效")
	}
	var userID int64
	err := s.db.QueryRowContext(ctx, `SELECT user_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`, tokenHash(key)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.Unauthorized, "invalid_api_key", "invalid or revoked API key", "API 密钥无效或已吊销")
	}
	if err != nil {
		return nil, err
	}
	return s.Principal(ctx, userID)
}

// APIKeys lists the keys of a user.
func (s *Store) APIKeys(ctx context.Context, userID int64) ([]APIKey, error) {
	// Another user's keys are for those who may manage that account.
	if p := access.From(ctx); p.UserID != userID {
		if _, err := s.manageable(ctx, userID); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, prefix, user_id, created_at, revoked_at FROM api_keys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		var k APIKey
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Name, &k.Prefix, &k.UserID, &created, &revoked); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RevokedAt = db.Time(created), db.NullTime(revoked)
		out = append(out, k)
	}
	return out, rows.Err()
}
