package auth

import (
	"context"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
)

func contextWithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// me builds the console's view of the current user, naming the areas of the
// role bindings in one query.
func (s *Store) me(ctx context.Context, p *access.Principal, csrf string) (Me, error) {
	var displayName string
	var acc account
	if err := s.db.QueryRowContext(ctx, `SELECT display_name, must_change_password, totp_enabled, password_changed_at FROM users WHERE id = ?`, p.UserID).
		Scan(&displayName, &acc.mustChange, &acc.totpEnabled, &acc.passwordChangedAt); err != nil {
		return Me{}, errUnauthenticated
	}
	names := map[string]string{}
	if len(p.Bindings) > 0 {
		args := make([]any, len(p.Bindings))
		marks := make([]string, len(p.Bindings))
		for i, b := range p.Bindings {
			args[i], marks[i] = b.AreaCode, "?"
		}
		rows, err := s.db.QueryContext(ctx, `SELECT code, name FROM areas WHERE code IN (`+strings.Join(marks, ",")+`)`, args...)
		if err != nil {
			return Me{}, err
		}
		defer rows.Close()
		for rows.Next() {
			var c, n string
			if err := rows.Scan(&c, &n); err != nil {
				return Me{}, err
			}
			names[c] = n
		}
		if err := rows.Err(); err != nil {
			return Me{}, err
		}
	}
	me := Me{CSRFToken: csrf, User: MeUser{ID: p.UserID, Username: p.Username, DisplayName: displayName, Roles: []RoleBinding{}, Permissions: p.Permissions(),
		PermissionAreas: map[string][]string{}, MustChangePassword: acc.mustChangePassword(s.Policy, s.clock.Now()), TOTPEnabled: acc.totpEnabled,
		TOTPRequired: s.totpRequired(p.Bindings), PasswordExpiresAt: acc.passwordExpiresAt(s.Policy)}}
	for _, perm := range me.User.Permissions {
		me.User.PermissionAreas[perm] = append([]string{}, p.ScopeFor(access.Permission(perm)).Prefixes...)
	}
	for _, b := range p.Bindings {
		me.User.Roles = append(me.User.Roles, RoleBinding{Role: b.Role, AreaCode: b.AreaCode, AreaName: names[b.AreaCode]})
	}
	return me, nil
}
