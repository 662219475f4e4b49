// Package auth knows who is calling: users with argon2id passwords, role
// bindings over areas, server-side sessions with CSRF tokens, login
// throttling, and hashed API keys for integrations. It turns a request into an
// access.Principal; the domain stores do the scoping.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/pii"
)

// User is an account, as shown to staff: the phone only masked.
type User struct {
	ID          int64            `json:"id"`
	Username    string           `json:"username"`
	DisplayName string           `json:"display_name"`
	PhoneMasked string           `json:"phone_masked"`
	UnitID      *int64           `json:"unit_id"`
	Disabled    bool             `json:"disabled"`
	Roles       []access.Binding `json:"roles"`
}

// NewUser is the input to create an account with its first role.
type NewUser struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Phone       string `json:"phone"`
	Password    string `json:"password"` // empty: the account cannot log in until a password is set
	Role        string `json:"role"`
	AreaCode    string `json:"area_code"`
	UnitID      *int64 `json:"unit_id"`
}

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,47}$`)
	phoneRE    = regexp.MustCompile(`^(\+?86)?1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

func checkPassword(v *errs.Validation, field, pw string) {
	v.Check(utf8.RuneCountInString(pw) >= MinPasswordLength, field, "min_length",
		fmt.Sprintf("the password must have at least %d characters", MinPasswordLength), fmt.Sprintf("密码至少需要 %d 个字符", MinPasswordLength))
	v.Check(len(pw) <= 256, field, "max_length", "the password is longer than 256 bytes", "密码超过 256 字节")
}

// Validate checks and normalises the new account.
func (n *NewUser) Validate() error {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	n.Phone = strings.ReplaceAll(strings.TrimSpace(n.Phone), " ", "")
	var v errs.Validation
	v.Check(usernameRE.MatchString(n.Username), "username", "format",
		"username must be 2–48 characters: lower-case letters, digits, '.', '_' or '-'", "用户名须为 2–48 个字符：小写字母、数字、'.'、'_' 或 '-'")
	v.Required("display_name", n.DisplayName)
	v.Check(n.Phone == "" || phoneRE.MatchString(n.Phone), "phone", "format", "phone must be a mainland mobile or landline number", "电话须为有效的手机号或固定电话")
	if n.Password != "" {
		checkPassword(&v, "password", n.Password)
	}
	_, ok := access.RoleByCode(n.Role)
	v.Check(ok, "role", "enum", "unknown role "+strconv.Quote(n.Role), "未知角色 "+strconv.Quote(n.Role))
	v.Required("area_code", n.AreaCode)
	return v.Err()
}

// Store keeps accounts, sessions and keys.
type Store struct {
	db    *db.DB
	clock clock.Clock
	keys  *pii.Keyring
}

// NewStore returns the auth store.
func NewStore(d *db.DB, c clock.Clock, keys *pii.Keyring) *Store {
	return &Store{db: d, clock: c, keys: keys}
}

// argonParams follow the OWASP recommendation for argon2id (19 MiB, t=2, p=1).
var argonParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// noPassword marks an account that cannot log in; no argon2 hash looks like it.
const noPassword = "!"

func hashPassword(pw string) (string, error) {
	if pw == "" {
		return noPassword, nil
	}
	return argon2id.CreateHash(pw, argonParams)
}

// CreateUser adds an account with its first role binding. The caller must
// hold users:write over the area of the role.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	p := access.From(ctx)
	if err := s.mayGrant(p, n.AreaCode); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(n.Password)
	if err != nil {
		return User{}, err
	}
	enc, index, masked := "", "", ""
	if n.Phone != "" {
		if enc, err = s.keys.EncryptFor("users.phone", n.Phone); err != nil {
			return User{}, err
		}
		index, masked = s.keys.BlindIndex("phone", n.Phone), pii.MaskPhone(n.Phone)
	}
	now := s.clock.Now()
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := areaExists(ctx, tx, n.AreaCode); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, phone_enc, phone_index, phone_masked, password_hash, unit_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.Username, n.DisplayName, enc, index, masked, hash, n.UnitID, db.Millis(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Field("username", "unique", "username "+n.Username+" is taken", "用户名 "+n.Username+" 已被使用")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, area_code) VALUES (?, ?, ?)`, id, n.Role, n.AreaCode); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "user.create", Object: "user:" + n.Username, AreaCode: n.AreaCode,
			Detail: map[string]any{"role": n.Role}})
	})
	if err != nil {
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

func areaExists(ctx context.Context, q db.Querier, code string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM areas WHERE code = ? AND valid_to IS NULL`, code).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Field("area_code", "exists", "area "+code+" does not exist or is closed", "区域 "+code+" 不存在或已撤销")
	}
	return err
}

func (s *Store) mayGrant(p *access.Principal, area string) error {
	if !p.Scope.Contains(area) {
		return errs.Field("area_code", "scope", "area "+area+" is outside your scope", "区域 "+area+" 不在您的管辖范围内")
	}
	if !p.CanAt(access.UsersWrite, area) {
		return errs.E(errs.Forbidden, "forbidden", "you may not manage accounts here", "您无权在此管理账号")
	}
	return nil
}

// userVisible is the scope predicate on users: those holding a role inside
// the caller's scope.
func userVisible(p *access.Principal) (string, []any) {
	where, args := p.Scope.SQL("r.area_code")
	return `EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND ` + where + `)`, args
}

// GetUser returns an account visible to the caller.
func (s *Store) GetUser(ctx context.Context, id int64) (User, error) {
	p := access.From(ctx)
	where, args := userVisible(p)
	users, err := s.queryUsers(ctx, `WHERE users.id = ? AND `+where, append([]any{id}, args...)...)
	if err != nil {
		return User{}, err
	}
	if len(users) == 0 {
		return User{}, errs.NotFoundf("user", "用户")
	}
	return users[0], nil
}

// ListUsers returns the accounts holding a role inside root (or the caller's
// whole scope), optionally of one role.
func (s *Store) ListUsers(ctx context.Context, root, role string, limit int) ([]User, error) {
	p := access.From(ctx)
	scope := p.Scope
	if root != "" {
		if !scope.Overlaps(root) {
			return nil, errs.NotFoundf("area", "区域")
		}
		scope = scope.Within(root)
	}
	where, args := scope.SQL("r.area_code")
	if role != "" {
		where += " AND r.role = ?"
		args = append(args, role)
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.queryUsers(ctx, `WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND `+where+`) ORDER BY users.username LIMIT `+strconv.Itoa(limit), args...)
}

func (s *Store) queryUsers(ctx context.Context, tail string, args ...any) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, username, display_name, phone_masked, unit_id, disabled FROM users `+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []User{}
	byID := map[int64]int{}
	var ids []any
	var marks []string
	for rows.Next() {
		var u User
		var unit sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &u.PhoneMasked, &unit, &u.Disabled); err != nil {
			return nil, err
		}
		if unit.Valid {
			u.UnitID = &unit.Int64
		}
		u.Roles = []access.Binding{}
		byID[u.ID] = len(out)
		out = append(out, u)
		ids = append(ids, u.ID)
		marks = append(marks, "?")
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// Roles of all listed users in one query.
	rrows, err := s.db.QueryContext(ctx, `SELECT user_id, role, area_code FROM user_roles WHERE user_id IN (`+strings.Join(marks, ",")+`) ORDER BY user_id, area_code, role`, ids...)
	if err != nil {
		return nil, err
	}
	defer rrows.Close()
	for rrows.Next() {
		var uid int64
		var b access.Binding
		if err := rrows.Scan(&uid, &b.Role, &b.AreaCode); err != nil {
			return nil, err
		}
		out[byID[uid]].Roles = append(out[byID[uid]].Roles, b)
	}
	return out, rrows.Err()
}

// GrantRole binds a role over an area to a user.
func (s *Store) GrantRole(ctx context.Context, userID int64, b access.Binding) error {
	var v errs.Validation
	_, ok := access.RoleByCode(b.Role)
	v.Check(ok, "role", "enum", "unknown role "+strconv.Quote(b.Role), "未知角色 "+strconv.Quote(b.Role))
	v.Required("area_code", b.AreaCode)
	if err := v.Err(); err != nil {
		return err
	}
	p := access.From(ctx)
	if err := s.mayGrant(p, b.AreaCode); err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := areaExists(ctx, tx, b.AreaCode); err != nil {
			return err
		}
		var username string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, userID).Scan(&username); err != nil {
			return errs.NotFoundf("user", "用户")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, area_code) VALUES (?, ?, ?)`, userID, b.Role, b.AreaCode)
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "duplicate_role", "the user already holds this role there", "该用户已在此区域拥有此角色")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "user.grant", Object: "user:" + username, AreaCode: b.AreaCode,
			Detail: map[string]any{"role": b.Role}})
	})
}

// SetPassword changes a user's password. Users may change their own; admins
// those of users in their scope. All sessions of the user end.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	var v errs.Validation
	checkPassword(&v, "password", password)
	if err := v.Err(); err != nil {
		return err
	}
	p := access.From(ctx)
	if p.UserID != userID {
		u, err := s.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		allowed := p.IsSystem()
		for _, b := range u.Roles {
			allowed = allowed || p.CanAt(access.UsersWrite, b.AreaCode)
		}
		if !allowed {
			return errs.E(errs.Forbidden, "forbidden", "you may not change this user's password", "您无权修改该用户的密码")
		}
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var username string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, userID).Scan(&username); err != nil {
			return errs.NotFoundf("user", "用户")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE username = ?`, username); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "user.set_password", Object: "user:" + username})
	})
}

// UserIDByName finds an account id by username (system use: CLI, demo).
func (s *Store) UserIDByName(ctx context.Context, username string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, strings.ToLower(strings.TrimSpace(username))).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.NotFoundf("user "+username, "用户 "+username)
	}
	return id, err
}

// Principal loads the caller's bindings for an authenticated user id.
func (s *Store) Principal(ctx context.Context, userID int64) (*access.Principal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.username, u.display_name, u.disabled, u.unit_id, r.role, r.area_code FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = ?`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		username string
		display  string
		disabled bool
		unit     sql.NullInt64
		bindings []access.Binding
		found    bool
	)
	for rows.Next() {
		var role, area sql.NullString
		if err := rows.Scan(&username, &display, &disabled, &unit, &role, &area); err != nil {
			return nil, err
		}
		found = true
		if role.Valid {
			bindings = append(bindings, access.Binding{Role: role.String, AreaCode: area.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found || disabled {
		return nil, errUnauthenticated
	}
	p := access.NewPrincipal(userID, username, bindings)
	p.UnitID, p.DisplayName = unit.Int64, display
	return p, nil
}

var errUnauthenticated = errs.E(errs.Unauthorized, "unauthenticated", "log in first", "请先登录")

// RevealPhone decrypts a user's phone number for a caller who may read
// personal data over one of the user's areas; every reveal is audited.
func (s *Store) RevealPhone(ctx context.Context, userID int64) (string, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return "", err
	}
	p := access.From(ctx)
	area := ""
	for _, b := range u.Roles {
		if p.CanAt(access.RegistryPII, b.AreaCode) {
			area = b.AreaCode
			break
		}
	}
	if area == "" {
		return "", errs.E(errs.Forbidden, "forbidden", "you may not see this person's full phone number", "您无权查看此人的完整电话号码")
	}
	var enc string
	if err := s.db.QueryRowContext(ctx, `SELECT phone_enc FROM users WHERE id = ?`, userID).Scan(&enc); err != nil {
		return "", err
	}
	if enc == "" {
		return "", nil
	}
	phone, err := s.keys.DecryptFor("users.phone", enc)
	if err != nil {
		return "", fmt.Errorf("decrypt phone of user %d: %w", userID, err)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		return audit.Append(ctx, tx, audit.Entry{At: s.clock.Now(), Actor: p.Username, Action: "pii.reveal", Object: "user:" + u.Username, AreaCode: area,
			Detail: map[string]any{"field": "phone"}})
	})
	return phone, err
}
