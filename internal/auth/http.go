package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// CookieName is the session cookie.
const CookieName = "tx_session"

// CSRFHeader carries the session's CSRF token on cookie-authenticated writes.
const CSRFHeader = "X-CSRF-Token"

// HTTP holds the auth handlers.
type HTTP struct {
	Store        *Store
	SecureCookie bool // set Secure on the cookie (behind HTTPS)
}

type csrfKey struct{}

// Authenticate resolves the caller from an API key (Authorization: Bearer
// txk_…, or X-API-Key) or the session cookie, and puts the principal in the
// request context. Unsafe methods with cookie authentication must carry the
// CSRF header. Requests without credentials continue anonymous; handlers that
// need a user wrap with Require.
func (h *HTTP) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every audit entry written while serving r names its source.
		ctx := audit.WithSource(r.Context(), ClientIP(r))
		r = r.WithContext(ctx)
		if strings.HasPrefix(r.URL.Path, "/open311/") {
			// Open311 has its own api_key parameter and error format.
			next.ServeHTTP(w, r)
			return
		}
		if key := apiKeyOf(r); key != "" {
			p, err := h.Store.APIKeyPrincipal(ctx, key)
			if err != nil {
				httpapi.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(access.With(ctx, p)))
			return
		}
		c, err := r.Cookie(CookieName)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		p, st, err := h.Store.SessionPrincipal(ctx, c.Value)
		if err != nil {
			if errs.KindOf(err) == errs.Unauthorized {
				// A stale cookie is the same as none: public routes still
				// work, and routes that need a user say the session ended.
				next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, staleKey{}, err)))
				return
			}
			httpapi.WriteError(w, r, err)
			return
		}
		if unsafeMethod(r.Method) && !CSRFMatches(st.CSRF, r.Header.Get(CSRFHeader)) {
			httpapi.WriteError(w, r, errs.E(errs.Forbidden, "csrf", "missing or wrong "+CSRFHeader+" header", "缺少或错误的 "+CSRFHeader+" 请求头"))
			return
		}
		if st.Pending != "" && !allowedWhilePending(r) {
			httpapi.WriteError(w, r, pendingError(st.Pending))
			return
		}
		ctx = access.With(ctx, p)
		ctx = context.WithValue(ctx, sessionKey{}, c.Value)
		next.ServeHTTP(w, r.WithContext(contextWithCSRF(ctx, st.CSRF)))
	})
}

type (
	staleKey   struct{}
	sessionKey struct{}
)

// allowedWhilePending are the requests a session may make before its user
// has changed a forced password or enrolled a required second factor: who
// am I, log out, change the password, enrol — and the console's own files.
func allowedWhilePending(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /api/v1/auth/me", "POST /api/v1/auth/logout", "POST /api/v1/auth/password", "GET /api/v1/settings/ui", "GET /api/v1/version":
		return true
	}
	return strings.HasPrefix(r.URL.Path, "/api/v1/auth/totp")
}

func pendingError(code string) error {
	if code == codePasswordChange {
		return errs.E(errs.Forbidden, code, "change your password first: it was set by an administrator or has expired", "请先修改密码：该密码由管理员设置或已过期")
	}
	return errs.E(errs.Forbidden, code, "enrol a second factor (an authenticator app) first: your roles require one", "您的角色要求双因素认证，请先绑定身份验证器")
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func apiKeyOf(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimPrefix(a, "Bearer ")
	}
	return ""
}

// Require answers 401 to anonymous callers.
func Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !access.From(r.Context()).Authenticated() {
			if stale, ok := r.Context().Value(staleKey{}).(error); ok {
				httpapi.WriteError(w, r, stale)
				return
			}
			httpapi.WriteError(w, r, errUnauthenticated)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequirePerm answers 403 to callers without the permission anywhere.
func RequirePerm(perm access.Permission, next http.Handler) http.Handler {
	return Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !access.From(r.Context()).Can(perm) {
			httpapi.WriteError(w, r, errs.E(errs.Forbidden, "forbidden", "you lack the permission "+string(perm), "您没有权限 "+string(perm)))
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// ClientIP is the peer address (a proxy in front should be trusted explicitly
// before X-Forwarded-For is; not done here).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Me is the logged-in user as the console sees it.
type Me struct {
	User      MeUser `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

// MeUser is the current user with role names and permissions.
type MeUser struct {
	ID          int64         `json:"id"`
	Username    string        `json:"username"`
	DisplayName string        `json:"display_name"`
	Roles       []RoleBinding `json:"roles"`
	Permissions []string      `json:"permissions"`
	// PermissionAreas are, per permission, the area codes it holds over
	// (the record's area starts with one of them), so that a client shows
	// an action only where the server will allow it.
	PermissionAreas map[string][]string `json:"permission_areas"`
	// MustChangePassword: the password was set by an admin or has expired;
	// nothing but the change is allowed until it is made.
	MustChangePassword bool       `json:"must_change_password"`
	TOTPEnabled        bool       `json:"totp_enabled"`
	TOTPRequired       bool       `json:"totp_required"` // by the policy, for the user's roles
	PasswordExpiresAt  *time.Time `json:"password_expires_at"`
}

// RoleBinding is a role over an area, with the area's name.
type RoleBinding struct {
	Role     string `json:"role"`
	AreaCode string `json:"area_code"`
	AreaName string `json:"area_name"`
}

// LoginRequest is the body of a login.
type LoginRequest struct {
	Username     string `json:"username"`
	Password     string `json:"password"`
	TOTPCode     string `json:"totp_code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
}

// Login opens a session and sets the cookie.
func (h *HTTP) Login(w http.ResponseWriter, r *http.Request) error {
	var req LoginRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	sess, err := h.Store.Login(r.Context(), LoginAttempt{Username: req.Username, Password: req.Password, TOTPCode: req.TOTPCode, RecoveryCode: req.RecoveryCode, IP: ClientIP(r)})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && e.Kind == errs.TooMany {
			if secs, ok := e.Extra["retry_after"].(int); ok {
				w.Header().Set("Retry-After", strconv.Itoa(secs))
			}
		}
		return err
	}
	// No Expires: the cookie ends with the browser, and the server alone
	// decides when the session has timed out (idle or absolute).
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", HttpOnly: true, Secure: h.SecureCookie,
		SameSite: http.SameSiteLaxMode})
	p, err := h.Store.Principal(r.Context(), sess.UserID)
	if err != nil {
		return err
	}
	me, err := h.Store.me(access.With(r.Context(), p), p, sess.CSRFToken)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, me)
}

// Logout ends the session and clears the cookie.
func (h *HTTP) Logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(CookieName); err == nil {
		if err := h.Store.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: h.SecureCookie, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Me returns the current user and the session's CSRF token.
func (h *HTTP) Me(w http.ResponseWriter, r *http.Request) error {
	p := access.From(r.Context())
	csrf, _ := r.Context().Value(csrfKey{}).(string)
	me, err := h.Store.me(r.Context(), p, csrf)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, me)
}

// ListUsers lists accounts in the caller's scope (?area=, ?role=).
func (h *HTTP) ListUsers(w http.ResponseWriter, r *http.Request) error {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	users, err := h.Store.ListUsers(r.Context(), r.URL.Query().Get("area"), r.URL.Query().Get("role"), limit)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": users})
}

// CreateUser adds an account.
func (h *HTTP) CreateUser(w http.ResponseWriter, r *http.Request) error {
	var n NewUser
	if err := httpapi.DecodeJSON(w, r, &n, 0); err != nil {
		return err
	}
	u, err := h.Store.CreateUser(r.Context(), n)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, u)
}

// GetUser returns one account.
func (h *HTTP) GetUser(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.Store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, u)
}

// PasswordRequest is an admin's reset of another user's password.
type PasswordRequest struct {
	Password string `json:"password"`
}

// ChangePassword changes the caller's own password (the current one given);
// the caller's other sessions end.
func (h *HTTP) ChangePassword(w http.ResponseWriter, r *http.Request) error {
	var req PasswordChange
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	token, _ := r.Context().Value(sessionKey{}).(string)
	if err := h.Store.ChangeOwnPassword(r.Context(), req, token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// EnrolTOTP starts the enrolment of the caller's second factor.
func (h *HTTP) EnrolTOTP(w http.ResponseWriter, r *http.Request) error {
	en, err := h.Store.EnrolTOTP(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpapi.WriteJSON(w, http.StatusOK, en)
}

// ConfirmTOTP enables the enrolled second factor with a code from the app.
func (h *HTTP) ConfirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var req TOTPCode
	if err := httpapi.DecodeJSON(w, r, &req, 1024); err != nil {
		return err
	}
	codes, err := h.Store.ConfirmTOTP(r.Context(), req.Code)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpapi.WriteJSON(w, http.StatusOK, codes)
}

// DisableTOTP turns the caller's second factor off (password again).
func (h *HTTP) DisableTOTP(w http.ResponseWriter, r *http.Request) error {
	var req CurrentPassword
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	if err := h.Store.DisableTOTP(r.Context(), req.CurrentPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ResetTOTP removes a user's second factor (an admin, for a lost phone).
func (h *HTTP) ResetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Store.ResetTOTP(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// SetPassword changes a password.
func (h *HTTP) SetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var req PasswordRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	if err := h.Store.SetPassword(r.Context(), id, req.Password, true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// GrantRole binds a role to a user.
func (h *HTTP) GrantRole(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var b access.Binding
	if err := httpapi.DecodeJSON(w, r, &b, 4096); err != nil {
		return err
	}
	if err := h.Store.GrantRole(r.Context(), id, b); err != nil {
		return err
	}
	u, err := h.Store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, u)
}

// APIKeyRequest names a new key.
type APIKeyRequest struct {
	Name string `json:"name"`
}

// CreatedAPIKey is returned once, with the key itself.
type CreatedAPIKey struct {
	APIKey
	Key string `json:"key"`
}

// CreateAPIKey issues a key acting as the user.
func (h *HTTP) CreateAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	var req APIKeyRequest
	if err := httpapi.DecodeJSON(w, r, &req, 4096); err != nil {
		return err
	}
	k, key, err := h.Store.CreateAPIKey(r.Context(), id, req.Name)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusCreated, CreatedAPIKey{APIKey: k, Key: key})
}

// ListAPIKeys lists a user's keys (never the keys themselves).
func (h *HTTP) ListAPIKeys(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	keys, err := h.Store.APIKeys(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": keys})
}

// RevokeAPIKey ends a key.
func (h *HTTP) RevokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.Store.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// RevealedPhone is a phone number shown in full.
type RevealedPhone struct {
	Phone string `json:"phone"`
}

// RevealPhone shows a user's full phone number (audited).
func (h *HTTP) RevealPhone(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := h.Store.RevealPhone(r.Context(), id)
	if err != nil {
		return err
	}
	return httpapi.WriteJSON(w, http.StatusOK, RevealedPhone{Phone: phone})
}
