package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/geo"
	"github.com/tongxin/tongxin/internal/platform/audit"
)

func TestUnauthenticatedIs401(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.anon()
		for _, path := range []string{"/api/v1/areas", "/api/v1/areas/370211001", "/api/v1/auth/me", "/api/v1/locate?lng=120.1&lat=35.9", "/api/v1/users"} {
			r := c.do("GET", path, nil)
			if r.status != 401 || r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", path, r.status, r.header.Get("Content-Type"))
			}
		}
		// Public endpoints stay public.
		c.mustDo("GET", "/healthz", nil, 200, nil)
		c.mustDo("GET", "/api/v1/openapi.json", nil, 200, nil)
		// Unknown API paths are problems too, not the console page.
		if p := c.do("GET", "/api/v1/nope", nil).problem(t); p.Status != 404 || p.Code != "no_route" {
			t.Errorf("unknown route: %+v", p)
		}
		r := c.do("DELETE", "/api/v1/areas", nil)
		if p := r.problem(t); p.Status != 405 || p.Code != "method_not_allowed" || r.header.Get("Allow") == "" {
			t.Errorf("wrong method: %+v %v", p, r.header)
		}
	})
}

// TestLoginThrottling: wrong passwords slow down the address that sends
// them, with a back-off that doubles, while the real user logs in at once
// from another address: nobody can lock an account out by guessing at it.
func TestLoginThrottling(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.anonFrom("127.0.0.2")
		usersBefore, sessionsBefore := e.count("users"), e.count("sessions")
		wrong := map[string]string{"username": "sec1", "password": "wrong-password"}
		for i := 0; i < auth.FreeFailures; i++ {
			p := c.do("POST", "/api/v1/auth/login", wrong).problem(t)
			if p.Status != 401 || p.Code != "invalid_credentials" || p.DetailZH == "" {
				t.Fatalf("attempt %d: %+v", i+1, p)
			}
		}
		// From that address, even the right password now waits a second,
		// then two, then four: the back-off doubles with each failure.
		for _, wait := range []int{1, 2, 4} {
			r := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "sec1", "password": fixturePassword})
			if p := r.problem(t); p.Status != 429 || p.Code != "too_many_attempts" || r.header.Get("Retry-After") != strconv.Itoa(wait) || p.DetailZH == "" {
				t.Fatalf("throttled attempt: %+v %q, want Retry-After %d", p, r.header.Get("Retry-After"), wait)
			}
			e.clock.Advance(time.Duration(wait) * time.Second)
			if p := c.do("POST", "/api/v1/auth/login", wrong).problem(t); p.Code != "invalid_credentials" {
				t.Fatalf("after the back-off: %+v", p)
			}
		}
		if e.count("users") != usersBefore || e.count("sessions") != sessionsBefore {
			t.Fatal("failed logins changed users or sessions")
		}
		// The real user, from their own address, is not locked out.
		e.login("sec1")
		e.login("sec2")
		// After the window the guessing address may try again.
		e.clock.Advance(auth.FailureWindow + 1)
		c.mustDo("POST", "/api/v1/auth/login", map[string]string{"username": "sec1", "password": fixturePassword}, 200, nil)
		// Failures against one account from many addresses slow every try
		// at it down, by at most AccountBackoff — never a lock.
		for i := 0; i < auth.AccountFailures; i++ {
			e.anonFrom(fmt.Sprintf("127.0.1.%d", i+1)).do("POST", "/api/v1/auth/login", map[string]string{"username": "sec2", "password": "wrong-password"})
		}
		r := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"username": "sec2", "password": fixturePassword})
		if secs, _ := strconv.Atoi(r.header.Get("Retry-After")); r.status != 429 || secs < 1 || secs > int(auth.AccountBackoff.Seconds()) {
			t.Fatalf("account back-off: %d %q", r.status, r.header.Get("Retry-After"))
		}
		e.clock.Advance(auth.AccountBackoff)
		e.login("sec2")
		// An unknown user gets the same answer as a wrong password.
		c = e.anon()
		if p := c.do("POST", "/api/v1/auth/login", map[string]string{"username": "ghost", "password": "whatever-123"}).problem(t); p.Code != "invalid_credentials" {
			t.Fatalf("unknown user: %+v", p)
		}
		// Every failure is in the audit log with its address.
		var n int
		if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND actor = 'sec1' AND detail LIKE '%127.0.0.2%'`).Scan(&n); err != nil || n != auth.FreeFailures+3 {
			t.Fatalf("audited failures: %d %v", n, err)
		}
		// A malformed body names the field.
		if p := c.do("POST", "/api/v1/auth/login", `{"username": 5}`).problem(t); p.Status != 422 || !p.hasField("username", "type") {
			t.Fatalf("malformed login: %+v", p)
		}
	})
}

func TestSessionLifecycleAndCSRF(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		e.realSessions()
		c := e.login("center")
		var me auth.Me
		c.mustDo("GET", "/api/v1/auth/me", nil, 200, &me)
		if me.User.Username != "center" || me.User.Roles[0].AreaName != "黄岛街道" || me.CSRFToken != c.csrf {
			t.Fatalf("me: %+v", me)
		}
		// Each permission says where it holds: a grid worker who also reads
		// the whole district as a leader handles cases in the grid only.
		admin := e.login("admin")
		admin.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/roles", e.users["gw11"]), map[string]string{"role": "leader", "area_code": "370211"}, 200, nil)
		var gw auth.Me
		e.login("gw11").mustDo("GET", "/api/v1/auth/me", nil, 200, &gw)
		if w, r := gw.User.PermissionAreas["cases:handle"], gw.User.PermissionAreas["cases:read"]; len(gw.User.Roles) != 2 ||
			!slices.Equal(w, []string{"370211001001001"}) || !slices.Equal(r, []string{"370211"}) || len(gw.User.PermissionAreas) != len(gw.User.Permissions) {
			t.Fatalf("permission areas %+v", gw.User)
		}
		// A cookie-authenticated write without the CSRF header is refused and changes nothing.
		before := e.count("areas")
		token := c.csrf
		c.csrf = ""
		if p := c.do("POST", "/api/v1/areas", map[string]string{"code": "370211001003", "name": "新社区", "parent_code": "370211001"}).problem(t); p.Status != 403 || p.Code != "csrf" {
			t.Fatalf("no csrf: %+v", p)
		}
		c.csrf = "wrong"
		if c.do("POST", "/api/v1/areas", map[string]string{"code": "370211001003", "name": "新社区", "parent_code": "370211001"}).status != 403 {
			t.Fatal("wrong csrf accepted")
		}
		if e.count("areas") != before {
			t.Fatal("refused write changed areas")
		}
		c.csrf = token
		c.mustDo("POST", "/api/v1/areas", map[string]string{"code": "370211001003", "name": "新社区", "parent_code": "370211001"}, 201, nil)
		// Idle sessions expire, and say so.
		e.clock.Advance(auth.SessionIdle + 1)
		if p := c.do("GET", "/api/v1/auth/me", nil).problem(t); p.Status != 401 || p.Code != "session_expired" || p.DetailZH == "" {
			t.Fatalf("expired session: %+v", p)
		}
		c = e.login("center")
		c.mustDo("POST", "/api/v1/auth/logout", nil, 204, nil)
		if r := c.do("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Fatalf("after logout: %d", r.status)
		}
		if n := e.audited("auth.logout", "user:center"); n != 1 {
			t.Fatalf("logout audited %d times", n)
		}
		if got := e.row(`SELECT area_code || ' ' || source_ip FROM audit_log WHERE action = 'auth.logout'`); got != "370211001 127.0.0.1" {
			t.Fatalf("logout entry: %q", got)
		}
	})
}

func TestScope(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		sec1 := e.login("sec1")
		// Own community's grid: visible; the other community's: 404 as if absent.
		sec1.mustDo("GET", "/api/v1/areas/370211001001002", nil, 200, nil)
		for _, path := range []string{"/api/v1/areas/370211001002001", "/api/v1/areas/370211001002", "/api/v1/areas/370211001",
			"/api/v1/areas/370211001002001/boundaries", "/api/v1/areas/370211001002/duties", "/api/v1/stations?area=370211001002"} {
			if p := sec1.do("GET", path, nil).problem(t); p.Status != 404 {
				t.Errorf("%s: %+v", path, p)
			}
		}
		// Listing without a root yields exactly the own subtree: community + 2 grids + 4 microgrids.
		var list area.ListResponse
		sec1.mustDo("GET", "/api/v1/areas", nil, 200, &list)
		if len(list.Items) != 7 {
			t.Fatalf("sec1 sees %d areas", len(list.Items))
		}
		for _, a := range list.Items {
			if !strings.HasPrefix(a.Code, "370211001001") {
				t.Fatalf("sec1 sees %s", a.Code)
			}
		}
		// A grid worker sees one grid, and ancestors' names only through detail.
		gw := e.login("gw11")
		gw.mustDo("GET", "/api/v1/areas?depth=1", nil, 200, &list)
		if len(list.Items) != 3 || list.Items[0].Code != "370211001001001" {
			t.Fatalf("gw11 sees %+v", list.Items)
		}
		var d area.Detail
		gw.mustDo("GET", "/api/v1/areas/370211001001001001", nil, 200, &d)
		if len(d.Ancestors) != 4 || d.Ancestors[3].Code != "370211001001001" {
			t.Fatalf("ancestors: %+v", d.Ancestors)
		}
		if gw.do("GET", "/api/v1/areas/370211001001002001", nil).status != 404 {
			t.Fatal("grid worker sees the neighbouring grid")
		}
		// Writes outside scope are refused as not found, and change nothing.
		before := e.count("areas")
		if p := sec1.do("PATCH", "/api/v1/areas/370211001001", map[string]string{"name": "被改名"}).problem(t); p.Status != 403 {
			t.Fatalf("rename without areas:write: %+v", p)
		}
		center := e.login("center")
		if p := center.do("PATCH", "/api/v1/areas/370211", map[string]string{"name": "被改名"}).problem(t); p.Status != 404 {
			t.Fatalf("rename outside scope: %+v", p)
		}
		if p := center.do("POST", "/api/v1/areas", map[string]string{"code": "370211002", "name": "x", "parent_code": "370211"}).problem(t); p.Status != 404 {
			t.Fatalf("create outside scope: %+v", p)
		}
		// A leader may read everything but write nothing.
		ld := e.login("leader")
		ld.mustDo("GET", "/api/v1/areas/370211001002001", nil, 200, nil)
		if p := ld.do("POST", "/api/v1/areas", map[string]string{"code": "370211001009", "name": "x", "parent_code": "370211001"}).problem(t); p.Status != 403 {
			t.Fatalf("leader write: %+v", p)
		}
		if e.count("areas") != before {
			t.Fatal("refused writes changed areas")
		}
		// Users: the secretary lists only accounts bound inside the community.
		var users struct{ Items []auth.User }
		sec1.mustDo("GET", "/api/v1/users", nil, 200, &users)
		names := []string{}
		for _, u := range users.Items {
			names = append(names, u.Username)
		}
		if strings.Join(names, ",") != "gw11,sec1" {
			t.Fatalf("sec1 lists users %v", names)
		}
		if sec1.do("GET", fmt.Sprintf("/api/v1/users/%d", e.users["sec2"]), nil).status != 404 {
			t.Fatal("sec1 sees sec2's account")
		}
		// Phones are shown masked only.
		var u auth.User
		sec1.mustDo("GET", fmt.Sprintf("/api/v1/users/%d", e.users["gw11"]), nil, 200, &u)
		if u.PhoneMasked != "139****1111" || strings.Contains(string(sec1.do("GET", "/api/v1/users", nil).body), "13900001111") {
			t.Fatalf("phone not masked: %+v", u)
		}
		// Revealing the full number needs registry:read_pii there, and is audited.
		audits := e.count("audit_log")
		var ph auth.RevealedPhone
		sec1.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/reveal-phone", e.users["gw11"]), nil, 200, &ph)
		if ph.Phone != "13900001111" || e.count("audit_log") != audits+1 {
			t.Fatalf("reveal: %+v, audit %d→%d", ph, audits, e.count("audit_log"))
		}
		var last string
		_ = e.db.QueryRowContext(context.Background(), `SELECT action FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last)
		if last != "pii.reveal" {
			t.Fatalf("last audit action %q", last)
		}
		if p := e.login("leader").do("POST", fmt.Sprintf("/api/v1/users/%d/reveal-phone", e.users["gw11"]), nil).problem(t); p.Status != 403 {
			t.Fatalf("leader reveal: %+v", p)
		}
		if p := e.login("sec2").do("POST", fmt.Sprintf("/api/v1/users/%d/reveal-phone", e.users["gw11"]), nil).problem(t); p.Status != 404 {
			t.Fatalf("reveal outside scope: %+v", p)
		}
	})
}

func TestAreaValidation(t *testing.T) {
	cases := []struct {
		name        string
		body        string
		status      int
		field, rule string
	}{
		{"width", `{"code":"3702110010","name":"x","parent_code":"370211001"}`, 422, "code", "width"},
		{"letters", `{"code":"37021100100A","name":"x","parent_code":"370211001"}`, 422, "code", "digits"},
		{"prefix", `{"code":"370212001003","name":"x","parent_code":"370211001"}`, 422, "code", "prefix"},
		{"parent level", `{"code":"370211001001005","name":"x","parent_code":"370211001"}`, 422, "parent_code", "width"},
		{"zero suffix", `{"code":"370211001000","name":"x","parent_code":"370211001"}`, 422, "code", "suffix"},
		{"no name", `{"code":"370211001003","name":"  ","parent_code":"370211001"}`, 422, "name", "required"},
		{"duplicate", `{"code":"370211001002","name":"x","parent_code":"370211001"}`, 409, "code", "unique"},
		{"unknown parent", `{"code":"370211002001","name":"x","parent_code":"370211002"}`, 422, "parent_code", "exists"},
		{"unknown field", `{"code":"370211001003","name":"x","parent_code":"370211001","colour":"red"}`, 422, "colour", "unknown_field"},
		{"not json", `{"code":`, 422, "body", ""},
	}
	eachEngine(t, func(t *testing.T, e *env) {
		admin := e.login("admin")
		before := e.count("areas")
		audits := e.count("audit_log")
		for _, tc := range cases {
			r := admin.do("POST", "/api/v1/areas", tc.body)
			p := r.problem(t)
			if r.status != tc.status || !p.hasField(tc.field, tc.rule) {
				t.Errorf("%s: status %d, problem %+v", tc.name, r.status, p)
			}
		}
		if e.count("areas") != before || e.count("audit_log") != audits {
			t.Fatal("bad input changed stored data")
		}
		// Closing: children first; then the area is closed but kept.
		if p := admin.do("POST", "/api/v1/areas/370211001002001/close", nil).problem(t); p.Status != 409 || p.Code != "has_open_children" {
			t.Fatalf("close with children: %+v", p)
		}
		for _, code := range []string{"370211001002001001", "370211001002001002", "370211001002001"} {
			admin.mustDo("POST", "/api/v1/areas/"+code+"/close", nil, 200, nil)
		}
		var a area.Area
		admin.mustDo("GET", "/api/v1/areas/370211001002001", nil, 200, &struct{ Area *area.Area }{&a})
		if a.ValidTo == nil {
			t.Fatal("closed area has no valid_to")
		}
		// A closed parent takes no new children; the code is never reused.
		if p := admin.do("POST", "/api/v1/areas", `{"code":"370211001002001003","name":"x","parent_code":"370211001002001"}`).problem(t); !p.hasField("parent_code", "open") {
			t.Fatalf("child of closed: %+v", p)
		}
		if p := admin.do("POST", "/api/v1/areas", `{"code":"370211001002001","name":"x","parent_code":"370211001002"}`).problem(t); p.Status != 409 {
			t.Fatalf("reusing a closed code: %+v", p)
		}
		// Renaming keeps the code and is audited.
		admin.mustDo("PATCH", "/api/v1/areas/370211001001", map[string]string{"name": "海军路社区"}, 200, &a)
		if a.Name != "海军路社区" || a.Code != "370211001001" {
			t.Fatalf("rename: %+v", a)
		}
		if n, err := audit.Verify(context.Background(), e.db); err != nil || n < 5 {
			t.Fatalf("audit chain: %d %v", n, err)
		}
	})
}

func TestBoundaryImport(t *testing.T) {
	bad := []struct {
		name, body, field, rule string
	}{
		{"malformed", `{"type":"FeatureCollection","features":[`, "", "malformed"},
		{"not a collection", `{"type":"Point","coordinates":[1,2]}`, "", "unsupported_type"},
		{"unclosed", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370211001001"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.2,35.9],[120.2,36.0],[120.1,36.0]]]}}]}`, "features[0].geometry.coordinates[0]", "ring_not_closed"},
		{"out of range", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370211001001"},"geometry":{"type":"Polygon","coordinates":[[[190.1,35.9],[120.2,35.9],[120.2,36.0],[190.1,35.9]]]}}]}`, "", "out_of_range"},
		{"no code", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.2,35.9],[120.2,36.0],[120.1,35.9]]]}}]}`, "features[0].properties.code", "required"},
		{"bad code", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"3702110010011"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.2,35.9],[120.2,36.0],[120.1,35.9]]]}}]}`, "features[0].properties.code", "width"},
		{"new without name", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370211001003"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.2,35.9],[120.2,36.0],[120.1,35.9]]]}}]}`, "features[0].properties.name", "required"},
	}
	eachEngine(t, func(t *testing.T, e *env) {
		admin := e.login("admin")
		before, audits := e.count("areas"), e.count("audit_log")
		var fc json.RawMessage
		admin.mustDo("GET", "/api/v1/areas/370211001/boundaries?level=microgrid", nil, 200, &fc)
		for _, tc := range bad {
			r := admin.do("POST", "/api/v1/areas/boundaries", tc.body)
			p := r.problem(t)
			ok := r.status == 422
			if tc.field != "" {
				ok = ok && p.hasField(tc.field, tc.rule)
			} else {
				found := false
				for _, fe := range p.Errors {
					found = found || (fe.Rule == tc.rule && fe.DetailZH != "")
				}
				ok = ok && found
			}
			if !ok {
				t.Errorf("%s: %d %+v", tc.name, r.status, p)
			}
		}
		var after json.RawMessage
		admin.mustDo("GET", "/api/v1/areas/370211001/boundaries?level=microgrid", nil, 200, &after)
		if e.count("areas") != before || e.count("audit_log") != audits || string(after) != string(fc) {
			t.Fatal("a rejected import changed stored data")
		}
		// A good import: one new community (created from its name) and one updated boundary.
		good := `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"code":"370211001003","name":"新社区"},"geometry":{"type":"Polygon","coordinates":[[[120.18,35.90],[120.20,35.90],[120.20,35.94],[120.18,35.90]]]}},
			{"type":"Feature","properties":{"code":"370211001002"},"geometry":{"type":"Polygon","coordinates":[[[120.14,35.90],[120.18,35.90],[120.18,35.94],[120.14,35.94],[120.14,35.90]]]}}]}`
		var res area.ImportResult
		admin.mustDo("POST", "/api/v1/areas/boundaries", good, 200, &res)
		if res.Created != 1 || res.Updated != 1 {
			t.Fatalf("import result %+v", res)
		}
		// Outside the caller's scope the whole file is refused.
		sec1 := e.login("sec1")
		if p := sec1.do("POST", "/api/v1/areas/boundaries", good).problem(t); p.Status != 403 && p.Status != 422 {
			t.Fatalf("secretary import: %+v", p)
		}
	})
}

func TestBoundariesGeoJSON(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.login("center")
		r := c.mustDo("GET", "/api/v1/areas/370211001/boundaries?level=grid", nil, 200, nil)
		if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
			t.Fatalf("content type %q", ct)
		}
		feats, err := geo.ParseFeatureCollection(r.body)
		if err != nil {
			t.Fatal(err)
		}
		if len(feats) != 4 {
			t.Fatalf("%d grids", len(feats))
		}
		p := feats[2].Properties
		if p["code"] != "370211001002001" || p["community_code"] != "370211001002" || p["community_name"] != "社区2" || p["level"] != "grid" {
			t.Fatalf("properties %+v", p)
		}
		if p := c.do("GET", "/api/v1/areas/370211001/boundaries?level=planet", nil).problem(t); !p.hasField("level", "enum") {
			t.Fatalf("bad level: %+v", p)
		}
	})
}

func TestLocate(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.login("center")
		// The centre of microgrid 2 of grid 2 of community 1.
		lng, lat := lng0+3*cell, lat0+3*cell
		var loc area.Location
		c.mustDo("GET", fmt.Sprintf("/api/v1/locate?lng=%f&lat=%f", lng, lat), nil, 200, &loc)
		if loc.Microgrid.Code != "370211001001002002" || len(loc.Chain) != 5 || loc.Chain[0].Code != "370211" || loc.Chain[4].Code != loc.Microgrid.Code {
			t.Fatalf("locate: %+v", loc)
		}
		// The same place in GCJ-02 and BD-09 coordinates lands in the same microgrid.
		for _, crs := range []struct {
			name     string
			lng, lat float64
		}{{"gcj02", 0, 0}, {"bd09", 0, 0}} {
			x, y := geo.WGS84ToGCJ02(lng, lat)
			if crs.name == "bd09" {
				x, y = geo.WGS84ToBD09(lng, lat)
			}
			c.mustDo("GET", fmt.Sprintf("/api/v1/locate?lng=%.9f&lat=%.9f&crs=%s", x, y, crs.name), nil, 200, &loc)
			if loc.Microgrid.Code != "370211001001002002" {
				t.Fatalf("%s: %s", crs.name, loc.Microgrid.Code)
			}
		}
		// Outside every grid; an unknown CRS; missing numbers.
		if p := c.do("GET", "/api/v1/locate?lng=121.5&lat=36.5", nil).problem(t); p.Status != 404 || p.Code != "outside_grids" {
			t.Fatalf("outside: %+v", p)
		}
		if p := c.do("GET", "/api/v1/locate?lng=120.13&lat=35.93&crs=mercator", nil).problem(t); !p.hasField("crs", "enum") {
			t.Fatalf("crs: %+v", p)
		}
		if p := c.do("GET", "/api/v1/locate?lat=35.93", nil).problem(t); !p.hasField("lng", "number") {
			t.Fatalf("missing lng: %+v", p)
		}
		// A point in another community is not found for a secretary.
		if p := e.login("sec2").do("GET", fmt.Sprintf("/api/v1/locate?lng=%f&lat=%f", lng, lat), nil).problem(t); p.Status != 404 {
			t.Fatalf("sec2 locates into community 1: %+v", p)
		}
		// Moving a boundary rebuilds the index: shift the community-2 microgrid west edge.
		admin := e.login("admin")
		moved := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370211001001002002"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}}]}`,
			lng0+10*cell, lat0, lng0+12*cell, lat0, lng0+12*cell, lat0+2*cell, lng0+10*cell, lat0+2*cell, lng0+10*cell, lat0)
		admin.mustDo("POST", "/api/v1/areas/boundaries", moved, 200, nil)
		if r := c.do("GET", fmt.Sprintf("/api/v1/locate?lng=%f&lat=%f", lng, lat), nil); r.status != 404 {
			t.Fatalf("after moving the boundary, the old place still locates: %s", r.body)
		}
		c.mustDo("GET", fmt.Sprintf("/api/v1/locate?lng=%f&lat=%f", lng0+11*cell, lat0+cell), nil, 200, &loc)
		if loc.Microgrid.Code != "370211001001002002" {
			t.Fatalf("new place: %s", loc.Microgrid.Code)
		}
	})
}

func TestDutiesAndDetail(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		sec1 := e.login("sec1")
		sec1.mustDo("POST", "/api/v1/areas/370211001001/duties", map[string]any{"kind": "secretary", "user_id": e.users["sec1"]}, 201, nil)
		sec1.mustDo("POST", "/api/v1/areas/370211001001001/duties", map[string]any{"kind": "grid_worker", "user_id": e.users["gw11"]}, 201, nil)
		sec1.mustDo("POST", "/api/v1/areas/370211001001001001/duties", map[string]any{"kind": "building_head", "user_id": e.users["gw11"], "label": "3号楼",
			"geometry": map[string]any{"type": "Point", "coordinates": []float64{120.105, 35.905}}}, 201, nil)
		sec1.mustDo("POST", "/api/v1/areas/370211001001001/duties", map[string]any{"kind": "road_head", "user_id": e.users["gw11"], "label": "长江中路",
			"geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{120.101, 35.901}, {120.109, 35.901}}}}, 201, nil)
		bad := []struct {
			path  string
			body  map[string]any
			field string
			rule  string
		}{
			{"/api/v1/areas/370211001001001/duties", map[string]any{"kind": "secretary", "user_id": e.users["sec1"]}, "area_code", "level"},
			{"/api/v1/areas/370211001001001/duties", map[string]any{"kind": "building_head", "user_id": e.users["gw11"], "geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{120.1, 35.9}, {120.2, 35.9}}}}, "geometry", "point"},
			{"/api/v1/areas/370211001001001/duties", map[string]any{"kind": "mayor", "user_id": e.users["gw11"]}, "kind", "enum"},
			{"/api/v1/areas/370211001001001/duties", map[string]any{"kind": "grid_worker", "user_id": 99999}, "user_id", "exists"},
		}
		before := e.count("duties")
		for _, b := range bad {
			if p := sec1.do("POST", b.path, b.body).problem(t); !p.hasField(b.field, b.rule) {
				t.Errorf("%v: %+v", b.body, p)
			}
		}
		if e.count("duties") != before {
			t.Fatal("bad duties stored")
		}
		if p := sec1.do("POST", "/api/v1/areas/370211001002001/duties", map[string]any{"kind": "grid_worker", "user_id": e.users["gw11"]}).problem(t); p.Status != 404 {
			t.Fatalf("duty outside scope: %+v", p)
		}
		var d area.Detail
		e.login("gw11").mustDo("GET", "/api/v1/areas/370211001001001001", nil, 200, &d)
		if d.Duty.Secretary == nil || d.Duty.Secretary.Name != "书记一" || d.Duty.Secretary.PhoneMasked != "138****5678" {
			t.Fatalf("secretary: %+v", d.Duty.Secretary)
		}
		if len(d.Duty.GridWorkers) != 1 || d.Duty.GridWorkers[0].Name != "网格员" {
			t.Fatalf("grid workers: %+v", d.Duty.GridWorkers)
		}
		if len(d.Duty.Heads) != 1 || d.Duty.Heads[0].Kind != "building" || d.Duty.Heads[0].Label != "3号楼" {
			t.Fatalf("heads of the microgrid: %+v", d.Duty.Heads)
		}
		// A station for the community shows on its grids.
		lng, lat := 120.11, 35.91
		e.login("admin").mustDo("POST", "/api/v1/stations", area.Station{Name: "海军路服务站", AreaCode: "370211001001", Lng: &lng, Lat: &lat}, 201, nil)
		e.login("gw11").mustDo("GET", "/api/v1/areas/370211001001001", nil, 200, &d)
		if d.Duty.Station == nil || d.Duty.Station.Name != "海军路服务站" || len(d.Duty.Heads) != 2 {
			t.Fatalf("grid detail: %+v", d.Duty)
		}
		// The community shows its own secretary, its grid workers and heads;
		// the subdistrict names no secretary of a community below it.
		sec1.mustDo("GET", "/api/v1/areas/370211001001", nil, 200, &d)
		if d.Duty.Secretary == nil || len(d.Duty.GridWorkers) != 1 || len(d.Duty.Heads) != 2 {
			t.Fatalf("community detail: %+v", d.Duty)
		}
		e.login("center").mustDo("GET", "/api/v1/areas/370211001", nil, 200, &d)
		if d.Duty.Secretary != nil || len(d.Duty.GridWorkers) != 0 || len(d.Duty.Heads) != 0 {
			t.Fatalf("subdistrict detail lists people below it: %+v", d.Duty)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		admin := e.login("admin")
		var k auth.CreatedAPIKey
		admin.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/api-keys", e.users["sec1"]), map[string]string{"name": "热线系统"}, 201, &k)
		if !strings.HasPrefix(k.Key, "txk_") || k.Prefix == "" {
			t.Fatalf("key %+v", k)
		}
		var stored string
		if err := e.db.QueryRowContext(context.Background(), `SELECT key_hash FROM api_keys WHERE id = ?`, k.ID).Scan(&stored); err != nil || strings.Contains(stored, k.Key[4:]) {
			t.Fatalf("key stored in clear: %v", err)
		}
		bot := e.anon()
		bot.bearer = k.Key
		// The key acts with the user's scope; no CSRF needed for key-authenticated writes.
		bot.mustDo("GET", "/api/v1/areas/370211001001001", nil, 200, nil)
		if bot.do("GET", "/api/v1/areas/370211001002001", nil).status != 404 {
			t.Fatal("key sees outside its user's scope")
		}
		bot.mustDo("POST", "/api/v1/areas/370211001001/duties", map[string]any{"kind": "secretary", "user_id": e.users["sec1"]}, 201, nil)
		admin.mustDo("DELETE", fmt.Sprintf("/api/v1/api-keys/%d", k.ID), nil, 204, nil)
		if p := bot.do("GET", "/api/v1/areas/370211001001001", nil).problem(t); p.Status != 401 || p.Code != "invalid_api_key" {
			t.Fatalf("revoked key: %+v", p)
		}
		bot.bearer = "txk_forged"
		if bot.do("GET", "/api/v1/areas", nil).status != 401 {
			t.Fatal("forged key accepted")
		}
	})
}

func TestUsersAndRoles(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		center := e.login("center")
		var u auth.User
		center.mustDo("POST", "/api/v1/users", auth.NewUser{Username: "gw12", DisplayName: "新网格员", Phone: "138 0000 2222", Password: "new-pass-2026!", Role: "grid_worker", AreaCode: "370211001001002"}, 201, &u)
		if u.PhoneMasked != "138****2222" || len(u.Roles) != 1 {
			t.Fatalf("created %+v", u)
		}
		var phoneEnc string
		_ = e.db.QueryRowContext(context.Background(), `SELECT phone_enc FROM users WHERE id = ?`, u.ID).Scan(&phoneEnc)
		if phoneEnc == "" || strings.Contains(phoneEnc, "2222") {
			t.Fatalf("phone not encrypted: %q", phoneEnc)
		}
		before := e.count("users")
		for _, tc := range []struct {
			body        auth.NewUser
			field, rule string
		}{
			{auth.NewUser{Username: "Bad Name", DisplayName: "x", Role: "grid_worker", AreaCode: "370211001001002"}, "username", "format"},
			{auth.NewUser{Username: "gw13", DisplayName: "x", Role: "emperor", AreaCode: "370211001001002"}, "role", "enum"},
			{auth.NewUser{Username: "gw13", DisplayName: "x", Password: "short", Role: "grid_worker", AreaCode: "370211001001002"}, "password", "min_length"},
			{auth.NewUser{Username: "gw13", DisplayName: "x", Phone: "12345", Role: "grid_worker", AreaCode: "370211001001002"}, "phone", "format"},
			{auth.NewUser{Username: "gw12", DisplayName: "x", Role: "grid_worker", AreaCode: "370211001001002"}, "username", "unique"},
			{auth.NewUser{Username: "gw13", DisplayName: "x", Role: "grid_worker", AreaCode: "370211002"}, "area_code", "scope"},
		} {
			if p := center.do("POST", "/api/v1/users", tc.body).problem(t); !p.hasField(tc.field, tc.rule) {
				t.Errorf("%+v: %+v", tc.body, p)
			}
		}
		if e.count("users") != before {
			t.Fatal("bad users stored")
		}
		// The new user logs in with the chosen password and changes it; old sessions end.
		c := e.anon()
		var me auth.Me
		c.mustDo("POST", "/api/v1/auth/login", map[string]string{"username": "gw12", "password": "new-pass-2026!"}, 200, &me)
		if !me.User.MustChangePassword {
			t.Fatal("a password set by an admin is not temporary")
		}
		center.mustDo("PUT", fmt.Sprintf("/api/v1/users/%d/password", u.ID), map[string]string{"password": "another-pass-2026"}, 204, nil)
		if c.do("GET", "/api/v1/auth/me", nil).status != 401 {
			t.Fatal("session survived a password change")
		}
		// Granting a second role widens the scope.
		center.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/roles", u.ID), map[string]string{"role": "grid_worker", "area_code": "370211001002001"}, 200, &u)
		if len(u.Roles) != 2 {
			t.Fatalf("roles %+v", u.Roles)
		}
		if p := e.login("sec1").do("POST", fmt.Sprintf("/api/v1/users/%d/roles", u.ID), map[string]string{"role": "grid_worker", "area_code": "370211001001001"}).problem(t); p.Status != 403 {
			t.Fatalf("secretary without users:write grants: %+v", p)
		}
	})
}

func TestHealthReadyMetrics(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.anon()
		var ready map[string]any
		c.mustDo("GET", "/readyz", nil, 200, &ready)
		if ready["microgrids_indexed"].(float64) != 8 {
			t.Fatalf("readyz %+v", ready)
		}
		c.do("GET", "/api/v1/areas", nil)
		body := string(c.mustDo("GET", "/metrics", nil, 200, nil).body)
		if !strings.Contains(body, `tongxin_http_requests_total{method="GET",route="GET /api/v1/areas",status="401"}`) {
			t.Fatalf("metrics lack the request counter:\n%.2000s", body)
		}
		// The console falls back to its index page for client-side routes.
		r := c.do("GET", "/map", nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), "同心") {
			t.Fatalf("console page: %d", r.status)
		}
	})
}
