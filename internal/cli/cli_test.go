package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tongxin/tongxin/internal/cli"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/govid"
)

type run struct {
	t    *testing.T
	env  map[string]string
	dsn  string
	keys string
}

func (r run) do(stdin string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	err := cli.Run(context.Background(), cli.Env{
		Args:   append([]string{"tongxin"}, args...),
		Getenv: func(k string) string { return r.env[k] },
		Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin),
	})
	return out.String() + errb.String(), err
}

func engines(t *testing.T, fn func(t *testing.T, r run)) {
	dsns := dbtest.DSNs(t)
	names := make([]string, 0, len(dsns))
	for n := range dsns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			keys := filepath.Join(t.TempDir(), "pii.key")
			fn(t, run{t: t, dsn: dsns[name], keys: keys, env: map[string]string{"TONGXIN_DB": dsns[name], "TONGXIN_PII_KEY_FILE": keys}})
		})
	}
}

func TestUsage(t *testing.T) {
	r := run{t: t, env: map[string]string{}}
	if out, err := r.do("", "frobnicate"); err != cli.ErrUsage || !strings.Contains(out, "unknown command") {
		t.Fatalf("unknown command: %v %s", err, out)
	}
	out, err := r.do("", "serve", "-h")
	if err != nil || !strings.Contains(out, "TONGXIN_ADDR") || !strings.Contains(out, "TONGXIN_DB") {
		t.Fatalf("serve -h: %v %s", err, out)
	}
	if out, _ := r.do("", "version"); !strings.HasPrefix(out, "tongxin ") {
		t.Fatalf("version: %s", out)
	}
	// The import upload limit: a flag, or its environment variable.
	if !strings.Contains(out, "-import-max-mb") || !strings.Contains(out, "TONGXIN_IMPORT_MAX_MB") || !strings.Contains(out, "(default 512)") {
		t.Fatalf("serve -h lacks the import limit: %s", out)
	}
	if out, err := r.do("", "serve", "--import-max-mb", "0"); err != cli.ErrUsage || !strings.Contains(out, "at least 1") {
		t.Fatalf("--import-max-mb 0: %v %s", err, out)
	}
	bad := run{t: t, env: map[string]string{"TONGXIN_IMPORT_MAX_MB": "lots"}}
	if out, err := bad.do("", "serve"); err != cli.ErrUsage || !strings.Contains(out, `TONGXIN_IMPORT_MAX_MB="lots"`) {
		t.Fatalf("TONGXIN_IMPORT_MAX_MB=lots: %v %s", err, out)
	}
}

func TestDemoAuditAndUsers(t *testing.T) {
	engines(t, func(t *testing.T, r run) {
		out, err := r.do("", "demo")
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, out)
		}
		for _, want := range []string{"561 areas", "admin", "district-demo-2026", "gridworker", "enterprise_user", "Open311 API key", "txk_"} {
			if !strings.Contains(out, want) {
				t.Errorf("demo output lacks %q:\n%s", want, out)
			}
		}
		if _, err := os.Stat(r.keys); r.dsn != "" && err != nil {
			t.Fatalf("key file not created: %v", err)
		}
		// The demo loads only into an empty database.
		if out, err := r.do("", "demo"); err == nil || !strings.Contains(err.Error(), "already holds areas") {
			t.Fatalf("second demo: %v %s", err, out)
		}
		// Counts the source article names.
		h, err := db.Open(context.Background(), r.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		var communities, gridWorkers int
		_ = h.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM areas WHERE level = 'community' AND parent_code = '370211001'`).Scan(&communities)
		_ = h.QueryRowContext(context.Background(), `SELECT COUNT(DISTINCT user_id) FROM duties WHERE kind = 'grid_worker' AND area_code LIKE '370211001%'`).Scan(&gridWorkers)
		if communities != 29 || gridWorkers < 140 || gridWorkers > 160 {
			t.Fatalf("黄岛街道 has %d communities and %d grid workers", communities, gridWorkers)
		}

		out, err = r.do("", "audit", "verify")
		if err != nil || !strings.Contains(out, "audit log intact") {
			t.Fatalf("verify: %v %s", err, out)
		}
		// Users: add with a password from stdin, a bad role, passwd, grant, apikey.
		if out, err := r.do("pw-from-stdin-1\n", "user", "add", "--username", "wang", "--name", "王芳", "--role", "grid_worker", "--area", "370211001003002"); err != nil {
			t.Fatalf("user add: %v %s", err, out)
		}
		out, err = r.do("", "user", "add", "--username", "li", "--name", "李", "--role", "king", "--area", "370211001", "--password", "long-enough-pw")
		if err == nil || !strings.Contains(err.Error(), "role") || !strings.Contains(err.Error(), "未知角色") {
			t.Fatalf("bad role: %v %s", err, out)
		}
		if out, err := r.do("", "user", "passwd", "--username", "wang", "--password", "short"); err == nil || !strings.Contains(err.Error(), "min_length") {
			t.Fatalf("short password: %v %s", err, out)
		}
		if out, err := r.do("", "user", "grant", "--username", "wang", "--role", "grid_worker", "--area", "370211001003001"); err != nil {
			t.Fatalf("grant: %v %s", err, out)
		}
		out, err = r.do("", "user", "apikey", "--username", "wang", "--name", "热线")
		if err != nil || !strings.Contains(out, "txk_") {
			t.Fatalf("apikey: %v %s", err, out)
		}
		// The anchor: printed for an outside record, or kept in a file that
		// verify checks the chain against.
		out, err = r.do("", "audit", "anchor")
		if err != nil || !strings.Contains(out, `"count":`) || !strings.Contains(out, `"last_hash":"`) {
			t.Fatalf("anchor: %v %s", err, out)
		}
		anchor := filepath.Join(t.TempDir(), "anchor.json")
		if out, err := r.do("", "audit", "anchor", "--out", anchor); err != nil || !strings.Contains(out, "anchor written") {
			t.Fatalf("anchor --out: %v %s", err, out)
		}
		if out, err := r.do("", "audit", "verify", "--anchor", anchor); err != nil || !strings.Contains(out, "matches") {
			t.Fatalf("verify --anchor: %v %s", err, out)
		}
		if out, err := r.do("", "audit", "purge", "--retention", "100h"); err == nil || !strings.Contains(err.Error(), "180") {
			t.Fatalf("purge under 180 days: %v %s", err, out)
		}
		if out, err := r.do("", "audit", "purge"); err != nil || !strings.Contains(out, "0 entries") {
			t.Fatalf("purge of a new log: %v %s", err, out)
		}
		// Deleting the newest entries is caught.
		if _, err := h.ExecContext(context.Background(), `DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)`); err != nil {
			t.Fatal(err)
		}
		if out, err := r.do("", "audit", "verify"); err == nil || !strings.Contains(err.Error(), "entries removed after") {
			t.Fatalf("verify after deleting the newest entry: %v %s", err, out)
		}
		// Tampering with a row breaks the chain, and verify says where.
		if _, err := h.ExecContext(context.Background(), `UPDATE audit_log SET actor = 'mallory' WHERE id = (SELECT MIN(id) + 3 FROM audit_log)`); err != nil {
			t.Fatal(err)
		}
		if out, err := r.do("", "audit", "verify"); err == nil || !strings.Contains(err.Error(), "NOT intact") || !strings.Contains(err.Error(), "edited") {
			t.Fatalf("tampered verify: %v %s", err, out)
		}
	})
}

func TestAreasImport(t *testing.T) {
	engines(t, func(t *testing.T, r run) {
		dir := t.TempDir()
		good := filepath.Join(dir, "good.geojson")
		os.WriteFile(good, []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"code":"370211","name":"黄岛区"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.3,35.9],[120.3,36.1],[120.1,35.9]]]}},
			{"type":"Feature","properties":{"code":"370211001","name":"黄岛街道"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.3,35.9],[120.3,36.1],[120.1,35.9]]]}}]}`), 0o644)
		out, err := r.do("", "areas", "import", good)
		if err != nil || !strings.Contains(out, "2 areas created") {
			t.Fatalf("import: %v %s", err, out)
		}
		bad := filepath.Join(dir, "bad.geojson")
		os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"code":"370211001","name":"改名"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.3,35.9],[120.3,36.1],[120.1,35.9]]]}},
			{"type":"Feature","properties":{"code":"370211001001","name":"社区"},"geometry":{"type":"Polygon","coordinates":[[[120.1,35.9],[120.3,35.9],[120.3,36.1]]]}}]}`), 0o644)
		out, err = r.do("", "areas", "import", bad)
		if err == nil || !strings.Contains(err.Error(), "features[1].geometry.coordinates[0]") {
			t.Fatalf("bad import: %v %s", err, out)
		}
		if out, err := r.do("", "areas", "import"); err != cli.ErrUsage {
			t.Fatalf("no file: %v %s", err, out)
		}
	})
}

// checkDigit completes a 17-digit body with its check character.
func checkDigit(body string) string { return govid.CompleteCitizenID(body) }

func TestRegistryImportCommand(t *testing.T) {
	engines(t, func(t *testing.T, r run) {
		dir := t.TempDir()
		ctx := context.Background()
		h, err := db.Open(ctx, r.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		if _, err := h.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		const mg = "370211001001001001"
		for _, a := range [][3]string{{"370211", "", "district"}, {"370211001", "370211", "subdistrict"}, {"370211001001", "370211001", "community"},
			{"370211001001001", "370211001001", "grid"}, {mg, "370211001001001", "microgrid"}} {
			var parent any
			if a[1] != "" {
				parent = a[1]
			}
			if _, err := h.ExecContext(ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, ?, ?, ?, 0, 0)`, a[0], parent, a[2], a[0]); err != nil {
				t.Fatal(err)
			}
		}
		out, err := r.do("", "registry", "template", "--out", filepath.Join(dir, "template.xlsx"))
		if err != nil {
			t.Fatalf("template: %v %s", err, out)
		}
		header := "楼栋地址,单元,楼层,房号,房屋用途,姓名,证件类型,证件号码,联系电话,民族,居住类型,户籍地,迁入日期,与户主关系,标签(用、分隔)\n"
		var csv strings.Builder
		csv.WriteString(header)
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&csv, "幸福路%d号,1,1,101,自住,王%d,,%s,,,户籍,,,户主,\n", i+1, i, checkDigit(fmt.Sprintf("37021119800101%03d", i)))
		}
		csv.WriteString("幸福路99号,1,1,101,自住,坏行,,37021119800101000,,,户籍,,,户主,\n") // 17 digits
		ledger := filepath.Join(dir, "ledger.csv")
		if err := os.WriteFile(ledger, []byte(csv.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// All or nothing: refused, nothing stored, the report beside the file.
		out, err = r.do("", "registry", "import", "--file", ledger, "--area", mg, "--quiet")
		if err == nil || !strings.Contains(out, "31 rows, 0 imported, 0 updated, 1 invalid") || !strings.Contains(out, "line 32") {
			t.Fatalf("all or nothing: %v %s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "ledger.errors.xlsx")); err != nil {
			t.Fatalf("no error report: %v", err)
		}
		count := func() (n int) {
			_ = h.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n)
			return n
		}
		if count() != 0 {
			t.Fatal("all or nothing stored persons")
		}
		// A bulk load of the valid rows: one transaction, indexes rebuilt.
		out, err = r.do("", "registry", "import", "--file", ledger, "--area", mg, "--mode", "valid_rows", "--bulk")
		if err != nil || !strings.Contains(out, "31 rows, 30 imported, 0 updated, 1 invalid") {
			t.Fatalf("bulk: %v %s", err, out)
		}
		var named int
		if err := h.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE name >= '王' AND name < '王~' AND name_pinyin LIKE 'wang%'`).Scan(&named); err != nil || named != 30 || count() != 30 {
			t.Fatalf("after the bulk load: %d persons, %d named 王 (%v)", count(), named, err)
		}
		if h.Dialect() == db.SQLite {
			var indexes int
			_ = h.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('persons_name', 'persons_pinyin', 'persons_initials', 'persons_phone', 'persons_moved_in')`).Scan(&indexes)
			if indexes != 5 {
				t.Fatalf("%d of the 5 deferred indexes are back", indexes)
			}
		}
		// Again, as an ordinary import: everyone is on record.
		out, err = r.do("", "registry", "import", "--file", ledger, "--mode", "valid_rows", "--quiet")
		if err != nil || !strings.Contains(out, "30 updated") || count() != 30 {
			t.Fatalf("again: %v %s", err, out)
		}
	})
}
