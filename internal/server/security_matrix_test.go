package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/xuri/excelize/v2"
)

// TestScopeMatrix calls every route of the route table as every role and
// anonymously, against objects inside and outside the caller's scope, and
// proves DESIGN §4.2: nothing outside scope is returned, changed or confirmed
// to exist, and no permission-gated action succeeds without its permission.
// Its observations are docs/security.md; regenerate with
//
//	go test ./internal/server -run TestScopeMatrix -update-security-doc

var updateSecurityDoc = flag.Bool("update-security-doc", false, "rewrite docs/security.md from the scope matrix's observations")

const securityDoc = "../../docs/security.md"

// call is one request of the matrix.
type call struct {
	method, path string
	body         any    // JSON, or nil
	upload       []byte // a multipart field "file" instead of JSON
	uploadName   string
}

// entry says how to call one route: req builds the request naming the
// objects of one side (outside, inside, ghost; side "none" for a list
// called without a filter).
type entry struct {
	kind      string // what the path or body names, for the id check: user, case, person …
	req       func(f *mfix, o objs) call
	list      bool     // also called without a filter
	global    bool     // no object or area: configuration, the caller's own account
	noInside  bool     // objects that belong to their creator only (imports)
	noGhost   bool     // the outside answer is meant to differ from a ghost's (see why)
	ghostFree []string // roles for which it is meant to differ
	ownCodes  bool     // the answer lists the caller's own records, which repeat the area codes it once gave
	fresh     func(f *mfix, o *objs)
	exp       func(f *mfix, role, probe string) (expect, bool) // overrides the rule below
	check     func(f *mfix, role string, r response) string    // more to assert; "" when fine
	why       string                                           // shown in the document
	outRefuse bool                                             // the outside object is in the body: refused as 403/404/422
}

// expect is a set of acceptable statuses with its label in the document.
type expect struct {
	label string
	ok    func(int) bool
}

func exactly(s int) expect { return expect{strconv.Itoa(s), func(x int) bool { return x == s }} }

func anyOf(label string, ss ...int) expect {
	return expect{label, func(x int) bool {
		for _, s := range ss {
			if x == s {
				return true
			}
		}
		return false
	}}
}

var (
	exp401 = exactly(401)
	exp403 = exactly(403)
	exp404 = exactly(404)
	// expOK: the call reached the object and the domain's rules (2xx, or a
	// validation or conflict answer) — never 401, 403 or 404.
	expOK  = expect{"ok", func(x int) bool { return x >= 200 && x < 300 || x == 409 || x == 422 }}
	exp2xx = expect{"2xx", func(x int) bool { return x >= 200 && x < 300 }}
	// expNo: an object or area named in the body, out of scope: refused.
	expNo = anyOf("no", 403, 404, 422)
	// expEmpty: a list filtered by an outside area: nothing, or 404.
	expEmpty = anyOf("∅", 200, 404)
)

// callers: anonymous, then one user per role of the catalogue.
func matrixCallers() []string {
	out := []string{"anon"}
	for _, r := range access.Roles {
		out = append(out, r.Code)
	}
	return out
}

func roleHas(role string, perm access.Permission) bool {
	r, ok := access.RoleByCode(role)
	if !ok {
		return false
	}
	for _, p := range r.Perms {
		if p == perm {
			return true
		}
	}
	return false
}

// expected is the rule of the matrix for one probe.
func expected(f *mfix, rt routeInfo, en entry, role, probe string) expect {
	if role == "anon" {
		return exp401
	}
	if rt.perm != "" && !roleHas(role, rt.perm) {
		return exp403
	}
	if en.exp != nil {
		if x, ok := en.exp(f, role, probe); ok {
			return x
		}
	}
	if role == "system_admin" {
		return expOK // the district is its scope: outside objects are inside
	}
	switch probe {
	case "outside":
		if en.list {
			return expEmpty
		}
		if en.outRefuse {
			return expNo
		}
		return exp404
	case "all":
		return exp2xx
	}
	return expOK
}

// routeInfo is what the matrix reads of a server.Route.
type routeInfo struct {
	method, path string
	perm         access.Permission
	public       bool
}

func (r routeInfo) key() string { return r.method + " " + r.path }

// observation is one cell of the document.
type observation struct {
	exp    expect
	status int
	fail   string
}

func (o observation) cell() string {
	s := strconv.Itoa(o.status)
	c := o.exp.label
	if c != s {
		c += "→" + s
	}
	if o.fail != "" {
		c += " ✗"
	}
	return c
}

type matrixRow struct {
	route routeInfo
	probe string
	cells map[string]observation
}

func TestScopeMatrix(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		start := time.Now()
		f := newMatrixFixture(e)
		var routes []routeInfo
		for _, r := range e.srv.Routes() {
			routes = append(routes, routeInfo{method: r.Method, path: r.Path, perm: r.Perm, public: r.Auth == 0 && r.Perm == ""})
		}
		table := scopeMatrixTable()
		var missing []string
		seen := map[string]bool{}
		for _, r := range routes {
			seen[r.key()] = true
			if _, ok := table[r.key()]; !ok && !r.public {
				missing = append(missing, r.key())
			}
		}
		for _, m := range missing {
			t.Errorf("route %s has no scope-matrix entry; add one in security_routes_test.go", m)
		}
		for k := range table {
			if !seen[k] {
				t.Errorf("scope-matrix entry %s names no route of the table; remove it from security_routes_test.go", k)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		m := &matrix{f: f, t: t, clients: map[string]*client{}, own: map[string][]int64{}}
		for _, role := range matrixCallers() {
			if role == "anon" {
				m.clients[role] = e.anon()
			} else {
				m.clients[role] = e.login("m_" + role)
			}
		}
		// Every caller but the system admin first: they must change
		// nothing outside, so the outside objects stay as made for all of
		// them. Then the system admin, for whom the outside is inside.
		rows := map[string]*matrixRow{}
		var order []*matrixRow
		for _, pass := range []bool{false, true} {
			for _, rt := range routes {
				if rt.public {
					continue
				}
				en := table[rt.key()]
				for _, probe := range probesOf(en) {
					k := rt.key() + "|" + probe
					row := rows[k]
					if row == nil {
						row = &matrixRow{route: rt, probe: probe, cells: map[string]observation{}}
						rows[k] = row
						order = append(order, row)
					}
					for _, role := range matrixCallers() {
						if (role == "system_admin") != pass {
							continue
						}
						row.cells[role] = m.probe(rt, en, role, probe)
					}
				}
			}
		}
		for _, row := range order {
			for _, role := range matrixCallers() {
				if o := row.cells[role]; o.fail != "" {
					t.Errorf("%s [%s] as %s: %s", row.route.key(), row.probe, role, o.fail)
				}
			}
		}
		doc := securityDocument(routes, table, order)
		checkDoc(t, doc)
		t.Logf("%d calls in %v", m.calls, time.Since(start).Round(time.Millisecond))
	})
}

func probesOf(en entry) []string {
	switch {
	case en.global:
		return []string{"own"}
	case en.list:
		return []string{"all", "outside", "inside"}
	case en.noInside:
		return []string{"outside"}
	}
	return []string{"outside", "inside"}
}

type matrix struct {
	f       *mfix
	t       *testing.T
	clients map[string]*client
	calls   int
	own     map[string][]int64 // cases a public reporter filed outside, by design
}

func (m *matrix) send(role string, c call) response {
	m.calls++
	cl := m.clients[role]
	if c.upload != nil {
		return cl.upload(c.path, c.uploadName, c.upload)
	}
	return cl.do(c.method, c.path, c.body)
}

// probe makes one call and judges it.
func (m *matrix) probe(rt routeInfo, en entry, role, probe string) observation {
	f := m.f
	var side objs
	switch probe {
	case "outside":
		side = f.out
		if en.fresh != nil && role == "system_admin" {
			en.fresh(f, &side) // its writes would otherwise consume the outside objects
		}
	case "inside", "own":
		side = f.in // a copy: a fresh object serves this call only
		if en.fresh != nil {
			en.fresh(f, &side)
		}
	case "all":
		side = objs{side: "none"}
	}
	c := en.req(f, side)
	if c.method == "" {
		c.method = rt.method
	}
	exp := expected(f, rt, en, role, probe)
	// A refused write must change nothing.
	guarded := role != "system_admin" && probe == "outside" && rt.method != "GET" && !exp.ok(200) && !exp.ok(201) && !exp.ok(204)
	var before string
	if guarded {
		before = m.fingerprint(role)
	}
	r := m.send(role, c)
	if probe == "outside" && en.kind == "case" && rt.method == "POST" && r.status == 201 {
		var made struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(r.body, &made)
		m.own[role] = append(m.own[role], made.ID)
	}
	o := observation{exp: exp, status: r.status}
	var fails []string
	if !exp.ok(r.status) {
		fails = append(fails, fmt.Sprintf("status %d, expected %s: %.300s", r.status, exp.label, r.body))
	}
	if role != "system_admin" {
		if leak := m.leak(en, role, c, r); leak != "" {
			fails = append(fails, "leak: "+leak)
		}
	}
	if guarded {
		if after := m.fingerprint(role); after != before {
			fails = append(fails, "the refused call changed the database: "+diffFingerprint(before, after))
		}
	}
	if en.check != nil && r.status < 300 {
		if msg := en.check(f, role, r); msg != "" {
			fails = append(fails, msg)
		}
	}
	// A refusal must not tell an outside object from one that does not
	// exist: a ghost (same call, no such object) gets the same answer.
	if probe == "outside" && role != "system_admin" && role != "anon" && !en.noGhost && !slices.Contains(en.ghostFree, role) && r.status >= 400 {
		g := en.req(f, f.ghost)
		if g.method == "" {
			g.method = rt.method
		}
		gr := m.send(role, g)
		if gr.status != r.status || problemShape(gr) != problemShape(r) {
			fails = append(fails, fmt.Sprintf("existence oracle: outside → %d %s, ghost → %d %s", r.status, problemShape(r), gr.status, problemShape(gr)))
		}
	}
	o.fail = strings.Join(fails, "; ")
	return o
}

// problemShape is what a problem says apart from the words: its code and
// the fields and rules it names.
func problemShape(r response) string {
	var p struct {
		Code   string `json:"code"`
		Errors []struct{ Field, Rule string }
	}
	_ = json.Unmarshal(r.body, &p)
	s := p.Code
	for _, e := range p.Errors {
		s += " " + e.Field + ":" + e.Rule
	}
	return s
}

// leak looks in an answer for anything of the outside: the marker, an
// outside area code, the outside person's numbers or user's name, and an
// outside object's id in an id field. What the request itself named (an
// area code, an ID number) is taken out first: an answer may repeat the
// question.
func (m *matrix) leak(en entry, role string, c call, r response) string {
	f := m.f
	text := bodyText(r)
	if own := m.own[role]; len(own) > 0 && en.kind == "case" {
		// A resident's own case outside is its own to see.
		var v map[string]any
		if json.Unmarshal(r.body, &v) == nil {
			if id, ok := v["id"].(float64); ok && slices.Contains(own, int64(id)) {
				return ""
			}
			if items, ok := v["items"].([]any); ok {
				kept := []any{}
				for _, it := range items {
					if id, ok := it.(map[string]any)["id"].(float64); !ok || !slices.Contains(own, int64(id)) {
						kept = append(kept, it)
					}
				}
				v["items"] = kept
			}
			b, _ := json.Marshal(v)
			text = string(b)
		}
	}
	for _, said := range requestWords(c) {
		text = strings.ReplaceAll(text, said, "")
	}
	words := []string{outMarker, outPrefix, f.out.idNumber, f.out.phone, "m_outside"}
	if en.ownCodes {
		words = slices.DeleteFunc(words, func(w string) bool { return w == outPrefix })
	}
	for _, w := range words {
		if strings.Contains(text, w) {
			i := strings.Index(text, w)
			lo, hi := max(0, i-80), min(len(text), i+80)
			return fmt.Sprintf("the answer contains %q: …%s…", w, text[lo:hi])
		}
	}
	var v any
	if json.Unmarshal(r.body, &v) != nil {
		return ""
	}
	if k, id, ok := f.outsideID(en.kind, v); ok {
		return fmt.Sprintf("the answer names outside %s %d (%s)", en.kind, id, k)
	}
	return ""
}

// requestWords are the strings a request carries: path segments, query
// values, JSON string values.
func requestWords(c call) []string {
	var out []string
	u, _ := url.Parse(c.path)
	for _, seg := range strings.Split(u.Path, "/") {
		if len(seg) >= 6 {
			out = append(out, seg)
		}
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if x != "" {
				out = append(out, x)
			}
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	if c.body != nil {
		b, _ := json.Marshal(c.body)
		var v any
		_ = json.Unmarshal(b, &v)
		walk(v)
	}
	if c.upload != nil {
		out = append(out, c.uploadName)
		for _, line := range strings.Split(string(c.upload), "\n") {
			out = append(out, strings.Split(line, ",")...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// bodyText is an answer as text: a workbook's cells, or the bytes.
func bodyText(r response) string {
	if !bytes.HasPrefix(r.body, []byte("PK")) {
		return string(r.body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		return string(r.body)
	}
	defer x.Close()
	var sb strings.Builder
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, row := range rows {
			sb.WriteString(strings.Join(row, "\t") + "\n")
		}
	}
	return sb.String()
}

// idKinds are the id fields that name an object of a kind anywhere in an
// answer; a bare "id" names the route's own kind, at the top or in items.
var idKinds = map[string]string{
	"user_id": "user", "assignee_user_id": "user", "reporter_user_id": "user", "head_user_id": "user",
	"person_id": "person", "existing_id": "person", "case_id": "case", "household_id": "household",
	"house_id": "house", "building_id": "building", "campaign_id": "campaign", "unit_id": "unit",
	"assignee_unit_id": "unit", "appeal_id": "appeal",
}

func (f *mfix) outsideIDs(kind string) []int64 {
	o := f.out
	switch kind {
	case "user":
		return []int64{o.user, f.admin, f.users["m_system_admin"]}
	case "person":
		return []int64{o.person}
	case "case":
		return []int64{o.caseID}
	case "household":
		return []int64{o.household}
	case "house":
		return []int64{o.house}
	case "building":
		return []int64{o.building}
	case "campaign":
		return []int64{o.campaign}
	case "unit":
		return []int64{o.unit}
	case "appeal":
		return []int64{o.appeal}
	case "station":
		return []int64{o.station}
	case "duty":
		return []int64{o.duty}
	case "notification":
		return []int64{o.notification}
	case "attachment":
		return []int64{o.attachment}
	case "apikey":
		return []int64{o.apiKey}
	}
	return nil
}

func (f *mfix) outsideID(kind string, v any) (string, int64, bool) {
	is := func(k string, x any) (int64, bool) {
		n, ok := x.(float64)
		if !ok {
			return 0, false
		}
		for _, id := range f.outsideIDs(k) {
			if int64(n) == id {
				return id, true
			}
		}
		return 0, false
	}
	var found string
	var foundID int64
	var walk func(any, int)
	walk = func(v any, depth int) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if kk, ok := idKinds[k]; ok {
					if id, hit := is(kk, y); hit && found == "" {
						found, foundID = k, id
					}
				}
				if k == "id" && depth <= 1 && kind != "" {
					if id, hit := is(kind, y); hit && found == "" {
						found, foundID = "id", id
					}
				}
				d := depth + 1
				if k == "items" {
					d = depth // items[].id is the route's kind too
				}
				walk(y, d)
			}
		case []any:
			for _, y := range x {
				walk(y, depth)
			}
		}
	}
	walk(v, 0)
	return found, foundID, found != ""
}

// fingerprint is the row count of every table and the content of the
// tables that hold the outside objects, so that a refused write shows it
// changed nothing.
func (m *matrix) fingerprint(role string) string {
	ctx := context.Background()
	d := m.f.db
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if d.Dialect() == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		m.t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var sb strings.Builder
	// A refused import is still the caller's own job, recorded failed:
	// only other users' jobs must stay as they were.
	caller := m.f.users["m_"+role]
	// All counts in one query: the matrix takes thousands of these.
	var parts []string
	var args []any
	for _, tb := range tables {
		where := ""
		if tb == "import_jobs" {
			where = " WHERE user_id <> ?"
			args = append(args, caller)
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s', COUNT(*) FROM %s%s`, tb, tb, where))
	}
	crows, err := d.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		m.t.Fatal(err)
	}
	for crows.Next() {
		var tb string
		var n int
		if err := crows.Scan(&tb, &n); err != nil {
			m.t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s=%d\n", tb, n)
	}
	crows.Close()
	for _, tb := range fingerprintTables {
		fmt.Fprintf(&sb, "%s#%s\n", tb, m.tableHash(tb, caller))
	}
	return sb.String()
}

// The tables of the objects the matrix writes to; sessions and the audit
// log are counted only (a call refreshes its own session).
var fingerprintTables = []string{"areas", "users", "user_roles", "api_keys", "duties", "units", "stations", "cases", "attachments", "notifications",
	"buildings", "houses", "households", "household_members", "persons", "appeals", "campaigns", "import_jobs", "case_categories", "tags", "work_days"}

func (m *matrix) tableHash(table string, caller int64) string {
	ctx := context.Background()
	q, args := `SELECT * FROM `+table, []any{}
	if table == "import_jobs" {
		q, args = q+` WHERE user_id <> ?`, append(args, caller)
	}
	rows, err := m.f.db.QueryContext(ctx, q, args...)
	if err != nil {
		return "absent"
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			m.t.Fatal(err)
		}
		var sb strings.Builder
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&sb, "%v|", v)
		}
		lines = append(lines, sb.String())
	}
	sort.Strings(lines)
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func diffFingerprint(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := range al {
		if i < len(bl) && al[i] != bl[i] {
			out = append(out, al[i]+" → "+bl[i])
		}
	}
	return strings.Join(out, ", ")
}

// roleAbbrev are the document's column heads.
var roleAbbrev = map[string]string{
	"anon": "anon", "system_admin": "SA", "subdistrict_admin": "SD", "dispatcher": "DP", "community_secretary": "CS", "community_staff": "CW",
	"grid_worker": "GW", "head": "HD", "department_handler": "DH", "enterprise_cadre": "EC", "volunteer_manager": "VM", "leader": "LD",
	"resident": "RS", "enterprise_user": "EU",
}

var probeNames = map[string]string{
	"outside": "outside object", "inside": "inside object", "all": "no filter", "own": "own / global",
}

func securityDocument(routes []routeInfo, table map[string]entry, rows []*matrixRow) string {
	var sb strings.Builder
	sb.WriteString(`# Scope isolation: the route × role matrix

<!-- Generated by TestScopeMatrix (internal/server/security_matrix_test.go); do not edit.
     Regenerate: go test ./internal/server -run TestScopeMatrix -update-security-doc -->

This table is the observed result of ` + "`TestScopeMatrix`" + `, which runs on SQLite and on
PostgreSQL and fails when either engine's observations differ from this file. It enumerates
every route of the route table (` + "`srv.Routes()`" + `; a route without an entry fails the test)
and calls each anonymously and as one user of every role of the catalogue (DESIGN §4.2).

**The territory.** District 370211 holds subdistrict 370211001 (the callers' side) and
subdistrict 370211002 (the *outside*). Every caller except the system administrator is bound
inside 370211001 (see the legend), so every object in 370211002 — an account, its API key and
duty, a case with its attachment and notification, a unit, a station, a building, house,
household, person and appeal, a verification campaign, an import job with its report — is
outside its scope. Each outside object carries the marker ` + "`外域`" + ` in its text. The same kinds of
objects exist inside, in microgrid 370211001001001001, which every caller's scope covers.
The district-wide system administrator and its account are outside for everyone but itself.

**The probes** (one row each):

- *outside object* — the route's path or body names the outside object (or area). Expected
  404 as if it did not exist; where the object is named in the body, a refusal (403, 404 or
  422). The same call naming a *ghost* (an id or area code that exists nowhere) must get the
  same status, problem code and field errors: a refusal confirms nothing.
- *inside object* — the same call on the inside object: it must reach the domain's rules.
- *no filter* — a list, search, statistics or export called without a filter.
- *own / global* — a route on the caller's own account or district-wide configuration.

For every caller but the system administrator, every answer (workbooks read cell by cell) must
contain neither the marker, nor an outside area code, nor the outside person's ID or phone
number, nor the outside account's name, nor an outside object's id in an id field — apart from
what the request itself named. Around every refused write the test takes a fingerprint of the
database (the row count of every table, and the content of the tables of the objects) and
requires it unchanged (a refused import is still recorded as the caller's own failed job:
only other users' jobs are compared).

**Cells** read ` + "`expected→observed`" + `, or just the status when they coincide; ✗ marks a cell
whose observation breaks its expectation (the test fails). Expected values: a status; ` + "`ok`" + ` —
the call reached the object and the domain's rules (2xx, 409 or 422), never 401/403/404;
` + "`2xx`" + `; ` + "`no`" + ` — refused: 403, 404 or 422; ` + "`∅`" + ` — a list filtered by an outside area: an
empty 2xx answer or 404. Unless a route's note says otherwise, the rule is: anonymous 401; a
role without the route's permission 403; the system administrator ` + "`ok`" + ` everywhere; anyone
else 404 outside, ` + "`ok`" + ` inside.

**Callers** (where each matrix user is bound):

| column | role | bound at |
|---|---|---|
`)
	for _, c := range matrixCallers() {
		if c == "anon" {
			sb.WriteString("| anon | anonymous (no session) | — |\n")
			continue
		}
		r, _ := access.RoleByCode(c)
		fmt.Fprintf(&sb, "| %s | %s %s (`%s`) | %s |\n", roleAbbrev[c], r.NameEN, r.Name, c, matrixBinding[c])
	}
	head := "| route | permission | probe |"
	rule := "|---|---|---|"
	for _, c := range matrixCallers() {
		head += " " + roleAbbrev[c] + " |"
		rule += "---|"
	}
	tag := ""
	var notes []string
	flush := func() {
		for _, n := range notes {
			sb.WriteString("\n" + n + "\n")
		}
		notes = nil
	}
	for _, row := range rows {
		t := sectionOf(row.route.path)
		if t != tag {
			flush()
			tag = t
			fmt.Fprintf(&sb, "\n## %s\n\n%s\n%s\n", t, head, rule)
		}
		perm := string(row.route.perm)
		if perm == "" {
			perm = "login"
		}
		first := row.probe == probesOf(table[row.route.key()])[0]
		name := ""
		if first {
			name = "`" + row.route.key() + "`"
			perm = "`" + perm + "`"
			if w := table[row.route.key()].why; w != "" {
				notes = append(notes, "- `"+row.route.key()+"`: "+w)
			}
		} else {
			perm = ""
		}
		line := fmt.Sprintf("| %s | %s | %s |", name, perm, probeNames[row.probe])
		for _, c := range matrixCallers() {
			line += " " + row.cells[c].cell() + " |"
		}
		sb.WriteString(line + "\n")
	}
	flush()
	sb.WriteString("\n## Public routes\n\nNo session is needed; they are not in the matrix (they serve no object of a scope to a caller, or, for Open311, take an API key in the form and are tested in open311_test.go):\n\n")
	for _, r := range routes {
		if r.public {
			fmt.Fprintf(&sb, "- `%s`\n", r.key())
		}
	}
	return sb.String()
}

func sectionOf(path string) string {
	p := strings.TrimPrefix(path, "/api/v1/")
	switch {
	case strings.HasPrefix(p, "audit"):
		return "Audit"
	case strings.HasPrefix(p, "auth"):
		return "Own account"
	case strings.HasPrefix(p, "users"), strings.HasPrefix(p, "api-keys"):
		return "Accounts"
	case strings.HasPrefix(p, "areas"), strings.HasPrefix(p, "duties"), strings.HasPrefix(p, "locate"), strings.HasPrefix(p, "units"), strings.HasPrefix(p, "stations"):
		return "Areas"
	case strings.HasPrefix(p, "registry/campaigns"):
		return "Verification campaigns"
	case strings.HasPrefix(p, "registry/import"), strings.HasSuffix(p, "export.xlsx"):
		return "Registry import and export"
	case strings.HasPrefix(p, "registry"):
		return "Registry"
	case strings.HasPrefix(p, "work-calendar"):
		return "Working-time calendar"
	}
	return "Cases"
}

// checkDoc compares the document with docs/security.md, or rewrites it on
// the first engine under -update-security-doc (the second compares).
var docWritten bool

func checkDoc(t *testing.T, doc string) {
	t.Helper()
	if *updateSecurityDoc && !docWritten {
		if t.Failed() {
			t.Fatal("not writing docs/security.md: the matrix failed")
		}
		if err := os.WriteFile(securityDoc, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		docWritten = true
		return
	}
	want, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./internal/server -run TestScopeMatrix -update-security-doc)", err)
	}
	if string(want) != doc {
		got := filepath.Join(t.TempDir(), "security.md")
		_ = os.WriteFile(got, []byte(doc), 0o644)
		t.Errorf("docs/security.md differs from this run's observations (first difference: %s); regenerate with -update-security-doc", firstDiff(string(want), doc))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: file %q, run %q", i+1, x, y)
		}
	}
	return "none"
}
