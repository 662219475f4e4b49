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

// Throttling (等保: limit failed logins) without handing strangers a way
// to lock real users out: failures are counted per account and address, and
// past FreeFailures each further try from that address waits twice as long
// as the last (up to MaxBackoff). Failures against one account from all
// addresses together slow it down by at most AccountBackoff — never a lock.
// One address gets MaxFailuresPerIP in the window whatever the accounts.
const (
	FreeFailures     = 5
	MaxBackoff       = 15 * time.Minute
	AccountFailures  = 20
	AccountBackoff   = time.Minute
	MaxFailuresPerIP = 50
	FailureWindow    = 15 * time.Minute
)

// Session timeouts (等保: end idle sessions): a session ends after
// SessionIdle without a request, and SessionAbsolute after its login
// whatever the activity; a deployment may set others in its Policy.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	sessionTouch    = time.Minute // refresh the idle expiry at most this often
)

// Policy is what a deployment decides about accounts.
type Policy struct {
	// RequireTOTP makes a second factor mandatory for the roles of
	// access.SecondFactorRoles (staff above grid worker).
	RequireTOTP     bool
	SessionIdle     time.Duration // 0: SessionIdle
	SessionAbsolute time.Duration // 0: SessionAbsolute
	PasswordMaxAge  time.Duration // 0: passwords do not expire
}

func (p Policy) idle() time.Duration {
	if p.SessionIdle > 0 {
		return p.SessionIdle
	}
	return SessionIdle
}

func (p Policy) absolute() time.Duration {
	if p.SessionAbsolute > 0 {
		return p.SessionAbsolute
	}
	return SessionAbsolute
}

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

// LoginAttempt is what a login presents: the password and, when the account
// has a second factor, a TOTP code or a recovery code.
type LoginAttempt struct {
	Username     string
	Password     string
	TOTPCode     string
	RecoveryCode string
	IP           string
}

// Login checks the credentials and opens a session.
func (s *Store) Login(ctx context.Context, a LoginAttempt) (Session, error) {
	username := strings.ToLower(strings.TrimSpace(a.Username))
	var v errs.Validation
	v.Required("username", username)
	v.Required("password", a.Password)
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	now := s.clock.Now()
	if err := s.throttle(ctx, username, a.IP, now); err != nil {
		return Session{}, err
	}
	var (
		id       int64
		hash     string
		disabled bool
		totpOn   bool
		bindings []access.Binding
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, password_hash, disabled, totp_enabled FROM users WHERE username = ?`, username).Scan(&id, &hash, &disabled, &totpOn)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Session{}, err
	}
	ok := false
	if err == nil && hash != noPassword {
		ok, _ = argon2id.ComparePasswordAndHash(a.Password, hash)
	} else {
		_, _ = argon2id.ComparePasswordAndHash(a.Password, dummyHash)
	}
	if id != 0 {
		// The account's own area files its security events in the audit log.
		if bindings, err = s.bindings(ctx, id); err != nil {
			return Session{}, err
		}
	}
	if !ok || disabled {
		return Session{}, s.loginFailed(ctx, username, a.IP, now, "auth.login_failed", errBadCredentials, bindings)
	}
	second := ""
	if totpOn {
		var passed bool
		switch {
		case a.TOTPCode == "" && a.RecoveryCode == "":
			return Session{}, errTOTPRequired
		case a.TOTPCode != "":
			passed, err = s.acceptTOTP(ctx, id, a.TOTPCode, now)
			second = "totp"
		default:
			passed, err = s.useRecoveryCode(ctx, id, a.RecoveryCode, now)
			second = "recovery_code"
		}
		if err != nil {
			return Session{}, err
		}
		if !passed {
			return Session{}, s.loginFailed(ctx, username, a.IP, now, "auth.totp_failed", errTOTPInvalid, bindings)
		}
	}
	sess := Session{Token: randomToken(32), CSRFToken: randomToken(24), UserID: id, ExpiresAt: now.Add(s.Policy.idle())}
	since := db.Millis(now.Add(-FailureWindow))
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tokenHash(sess.Token), id, sess.CSRFToken, db.Millis(now), db.Millis(sess.ExpiresAt), db.Millis(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE (username = ? AND ip = ?) OR at <= ?`, username, a.IP, since); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR created_at <= ?`, db.Millis(now), db.Millis(now.Add(-s.Policy.absolute()))); err != nil {
			return err
		}
		detail := map[string]any{"ip": a.IP}
		if second != "" {
			detail["second_factor"] = second
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: username, Action: "auth.login", Object: "user:" + username, AreaCode: homeArea(bindings), Detail: detail})
	})
	return sess, err
}

var (
	errTOTPRequired = errs.E(errs.Unauthorized, "totp_required", "enter the 6-digit code of your authenticator app", "请输入身份验证器中的 6 位动态码")
	errTOTPInvalid  = errs.E(errs.Unauthorized, "totp_invalid", "the code is wrong, expired or already used", "动态码错误、已过期或已使用")
)

// throttle refuses a login the counters say must wait, naming how long.
func (s *Store) throttle(ctx context.Context, username, ip string, now time.Time) error {
	since := db.Millis(now.Add(-FailureWindow))
	var (
		pair, account, byIP int
		pairLast, accLast   int64
	)
	if err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_failures WHERE username = ? AND ip = ? AND at > ?),
		(SELECT COALESCE(MAX(at), 0) FROM login_failures WHERE username = ? AND ip = ? AND at > ?),
		(SELECT COUNT(*) FROM login_failures WHERE username = ? AND at > ?),
		(SELECT COALESCE(MAX(at), 0) FROM login_failures WHERE username = ? AND at > ?),
		(SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at > ?)`,
		username, ip, since, username, ip, since, username, since, username, since, ip, since).Scan(&pair, &pairLast, &account, &accLast, &byIP); err != nil {
		return err
	}
	var wait time.Duration
	if byIP >= MaxFailuresPerIP {
		wait = FailureWindow
	}
	if pair >= FreeFailures {
		wait = max(wait, remaining(now, pairLast, backoff(pair-FreeFailures, MaxBackoff)))
	}
	if account >= AccountFailures {
		wait = max(wait, remaining(now, accLast, backoff((account-AccountFailures)/5, AccountBackoff)))
	}
	if wait <= 0 {
		return nil
	}
	secs := int((wait + time.Second - 1) / time.Second)
	e := errs.E(errs.TooMany, "too_many_attempts",
		fmt.Sprintf("too many failed logins; try again in %d seconds", secs),
		fmt.Sprintf("登录失败次数过多，请 %d 秒后再试", secs))
	e.Extra = map[string]any{"retry_after": secs}
	return e
}

// remaining is how much of d since the failure at last (ms) is left at now.
func remaining(now time.Time, last int64, d time.Duration) time.Duration {
	return db.Time(last).Add(d).Sub(now)
}

// backoff is 1 s doubled n times, at most limit.
func backoff(n int, limit time.Duration) time.Duration {
	if n >= 30 {
		return limit
	}
	return min(time.Second<<n, limit)
}

// loginFailed records a failure against the account and address, audits it
// and returns err.
func (s *Store) loginFailed(ctx context.Context, username, ip string, now time.Time, action string, err error, bindings []access.Binding) error {
	ferr := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)`, username, ip, db.Millis(now)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: username, Action: action, Object: "user:" + username, AreaCode: homeArea(bindings),
			Detail: map[string]any{"ip": ip}})
	})
	if ferr != nil {
		return ferr
	}
	return err
}

// Logout ends a session.
func (s *Store) Logout(ctx context.Context, token string) error {
	var (
		userID   int64
		username string
	)
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.username FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash(token)).Scan(&userID, &username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // already ended
	}
	if err != nil {
		return err
	}
	bindings, err := s.bindings(ctx, userID)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token))
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Append(ctx, tx, audit.Entry{At: s.clock.Now(), Actor: username, Action: "auth.logout", Object: "user:" + username, AreaCode: homeArea(bindings)})
	})
}

// SessionState is what a session carries besides its principal: its CSRF
// token, and the step the user must take before anything else (a forced
// password change, a second factor to enrol), if any.
type SessionState struct {
	CSRF    string
	Pending string // "", codePasswordChange or codeTOTPEnrolment
}

const (
	codePasswordChange = "password_change_required"
	codeTOTPEnrolment  = "totp_enrolment_required"
)

var errSessionExpired = errs.E(errs.Unauthorized, "session_expired", "your session has ended (idle or too long); log in again", "登录已超时失效，请重新登录")

// SessionPrincipal resolves a session cookie to its principal and state,
// sliding the idle expiry forward; a session idle too long or older than the
// absolute limit has ended.
func (s *Store) SessionPrincipal(ctx context.Context, token string) (*access.Principal, SessionState, error) {
	if token == "" {
		return nil, SessionState{}, errUnauthenticated
	}
	now := s.clock.Now()
	var (
		userID                   int64
		st                       SessionState
		created, expires, seenAt int64
	)
	h := tokenHash(token)
	err := s.db.QueryRowContext(ctx, `SELECT user_id, csrf_token, created_at, expires_at, last_seen_at FROM sessions WHERE token_hash = ?`, h).Scan(&userID, &st.CSRF, &created, &expires, &seenAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, SessionState{}, errSessionExpired
	}
	if err != nil {
		return nil, SessionState{}, err
	}
	if expires <= db.Millis(now) || created <= db.Millis(now.Add(-s.Policy.absolute())) {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, h); err != nil {
			return nil, SessionState{}, err
		}
		return nil, SessionState{}, errSessionExpired
	}
	if db.Millis(now)-seenAt > sessionTouch.Milliseconds() {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?`,
			db.Millis(now), db.Millis(now.Add(s.Policy.idle())), h); err != nil {
			return nil, SessionState{}, err
		}
	}
	p, acc, err := s.principal(ctx, userID)
	if err != nil {
		return nil, SessionState{}, err
	}
	st.Pending = s.pending(p, acc)
	return p, st, nil
}

// pending is the step the account must take before it may do anything else.
func (s *Store) pending(p *access.Principal, acc account) string {
	switch {
	case acc.mustChangePassword(s.Policy, s.clock.Now()):
		return codePasswordChange
	case !acc.totpEnabled && s.totpRequired(p.Bindings):
		return codeTOTPEnrolment
	}
	return ""
}

// totpRequired reports whether the policy requires a second factor of a user
// with these roles.
func (s *Store) totpRequired(bs []access.Binding) bool {
	if !s.Policy.RequireTOTP {
		return false
	}
	for _, b := range bs {
		if access.SecondFactorRoles[b.Role] {
			return true
		}
	}
	return false
}

// CSRFMatches compares tokens in constant time.
func CSRFMatches(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
