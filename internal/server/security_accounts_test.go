package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/internal/access"
)

// TestScopeMatrixAccounts: the account cases of the scope matrix spelt
// out (issue 12, defect 1): nobody grants a role above its own or over an
// area outside its scope, nor acts on an account it cannot see; and the
// registry's existence oracle (defect 4). The accounts concerned keep their
// roles, password hash, sessions and keys.
func TestScopeMatrixAccounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newMatrixFixture(e)
		admin, sysAdmin, outside, target := f.admin, e.users["m_system_admin"], f.out.user, f.in.user
		adminSession := f.adminClient()
		sd, cs, rs := e.login("m_subdistrict_admin"), e.login("m_community_secretary"), e.login("m_resident")
		ids := []int64{admin, sysAdmin, outside, target}
		accounts := func() string {
			var sb strings.Builder
			for _, id := range ids {
				fmt.Fprintf(&sb, "%d: roles %s; hash %s; sessions %s; keys %s\n", id,
					e.row(`SELECT COALESCE(MAX(role || '@' || area_code), '') || ':' || COUNT(*) FROM user_roles WHERE user_id = ?`, id),
					e.row(`SELECT password_hash FROM users WHERE id = ?`, id),
					e.row(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, id),
					e.row(`SELECT COUNT(*) || ':' || COALESCE(MAX(revoked_at), 0) FROM api_keys WHERE user_id = ?`, id))
			}
			return sb.String()
		}
		before := accounts()
		grant := func(id int64, role, area string) (string, string, any) {
			return "POST", fmt.Sprintf("/api/v1/users/%d/roles", id), access.Binding{Role: role, AreaCode: area}
		}
		type tc struct {
			who          *client
			method, path string
			body         any
			status       []int
			why          string
		}
		var cases []tc
		add := func(who *client, why string, status []int, method, path string, body any) {
			cases = append(cases, tc{who, method, path, body, status, why})
		}
		refused := []int{403, 422}
		for _, role := range []string{"system_admin", "volunteer_manager", "enterprise_cadre"} {
			m, p, b := grant(target, role, "370211001")
			add(sd, "the subdistrict admin grants "+role+" (permissions it lacks) to an account in its scope", refused, m, p, b)
		}
		m, p, b := grant(target, "system_admin", inComm)
		add(sd, "grants system_admin over a community of its own", refused, m, p, b)
		for _, area := range []string{outSub, outComm, outGrid, outMicro, "370211"} {
			m, p, b := grant(target, "grid_worker", area)
			add(sd, "grants a role it holds over "+area+", outside its scope", refused, m, p, b)
		}
		for name, id := range map[string]int64{"the outside account": outside, "the district's system admin": admin, "the matrix system admin": sysAdmin} {
			m, p, b := grant(id, "grid_worker", inGrid)
			add(sd, "grants a role to "+name, []int{404}, m, p, b)
			add(sd, "resets the password of "+name, []int{404}, "PUT", fmt.Sprintf("/api/v1/users/%d/password", id), map[string]string{"password": "Taken-Over-2026x"})
			add(sd, "mints an API key for "+name, []int{404}, "POST", fmt.Sprintf("/api/v1/users/%d/api-keys", id), map[string]string{"name": "mine now"})
			add(sd, "lists the API keys of "+name, []int{404}, "GET", fmt.Sprintf("/api/v1/users/%d/api-keys", id), nil)
			add(sd, "removes the second factor of "+name, []int{404}, "POST", fmt.Sprintf("/api/v1/users/%d/totp/reset", id), nil)
			add(sd, "reads "+name, []int{404}, "GET", fmt.Sprintf("/api/v1/users/%d", id), nil)
			add(rs, "a resident lists the API keys of "+name, []int{403, 404}, "GET", fmt.Sprintf("/api/v1/users/%d/api-keys", id), nil)
		}
		add(sd, "revokes the outside account's API key", []int{404}, "DELETE", fmt.Sprintf("/api/v1/api-keys/%d", f.out.apiKey), nil)
		add(rs, "a resident lists the API keys of an account in its community", []int{403, 404}, "GET", fmt.Sprintf("/api/v1/users/%d/api-keys", target), nil)
		add(rs, "a resident mints a key for an account in its community", []int{403, 404}, "POST", fmt.Sprintf("/api/v1/users/%d/api-keys", target), map[string]string{"name": "x"})
		m, p, b = grant(target, "grid_worker", inGrid)
		add(cs, "a community secretary (no users:write) grants", []int{403}, m, p, b)
		add(cs, "a community secretary resets a password", []int{403}, "PUT", fmt.Sprintf("/api/v1/users/%d/password", target), map[string]string{"password": "Taken-Over-2026x"})
		for _, c := range cases {
			r := c.who.do(c.method, c.path, c.body)
			ok := false
			for _, s := range c.status {
				ok = ok || r.status == s
			}
			if !ok {
				t.Errorf("%s: %s %s → %d, want %v: %s", c.why, c.method, c.path, r.status, c.status, r.body)
				continue
			}
			if pr := r.problem(t); pr.Detail == "" || pr.DetailZH == "" {
				t.Errorf("%s: a problem without its words in both languages: %s", c.why, r.body)
			}
			if body := string(r.body); strings.Contains(body, outMarker) || strings.Contains(body, "m_outside") || strings.Contains(body, `"username"`) {
				t.Errorf("%s: the refusal names the account: %s", c.why, body)
			}
		}
		// A grant over an outside area is refused exactly as one over an
		// area that does not exist: the refusal confirms nothing.
		m, p, b = grant(target, "grid_worker", outGrid)
		real := sd.do(m, p, b)
		m, p, b = grant(target, "grid_worker", f.ghost.grid)
		ghost := sd.do(m, p, b)
		if real.status != ghost.status || problemShape(real) != problemShape(ghost) {
			t.Errorf("grant over an outside area → %d %s, over a missing one → %d %s", real.status, problemShape(real), ghost.status, problemShape(ghost))
		}
		if after := accounts(); after != before {
			t.Fatalf("refused account calls changed accounts:\n%s→\n%s", before, after)
		}
		adminSession.mustDo("GET", "/api/v1/auth/me", nil, 200, nil) // its session lives on
		// Within its authority the subdistrict admin still manages accounts.
		m, p, b = grant(target, "community_staff", inComm)
		sd.mustDo(m, p, b, 200, nil)
		sd.mustDo("POST", fmt.Sprintf("/api/v1/users/%d/api-keys", target), map[string]string{"name": "巡查终端"}, 201, nil)

		// Registering a person whose ID number is on record outside: 409,
		// with neither the record's id nor its area; inside, both.
		gw := e.login("m_grid_worker")
		body := map[string]any{"name": "重复登记", "id_number": f.out.idNumber, "residence_type": "registered", "area_code": inMicro}
		r := gw.do("POST", "/api/v1/registry/persons", body)
		x := extra(t, r)
		if r.status != 409 || x["code"] != "person_exists" || x["existing_id"] != nil || x["existing_area_code"] != nil ||
			strings.Contains(string(r.body), outPrefix) || strings.Contains(string(r.body), fmt.Sprintf(":%d,", f.out.person)) || x["detail_zh"] == "" {
			t.Errorf("an ID number on record outside: %d %s", r.status, r.body)
		}
		body["id_number"] = f.in.idNumber
		r = gw.do("POST", "/api/v1/registry/persons", body)
		if x := extra(t, r); r.status != 409 || x["existing_id"] != float64(f.in.person) || x["existing_area_code"] != inMicro {
			t.Errorf("an ID number on record inside: %d %s", r.status, r.body)
		}
		if n := e.row(`SELECT COUNT(*) FROM persons WHERE name = ?`, "重复登记"); n != "0" {
			t.Errorf("%s duplicates registered", n)
		}
	})
}
