package server_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/auth"
)

// anonFrom is an anonymous client whose requests come from another loopback
// address (all of 127.0.0.0/8 is loopback on Linux), for throttling per
// address.
func (e *env) anonFrom(ip string) *client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &client{e: e, c: &http.Client{Jar: jar, Transport: &http.Transport{DialContext: d.DialContext}}}
}

// loginWith logs in with a password other than the fixture's.
func (e *env) loginWith(username, password string) *client {
	e.t.Helper()
	c := e.anon()
	var me auth.Me
	c.mustDo("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, 200, &me)
	c.csrf = me.CSRFToken
	return c
}

// row reads one value, to show what a refused request left unchanged.
func (e *env) row(query string, args ...any) string {
	e.t.Helper()
	var v string
	if err := e.db.QueryRowContext(context.Background(), query, args...).Scan(&v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) audited(action, object string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object = ?`, action, object).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestPasswordPolicy: every rule of the policy refuses with its name, in
// both languages, and changes nothing; a good password works at once, the
// old one no longer, and a recent one cannot come back.
func TestPasswordPolicy(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		sec1 := e.login("sec1")
		hash := e.row(`SELECT password_hash FROM users WHERE username = 'sec1'`)
		for _, tc := range []struct{ current, next, field, rule string }{
			{fixturePassword, "Short-1a", "new_password", "min_length"},
			{fixturePassword, "1234567890", "new_password", "min_length"},
			{fixturePassword, "123456789012", "new_password", "classes"},
			{fixturePassword, "aaaaaaaaaaaa", "new_password", "classes"},
			{fixturePassword, "alllowercaseletters", "new_password", "classes"},
			{fixturePassword, "My-Sec1-password", "new_password", "username"},
			{fixturePassword, "Password@2026", "new_password", "common"},
			{fixturePassword, "Qwerty123456!", "new_password", "common"},
			{fixturePassword, "AAAAAAAAAAAA1!", "new_password", "common"},
			{"not-the-password", "Harbour-Lights-77", "current_password", "wrong"},
			{fixturePassword, fixturePassword, "new_password", "reused"},
		} {
			p := sec1.do("POST", "/api/v1/auth/password", auth.PasswordChange{CurrentPassword: tc.current, NewPassword: tc.next}).problem(t)
			if p.Status != 422 || !p.hasField(tc.field, tc.rule) {
				t.Errorf("%q: %+v, want %s %s", tc.next, p, tc.field, tc.rule)
			}
		}
		if e.row(`SELECT password_hash FROM users WHERE username = 'sec1'`) != hash {
			t.Fatal("a refused change changed the password")
		}
		other := e.login("sec1") // another session of the same user
		sec1.mustDo("POST", "/api/v1/auth/password", auth.PasswordChange{CurrentPassword: fixturePassword, NewPassword: "Harbour-Lights-77"}, 204, nil)
		sec1.mustDo("GET", "/api/v1/auth/me", nil, 200, nil) // this session stays
		if p := other.do("GET", "/api/v1/auth/me", nil).problem(t); p.Status != 401 {
			t.Fatalf("the other session survived: %+v", p)
		}
		if e.anon().do("POST", "/api/v1/auth/login", map[string]string{"username": "sec1", "password": fixturePassword}).status != 401 {
			t.Fatal("the old password still works")
		}
		e.loginWith("sec1", "Harbour-Lights-77")
		// The last passwords cannot come back.
		if p := sec1.do("POST", "/api/v1/auth/password", auth.PasswordChange{CurrentPassword: "Harbour-Lights-77", NewPassword: fixturePassword}).problem(t); !p.hasField("new_password", "reused") {
			t.Fatalf("reuse: %+v", p)
		}
		// Changing one's own password through the admin route is refused:
		// it does not ask for the current one.
		if p := sec1.do("PUT", fmt.Sprintf("/api/v1/users/%d/password", e.users["sec1"]), map[string]string{"password": "Another-Harbour-8"}).problem(t); p.Status != 403 && p.Status != 422 {
			t.Fatalf("own password through the admin route: %+v", p)
		}
		if e.audited("auth.password_change", "user:sec1") != 1 {
			t.Fatal("the change is not audited")
		}
		// An admin creating an account meets the same rules.
		center := e.login("center")
		for _, pw := range []string{"1234567890", "aaaaaaaaaa", "gw13gw13gw13"} {
			p := center.do("POST", "/api/v1/users", auth.NewUser{Username: "gw13", DisplayName: "x", Password: pw, Role: "grid_worker", AreaCode: "370211001001002"}).problem(t)
			if p.Status != 422 || len(p.Errors) == 0 || p.Errors[0].Field != "password" {
				t.Errorf("create with %q: %+v", pw, p)
			}
		}
	})
}

// TestForcedPasswordChange: an account made or reset by an admin can do
// nothing but change its password first.
func TestForcedPasswordChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		center := e.login("center")
		var u auth.User
		center.mustDo("POST", "/api/v1/users", auth.NewUser{Username: "gw13", DisplayName: "新网格员", Password: "Temporary-Pass-1", Role: "grid_worker", AreaCode: "370211001001002"}, 201, &u)
		c := e.loginWith("gw13", "Temporary-Pass-1")
		var me auth.Me
		c.mustDo("GET", "/api/v1/auth/me", nil, 200, &me)
		if !me.User.MustChangePassword {
			t.Fatalf("me: %+v", me.User)
		}
		before := e.count("cases")
		for _, call := range []struct{ method, path string }{{"GET", "/api/v1/areas"}, {"GET", "/api/v1/cases"}, {"POST", "/api/v1/cases"}} {
			if p := c.do(call.method, call.path, map[string]any{"title": "x"}).problem(t); p.Status != 403 || p.Code != "password_change_required" || p.DetailZH == "" {
				t.Errorf("%s %s before the change: %+v", call.method, call.path, p)
			}
		}
		if e.count("cases") != before {
			t.Fatal("a pending account reported a case")
		}
		c.mustDo("POST", "/api/v1/auth/password", auth.PasswordChange{CurrentPassword: "Temporary-Pass-1", NewPassword: "My-Own-Pass-2026"}, 204, nil)
		c.mustDo("GET", "/api/v1/areas", nil, 200, nil)
		// An admin's reset makes it temporary again.
		center.mustDo("PUT", fmt.Sprintf("/api/v1/users/%d/password", u.ID), map[string]string{"password": "Reset-By-Centre-9"}, 204, nil)
		c = e.loginWith("gw13", "Reset-By-Centre-9")
		if p := c.do("GET", "/api/v1/areas", nil).problem(t); p.Code != "password_change_required" {
			t.Fatalf("after a reset: %+v", p)
		}
		// Expired passwords must be changed too, where the policy sets an age.
		e.srv.Auth.Policy.PasswordMaxAge = 90 * 24 * time.Hour
		e.clock.Advance(91 * 24 * time.Hour)
		gw := e.login("gw11")
		gw.mustDo("GET", "/api/v1/auth/me", nil, 200, &me)
		if !me.User.MustChangePassword || me.User.PasswordExpiresAt == nil {
			t.Fatalf("expired password: %+v", me.User)
		}
		if p := gw.do("GET", "/api/v1/areas", nil).problem(t); p.Code != "password_change_required" {
			t.Fatalf("expired password: %+v", p)
		}
	})
}

type enrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRPNG      string `json:"qr_png"`
}

func (e *env) totpCode(secret string) string {
	e.t.Helper()
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// enrolTOTP enrols a second factor for the client's user, returning the
// secret and the recovery codes.
func (e *env) enrolTOTP(c *client) (string, []string) {
	e.t.Helper()
	var en enrolment
	c.mustDo("POST", "/api/v1/auth/totp/enrol", map[string]any{}, 200, &en)
	var rc auth.RecoveryCodes
	c.mustDo("POST", "/api/v1/auth/totp/confirm", auth.TOTPCode{Code: e.totpCode(en.Secret)}, 200, &rc)
	return en.Secret, rc.Codes
}

// TestTOTP: enrolment with a QR code, login with a code, no code accepted
// twice, single-use recovery codes, disabling with the password, an admin's
// reset.
func TestTOTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		sec1 := e.login("sec1")
		var en enrolment
		sec1.mustDo("POST", "/api/v1/auth/totp/enrol", map[string]any{}, 200, &en)
		if len(en.Secret) < 16 || !strings.HasPrefix(en.OTPAuthURL, "otpauth://totp/") || !strings.HasPrefix(en.QRPNG, "data:image/png;base64,") {
			t.Fatalf("enrolment: %+v", en)
		}
		if enc := e.row(`SELECT totp_pending_enc FROM users WHERE username = 'sec1'`); enc == "" || strings.Contains(enc, en.Secret) {
			t.Fatalf("the secret is not stored encrypted: %q", enc)
		}
		// A wrong code enables nothing.
		if p := sec1.do("POST", "/api/v1/auth/totp/confirm", auth.TOTPCode{Code: "000000"}).problem(t); p.Status != 422 || !p.hasField("code", "totp") {
			t.Fatalf("wrong code: %+v", p)
		}
		var on bool
		if err := e.db.QueryRowContext(context.Background(), `SELECT totp_enabled FROM users WHERE username = 'sec1'`).Scan(&on); err != nil || on {
			t.Fatalf("enabled by a wrong code (%v)", err)
		}
		used := e.totpCode(en.Secret)
		var rc auth.RecoveryCodes
		sec1.mustDo("POST", "/api/v1/auth/totp/confirm", auth.TOTPCode{Code: used}, 200, &rc)
		if len(rc.Codes) != 10 {
			t.Fatalf("recovery codes: %v", rc.Codes)
		}
		var me auth.Me
		sec1.mustDo("GET", "/api/v1/auth/me", nil, 200, &me)
		if !me.User.TOTPEnabled || me.User.TOTPRequired {
			t.Fatalf("me: %+v", me.User)
		}
		login := func(extra map[string]string) response {
			body := map[string]string{"username": "sec1", "password": fixturePassword}
			for k, v := range extra {
				body[k] = v
			}
			return e.anon().do("POST", "/api/v1/auth/login", body)
		}
		sessions := e.count("sessions")
		if p := login(nil).problem(t); p.Status != 401 || p.Code != "totp_required" {
			t.Fatalf("no code: %+v", p)
		}
		// The code that enabled it is spent: a replay fails.
		if p := login(map[string]string{"totp_code": used}).problem(t); p.Status != 401 || p.Code != "totp_invalid" {
			t.Fatalf("replayed code: %+v", p)
		}
		if p := login(map[string]string{"totp_code": "123456"}).problem(t); p.Code != "totp_invalid" {
			t.Fatalf("wrong code: %+v", p)
		}
		if e.count("sessions") != sessions {
			t.Fatal("a refused second factor opened a session")
		}
		e.clock.Advance(30 * time.Second)
		code := e.totpCode(en.Secret)
		if r := login(map[string]string{"totp_code": code}); r.status != 200 {
			t.Fatalf("right code: %d %s", r.status, r.body)
		}
		if p := login(map[string]string{"totp_code": code}).problem(t); p.Code != "totp_invalid" {
			t.Fatalf("the same code twice: %+v", p)
		}
		if r := login(map[string]string{"recovery_code": strings.ToUpper(rc.Codes[3])}); r.status != 200 {
			t.Fatalf("recovery code: %d %s", r.status, r.body)
		}
		if p := login(map[string]string{"recovery_code": rc.Codes[3]}).problem(t); p.Code != "totp_invalid" {
			t.Fatalf("a recovery code twice: %+v", p)
		}
		if e.audited("auth.totp_enrol", "user:sec1") != 1 || e.audited("auth.totp_failed", "user:sec1") != 4 {
			t.Fatalf("second-factor events not audited: %d %d", e.audited("auth.totp_enrol", "user:sec1"), e.audited("auth.totp_failed", "user:sec1"))
		}
		// Enrolling again needs disabling first; disabling needs the password.
		if p := sec1.do("POST", "/api/v1/auth/totp/enrol", map[string]any{}).problem(t); p.Status != 409 {
			t.Fatalf("second enrolment: %+v", p)
		}
		if p := sec1.do("DELETE", "/api/v1/auth/totp", auth.CurrentPassword{CurrentPassword: "wrong"}).problem(t); !p.hasField("current_password", "wrong") {
			t.Fatalf("disable with a wrong password: %+v", p)
		}
		sec1.mustDo("DELETE", "/api/v1/auth/totp", auth.CurrentPassword{CurrentPassword: fixturePassword}, 204, nil)
		e.login("sec1")
		// A lost phone: the subdistrict admin resets the second factor.
		e.enrolTOTP(sec1)
		if p := e.login("sec2").do("POST", fmt.Sprintf("/api/v1/users/%d/totp/reset", e.users["sec1"]), nil).problem(t); p.Status != 403 {
			t.Fatalf("a secretary resets: %+v", p)
		}
		e.login("center").mustDo("POST", fmt.Sprintf("/api/v1/users/%d/totp/reset", e.users["sec1"]), nil, 204, nil)
		e.login("sec1")
		if e.audited("user.totp_reset", "user:sec1") != 1 {
			t.Fatal("the reset is not audited")
		}
	})
}

// TestTOTPRequiredByPolicy: where the deployment requires a second factor,
// staff above grid worker must enrol before anything else and cannot turn
// it off; a grid worker is not asked.
func TestTOTPRequiredByPolicy(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.srv.Auth.Policy.RequireTOTP = true
		center := e.login("center")
		var me auth.Me
		center.mustDo("GET", "/api/v1/auth/me", nil, 200, &me)
		if !me.User.TOTPRequired || me.User.TOTPEnabled {
			t.Fatalf("me: %+v", me.User)
		}
		if p := center.do("GET", "/api/v1/areas", nil).problem(t); p.Status != 403 || p.Code != "totp_enrolment_required" || p.DetailZH == "" {
			t.Fatalf("before enrolling: %+v", p)
		}
		e.login("gw11").mustDo("GET", "/api/v1/areas", nil, 200, nil)
		e.enrolTOTP(center)
		center.mustDo("GET", "/api/v1/areas", nil, 200, nil)
		if p := center.do("DELETE", "/api/v1/auth/totp", auth.CurrentPassword{CurrentPassword: fixturePassword}).problem(t); p.Status != 403 || p.Code != "totp_required_by_policy" {
			t.Fatalf("disable where required: %+v", p)
		}
	})
}

// TestSessionAbsoluteTimeout: however active, a session ends SessionAbsolute
// after its login.
func TestSessionAbsoluteTimeout(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.realSessions()
		c := e.login("sec1")
		for elapsed := time.Duration(0); elapsed < auth.SessionAbsolute-auth.SessionIdle; elapsed += auth.SessionIdle / 2 {
			c.mustDo("GET", "/api/v1/auth/me", nil, 200, nil)
			e.clock.Advance(auth.SessionIdle / 2)
		}
		e.clock.Advance(auth.SessionIdle)
		if p := c.do("GET", "/api/v1/areas", nil).problem(t); p.Status != 401 || p.Code != "session_expired" {
			t.Fatalf("past the absolute timeout: %+v", p)
		}
		before := e.count("cases")
		if p := c.do("POST", "/api/v1/cases", map[string]any{"title": "过期会话上报", "category": "appearance.garbage", "area_code": "370211001001001001"}).problem(t); p.Status != 401 || p.Code != "session_expired" {
			t.Fatalf("a write past the timeout: %+v", p)
		}
		if e.count("cases") != before {
			t.Fatal("a write past the timeout was stored")
		}
	})
}

// TestNoAccountTakeoverAcrossScope: the defects of issue 12 — a subdistrict
// admin could grant a role to, then reset the password of or mint a key for,
// a district-wide admin it cannot see; could grant system_admin; a resident
// could list others' keys.
func TestNoAccountTakeoverAcrossScope(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := access.System(context.Background())
		resident, err := e.srv.Auth.CreateUser(ctx, auth.NewUser{Username: "resident1", DisplayName: "居民", Password: fixturePassword, Permanent: true, Role: "resident", AreaCode: "370211001001"})
		if err != nil {
			t.Fatal(err)
		}
		// Visible to the subdistrict admin, but holding rights it lacks.
		dual, err := e.srv.Auth.CreateUser(ctx, auth.NewUser{Username: "dual", DisplayName: "双职", Password: fixturePassword, Permanent: true, Role: "community_secretary", AreaCode: "370211001001"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.srv.Auth.GrantRole(ctx, dual.ID, access.Binding{Role: "volunteer_manager", AreaCode: "370211001"}); err != nil {
			t.Fatal(err)
		}
		admin := e.users["admin"]
		fingerprint := func() string {
			return e.row(`SELECT COUNT(*) FROM user_roles`) + "/" + e.row(`SELECT COUNT(*) FROM api_keys`) + "/" +
				e.row(`SELECT password_hash FROM users WHERE id = ?`, admin) + "/" + e.row(`SELECT password_hash FROM users WHERE id = ?`, dual.ID)
		}
		before := fingerprint()
		adminSession := e.login("admin")
		center := e.login("center")
		for _, tc := range []struct {
			who          *client
			method, path string
			body         any
			status       int
			code, field  string
			why          string
		}{
			{center, "GET", fmt.Sprintf("/api/v1/users/%d", admin), nil, 404, "", "", "the district admin is invisible"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/roles", admin), access.Binding{Role: "leader", AreaCode: "370211001"}, 404, "", "", "grant to an invisible user"},
			{center, "PUT", fmt.Sprintf("/api/v1/users/%d/password", admin), map[string]string{"password": "Taken-Over-2026"}, 404, "", "", "reset an invisible user"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/api-keys", admin), map[string]string{"name": "mine now"}, 404, "", "", "a key for an invisible user"},
			{center, "GET", fmt.Sprintf("/api/v1/users/%d/api-keys", admin), nil, 404, "", "", "list an invisible user's keys"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/totp/reset", admin), nil, 404, "", "", "reset an invisible user's second factor"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), access.Binding{Role: "system_admin", AreaCode: "370211001"}, 403, "role_above_yours", "", "grant system_admin"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), access.Binding{Role: "volunteer_manager", AreaCode: "370211001"}, 403, "role_above_yours", "", "grant a role with permissions it lacks"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), access.Binding{Role: "grid_worker", AreaCode: "370211"}, 422, "", "area_code", "grant over an area outside its scope"},
			{center, "POST", "/api/v1/users", auth.NewUser{Username: "boss", DisplayName: "x", Role: "system_admin", AreaCode: "370211001"}, 403, "role_above_yours", "", "create a system admin"},
			{center, "PUT", fmt.Sprintf("/api/v1/users/%d/password", dual.ID), map[string]string{"password": "Taken-Over-2026"}, 403, "account_above_yours", "", "reset an account above its own"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/api-keys", dual.ID), map[string]string{"name": "x"}, 403, "account_above_yours", "", "a key for an account above its own"},
			{center, "POST", fmt.Sprintf("/api/v1/users/%d/roles", dual.ID), access.Binding{Role: "grid_worker", AreaCode: "370211001001001"}, 403, "account_above_yours", "", "grant to an account above its own"},
			{e.login("resident1"), "GET", fmt.Sprintf("/api/v1/users/%d/api-keys", e.users["sec1"]), nil, 404, "", "", "a resident lists another's keys"},
			{e.login("resident1"), "POST", fmt.Sprintf("/api/v1/users/%d/api-keys", e.users["sec1"]), map[string]string{"name": "x"}, 404, "", "", "a resident mints another's key"},
			{e.login("sec1"), "POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), access.Binding{Role: "grid_worker", AreaCode: "370211001001001"}, 403, "", "", "a secretary without users:write grants"},
			{e.login("sec1"), "PUT", fmt.Sprintf("/api/v1/users/%d/password", e.users["gw11"]), map[string]string{"password": "Taken-Over-2026"}, 403, "", "", "a secretary resets a password"},
		} {
			r := tc.who.do(tc.method, tc.path, tc.body)
			p := r.problem(t)
			if p.Status != tc.status || (tc.code != "" && p.Code != tc.code) || (tc.field != "" && !p.hasField(tc.field, "")) || p.DetailZH == "" {
				t.Errorf("%s: %s %s → %d %s", tc.why, tc.method, tc.path, r.status, r.body)
			}
			if tc.status == 404 && strings.Contains(string(r.body), "admin") {
				t.Errorf("%s: the answer names the hidden user: %s", tc.why, r.body)
			}
		}
		if after := fingerprint(); after != before {
			t.Fatalf("refused requests changed accounts: %s → %s", before, after)
		}
		adminSession.mustDo("GET", "/api/v1/auth/me", nil, 200, nil) // its session lives on
		// Within its authority the admin still manages accounts.
		center.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), access.Binding{Role: "community_staff", AreaCode: "370211001001"}, 200, nil)
		center.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/api-keys", e.users["gw11"]), map[string]string{"name": "巡查终端"}, 201, nil)
		center.mustDo("GET", fmt.Sprintf("/api/v1/users/%d/api-keys", e.users["gw11"]), nil, 200, nil)
		// Users read only where users:read holds: a resident sees no one.
		if p := e.login("resident1").do("GET", fmt.Sprintf("/api/v1/users/%d", resident.ID), nil).problem(t); p.Status != 403 && p.Status != 404 {
			t.Fatalf("resident reads users: %+v", p)
		}
		// Security events are filed under the account's area, so that the
		// admins there see them.
		if got := e.row(`SELECT area_code FROM audit_log WHERE action = 'apikey.create' ORDER BY id DESC LIMIT 1`); got != "370211001001" {
			t.Fatalf("apikey.create filed under %q (gw11's widest area, since the grant above)", got)
		}
		if got := e.row(`SELECT area_code FROM audit_log WHERE action = 'auth.login' AND actor = 'center' ORDER BY id DESC LIMIT 1`); got != "370211001" {
			t.Fatalf("auth.login filed under %q", got)
		}
	})
}
