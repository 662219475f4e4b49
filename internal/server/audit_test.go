package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
	"github.com/tongxin/tongxin/internal/server"
	"github.com/xuri/excelize/v2"
)

func auditPage(t *testing.T, c *client, query string) server.AuditPage {
	t.Helper()
	var p server.AuditPage
	c.mustDo("GET", "/api/v1/audit"+query, nil, 200, &p)
	return p
}

// TestAuditPage: the security events that used to be shown to no one — a
// login, a failed login of an unknown name, a password change — reach the
// audit page with their source address; each reader sees its area's
// entries, only the district's admin those of no area; filters narrow;
// the export holds what the page shows and is itself audited.
func TestAuditPage(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		stranger := e.anonFrom("127.0.0.9")
		stranger.do("POST", "/api/v1/auth/login", map[string]string{"username": "nobody", "password": "guess-guess-1"})
		sec1 := e.anonFrom("127.0.0.5")
		sec1.mustDo("POST", "/api/v1/auth/login", map[string]string{"username": "sec1", "password": fixturePassword}, 200, nil)
		admin, center := e.login("admin"), e.login("center")

		failed := auditPage(t, admin, "?action=auth.login_failed")
		if len(failed.Items) != 1 || failed.Items[0].Actor != "nobody" || failed.Items[0].AreaCode != "" || failed.Items[0].SourceIP != "127.0.0.9" {
			t.Fatalf("the system admin must see the failed login of an unknown name, with its address: %+v", failed.Items)
		}
		login := auditPage(t, admin, "?action=auth.login&actor=sec1")
		if len(login.Items) != 1 || login.Items[0].SourceIP != "127.0.0.5" || login.Items[0].AreaCode != "370211001001" {
			t.Fatalf("sec1's login: %+v", login.Items)
		}
		// The subdistrict admin sees sec1's login (its area), not the
		// area-less entry, nor anything of the district above it.
		got := auditPage(t, center, "?limit=500")
		if len(got.Items) == 0 {
			t.Fatal("the subdistrict admin sees nothing")
		}
		sawSec1 := false
		for _, it := range got.Items {
			if !strings.HasPrefix(it.AreaCode, "370211001") {
				t.Fatalf("the subdistrict admin sees an entry outside its area: %+v", it)
			}
			sawSec1 = sawSec1 || it.Actor == "sec1" && it.Action == "auth.login"
		}
		if !sawSec1 {
			t.Fatal("the subdistrict admin does not see a login in its area")
		}
		if p := center.do("GET", "/api/v1/audit?area=370211002", nil).problem(t); p.Status != 404 {
			t.Fatalf("another subdistrict's log: %+v", p)
		}
		if r := e.login("sec1").do("GET", "/api/v1/audit", nil); r.status != 403 {
			t.Fatalf("a secretary (no audit:read) reads the log: %d", r.status)
		}
		// Narrowing to an area drops the area-less entries even for the admin.
		for _, it := range auditPage(t, admin, "?area=370211001&limit=500").Items {
			if it.AreaCode == "" {
				t.Fatalf("area filter kept an area-less entry: %+v", it)
			}
		}

		// Paging: every entry once, newest first.
		all := auditPage(t, admin, "?limit=500").Items
		var paged []audit.Entry
		q := "?limit=2"
		for {
			p := auditPage(t, admin, q)
			paged = append(paged, p.Items...)
			if p.NextBeforeID == nil {
				break
			}
			q = "?limit=2&before_id=" + strconv.FormatInt(*p.NextBeforeID, 10)
		}
		if len(paged) != len(all) || paged[0].ID != all[0].ID || paged[len(paged)-1].ID != all[len(all)-1].ID {
			t.Fatalf("paging gave %d entries, the page %d", len(paged), len(all))
		}

		// Bad filters: named, in both languages.
		p := admin.do("GET", "/api/v1/audit?from=2026-13-01&to=yesterday&limit=9999&before_id=-1", nil).problem(t)
		for _, f := range []struct{ field, rule string }{{"from", "date"}, {"to", "date"}, {"limit", "max"}, {"before_id", "integer"}} {
			if !p.hasField(f.field, f.rule) {
				t.Errorf("bad %s not named (rule %s): %+v", f.field, f.rule, p)
			}
		}
		if p := admin.do("GET", "/api/v1/audit?from=2026-12-02&to=2026-12-01", nil).problem(t); !p.hasField("to", "after_from") {
			t.Fatalf("a period ending before it starts: %+v", p)
		}
		// The fixture's clock is 2026-11-30 09:00 in China: a period
		// of that one day holds the logins, the day after holds nothing.
		if n := len(auditPage(t, admin, "?from=2026-11-30&to=2026-11-30&action=auth.login").Items); n < 3 {
			t.Fatalf("the day's logins: %d", n)
		}
		if n := len(auditPage(t, admin, "?from=2026-12-01").Items); n != 0 {
			t.Fatalf("entries after the clock: %d", n)
		}

		// The export holds the page's rows and is audited.
		r := center.do("GET", "/api/v1/audit/export.xlsx?action=auth.login", nil)
		if r.status != 200 || r.header.Get("Content-Type") != xlsx.ContentType || !strings.Contains(r.header.Get("Content-Disposition"), "audit.xlsx") {
			t.Fatalf("export: %d %v %s", r.status, r.header, r.body)
		}
		book, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := book.GetRows("审计日志")
		want := len(auditPage(t, center, "?action=auth.login&limit=500").Items)
		if len(rows) != want+1 || rows[0][2] != "操作人" {
			t.Fatalf("export rows %d, the page %d: %v", len(rows)-1, want, rows[:1])
		}
		exp := auditPage(t, admin, "?action=audit.export")
		if len(exp.Items) != 1 || exp.Items[0].Actor != "center" || exp.Items[0].AreaCode != "370211001" {
			t.Fatalf("the export is not audited in the exporter's area: %+v", exp.Items)
		}
		var detail struct{ Rows int }
		b, _ := json.Marshal(exp.Items[0].Detail)
		_ = json.Unmarshal(b, &detail)
		if detail.Rows != want {
			t.Fatalf("audited rows %d, exported %d", detail.Rows, want)
		}
	})
}

// TestServerAnchorsTheChain: at start the server writes the chain's anchor
// to its data directory; the chain goes on extending it, and cutting the
// chain back below it is caught.
func TestServerAnchorsTheChain(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a, err := audit.ReadAnchor(filepath.Join(e.dataDir, audit.AnchorFile))
		if err != nil {
			t.Fatalf("the server wrote no anchor at start: %v", err)
		}
		if n := int64(e.count("audit_log")); a.Count != n || a.LastID != n {
			t.Fatalf("anchor %+v, the log holds %d entries", a, n)
		}
		e.login("center")
		key, err := audit.CurrentKey()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Check(ctx, e.db, key, &a); err != nil {
			t.Fatalf("the chain no longer extends the server's anchor: %v", err)
		}
		if _, err := e.db.ExecContext(ctx, `DELETE FROM audit_log WHERE id >= ?`, a.LastID); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Check(ctx, e.db, key, &a); err == nil {
			t.Fatal("entries deleted back below the anchor were not noticed")
		}
	})
}
