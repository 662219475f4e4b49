package auth

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// The password policy (等保 2.0 level 3, identity authentication): long
// enough, of several character classes, not the username, not a common
// password, and none of the last few again.
const (
	MinPasswordLength  = 12
	minPasswordClasses = 3
	PasswordHistory    = 5 // the last passwords that may not be used again
)

//go:embed data/common-passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
}()

// isCommon reports whether pw is a common password, also when dressed up
// with capitals and leading or trailing digits and symbols ("Password@2026"),
// or one letter repeated ("AAAAAAAAAAAA1!").
func isCommon(pw string) bool {
	lower := strings.ToLower(pw)
	if commonPasswords[lower] {
		return true
	}
	core := strings.TrimFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(core) >= 4 && commonPasswords[core] {
		return true
	}
	return oneRune(pw) || oneRune(core)
}

// oneRune reports whether s is one character repeated ("aaaaaaaa").
func oneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return s != "" && strings.Trim(s, string(first)) == ""
}

func passwordClasses(pw string) int {
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	n := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			n++
		}
	}
	return n
}

// checkPassword records every rule the password breaks.
func checkPassword(v *errs.Validation, field, pw, username string) {
	if len(pw) > 256 {
		v.Add(field, "max_length", "the password is longer than 256 bytes", "密码超过 256 字节")
		return
	}
	v.Check(utf8.RuneCountInString(pw) >= MinPasswordLength, field, "min_length",
		fmt.Sprintf("the password must have at least %d characters", MinPasswordLength), fmt.Sprintf("密码至少需要 %d 个字符", MinPasswordLength))
	v.Check(passwordClasses(pw) >= minPasswordClasses, field, "classes",
		"the password must mix at least three of: lower-case letters, upper-case letters, digits, symbols",
		"密码须至少包含小写字母、大写字母、数字、符号中的三类")
	v.Check(len(username) < 3 || !strings.Contains(strings.ToLower(pw), strings.ToLower(username)), field, "username",
		"the password must not contain the username", "密码不得包含用户名")
	v.Check(!isCommon(pw), field, "common", "this password is too common and easily guessed", "该密码过于常见，容易被猜中")
}

// checkReuse refuses the current password and the last PasswordHistory ones.
func checkReuse(ctx context.Context, q db.Querier, userID int64, field, pw string) error {
	rows, err := q.QueryContext(ctx, `SELECT hash FROM (
		SELECT password_hash AS hash, 0 AS n FROM users WHERE id = ?
		UNION ALL SELECT hash, id AS n FROM (SELECT hash, id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?) h) x`,
		userID, userID, PasswordHistory)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return err
		}
		if h == noPassword {
			continue
		}
		if ok, _ := argon2id.ComparePasswordAndHash(pw, h); ok {
			return errs.Field(field, "reused", fmt.Sprintf("the password must differ from the last %d passwords", PasswordHistory),
				fmt.Sprintf("新密码不得与最近 %d 次使用的密码相同", PasswordHistory))
		}
	}
	return rows.Err()
}

// storePassword sets a new password hash, keeping the old one in the history
// (trimmed to PasswordHistory), ends the user's sessions but keep, and
// clears the login failures of the account.
func storePassword(ctx context.Context, tx *db.Tx, userID int64, hash string, mustChange bool, at int64, keepSession string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, changed_at)
		SELECT id, password_hash, ? FROM users WHERE id = ? AND password_hash <> ?`, at, userID, noPassword); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE user_id = ? AND id NOT IN (
		SELECT id FROM (SELECT id FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?) keep)`, userID, userID, PasswordHistory); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ? WHERE id = ?`,
		hash, mustChange, at, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepSession); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = ?)`, userID)
	return err
}

// PasswordChange is a user's change of their own password.
type PasswordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangeOwnPassword checks the current password and sets a new one; the
// other sessions of the user end, the one making the change (sessionToken)
// stays.
func (s *Store) ChangeOwnPassword(ctx context.Context, c PasswordChange, sessionToken string) error {
	p := access.From(ctx)
	if p.UserID == 0 {
		return errUnauthenticated
	}
	var v errs.Validation
	v.Required("current_password", c.CurrentPassword)
	checkPassword(&v, "new_password", c.NewPassword, p.Username)
	if err := v.Err(); err != nil {
		return err
	}
	var current string
	if err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = ?`, p.UserID).Scan(&current); err != nil {
		return err
	}
	if ok, _ := argon2id.ComparePasswordAndHash(c.CurrentPassword, current); current == noPassword || !ok {
		return errs.Field("current_password", "wrong", "the current password is wrong", "当前密码错误")
	}
	if err := checkReuse(ctx, s.db, p.UserID, "new_password", c.NewPassword); err != nil {
		return err
	}
	hash, err := hashPassword(c.NewPassword)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := storePassword(ctx, tx, p.UserID, hash, false, db.Millis(now), tokenHash(sessionToken)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "auth.password_change", Object: "user:" + p.Username, AreaCode: homeArea(p.Bindings)})
	})
}

// homeArea is the widest area a user holds a role over: where the user's own
// security events are filed in the audit log, so that the admins of that area
// see them.
func homeArea(bs []access.Binding) string {
	home := ""
	for _, b := range bs {
		if home == "" || len(b.AreaCode) < len(home) {
			home = b.AreaCode
		}
	}
	return home
}
