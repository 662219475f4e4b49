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
	"time"

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
	// Permanent keeps the password as given: accounts made by an admin
	// otherwise must change theirs at first login. Only Go callers set it
	// (the demo's logins, tests).
	Permanent bool `json:"-"`
}

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,47}$`)
	phoneRE    = regexp.MustCompile(`^(\+?86)?1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

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
		checkPassword(&v, "password", n.Password, n.Username)
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
	// Policy is the deployment's account policy (second factor, session
	// and password lifetimes); set it before serving.
	Policy Policy
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
	if err := mayGrant(p, access.Binding{Role: n.Role, AreaCode: n.AreaCode}); err != nil {
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
		mustChange := n.Password != "" && !n.Permanent
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, phone_enc, phone_index, phone_masked, password_hash, unit_id, created_at, must_change_password, password_changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.Username, n.DisplayName, enc, index, masked, hash, n.UnitID, db.Millis(now), mustChange, db.Millis(now)).Scan(&id)
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

// mayGrant says whether the caller may bind the role over the area: the
// area inside its users:write scope, and the caller holding there every
// permission the role carries — nobody hands out more than they hold.
func mayGrant(p *access.Principal, b access.Binding) error {
	if !p.Scope.Contains(b.AreaCode) {
		return errs.Field("area_code", "scope", "area "+b.AreaCode+" is outside your scope", "区域 "+b.AreaCode+" 不在您的管辖范围内")
	}
	if !p.CanAt(access.UsersWrite, b.AreaCode) {
		return errs.E(errs.Forbidden, "forbidden", "you may not manage accounts here", "您无权在此管理账号")
	}
	if !holdsRole(p, b) {
		return errs.E(errs.Forbidden, "role_above_yours", "you may not grant a role with permissions you do not hold there yourself",
			"您不能授予超出自身权限的角色")
	}
	return nil
}

// holdsRole reports whether the caller holds, over the binding's area, every
// permission of the binding's role.
func holdsRole(p *access.Principal, b access.Binding) bool {
	r, ok := access.RoleByCode(b.Role)
	if !ok {
		return false
	}
	for _, perm := range r.Perms {
		if !p.CanAt(perm, b.AreaCode) {
			return false
		}
	}
	return true
}

// userVisible is the scope predicate on users: those holding a role inside
// the part of the caller's scope where it may read accounts. Users are
// never visible through other permissions' scope (a resident sees nobody).
func userVisible(p *access.Principal) (string, []any) {
	where, args := p.ScopeFor(access.UsersRead).SQL("r.area_code")
	return `EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id AND ` + where + `)`, args
}

// manageable returns the user if the caller may change the account: the user
// is visible (else 404), and every role binding of the user is one the
// caller could grant (else 403). So an admin never resets the password of,
// or mints a key for, anyone whose rights reach beyond its own.
func (s *Store) manageable(ctx context.Context, userID int64) (User, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return User{}, err
	}
	p := access.From(ctx)
	if p.IsSystem() {
		return u, nil
	}
	for _, b := range u.Roles {
		if !p.CanAt(access.UsersWrite, b.AreaCode) || !holdsRole(p, b) {
			return User{}, errs.E(errs.Forbidden, "account_above_yours", "this account holds rights beyond yours; ask an administrator of its area",
				"该账号的权限超出您的管理范围，请联系其所在区域的管理员")
		}
	}
	return u, nil
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
	scope := p.ScopeFor(access.UsersRead)
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

// GrantRole binds a role over an area to a user the caller may manage.
func (s *Store) GrantRole(ctx context.Context, userID int64, b access.Binding) error {
	var v errs.Validation
	_, ok := access.RoleByCode(b.Role)
	v.Check(ok, "role", "enum", "unknown role "+strconv.Quote(b.Role), "未知角色 "+strconv.Quote(b.Role))
	v.Required("area_code", b.AreaCode)
	if err := v.Err(); err != nil {
		return err
	}
	u, err := s.manageable(ctx, userID)
	if err != nil {
		return err
	}
	p := access.From(ctx)
	if err := mayGrant(p, b); err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := areaExists(ctx, tx, b.AreaCode); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, area_code) VALUES (?, ?, ?)`, userID, b.Role, b.AreaCode)
		if db.IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "duplicate_role", "the user already holds this role there", "该用户已在此区域拥有此角色")
		}
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "user.grant", Object: "user:" + u.Username, AreaCode: b.AreaCode,
			Detail: map[string]any{"role": b.Role}})
	})
}

// SetPassword is an admin's reset of another user's password (or the
// operator's, from the CLI): a temporary password is to be changed at the
// next login; all sessions of the user end. Users change their own with
// ChangeOwnPassword, which asks for the current one.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string, temporary bool) error {
	p := access.From(ctx)
	if p.UserID == userID && !p.IsSystem() {
		return errs.Field("current_password", "required", "to change your own password, give the current one (POST /api/v1/auth/password)",
			"修改本人密码须提供当前密码（POST /api/v1/auth/password）")
	}
	u, err := s.manageable(ctx, userID)
	if err != nil {
		return err
	}
	var v errs.Validation
	checkPassword(&v, "password", password, u.Username)
	if err := v.Err(); err != nil {
		return err
	}
	if err := checkReuse(ctx, s.db, userID, "password", password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := storePassword(ctx, tx, userID, hash, temporary, db.Millis(now), ""); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Entry{At: now, Actor: p.Username, Action: "user.set_password", Object: "user:" + u.Username, AreaCode: homeArea(u.Roles)})
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

// account is the state of an account that decides what its sessions may do.
type account struct {
	mustChange        bool
	totpEnabled       bool
	passwordChangedAt int64
}

func (a account) passwordExpiresAt(pol Policy) *time.Time {
	if pol.PasswordMaxAge <= 0 {
		return nil
	}
	t := db.Time(a.passwordChangedAt).Add(pol.PasswordMaxAge)
	return &t
}

func (a account) mustChangePassword(pol Policy, now time.Time) bool {
	exp := a.passwordExpiresAt(pol)
	return a.mustChange || (exp != nil && !now.Before(*exp))
}

// Principal loads the caller's bindings for an authenticated user id.
func (s *Store) Principal(ctx context.Context, userID int64) (*access.Principal, error) {
	p, _, err := s.principal(ctx, userID)
	return p, err
}

func (s *Store) principal(ctx context.Context, userID int64) (*access.Principal, account, error) {
	// One round trip: this runs on every request of a session.
	rows, err := s.db.QueryContext(ctx, `SELECT u.username, u.display_name, u.disabled, u.unit_id, u.must_change_password, u.totp_enabled, u.password_changed_at, r.role, r.area_code
		FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = ? ORDER BY r.area_code, r.role`, userID)
	if err != nil {
		return nil, account{}, err
	}
	defer rows.Close()
	var (
		username, display string
		disabled, found   bool
		unit              sql.NullInt64
		acc               account
		bindings          []access.Binding
	)
	for rows.Next() {
		var role, area sql.NullString
		if err := rows.Scan(&username, &display, &disabled, &unit, &acc.mustChange, &acc.totpEnabled, &acc.passwordChangedAt, &role, &area); err != nil {
			return nil, account{}, err
		}
		found = true
		if role.Valid {
			bindings = append(bindings, access.Binding{Role: role.String, AreaCode: area.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, account{}, err
	}
	if !found || disabled {
		return nil, account{}, errUnauthenticated
	}
	p := access.NewPrincipal(userID, username, bindings)
	p.UnitID, p.DisplayName = unit.Int64, display
	return p, acc, nil
}

// bindings are a user's roles.
func (s *Store) bindings(ctx context.Context, userID int64) ([]access.Binding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT role, area_code FROM user_roles WHERE user_id = ? ORDER BY area_code, role`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.Binding
	for rows.Next() {
		var b access.Binding
		if err := rows.Scan(&b.Role, &b.AreaCode); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
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
