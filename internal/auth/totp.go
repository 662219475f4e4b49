package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// The second factor is TOTP (RFC 6238) as every authenticator app speaks it:
// SHA-1, 6 digits, 30-second steps, one step of clock skew either way. The
// secret is encrypted at rest like other secrets; a step once accepted is
// never accepted again (a replayed code fails), and the recovery codes are
// single-use.
const (
	totpPeriod        = 30
	totpIssuer        = "同心 Tongxin"
	recoveryCodeCount = 10
	totpField         = "users.totp"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is a secret on its way to being enabled: shown once, as a
// QR code for the app and as text for typing in.
type TOTPEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRPNG      string `json:"qr_png"` // data:image/png;base64,…
}

// RecoveryCodes are shown once, when the second factor is enabled.
type RecoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// TOTPCode is the body of a confirmation.
type TOTPCode struct {
	Code string `json:"code"`
}

// CurrentPassword is the body of an action that asks for the password again.
type CurrentPassword struct {
	CurrentPassword string `json:"current_password"`
}

// EnrolTOTP starts enrolling the caller's second factor: a new secret waits
// for a code from the app (ConfirmTOTP) before it counts.
func (s *Store) EnrolTOTP(ctx context.Context) (TOTPEnrolment, error) {
	p := access.From(ctx)
	if p.UserID == 0 {
		return TOTPEnrolment{}, errUnauthenticated
	}
	var on bool
	if err := s.db.QueryRowContext(ctx, `SELECT totp_enabled FROM users WHERE id = ?`, p.UserID).Scan(&on); err != nil {
		return TOTPEnrolment{}, err
	}
	if on {
		return TOTPEnrolment{}, errs.E(errs.Conflict, "totp_enabled", "a second factor is enabled already; disable it first to enrol a new one", "已启用双因素认证；如需更换，请先停用")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: p.Username, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPEnrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, err
	}
	enc, err := s.keys.EncryptFor(totpField, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET totp_pending_enc = ? WHERE id = ?`, enc, p.UserID); err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), OTPAuthURL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ConfirmTOTP enables the pending secret once a code of it checks, and
// returns fresh recovery codes (shown this once).
func (s *Store) ConfirmTOTP(ctx context.Context, code string) (RecoveryCodes, error) {
	p := access.From(ctx)
	if p.UserID == 0 {
		return RecoveryCodes{}, errUnauthenticated
	}
	var pending string
	if err := s.db.QueryRowContext(ctx, `SELECT totp_pending_enc FROM users WHERE id = ?`, p.UserID).Scan(&pending); err != nil {
		return RecoveryCodes{}, err
	}
	if pending == "" {
		return RecoveryCodes{}, errs.E(errs.Conflict, "totp_not_enrolling", "start the enrolment first", "请先开始绑定身份验证器")
	}
	secret, err := s.keys.DecryptFor(totpField, pending)
	if err != nil {
		return RecoveryCodes{}, err
	}
	now := s.clock.Now()
	step, ok := matchStep(secret, strings.TrimSpace(code), now)
	if !ok {
		return RecoveryCodes{}, errs.Field("code", "totp", "the code does not match; check the phone's clock and type the current code", "动态码不正确，请核对手机时间并输入当前动态码")
	}
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret_enc = ?, totp_pending_enc = '', totp_enabled = ?, totp_last_step = ? WHERE id = ?`,
			pending, true, step, p.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, p.UserID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, p.UserID, tokenHash(normaliseRecovery(c))); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "auth.totp_enrol", Object: "user:" + p.Username, AreaCode: homeArea(p.Bindings)})
	})
	return RecoveryCodes{Codes: codes}, err
}

// DisableTOTP turns the caller's second factor off, after the password is
// given again; refused where the policy requires one.
func (s *Store) DisableTOTP(ctx context.Context, currentPassword string) error {
	p := access.From(ctx)
	if p.UserID == 0 {
		return errUnauthenticated
	}
	if s.totpRequired(p.Bindings) {
		return errs.E(errs.Forbidden, "totp_required_by_policy", "your roles require a second factor; it cannot be turned off", "您的角色要求双因素认证，不能停用")
	}
	var hash string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, p.UserID).Scan(&hash); err != nil {
		return err
	}
	if ok, _ := argon2id.ComparePasswordAndHash(currentPassword, hash); hash == noPassword || !ok {
		return errs.Field("current_password", "wrong", "the current password is wrong", "当前密码错误")
	}
	return s.clearTOTP(ctx, p.UserID, "auth.totp_disable", "user:"+p.Username, homeArea(p.Bindings))
}

// ResetTOTP is an admin's removal of a user's second factor (a lost phone):
// the user enrols again at the next login where the policy requires it.
func (s *Store) ResetTOTP(ctx context.Context, userID int64) error {
	u, err := s.manageable(ctx, userID)
	if err != nil {
		return err
	}
	return s.clearTOTP(ctx, userID, "user.totp_reset", "user:"+u.Username, homeArea(u.Roles))
}

func (s *Store) clearTOTP(ctx context.Context, userID int64, action, object, area string) error {
	now := s.clock.Now()
	p := access.From(ctx)
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret_enc = '', totp_pending_enc = '', totp_enabled = ?, totp_last_step = 0 WHERE id = ?`, false, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: action, Object: object, AreaCode: area})
	})
}

// acceptTOTP checks a login's code against the user's secret and takes its
// time step, so that the same code (or an older one) never passes again —
// also not when two logins race with it.
func (s *Store) acceptTOTP(ctx context.Context, userID int64, code string, now time.Time) (bool, error) {
	var enc string
	if err := s.db.QueryRowContext(ctx, `SELECT totp_secret_enc FROM users WHERE id = ?`, userID).Scan(&enc); err != nil || enc == "" {
		return false, err
	}
	secret, err := s.keys.DecryptFor(totpField, enc)
	if err != nil {
		return false, err
	}
	step, ok := matchStep(secret, strings.TrimSpace(code), now)
	if !ok {
		return false, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// matchStep finds the time step (now, or one either side) whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useRecoveryCode spends one of the user's recovery codes.
func (s *Store) useRecoveryCode(ctx context.Context, userID int64, code string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
		db.Millis(now), userID, tokenHash(normaliseRecovery(code)))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// newRecoveryCode is 50 random bits as ten base-32 letters, "abcde-fghij".
func newRecoveryCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	raw := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
	return raw[:5] + "-" + raw[5:]
}

func normaliseRecovery(c string) string {
	return strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(c)))
}
