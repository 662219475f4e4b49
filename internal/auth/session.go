package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Throttling: after MaxFailures wrong passwords for one username within
// FailureWindow, that username is refused (even with the right password)
// until the window has passed; one address gets MaxFailuresPerIP.
const (
	MaxFailures      = 10
	MaxFailuresPerIP = 50
	FailureWindow    = 15 * time.Minute
	SessionIdle      = 12 * time.Hour
	sessionTouch     = 10 * time.Minute // refresh expiry at most this often
)

// Session is a logged-in browser: the opaque token goes to the cookie, only
// its hash is stored; the CSRF token is returned to the page.
type Session struct {
	Token     string
	CSRFToken string
	UserID    int64
	ExpiresAt time.Time
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errBadCredentials = errs.E(errs.Unauthorized, "invalid_credentials", "wrong username or password", "用户名或密码错误")

// dummyHash is compared against when the user does not exist, so that a
// wrong username takes as long as a wrong password.
var dummyHash, _ = argon2id.CreateHash("tongxin-dummy-password", argonParams)

// Login checks a password and opens a session.
func (s *Store) Login(ctx context.Context, username, password, ip string) (Session, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var v errs.Validation
	v.Required("username", username)
	v.Required("password", password)
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	now := s.clock.Now()
	since := db.Millis(now.Add(-FailureWindow))
	var byUser, byIP int
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_failures WHERE username = ? AND at > ?),
		(SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at > ?)`, username, since, ip, since).Scan(&byUser, &byIP); err != nil {
		return Session{}, err
	}
	if byUser >= MaxFailures || byIP >= MaxFailuresPerIP {
		return Session{}, errs.E(errs.TooMany, "too_many_attempts",
			fmt.Sprintf("too many failed logins; try again in %d minutes", int(FailureWindow.Minutes())),
			fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", int(FailureWindow.Minutes())))
	}
	var (
		id       int64
		hash     string
		disabled bool
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, disabled FROM users WHERE username = ?`, username).Scan(&id, &hash, &disabled)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Session{}, err
	}
	ok := false
	if err == nil && hash != noPassword {
		ok, _ = argon2id.ComparePasswordAndHash(password, hash)
	} else {
		_, _ = argon2id.ComparePasswordAndHash(password, dummyHash)
	}
	if !ok || disabled {
		_, ferr := s.db.ExecContext(ctx, `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)`, username, ip, db.Millis(now))
		if ferr != nil {
			return Session{}, ferr
		}
		return Session{}, errBadCredentials
	}
	sess := Session{Token: randomToken(32), CSRFToken: randomToken(24), UserID: id, ExpiresAt: now.Add(SessionIdle)}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tokenHash(sess.Token), id, sess.CSRFToken, db.Millis(now), db.Millis(sess.ExpiresAt), db.Millis(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = ? OR at <= ?`, username, since); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, db.Millis(now)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: username, Action: "auth.login", Object: "user:" + username, Detail: map[string]any{"ip": ip}})
	})
	return sess, err
}

// Logout ends a session.
func (s *Store) Logout(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
	return err
}

// SessionPrincipal resolves a session cookie to its principal and CSRF token,
// sliding the idle expiry forward.
func (s *Store) SessionPrincipal(ctx context.Context, token string) (*access.Principal, string, error) {
	if token == "" {
		return nil, "", errUnauthenticated
	}
	now := s.clock.Now()
	var (
		userID          int64
		csrf            string
		expires, seenAt int64
	)
	h := tokenHash(token)
	err := s.db.QueryRowContext(ctx, `SELECT user_id, csrf_token, expires_at, last_seen_at FROM sessions WHERE token_hash = ?`, h).Scan(&userID, &csrf, &expires, &seenAt)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= db.Millis(now)) {
		return nil, "", errs.E(errs.Unauthorized, "session_expired", "your session has ended; log in again", "登录已失效，请重新登录")
	}
	if err != nil {
		return nil, "", err
	}
	if db.Millis(now)-seenAt > sessionTouch.Milliseconds() {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?`,
			db.Millis(now), db.Millis(now.Add(SessionIdle)), h); err != nil {
			return nil, "", err
		}
	}
	p, err := s.Principal(ctx, userID)
	return p, csrf, err
}

// CSRFMatches compares tokens in constant time.
func CSRFMatches(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
