package server_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tongxin/tongxin/internal/access"
)

// scopeMatrixTable says, for every route of the route table, how the scope
// matrix calls it (security_matrix_test.go). A route added to routes.go
// without an entry here fails TestScopeMatrix.
func scopeMatrixTable() map[string]entry {
	get := func(format string, arg func(o objs) any) func(f *mfix, o objs) call {
		return func(f *mfix, o objs) call { return call{path: fmt.Sprintf(format, arg(o))} }
	}
	with := func(format string, arg func(o objs) any, body func(f *mfix, o objs) any) func(f *mfix, o objs) call {
		return func(f *mfix, o objs) call { return call{path: fmt.Sprintf(format, arg(o)), body: body(f, o)} }
	}
	fixed := func(path string, body any) func(f *mfix, o objs) call {
		return func(f *mfix, o objs) call { return call{path: path, body: body} }
	}
	// listed: path, and ?name=value naming the side's area (none: unfiltered).
	listed := func(path, name string, val func(o objs) string) func(f *mfix, o objs) call {
		return func(f *mfix, o objs) call {
			if o.side == "none" {
				return call{path: path}
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			return call{path: path + sep + name + "=" + val(o)}
		}
	}
	sub := func(o objs) string { return o.sub }
	grid := func(o objs) any { return o.grid }
	micro := func(o objs) any { return o.micro }
	user := func(o objs) any { return o.user }
	cs := func(o objs) any { return o.caseID }
	bld := func(o objs) any { return o.building }
	house := func(o objs) any { return o.house }
	hh := func(o objs) any { return o.household }
	person := func(o objs) any { return o.person }
	camp := func(o objs) any { return o.campaign }
	noBody := func(f *mfix, o objs) any { return nil }
	empty := func(f *mfix, o objs) any { return map[string]any{} }
	// Only the roles that see the inside object reach it; the others get
	// 404 there too (not 403: they may not know it exists).
	insideHidden := func(roles ...string) func(f *mfix, role, probe string) (expect, bool) {
		return func(f *mfix, role, probe string) (expect, bool) {
			if probe == "inside" {
				for _, r := range roles {
					if r == role {
						return exp404, true
					}
				}
			}
			return expect{}, false
		}
	}
	// Another account: those with users:write over all its roles manage
	// it; those who only see it (users:read) are refused; the rest get 404.
	accountAction := func(f *mfix, role, probe string) (expect, bool) {
		if probe != "inside" || role == "system_admin" {
			return expect{}, false
		}
		switch {
		case roleHas(role, access.UsersWrite):
			return expOK, true
		case roleHas(role, access.UsersRead):
			return exp403, true
		}
		return exp404, true
	}
	caseHidden := insideHidden("head", "department_handler", "resident", "enterprise_user")
	bounds := func(f *mfix, o objs) any {
		x := map[string]float64{"inside": lng0, "outside": lng0 + 10*cell, "ghost": lng0 + 20*cell}[o.side]
		g, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": rect(x, lat0, x+2*cell, lat0+2*cell)})
		return json.RawMessage(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":%q},"geometry":%s}]}`, o.micro, g))
	}
	point := func(o objs) string {
		x := map[string]float64{"inside": lng0 + cell, "outside": lng0 + 11*cell, "ghost": lng0 + 21*cell}[o.side]
		return fmt.Sprintf("lng=%.4f&lat=%.4f", x, lat0+cell)
	}
	ledger := func(f *mfix, o objs) call {
		n := f.next()
		csv := ledgerHeader + fmt.Sprintf("矩阵路%d号,1,1,101,自住,导入%d,,%s,,,户籍,,,户主,\n", n, n, citizenID(fmt.Sprintf("37021119850101%03d", n)))
		return call{method: "POST", path: "/api/v1/registry/import?area=" + o.micro, upload: []byte(csv), uploadName: "ledger.csv"}
	}

	return map[string]entry{
		// Audit
		"GET /api/v1/audit": {list: true, req: listed("/api/v1/audit", "area", sub), check: auditInScope,
			why: "entries are shown within the caller's `audit:read` scope; entries without an area code (logins, keys, exports of another district-wide account) to the system administrator only — checked item by item."},

		"GET /api/v1/audit/export.xlsx": {list: true, req: listed("/api/v1/audit/export.xlsx", "area", sub)},

		// The caller's own account: no other object is named.
		"GET /api/v1/auth/me":            {global: true, req: fixed("/api/v1/auth/me", nil)},
		"POST /api/v1/auth/password":     {global: true, req: fixed("/api/v1/auth/password", map[string]string{"current_password": "not-the-password", "new_password": "Harbour-Lights-77"}), why: "called with a wrong current password: 422, nothing changes."},
		"POST /api/v1/auth/totp/enrol":   {global: true, req: fixed("/api/v1/auth/totp/enrol", nil)},
		"POST /api/v1/auth/totp/confirm": {global: true, req: fixed("/api/v1/auth/totp/confirm", map[string]string{"code": "000000"}), why: "called with a wrong code: 422."},
		"DELETE /api/v1/auth/totp":       {global: true, req: fixed("/api/v1/auth/totp", map[string]string{"current_password": "not-the-password"})},

		// Accounts
		"GET /api/v1/users": {kind: "user", list: true, req: listed("/api/v1/users", "area", sub)},
		"POST /api/v1/users": {kind: "user", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/users", body: map[string]any{"username": fmt.Sprintf("m_new%d", f.next()), "display_name": "新用户", "role": "grid_worker", "area_code": o.grid}}
		}, why: "a grid worker's account in the side's grid."},
		"GET /api/v1/users/{id}": {kind: "user", req: get("/api/v1/users/%d", user)},
		"PUT /api/v1/users/{id}/password": {kind: "user", req: func(f *mfix, o objs) call {
			return call{path: fmt.Sprintf("/api/v1/users/%d/password", o.user), body: map[string]string{"password": fmt.Sprintf("Temporary-%d-Pass", f.next())}}
		}},
		"POST /api/v1/users/{id}/totp/reset":   {kind: "user", req: with("/api/v1/users/%d/totp/reset", user, noBody)},
		"POST /api/v1/users/{id}/reveal-phone": {kind: "user", req: with("/api/v1/users/%d/reveal-phone", user, noBody)},
		"POST /api/v1/users/{id}/roles": {kind: "user", req: with("/api/v1/users/%d/roles", user, func(f *mfix, o objs) any {
			return access.Binding{Role: "community_staff", AreaCode: o.comm}
		}), why: "grants community_staff over the side's community; the explicit cases of TestScopeMatrixAccounts grant above one's own role and over outside areas."},
		"GET /api/v1/users/{id}/api-keys": {kind: "user", req: get("/api/v1/users/%d/api-keys", user), exp: accountAction,
			why: "another account's keys: those who may manage it (users:write over all its roles) list them; those who only see it 403; the rest 404."},
		"POST /api/v1/users/{id}/api-keys": {kind: "user", req: with("/api/v1/users/%d/api-keys", user, func(f *mfix, o objs) any { return map[string]string{"name": "矩阵终端"} }), exp: accountAction},
		"DELETE /api/v1/api-keys/{id}": {kind: "apikey", req: get("/api/v1/api-keys/%d", func(o objs) any { return o.apiKey }), exp: accountAction,
			fresh: func(f *mfix, o *objs) { o.apiKey = f.freshAPIKey(*o) }, why: "each inside call revokes a fresh key of the inside account."},

		// Areas
		"GET /api/v1/areas": {list: true, req: listed("/api/v1/areas", "root", sub)},
		"POST /api/v1/areas": {outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/areas", body: map[string]string{"code": fmt.Sprintf("%s%03d", o.grid, 500+f.next()), "name": "新微网格", "parent_code": o.grid}}
		}, why: "a new microgrid in the side's grid."},
		"GET /api/v1/areas/{code}":            {req: get("/api/v1/areas/%s", micro)},
		"PATCH /api/v1/areas/{code}":          {req: with("/api/v1/areas/%s", micro, func(f *mfix, o objs) any { return map[string]string{"name": "改名微网格"} })},
		"POST /api/v1/areas/{code}/close":     {req: with("/api/v1/areas/%s/close", func(o objs) any { return o.leaf }, noBody), fresh: func(f *mfix, o *objs) { o.leaf = f.freshLeaf(*o) }, why: "an empty microgrid; each inside call closes a fresh one."},
		"GET /api/v1/areas/{code}/boundaries": {req: get("/api/v1/areas/%s/boundaries?level=microgrid", grid), why: "the microgrids of the side's grid (a head, whose scope is one microgrid, gets that one)."},
		"POST /api/v1/areas/boundaries":       {outRefuse: true, req: func(f *mfix, o objs) call { return call{path: "/api/v1/areas/boundaries", body: bounds(f, o)} }, why: "a boundary for the side's microgrid."},
		"GET /api/v1/areas/{code}/duties":     {req: get("/api/v1/areas/%s/duties?below=true", grid)},
		"POST /api/v1/areas/{code}/duties": {req: with("/api/v1/areas/%s/duties", grid, func(f *mfix, o objs) any {
			return map[string]any{"kind": "grid_worker", "user_id": f.in.user}
		}), why: "puts the inside account on duty in the side's grid."},
		"DELETE /api/v1/duties/{id}": {kind: "duty", req: get("/api/v1/duties/%d", func(o objs) any { return o.duty }), fresh: func(f *mfix, o *objs) { o.duty = f.freshDuty(*o) }},
		"GET /api/v1/locate":         {req: func(f *mfix, o objs) call { return call{path: "/api/v1/locate?" + point(o)} }, why: "a point in the side's microgrid (the ghost: a point in no area)."},
		"GET /api/v1/units":          {kind: "unit", list: true, req: listed("/api/v1/units", "area", sub)},
		"POST /api/v1/units": {kind: "unit", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/units", body: map[string]string{"code": fmt.Sprintf("office-%d", f.next()), "name": "新办事处", "kind": "area_office", "area_code": o.comm}}
		}},
		"GET /api/v1/stations": {kind: "station", req: listed("/api/v1/stations", "area", func(o objs) string { return o.comm }), why: "the area is required: the side's community."},
		"POST /api/v1/stations": {kind: "station", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/stations", body: map[string]string{"name": "新服务站", "address": "新路1号", "area_code": o.comm}}
		}},

		// Cases
		"GET /api/v1/case-categories": {global: true, req: fixed("/api/v1/case-categories", nil)},
		"POST /api/v1/case-categories": {global: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/case-categories", body: map[string]any{"code": fmt.Sprintf("matrix.c%d", f.next()), "name": "矩阵小类", "parent_id": f.category,
				"default_level": "grid", "accept_minutes": 60, "resolve_minutes": 240, "sla_clock": "calendar", "active": true}}
		}, why: "case categories are district-wide configuration."},
		"PUT /api/v1/case-categories/{id}": {global: true, req: func(f *mfix, o objs) call {
			return call{path: fmt.Sprintf("/api/v1/case-categories/%d", f.category), body: map[string]any{"code": "matrix", "name": "矩阵类", "default_level": "grid",
				"accept_minutes": 60, "resolve_minutes": 240, "sla_clock": "calendar", "active": true}}
		}},
		"POST /api/v1/cases": {kind: "case", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/cases", body: map[string]any{"category_id": f.garbage, "title": "矩阵上报", "area_code": o.micro, "channel": "console"}}
		}, exp: func(f *mfix, role, probe string) (expect, bool) {
			if probe == "outside" && (role == "resident" || role == "enterprise_user") {
				return expOK, true
			}
			return expect{}, false
		}, ghostFree: []string{"resident", "enterprise_user"}, why: "a case in the side's microgrid. Residents and enterprise users may report anywhere in the district (routed to whoever serves there), by design; so an outside area code they name is accepted, and the ghost check does not apply to them — for staff it shows the outside and a missing area answered alike."},
		"GET /api/v1/cases":       {kind: "case", list: true, req: listed("/api/v1/cases", "area", sub)},
		"GET /api/v1/cases/stats": {list: true, req: listed("/api/v1/cases/stats", "area", sub)},
		"GET /api/v1/cases/{id}":  {kind: "case", req: get("/api/v1/cases/%d", cs), exp: caseHidden, why: "cases are seen through `cases:read` over their area, or as their reporter, assignee or assignee's unit: heads, department handlers, residents and enterprise users do not see the inside case."},
		"POST /api/v1/cases/{id}/{action}": {kind: "case", req: with("/api/v1/cases/%d/accept", cs, empty), fresh: func(f *mfix, o *objs) { o.caseID = f.freshCase(*o) },
			exp: func(f *mfix, role, probe string) (expect, bool) {
				switch {
				case probe != "inside" || role == "system_admin":
				case roleHas(role, access.CasesDispatch):
					return expOK, true
				case roleHas(role, access.CasesRead):
					return exp403, true
				}
				return caseHidden(f, role, probe)
			}, why: "the action accept, on a fresh case each time: those who dispatch there accept it; those who only see it are refused (403); the rest do not see it (404)."},
		"GET /api/v1/cases/{id}/duplicates": {kind: "case", req: get("/api/v1/cases/%d/duplicates", cs), exp: caseHidden},
		"POST /api/v1/cases/{id}/attachments": {kind: "attachment", req: func(f *mfix, o objs) call {
			return call{method: "POST", path: fmt.Sprintf("/api/v1/cases/%d/attachments", o.caseID), upload: pngBytes("matrix"), uploadName: "现场.png"}
		}, exp: func(f *mfix, role, probe string) (expect, bool) {
			if probe == "inside" && role != "system_admin" && roleHas(role, access.CasesRead) &&
				!roleHas(role, access.CasesReport) && !roleHas(role, access.CasesHandle) && !roleHas(role, access.CasesDispatch) {
				return exp403, true
			}
			return caseHidden(f, role, probe)
		}, why: "those who see an open case and report or handle cases may add evidence to it; those who only see it (leader, volunteer manager) are refused (403)."},
		"GET /api/v1/attachments/{id}":           {kind: "attachment", req: get("/api/v1/attachments/%d", func(o objs) any { return o.attachment }), exp: caseHidden},
		"GET /api/v1/attachments/{id}/thumbnail": {kind: "attachment", req: get("/api/v1/attachments/%d/thumbnail", func(o objs) any { return o.attachment }), exp: caseHidden},
		"GET /api/v1/notifications":              {global: true, req: fixed("/api/v1/notifications", nil), why: "the caller's own notifications only."},
		"POST /api/v1/notifications/{id}/read": {kind: "notification", req: with("/api/v1/notifications/%d/read", func(o objs) any { return o.notification }, noBody),
			exp: func(f *mfix, role, probe string) (expect, bool) { return exp404, role != "anon" },
			why: "a notification is its addressee's alone (the inside one is a grid worker's on duty): 404 for everyone else, the system administrator included."},

		// Working-time calendar: district-wide configuration.
		"GET /api/v1/work-calendar":               {global: true, req: fixed("/api/v1/work-calendar?year=2026", nil)},
		"PUT /api/v1/work-calendar/days/{day}":    {global: true, req: fixed("/api/v1/work-calendar/days/2026-12-26", map[string]string{"kind": "workday", "name": "矩阵"})},
		"DELETE /api/v1/work-calendar/days/{day}": {global: true, req: fixed("/api/v1/work-calendar/days/2026-12-26", nil)},
		"PUT /api/v1/work-calendar/hours":         {global: true, req: fixed("/api/v1/work-calendar/hours", map[string]any{"hours": []map[string]int{{"start_minute": 540, "end_minute": 720}, {"start_minute": 810, "end_minute": 1050}}})},

		// Registry
		"GET /api/v1/registry/buildings": {kind: "building", list: true, req: listed("/api/v1/registry/buildings", "area", sub)},
		"POST /api/v1/registry/buildings": {kind: "building", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/registry/buildings", body: map[string]any{"area_code": o.micro, "address": fmt.Sprintf("新路%d号", f.next()), "name": "新楼", "floors": 6, "units": 2}}
		}},
		"GET /api/v1/registry/buildings/{id}":         {kind: "building", req: get("/api/v1/registry/buildings/%d", bld)},
		"PATCH /api/v1/registry/buildings/{id}":       {kind: "building", req: with("/api/v1/registry/buildings/%d", bld, func(f *mfix, o objs) any { return map[string]any{"name": "改名楼"} })},
		"GET /api/v1/registry/buildings/{id}/history": {req: get("/api/v1/registry/buildings/%d/history", bld)},
		"GET /api/v1/registry/houses":                 {kind: "house", list: true, req: listed("/api/v1/registry/houses", "area", sub)},
		"POST /api/v1/registry/houses": {kind: "house", outRefuse: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/registry/houses", body: map[string]any{"building_id": o.building, "unit": "3", "room": fmt.Sprintf("%d", 300+f.next()), "floor": 3, "usage": "vacant"}}
		}, why: "a house in the side's building."},
		"GET /api/v1/registry/houses/{id}":         {kind: "house", req: get("/api/v1/registry/houses/%d", house)},
		"PATCH /api/v1/registry/houses/{id}":       {kind: "house", req: with("/api/v1/registry/houses/%d", house, func(f *mfix, o objs) any { return map[string]any{"owner_name": "新房东"} })},
		"GET /api/v1/registry/houses/{id}/history": {req: get("/api/v1/registry/houses/%d/history", house)},
		"GET /api/v1/registry/households":          {kind: "household", list: true, req: listed("/api/v1/registry/households", "area", sub)},
		"POST /api/v1/registry/households": {kind: "household", outRefuse: true, req: with("/api/v1/registry/households%s", func(o objs) any { return "" }, func(f *mfix, o objs) any {
			return map[string]any{"house_id": o.house, "household_type": "family"}
		}), why: "a household in the side's house."},
		"GET /api/v1/registry/households/{id}":   {kind: "household", req: get("/api/v1/registry/households/%d", hh)},
		"PATCH /api/v1/registry/households/{id}": {kind: "household", req: with("/api/v1/registry/households/%d", hh, func(f *mfix, o objs) any { return map[string]any{"note": "矩阵备注"} })},
		"POST /api/v1/registry/households/{id}/close": {kind: "household", req: with("/api/v1/registry/households/%d/close", hh, empty),
			fresh: func(f *mfix, o *objs) { o.household = f.freshHousehold(*o) }, why: "each inside call closes a fresh household."},
		"POST /api/v1/registry/households/{id}/members": {kind: "household", req: with("/api/v1/registry/households/%d/members", hh, func(f *mfix, o objs) any {
			return map[string]any{"person_id": o.person, "relationship": "spouse"}
		}), why: "the side's person into the side's household (inside: already a member, 409)."},
		"POST /api/v1/registry/households/{id}/members/{person_id}/leave": {kind: "household", req: func(f *mfix, o objs) call {
			return call{path: fmt.Sprintf("/api/v1/registry/households/%d/members/%d/leave", o.household, o.member), body: map[string]any{}}
		}, fresh: func(f *mfix, o *objs) { o.member = f.freshMember(*o) }, why: "each inside call moves a fresh member out."},
		"GET /api/v1/registry/households/{id}/history": {req: get("/api/v1/registry/households/%d/history", hh)},
		"GET /api/v1/registry/households/{id}/file":    {kind: "household", req: get("/api/v1/registry/households/%d/file", hh)},
		"POST /api/v1/registry/households/{id}/appeals": {kind: "appeal", req: with("/api/v1/registry/households/%d/appeals", hh, func(f *mfix, o objs) any {
			return map[string]any{"content": "矩阵诉求"}
		})},
		"POST /api/v1/registry/households/{id}/visits": {req: with("/api/v1/registry/households/%d/visits", hh, func(f *mfix, o objs) any {
			return map[string]any{"note": "矩阵走访"}
		})},
		"PATCH /api/v1/registry/appeals/{id}": {kind: "appeal", req: with("/api/v1/registry/appeals/%d", func(o objs) any { return o.appeal }, func(f *mfix, o objs) any {
			return map[string]any{"status": "in_progress"}
		})},
		"POST /api/v1/registry/appeals/{id}/case": {req: with("/api/v1/registry/appeals/%d/case", func(o objs) any { return o.appeal }, func(f *mfix, o objs) any {
			return map[string]any{"category_id": f.garbage}
		})},
		"GET /api/v1/registry/persons": {kind: "person", list: true, req: listed("/api/v1/registry/persons", "area", sub)},
		"POST /api/v1/registry/persons": {kind: "person", noGhost: true, req: func(f *mfix, o objs) call {
			id := o.idNumber
			if o.side == "inside" {
				id = citizenID(fmt.Sprintf("37021119800101%03d", f.next()))
			}
			return call{path: "/api/v1/registry/persons", body: map[string]any{"name": "新登记", "id_number": id, "residence_type": "registered", "area_code": f.in.micro}}
		}, exp: func(f *mfix, role, probe string) (expect, bool) {
			if probe == "outside" {
				return exactly(409), true
			}
			return expect{}, false
		}, why: "outside: registering in one's own microgrid a person whose ID number is on record outside (issue 12, defect 4): 409 person_exists, naming neither the record's id nor its area; inside: a new ID number."},
		"GET /api/v1/registry/persons/{id}":         {kind: "person", req: get("/api/v1/registry/persons/%d", person)},
		"PATCH /api/v1/registry/persons/{id}":       {kind: "person", req: with("/api/v1/registry/persons/%d", person, func(f *mfix, o objs) any { return map[string]any{"note": "矩阵备注"} })},
		"PUT /api/v1/registry/persons/{id}/tags":    {kind: "person", req: with("/api/v1/registry/persons/%d/tags", person, func(f *mfix, o objs) any { return map[string]any{"tags": []string{"matrix"}} })},
		"POST /api/v1/registry/persons/{id}/reveal": {kind: "person", req: with("/api/v1/registry/persons/%d/reveal", person, noBody)},
		"GET /api/v1/registry/persons/{id}/history": {req: get("/api/v1/registry/persons/%d/history", person)},
		"GET /api/v1/registry/search": {kind: "person", list: true, req: func(f *mfix, o objs) call {
			if o.side == "none" {
				return call{path: "/api/v1/registry/search?q=" + urlQuery("张三")}
			}
			return call{path: "/api/v1/registry/search?q=" + o.idNumber}
		}, exp: func(f *mfix, role, probe string) (expect, bool) {
			if probe == "outside" && role != "system_admin" {
				return exp2xx, true
			}
			return expect{}, false
		}, why: "no filter: the name 张三, which the inside and the outside person share; outside: the outside person's ID number, answered as if unknown."},
		"GET /api/v1/registry/tags": {global: true, req: fixed("/api/v1/registry/tags", nil)},
		"POST /api/v1/registry/tags": {global: true, req: func(f *mfix, o objs) call {
			return call{path: "/api/v1/registry/tags", body: map[string]any{"code": fmt.Sprintf("m%d", f.next()), "name": "矩阵标签", "active": true}}
		}, why: "tags are district-wide configuration."},
		"PUT /api/v1/registry/tags/{id}": {global: true, req: func(f *mfix, o objs) call {
			return call{path: fmt.Sprintf("/api/v1/registry/tags/%d", f.tag), body: map[string]any{"code": "matrix", "name": "矩阵", "active": true}}
		}},
		"GET /api/v1/registry/stats/new-citizens": {list: true, req: listed("/api/v1/registry/stats/new-citizens", "area", sub)},

		// Verification campaigns
		"GET /api/v1/registry/campaigns": {kind: "campaign", list: true, req: listed("/api/v1/registry/campaigns", "area", sub)},
		"POST /api/v1/registry/campaigns": {kind: "campaign", outRefuse: true, req: with("/api/v1/registry/campaigns%s", func(o objs) any { return "" }, func(f *mfix, o objs) any {
			return map[string]any{"area_code": o.grid, "name": "新摸排", "starts_on": "2026-12-01", "ends_on": "2027-01-31"}
		}), why: "a campaign over the side's grid."},
		"GET /api/v1/registry/campaigns/{id}": {kind: "campaign", req: get("/api/v1/registry/campaigns/%d", camp)},
		"PATCH /api/v1/registry/campaigns/{id}": {kind: "campaign", req: with("/api/v1/registry/campaigns/%d", camp, func(f *mfix, o objs) any { return map[string]any{"name": "改名摸排"} }),
			exp: func(f *mfix, role, probe string) (expect, bool) {
				return exp403, probe == "inside" && role == "grid_worker"
			},
			why: "the inside campaign is the community's: a grid worker sees it but may not change it (403)."},
		"POST /api/v1/registry/campaigns/{id}/visits": {req: with("/api/v1/registry/campaigns/%d/visits", camp, func(f *mfix, o objs) any {
			return map[string]any{"house_id": o.house, "outcome": "confirmed", "door_knocked": true, "entered": true, "persons_asked": 1}
		})},
		"GET /api/v1/registry/campaigns/{id}/houses/{house_id}/visits": {req: func(f *mfix, o objs) call {
			return call{path: fmt.Sprintf("/api/v1/registry/campaigns/%d/houses/%d/visits", o.campaign, o.house)}
		}},
		"GET /api/v1/registry/campaigns/{id}/figures":   {req: get("/api/v1/registry/campaigns/%d/figures", camp)},
		"GET /api/v1/registry/campaigns/{id}/unvisited": {kind: "house", req: get("/api/v1/registry/campaigns/%d/unvisited", camp)},

		// Registry import and export
		"GET /api/v1/registry/import/template.xlsx": {global: true, req: fixed("/api/v1/registry/import/template.xlsx", nil)},
		"POST /api/v1/registry/import":              {outRefuse: true, req: ledger, why: "a one-row ledger whose new building goes into the side's microgrid."},
		"GET /api/v1/registry/imports":              {global: true, ownCodes: true, req: fixed("/api/v1/registry/imports", nil), why: "the caller's own imports only: the outside account's (its file name marked) is not listed; the caller's own refused imports are, with the outside area it asked for."},
		"GET /api/v1/registry/imports/{id}": {noInside: true, req: get("/api/v1/registry/imports/%s", func(o objs) any { return o.importJob }),
			exp: func(f *mfix, role, probe string) (expect, bool) { return exp404, role == "system_admin" }, why: "the outside account's import job: an import is its importer's alone, 404 for everyone else, the system administrator included."},
		"GET /api/v1/registry/import/{id}/report.xlsx": {noInside: true, req: get("/api/v1/registry/import/%s/report.xlsx", func(o objs) any { return o.importReport }),
			exp: func(f *mfix, role, probe string) (expect, bool) { return exp404, role == "system_admin" }, why: "likewise the report of its import."},
		"GET /api/v1/registry/persons/export.xlsx":    {list: true, req: listed("/api/v1/registry/persons/export.xlsx", "area", sub)},
		"GET /api/v1/registry/buildings/export.xlsx":  {list: true, req: listed("/api/v1/registry/buildings/export.xlsx", "area", sub)},
		"GET /api/v1/registry/houses/export.xlsx":     {list: true, req: listed("/api/v1/registry/houses/export.xlsx", "area", sub)},
		"GET /api/v1/registry/households/export.xlsx": {list: true, req: listed("/api/v1/registry/households/export.xlsx", "area", sub)},
	}
}

func urlQuery(s string) string {
	var sb strings.Builder
	for _, b := range []byte(s) {
		fmt.Fprintf(&sb, "%%%02X", b)
	}
	return sb.String()
}

// auditInScope: every entry an audit reader other than the system
// administrator sees carries an area code inside its audit:read scope.
func auditInScope(f *mfix, role string, r response) string {
	if role == "system_admin" {
		return ""
	}
	var page struct {
		Items []struct {
			Action   string `json:"action"`
			AreaCode string `json:"area_code"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		return "not an audit page: " + err.Error()
	}
	for _, it := range page.Items {
		if it.AreaCode == "" || !strings.HasPrefix(it.AreaCode, matrixBinding[role]) {
			return fmt.Sprintf("shows a %s entry of area %q", it.Action, it.AreaCode)
		}
	}
	return ""
}
