package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/pii"
	"github.com/tongxin/tongxin/internal/server"
)

// The fixture territory: district 370211 → subdistrict 001 → communities 001
// (west) and 002 (east) → two grids each (south, north) → two microgrids each
// (west, east half of the grid). Every rectangle is 0.01° × 0.01° at the bottom.
const (
	lng0, lat0 = 120.10, 35.90
	cell       = 0.01
)

func rect(x0, y0, x1, y1 float64) [][][2]float64 {
	return [][][2]float64{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// fixtureGeoJSON builds the territory as one FeatureCollection.
func fixtureGeoJSON() string {
	type f struct {
		code, name string
		box        [4]float64
	}
	var fs []f
	fs = append(fs, f{"370211", "黄岛区", [4]float64{lng0, lat0, lng0 + 8*cell, lat0 + 4*cell}})
	fs = append(fs, f{"370211001", "黄岛街道", [4]float64{lng0, lat0, lng0 + 8*cell, lat0 + 4*cell}})
	for c := 0; c < 2; c++ {
		cx := lng0 + float64(c)*4*cell
		cc := fmt.Sprintf("370211001%03d", c+1)
		fs = append(fs, f{cc, fmt.Sprintf("社区%d", c+1), [4]float64{cx, lat0, cx + 4*cell, lat0 + 4*cell}})
		for g := 0; g < 2; g++ {
			gy := lat0 + float64(g)*2*cell
			gc := fmt.Sprintf("%s%03d", cc, g+1)
			fs = append(fs, f{gc, fmt.Sprintf("社区%d第%d网格", c+1, g+1), [4]float64{cx, gy, cx + 4*cell, gy + 2*cell}})
			for m := 0; m < 2; m++ {
				mx := cx + float64(m)*2*cell
				fs = append(fs, f{fmt.Sprintf("%s%03d", gc, m+1), fmt.Sprintf("微网格%d", m+1), [4]float64{mx, gy, mx + 2*cell, gy + 2*cell}})
			}
		}
	}
	var feats []string
	for _, x := range fs {
		g, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": rect(x.box[0], x.box[1], x.box[2], x.box[3])})
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"code":%q,"name":%q},"geometry":%s}`, x.code, x.name, g))
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
}

// The fixture users, all with password fixturePassword.
const fixturePassword = "fixture-pass-2026"

var fixtureUsers = []auth.NewUser{
	{Username: "admin", DisplayName: "管理员", Role: "system_admin", AreaCode: "370211"},
	{Username: "center", DisplayName: "中心", Role: "subdistrict_admin", AreaCode: "370211001"},
	{Username: "sec1", DisplayName: "书记一", Phone: "13812345678", Role: "community_secretary", AreaCode: "370211001001"},
	{Username: "sec2", DisplayName: "书记二", Role: "community_secretary", AreaCode: "370211001002"},
	{Username: "gw11", DisplayName: "网格员", Phone: "13900001111", Role: "grid_worker", AreaCode: "370211001001001"},
	{Username: "leader", DisplayName: "领导", Role: "leader", AreaCode: "370211"},
}

// env is one test server on one engine with the fixture loaded.
type env struct {
	t     *testing.T
	db    *db.DB
	srv   *server.Server
	http  *httptest.Server
	clock *clock.Fake
	users map[string]int64
	// dataDir is the server's data directory (attachments, audit anchor).
	dataDir string
}

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	keys, err := pii.FromEnv("enc k1 " + b64(32, 1) + "\nindex " + b64(32, 2))
	if err != nil {
		t.Fatal(err)
	}
	fc := clock.NewFake(time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC))
	dataDir := t.TempDir()
	// Sessions here outlive the fake clock's jumps of days (deadline and
	// escalation tests); the timeout tests set the real policy (realSessions).
	srv := server.New(server.Deps{DB: d, Clock: fc, Keys: keys, Logger: discardLogger(), Config: server.Config{Version: "test", Open311Area: "370211001", DataDir: dataDir,
		SessionIdle: 1000 * 24 * time.Hour, SessionAbsolute: 1000 * 24 * time.Hour}})
	ctx := access.System(context.Background())
	if _, err := srv.Areas.ImportBoundaries(ctx, []byte(fixtureGeoJSON())); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: d, srv: srv, clock: fc, users: map[string]int64{}, dataDir: dataDir}
	for _, u := range fixtureUsers {
		u.Password, u.Permanent = fixturePassword, true
		created, err := srv.Auth.CreateUser(ctx, u)
		if err != nil {
			t.Fatalf("fixture user %s: %v", u.Username, err)
		}
		e.users[u.Username] = created.ID
	}
	// The background refreshers stop before the database closes.
	runCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	if err := srv.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(srv)
	t.Cleanup(e.http.Close)
	return e
}

func b64(n int, fill byte) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = fill + byte(i)
	}
	return base64Std(b)
}

// client is a browser-like caller with a cookie jar and the CSRF token.
type client struct {
	e      *env
	c      *http.Client
	csrf   string
	bearer string
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar}}
}

func (e *env) login(username string) *client {
	e.t.Helper()
	return e.loginWith(username, fixturePassword)
}

type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) problem(t *testing.T) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a problem: %s", r.body)
	}
	return p
}

type problemBody struct {
	Type, Title, Detail, DetailZH, Code string
	Status                              int
	Errors                              []struct{ Field, Rule, Detail, DetailZH string }
}

func (p *problemBody) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type     string `json:"type"`
		Title    string `json:"title"`
		Status   int    `json:"status"`
		Detail   string `json:"detail"`
		DetailZH string `json:"detail_zh"`
		Code     string `json:"code"`
		Errors   []struct {
			Field    string `json:"field"`
			Rule     string `json:"rule"`
			Detail   string `json:"detail"`
			DetailZH string `json:"detail_zh"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Type, p.Title, p.Status, p.Detail, p.DetailZH, p.Code = raw.Type, raw.Title, raw.Status, raw.Detail, raw.DetailZH, raw.Code
	for _, e := range raw.Errors {
		p.Errors = append(p.Errors, struct{ Field, Rule, Detail, DetailZH string }{e.Field, e.Rule, e.Detail, e.DetailZH})
	}
	return nil
}

func (p problemBody) hasField(field, rule string) bool {
	for _, e := range p.Errors {
		if e.Field == field && (rule == "" || e.Rule == rule) && e.Detail != "" && e.DetailZH != "" {
			return true
		}
	}
	return false
}

func (c *client) do(method, path string, body any) response {
	c.e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = strings.NewReader(string(b)), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = strings.NewReader(string(j)), "application/json"
	}
	req, err := http.NewRequest(method, c.e.http.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.csrf != "" {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}

func (c *client) mustDo(method, path string, body any, status int, out any) response {
	c.e.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			c.e.t.Fatalf("%s %s: %v in %s", method, path, err, r.body)
		}
	}
	return r
}

// count runs a COUNT(*) query, to show that bad input changed nothing.
func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func eachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) { fn(t, newEnv(t, d)) })
}

// doWith sends a request with extra headers.
func (c *client) doWith(method, path string, body any, headers map[string]string) response {
	c.e.t.Helper()
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.e.http.URL+path, strings.NewReader(string(j)))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}

// upload posts one file as multipart/form-data field "file", streaming it.
// upload posts data as the multipart field "file", with header name/value
// pairs.
func (c *client) upload(path, filename string, data []byte, header ...string) response {
	c.e.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, _ := mw.CreateFormFile("file", filename)
		_, _ = part.Write(data)
		_ = mw.Close()
		_ = pw.Close()
	}()
	req, _ := http.NewRequest("POST", c.e.http.URL+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(auth.CSRFHeader, c.csrf)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}

// realSessions puts the shipped session timeouts back (newEnv stretches
// them for tests that move the clock by days).
func (e *env) realSessions() {
	e.srv.Auth.Policy.SessionIdle, e.srv.Auth.Policy.SessionAbsolute = auth.SessionIdle, auth.SessionAbsolute
}
