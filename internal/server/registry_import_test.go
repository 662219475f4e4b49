package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/auth"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/registry"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const ledgerHeader = "楼栋地址,单元,楼层,房号,房屋用途,姓名,证件类型,证件号码,联系电话,民族,居住类型,户籍地,迁入日期,与户主关系,标签(用、分隔)\n"

// importResult is the answer of an import, 200 or the 422 problem.
type importResult struct {
	Rows      int    `json:"rows"`
	Imported  int    `json:"imported"`
	Updated   int    `json:"updated"`
	Invalid   int    `json:"invalid"`
	ReportURL string `json:"report_url"`
	Code      string `json:"code"`
	Detail    string `json:"detail"`
}

func importLedger(t *testing.T, c *client, name string, data []byte, query string) (response, importResult) {
	t.Helper()
	r := c.upload("/api/v1/registry/import?"+query, name, data)
	var res importResult
	_ = json.Unmarshal(r.body, &res)
	return r, res
}

// xlsxRows reads the first sheet of a workbook.
func xlsxRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not an xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (e *env) persons() int { return e.count("persons") }

func TestRegistryImportTemplateRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		r := gw.do("GET", "/api/v1/registry/import/template.xlsx", nil)
		if r.status != 200 || r.header.Get("Content-Type") != registry.XLSXType {
			t.Fatalf("template: %d %s", r.status, r.header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		sheets := f.GetSheetList()
		if len(sheets) != 2 || sheets[1] != "说明" {
			t.Fatalf("sheets %v", sheets)
		}
		head, _ := f.GetRows(sheets[0])
		var want []string
		for _, c := range registry.LedgerColumns {
			want = append(want, c.Header)
		}
		if len(head) != 1 || strings.Join(head[0], ",") != strings.Join(want, ",") || !strings.HasPrefix(head[0][0], "楼栋地址") {
			t.Fatalf("header %v", head)
		}
		help, _ := f.GetRows("说明")
		if len(help) < len(registry.LedgerColumns)+1 || help[1][0] != "楼栋地址" || help[1][1] != "必需" {
			t.Fatalf("help sheet %v", help[:2])
		}
		// Fill the template as a grid worker would, and import it.
		id1, id2 := citizenID("37021119800101123"), citizenID("37021119820304124")
		// The cells by header, where the template puts them.
		byHeader := func(cells map[string]string) []any {
			row := make([]any, len(head[0]))
			for i, h := range head[0] {
				row[i] = cells[h]
			}
			return row
		}
		rows := [][]any{
			byHeader(map[string]string{"楼栋地址": "幸福路12号", "单元": "2", "楼层": "3", "房号": "302", "房屋用途": "自住", "建筑面积(㎡)": "89.5", "产权人": "张三",
				"姓名": "张三", "证件类型": "居民身份证", "证件号码": id1, "联系电话": "13812345678", "民族": "汉", "居住类型": "户籍人口", "户籍地": "山东省青岛市",
				"迁入日期": "2020/5/1", "与户主关系": "户主", "标签(用、分隔)": "党员"}),
			byHeader(map[string]string{"楼栋地址": "幸福路12号", "单元": "2", "楼层": "3", "房号": "302", "房屋用途": "自住", "姓名": "李梅", "证件号码": id2,
				"民族": "汉族", "居住类型": "常住", "与户主关系": "配偶"}),
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := f.SetSheetRow(sheets[0], cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		f.Close()
		r, res := importLedger(t, gw, "台账.xlsx", buf.Bytes(), "area="+mg111)
		if r.status != 200 || res.Rows != 2 || res.Imported != 2 || res.Invalid != 0 || res.ReportURL != "" {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		var page registry.PersonPage
		gw.mustDo("GET", "/api/v1/registry/persons?id_number="+id1, nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].Relationship != "head" || page.Items[0].Address != "幸福路12号2单元302室" ||
			len(page.Items[0].Tags) != 1 || page.Items[0].MovedInOn == nil || *page.Items[0].MovedInOn != "2020-05-01" {
			t.Fatalf("imported person %+v", page.Items)
		}
		hh := *page.Items[0].HouseholdID
		var got registry.Household
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d", hh), nil, 200, &got)
		if got.Members != 2 || got.HeadName != "张三" {
			t.Fatalf("household %+v", got)
		}
		// History: the household opened by the import names its members
		// and head in its "created" row; the house has its own; a person's
		// registration is on the person record and leads their history;
		// all on the import channel.
		var hist registry.ChangeList
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/history", hh), nil, 200, &hist)
		if len(hist.Items) != 1 || hist.Items[0].Field != "created" || hist.Items[0].Channel != registry.ChannelImport || hist.Items[0].To == nil ||
			!strings.HasSuffix(*hist.Items[0].To, "成员：张三（户主）、李梅（配偶）") {
			t.Fatalf("household history %+v", hist.Items)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d/history", page.Items[0].ID), nil, 200, &hist)
		if len(hist.Items) != 2 || hist.Items[0].Field != "created" || hist.Items[0].Channel != registry.ChannelImport || hist.Items[0].ActorName == "" ||
			!strings.HasPrefix(*hist.Items[0].To, "张三 ") || hist.Items[1].Field != "tags" || *hist.Items[1].To != "党员" {
			t.Fatalf("person history %+v", hist.Items)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses/%d/history", got.HouseID), nil, 200, &hist)
		if len(hist.Items) != 1 || hist.Items[0].Field != "created" || *hist.Items[0].To != "幸福路12号2单元302室" {
			t.Fatalf("house history %+v", hist.Items)
		}
		// A later import of one more member: a member row of its own.
		id3 := citizenID("37021120100506125")
		more := ledgerHeader + "幸福路12号,2,3,302,自住,张小,," + id3 + ",,,户籍,,,子女,\n"
		if r, res := importLedger(t, gw, "more.csv", []byte(more), "area="+mg111); r.status != 200 || res.Imported != 1 {
			t.Fatalf("second import: %d %s", r.status, r.body)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/households/%d/history", hh), nil, 200, &hist)
		if len(hist.Items) != 2 || hist.Items[1].Field != "member" || !strings.HasPrefix(*hist.Items[1].To, "张小（#") {
			t.Fatalf("household history after a second import %+v", hist.Items)
		}
	})
}

func TestRegistryImportModes(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		good1, good2 := citizenID("37021119800101123"), citizenID("37021119900202133")
		csv := ledgerHeader +
			"幸福路12号,1,1,101,出租,王一," + "," + good1 + ",,,户籍,,,户主,\n" +
			"幸福路12号,1,1,101,出租,王二,," + wrongCheck(good2) + ",,,户籍,,,子女,\n" + // check digit
			"幸福路12号,1,1,102,出租,王三,," + citizenID("37021119900230133") + ",,,户籍,,,,\n" + // 30 February
			"幸福路12号,1,1,103,出租,,," + good2 + ",,,户籍,,,,\n" + // no name
			"幸福路12号,1,1,104,出租,王五,," + citizenID("37021119850505155") + ",,,游客,,,,\n" + // residence type
			"幸福路12号,1,1,105,出租,王六,," + good2 + ",,,户籍,,,,\n"
		before := e.persons()
		r, res := importLedger(t, gw, "ledger.csv", []byte(csv), "area="+mg111)
		if r.status != 422 || res.Code != "import_rejected" || res.Rows != 6 || res.Invalid != 4 || res.ReportURL == "" {
			t.Fatalf("all_or_nothing: %d %s", r.status, r.body)
		}
		if e.persons() != before || e.count("buildings") != 0 || e.count("houses") != 0 {
			t.Fatal("all_or_nothing stored something")
		}
		rep := gw.do("GET", res.ReportURL, nil)
		if rep.status != 200 {
			t.Fatalf("report: %d %s", rep.status, rep.body)
		}
		rows := xlsxRows(t, rep.body)
		if len(rows) != 5 || rows[0][0] != "行号 / line" || rows[0][16] != "错误原因 / reason" {
			t.Fatalf("report rows %v", rows)
		}
		want := map[string][]string{"3": {"【证件号码】", "check_digit"}, "4": {"【证件号码】", "birth"}, "5": {"【姓名】", "required"}, "6": {"【居住类型】", "enum"}}
		for _, row := range rows[1:] {
			w, ok := want[row[0]]
			if !ok {
				t.Fatalf("unexpected line %v", row)
			}
			for _, s := range w {
				if !strings.Contains(row[16], s) {
					t.Errorf("line %s reason %q lacks %q", row[0], row[16], s)
				}
			}
			if row[6] == "" && row[0] != "5" { // the original name is kept
				t.Errorf("original row lost: %v", row)
			}
		}
		// Another user cannot fetch the report.
		if r := e.login("sec1").do("GET", res.ReportURL, nil); r.status != 404 {
			t.Fatalf("report of another user: %d", r.status)
		}

		r, res = importLedger(t, gw, "ledger.csv", []byte(csv), "area="+mg111+"&mode=valid_rows")
		if r.status != 200 || res.Rows != 6 || res.Imported != 2 || res.Invalid != 4 || res.ReportURL == "" {
			t.Fatalf("valid_rows: %d %s", r.status, r.body)
		}
		if e.persons() != before+2 {
			t.Fatalf("persons %d, want %d", e.persons(), before+2)
		}
		if rows := xlsxRows(t, gw.do("GET", res.ReportURL, nil).body); len(rows) != 5 {
			t.Fatalf("valid_rows report %v", rows)
		}
		// Bad mode.
		if r, _ := importLedger(t, gw, "ledger.csv", []byte(csv), "mode=some"); r.status != 422 || !r.problem(t).hasField("mode", "enum") {
			t.Fatalf("bad mode: %d %s", r.status, r.body)
		}
	})
}

func TestRegistryImportCleaning(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		x := idEndingX(t, "37021119750607")
		fullWidth := func(s string) string {
			var b strings.Builder
			for _, r := range s {
				if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
					r += 0xFEE0
				}
				b.WriteRune(r)
			}
			return b.String()
		}
		legacy15 := "370211800101123" // 1980-01-01
		legacy18 := citizenID("37021119800101123")
		gb := ledgerHeader +
			"  幸福路１２号 ,１,２,２０１,自住,  赵  一 ,身份证," + fullWidth(x[:17]) + "x,１３８１２３４５６７８,汉,户籍,青岛,2024年3月5日,户主,\n" +
			"幸福路12号,1,2,201,自住,赵二,," + legacy15 + ",,,新市民,河南省,20240306,配偶,60岁以上老人、党员\n"
		enc, err := simplifiedchinese.GB18030.NewEncoder().String(gb)
		if err != nil {
			t.Fatal(err)
		}
		r, res := importLedger(t, gw, "gbk.csv", []byte(enc), "area="+mg111)
		if r.status != 200 || res.Imported != 2 {
			t.Fatalf("GB18030 csv: %d %s", r.status, r.body)
		}
		f := newRegFixture(e)
		if got := f.names(gw, "/api/v1/registry/persons?id_number="+x); len(got) != 1 || got[0] != "赵 一" {
			t.Fatalf("full-width / lower-case x: %v", got)
		}
		var page registry.PersonPage
		gw.mustDo("GET", "/api/v1/registry/persons?id_number="+legacy18, nil, 200, &page)
		if len(page.Items) != 1 || page.Items[0].Name != "赵二" || page.Items[0].IDNumberMasked != legacy18[:6]+"********"+legacy18[14:] ||
			page.Items[0].Origin != "河南省" || page.Items[0].Address != "幸福路12号1单元201室" {
			t.Fatalf("15-digit ID: %+v", page.Items)
		}
		// UTF-8 with a BOM.
		bom := "\uFEFF" + ledgerHeader + "幸福路12号,1,2,202,出租,钱三,," + citizenID("37021119900303133") + ",,,常住人口,,,户主,\n"
		if r, res := importLedger(t, gw, "bom.csv", []byte(bom), "area="+mg111); r.status != 200 || res.Imported != 1 {
			t.Fatalf("BOM csv: %d %s", r.status, r.body)
		}
		if e.count("buildings") != 1 {
			t.Fatalf("buildings %d: one address is one building", e.count("buildings"))
		}
	})
}

func TestRegistryImportDeduplicates(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		f := newRegFixture(e)
		known := citizenID("37021119700101113")
		p := f.person(gw, map[string]any{"name": "孙旧", "id_number": known, "area_code": mg111})
		twice := citizenID("37021119910101113")
		csv := ledgerHeader +
			"长江路8号,1,5,501,自住,孙新,," + known + ",13900000001,,户籍,,,户主,\n" +
			"长江路8号,1,5,501,自住,周一,," + twice + ",,,常住,,,子女,\n" +
			"长江路8号,1,5,501,自住,周一,," + twice + ",,,常住,,,子女,党员\n"
		before := e.persons()
		r, res := importLedger(t, gw, "dup.csv", []byte(csv), "area="+mg111)
		if r.status != 200 || res.Imported != 1 || res.Updated != 2 || res.Invalid != 0 {
			t.Fatalf("duplicates: %d %s", r.status, r.body)
		}
		if e.persons() != before+1 {
			t.Fatalf("persons %d, want %d", e.persons(), before+1)
		}
		var got registry.Person
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/persons/%d", p.ID), nil, 200, &got)
		if got.Name != "孙新" || got.HouseholdID == nil || got.Relationship != "head" || got.PhoneMasked != "139****0001" {
			t.Fatalf("existing person not updated and linked: %+v", got)
		}
		// A person already in another household is reported, not moved.
		csv2 := ledgerHeader + "长江路8号,1,5,502,自住,孙新,," + known + ",,,户籍,,,户主,\n"
		if r, res := importLedger(t, gw, "move.csv", []byte(csv2), "area="+mg111+"&mode=valid_rows"); r.status != 200 || res.Invalid != 1 {
			t.Fatalf("second household: %d %s", r.status, r.body)
		}
	})
}

func TestRegistryImportRefusals(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		// Missing required columns: the whole file is refused.
		r, _ := importLedger(t, gw, "cols.csv", []byte("楼栋地址,房号,姓名\n幸福路12号,101,张三\n"), "area="+mg111)
		if r.status != 422 || r.problem(t).Code != "missing_columns" || !strings.Contains(r.problem(t).DetailZH, "证件号码") || !strings.Contains(r.problem(t).DetailZH, "居住类型") {
			t.Fatalf("missing columns: %d %s", r.status, r.body)
		}
		// Not a spreadsheet.
		if r, _ := importLedger(t, gw, "x.pdf", []byte("%PDF"), ""); r.status != 422 {
			t.Fatalf("pdf: %d %s", r.status, r.body)
		}
		if r, _ := importLedger(t, gw, "x.xlsx", []byte("not a zip"), ""); r.status != 422 {
			t.Fatalf("broken xlsx: %d %s", r.status, r.body)
		}
		// A 2 GB upload is refused from its Content-Length, unread.
		u, _ := url.Parse(e.http.URL)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var cookies []string
		for _, c := range gw.c.Jar.Cookies(u) {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		fmt.Fprintf(conn, "POST /api/v1/registry/import HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\nCookie: %s\r\n%s: %s\r\n\r\n--x\r\n",
			u.Host, int64(2)<<30, strings.Join(cookies, "; "), auth.CSRFHeader, gw.csrf)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Fatalf("2 GB upload: %d", res.StatusCode)
		}
		// Scope: a building of another community is reported, not used.
		sec2 := e.login("sec2")
		newRegFixture(e).building(sec2, mg211, "和平路1号", "")
		csv := ledgerHeader + "和平路1号,1,1,101,自住,吴一,," + citizenID("37021119800101133") + ",,,户籍,,,户主,\n" +
			"幸福路99号,1,1,101,自住,吴二,," + citizenID("37021119800101143") + ",,,户籍,,,户主,\n"
		before := e.persons()
		r, res2 := importLedger(t, gw, "scope.csv", []byte(csv), "area="+mg111+"&mode=valid_rows")
		if r.status != 200 || res2.Imported != 1 || res2.Invalid != 1 {
			t.Fatalf("scope: %d %s", r.status, r.body)
		}
		rows := xlsxRows(t, gw.do("GET", res2.ReportURL, nil).body)
		if len(rows) != 2 || !strings.Contains(rows[1][16], "scope") || e.persons() != before+1 {
			t.Fatalf("scope report %v", rows)
		}
		// New buildings go only into a microgrid the caller may write.
		if r, _ := importLedger(t, gw, "scope.csv", []byte(csv), "area="+mg211); r.status != 422 {
			t.Fatalf("area outside scope: %d %s", r.status, r.body)
		}
	})
}

func TestRegistryExport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		f := newRegFixture(e)
		id := citizenID("37021119800101123")
		f.person(gw, map[string]any{"name": "张三", "id_number": id, "phone": "13812345678", "area_code": mg111})
		f.person(gw, map[string]any{"name": "李四", "area_code": mg111, "residence_type": "resident"})
		exports := func() int {
			var n int
			if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'registry.export'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// 17:00 UTC: already the next day in China.
		e.clock.Advance(16 * time.Hour)
		gw = e.login("gw11")
		r := gw.do("GET", "/api/v1/registry/persons/export.xlsx?residence_type=registered", nil)
		if r.status != 200 || r.header.Get("Content-Type") != registry.XLSXType {
			t.Fatalf("export: %d %s", r.status, r.body)
		}
		rows := xlsxRows(t, r.body)
		if len(rows) != 2 || rows[1][1] != "张三" || rows[1][5] != id[:6]+"********"+id[14:] || rows[1][6] != "138****5678" {
			t.Fatalf("masked export %v", rows)
		}
		// The file is named by the day in China.
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("人员导出-20261201.xlsx")) || !strings.Contains(cd, `filename=persons.xlsx`) {
			t.Fatalf("export named %q", cd)
		}
		if exports() != 1 {
			t.Fatal("export not audited")
		}
		// Revealing needs registry:read_pii.
		if r := gw.do("GET", "/api/v1/registry/persons/export.xlsx?reveal=true", nil); r.status != 403 {
			t.Fatalf("grid worker reveal: %d", r.status)
		}
		if exports() != 1 {
			t.Fatal("a refused export was audited")
		}
		rows = xlsxRows(t, e.login("sec1").do("GET", "/api/v1/registry/persons/export.xlsx?reveal=true&name=张", nil).body)
		if len(rows) != 2 || rows[1][5] != id || rows[1][6] != "13812345678" {
			t.Fatalf("revealed export %v", rows)
		}
		var detail, actor string
		if err := e.db.QueryRowContext(context.Background(), `SELECT detail, actor FROM audit_log WHERE action = 'registry.export' ORDER BY id DESC LIMIT 1`).Scan(&detail, &actor); err != nil {
			t.Fatal(err)
		}
		if actor != "sec1" || !strings.Contains(detail, `"revealed":true`) || !strings.Contains(detail, `"rows":1`) || !strings.Contains(detail, `"name":"张"`) {
			t.Fatalf("audit %s %s", actor, detail)
		}
		// Another community sees none of them.
		if rows := xlsxRows(t, e.login("sec2").do("GET", "/api/v1/registry/persons/export.xlsx", nil).body); len(rows) != 1 {
			t.Fatalf("sec2 export %v", rows)
		}
		// The buildings, houses and households lists export the same way,
		// with their filters, audited; another community's export is empty.
		b := f.building(gw, mg111, "海军路3号", "2号楼")
		h1 := f.house(gw, b.ID, "1", "101", "rented")
		f.house(gw, b.ID, "1", "102", "vacant")
		hh := f.household(gw, h1.ID)
		f.person(gw, map[string]any{"name": "王五", "household_id": hh.ID, "relationship": "head"})
		before := exports()
		for _, tc := range []struct {
			path string
			want [][]string // cells checked per data row: column index → value
			cols []int
		}{
			{"/api/v1/registry/buildings/export.xlsx?q=" + url.QueryEscape("海军路"), [][]string{{"2号楼", "海军路3号", "2"}}, []int{1, 2, 8}},
			{fmt.Sprintf("/api/v1/registry/houses/export.xlsx?building_id=%d&usage=rented", b.ID), [][]string{{"101", "出租", "1", "1"}}, []int{5, 6, 9, 10}},
			{fmt.Sprintf("/api/v1/registry/houses/export.xlsx?building_id=%d", b.ID), [][]string{{"102", "空置"}, {"101", "出租"}}, []int{5, 6}},
			{fmt.Sprintf("/api/v1/registry/households/export.xlsx?house_id=%d", h1.ID), [][]string{{"家庭户", "王五", "1"}}, []int{2, 3, 4}},
		} {
			r := gw.do("GET", tc.path, nil)
			if r.status != 200 || r.header.Get("Content-Type") != registry.XLSXType || !strings.Contains(r.header.Get("Content-Disposition"), ".xlsx") {
				t.Fatalf("%s: %d %s", tc.path, r.status, r.body)
			}
			rows := xlsxRows(t, r.body)
			if len(rows) != len(tc.want)+1 {
				t.Fatalf("%s: %v", tc.path, rows)
			}
			for i, want := range tc.want {
				for j, col := range tc.cols {
					if col >= len(rows[i+1]) || rows[i+1][col] != want[j] {
						t.Fatalf("%s row %d: %v, want %v at %v", tc.path, i+1, rows[i+1], want, tc.cols)
					}
				}
			}
			if rows := xlsxRows(t, e.login("sec2").do("GET", tc.path, nil).body); len(rows) != 1 {
				t.Fatalf("sec2 %s: %v", tc.path, rows)
			}
		}
		if exports() != before+8 {
			t.Fatalf("%d exports audited, want 8", exports()-before)
		}
		if r := gw.do("GET", "/api/v1/registry/houses/export.xlsx?usage=castle", nil); r.status != 422 || !r.problem(t).hasField("usage", "enum") {
			t.Fatalf("bad filter: %d %s", r.status, r.body)
		}
	})
}

// waitJob polls an import job until it is no longer running.
func waitJob(t *testing.T, c *client, location string) registry.ImportJob {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var j registry.ImportJob
		r := c.mustDo("GET", location, nil, 200, &j)
		if j.State != registry.JobRunning {
			return j
		}
		if r.header.Get("Retry-After") != "1" {
			t.Fatalf("a running job without Retry-After: %s", r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still running: %s", r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRegistryImportJobs(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		async := []string{"Prefer", "respond-async"}
		var csv strings.Builder
		csv.WriteString(ledgerHeader)
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&csv, "幸福路%d号,1,1,101,自住,王%d,,%s,,,户籍,,,户主,\n", i+1, i, citizenID(fmt.Sprintf("37021119800101%03d", i)))
		}
		// Accepted at once; the job runs on and ends with the result.
		r := gw.upload("/api/v1/registry/import?area="+mg111, "台账.csv", []byte(csv.String()), async...)
		var accepted registry.ImportJob
		if r.status != 202 || json.Unmarshal(r.body, &accepted) != nil || accepted.State != registry.JobRunning || accepted.FileName != "台账.csv" ||
			accepted.BytesTotal != int64(csv.Len()) || r.header.Get("Location") != "/api/v1/registry/imports/"+accepted.ID || r.header.Get("Preference-Applied") != "respond-async" {
			t.Fatalf("async import: %d %v %s", r.status, r.header, r.body)
		}
		j := waitJob(t, gw, r.header.Get("Location"))
		if j.State != registry.JobDone || j.Result == nil || j.Result.Imported != 40 || j.Rows != 40 || j.Percent == nil || *j.Percent != 100 || j.FinishedAt == nil || j.ReportURL != "" {
			t.Fatalf("finished job %+v", j)
		}
		if e.persons() != 40 {
			t.Fatalf("persons %d", e.persons())
		}
		// All or nothing with an invalid row: done, nothing stored, and the
		// report is kept with the job.
		bad := ledgerHeader + "和平路1号,1,1,101,自住,李一,," + wrongCheck(citizenID("37021119900101123")) + ",,,户籍,,,户主,\n" +
			"和平路1号,1,1,102,自住,李二,," + citizenID("37021119900101124") + ",,,户籍,,,户主,\n"
		r = gw.upload("/api/v1/registry/import?area="+mg111, "bad.csv", []byte(bad), async...)
		j = waitJob(t, gw, r.header.Get("Location"))
		if j.State != registry.JobDone || j.Result == nil || j.Result.Stored || j.Result.Invalid != 1 || j.ReportURL == "" || e.persons() != 40 {
			t.Fatalf("rejected job %+v", j)
		}
		reportURL := j.ReportURL
		rep := gw.do("GET", reportURL, nil)
		if rep.status != 200 || len(xlsxRows(t, rep.body)) != 2 {
			t.Fatalf("report: %d", rep.status)
		}
		// A file that cannot be imported: the job failed, with the problem.
		r = gw.upload("/api/v1/registry/import?area="+mg111, "cols.csv", []byte("姓名,证件号码\n张三,1\n"), async...)
		j = waitJob(t, gw, r.header.Get("Location"))
		if j.State != registry.JobFailed || j.Problem == nil || j.Problem.Code != "missing_columns" || j.Problem.Status != 422 || j.Result != nil {
			t.Fatalf("failed job %+v", j)
		}
		// The synchronous answer is unchanged, and recorded as a job too.
		if r, res := importLedger(t, gw, "sync.csv", []byte(bad), "area="+mg111); r.status != 422 || res.Code != "import_rejected" || res.ReportURL == "" {
			t.Fatalf("sync import: %d %s", r.status, r.body)
		}
		var list registry.ImportJobList
		gw.mustDo("GET", "/api/v1/registry/imports", nil, 200, &list)
		if len(list.Items) != 4 || list.Items[0].FileName != "sync.csv" || list.Items[3].FileName != "台账.csv" || list.Items[3].Result.Imported != 40 {
			t.Fatalf("jobs %+v", list.Items)
		}
		// Another user sees neither the job nor its report.
		sec := e.login("sec1")
		if r := sec.do("GET", "/api/v1/registry/imports/"+accepted.ID, nil); r.status != 404 {
			t.Fatalf("another user's job: %d", r.status)
		}
		if r := sec.do("GET", reportURL, nil); r.status != 404 {
			t.Fatalf("another user's report: %d", r.status)
		}
		var none registry.ImportJobList
		sec.mustDo("GET", "/api/v1/registry/imports", nil, 200, &none)
		if len(none.Items) != 0 {
			t.Fatalf("another user's list %+v", none.Items)
		}
		// A job left running by a stopped process is failed at the next start.
		ctx := context.Background()
		if _, err := e.db.ExecContext(ctx, `INSERT INTO import_jobs (token, user_id, file_name, mode, state, created_at) VALUES ('stale', ?, 'old.csv', 'valid_rows', 'running', 0)`, e.users["gw11"]); err != nil {
			t.Fatal(err)
		}
		if n, err := e.srv.Registry.InterruptedJobs(ctx); err != nil || n != 1 {
			t.Fatalf("interrupted: %d %v", n, err)
		}
		var stale registry.ImportJob
		gw.mustDo("GET", "/api/v1/registry/imports/stale", nil, 200, &stale)
		if stale.State != registry.JobFailed || stale.Problem == nil || stale.Problem.Code != "import_interrupted" || stale.Problem.DetailZH == "" {
			t.Fatalf("stale job %+v", stale)
		}
		// An import whose heartbeat is fresh: on PostgreSQL another replica
		// runs it — it stays running, and its progress is the heartbeat's;
		// on SQLite one process owns the database, so at a start it was
		// interrupted all the same.
		now := db.Millis(e.clock.Now())
		if _, err := e.db.ExecContext(ctx, `INSERT INTO import_jobs (token, user_id, file_name, mode, state, bytes_total, rows_read, bytes_read, created_at, heartbeat_at)
			VALUES ('elsewhere', ?, 'big.csv', 'valid_rows', 'running', 1000, 300, 250, ?, ?)`, e.users["gw11"], now-60_000, now-20_000); err != nil {
			t.Fatal(err)
		}
		n, err := e.srv.Registry.InterruptedJobs(ctx)
		var other registry.ImportJob
		gw.mustDo("GET", "/api/v1/registry/imports/elsewhere", nil, 200, &other)
		if e.db.Dialect() == db.Postgres {
			if err != nil || n != 0 || other.State != registry.JobRunning || other.Rows != 300 || other.BytesRead != 250 || other.Percent == nil || *other.Percent != 25 {
				t.Fatalf("an import of another replica: %d %v %+v", n, err, other)
			}
			// Its beats stop: two minutes on, it was interrupted.
			e.clock.Advance(2 * time.Minute)
			if n, err := e.srv.Registry.InterruptedJobs(ctx); err != nil || n != 1 {
				t.Fatalf("interrupted after the beats stopped: %d %v", n, err)
			}
			gw = e.login("gw11")
			gw.mustDo("GET", "/api/v1/registry/imports/elsewhere", nil, 200, &other)
		} else if err != nil || n != 1 {
			t.Fatalf("interrupted on SQLite: %d %v", n, err)
		}
		if other.State != registry.JobFailed || other.Problem == nil || other.Problem.Code != "import_interrupted" {
			t.Fatalf("interrupted import %+v", other)
		}
		// Reports expire after a day; the job stays.
		e.clock.Advance(25 * time.Hour)
		gw = e.login("gw11")
		if r := gw.do("GET", reportURL, nil); r.status != 404 {
			t.Fatalf("expired report: %d", r.status)
		}
	})
}

// A buildings ledger and a houses ledger go in through the same import: a
// row without any person registers (or updates) its building or house.
func TestRegistryImportPlaces(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		gw := e.login("gw11")
		buildings := "楼栋地址,楼栋名称,微网格编码,总层数,单元数,经度,纬度\n" +
			"海军路8号,1号楼,,18,2,120.18,35.96\n" +
			"海军路8号,2号楼," + mg112 + ",6层,1,,\n" +
			"海军路9号,,12345,,,,\n" + // not a microgrid code
			"海军路10号,,," + "300,,,\n" + // floors out of range
			"海军路11号,,," + ",,120.2,\n" + // longitude without latitude
			"海军路12号,," + mg211 + ",,,,\n" // another community's microgrid
		r, res := importLedger(t, gw, "楼栋台账.csv", []byte(buildings), "mode=valid_rows&area="+mg111)
		if r.status != 200 || res.Rows != 6 || res.Imported != 2 || res.Invalid != 4 {
			t.Fatalf("buildings ledger: %d %s", r.status, r.body)
		}
		var bp registry.BuildingPage
		gw.mustDo("GET", "/api/v1/registry/buildings", nil, 200, &bp)
		byName := map[string]registry.Building{}
		for _, b := range bp.Items {
			byName[b.Name] = b
		}
		b1, b2 := byName["1号楼"], byName["2号楼"]
		if len(bp.Items) != 2 || b1.AreaCode != mg111 || b1.Floors != 18 || b1.Units != 2 || b1.Lng == nil || *b1.Lng != 120.18 || b2.AreaCode != mg112 || b2.Floors != 6 {
			t.Fatalf("buildings %+v", bp.Items)
		}
		var report struct {
			Problems []registry.RowReport `json:"problems"`
		}
		_ = json.Unmarshal(r.body, &report)
		cols := map[int]string{}
		for _, p := range report.Problems {
			cols[p.Line] = p.Problems[0].Column
		}
		if cols[4] != "微网格编码" || cols[5] != "总层数" || cols[6] != "经度" || cols[7] != "微网格编码" {
			t.Fatalf("problems %+v", report.Problems)
		}
		// A houses ledger: new houses in the buildings just made (found by
		// address and name), one of them twice — the second row updates it.
		houses := "楼栋地址,楼栋名称,单元,楼层,房号,房屋用途,建筑面积(㎡),产权人\n" +
			"海军路8号,1号楼,1,1,101,空置,89.5,王五\n" +
			"海军路8号,1号楼,1,1,102,出租,,\n" +
			"海军路8号,1号楼,1,1,101,出租,90,\n" +
			"海军路8号,1号楼,1,1,103,菜市场,,\n"
		r, res = importLedger(t, gw, "房屋台账.csv", []byte(houses), "mode=valid_rows")
		if r.status != 200 || res.Imported != 2 || res.Updated != 1 || res.Invalid != 1 {
			t.Fatalf("houses ledger: %d %s", r.status, r.body)
		}
		var hp registry.HousePage
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses?building_id=%d", b1.ID), nil, 200, &hp)
		if len(hp.Items) != 2 {
			t.Fatalf("houses %+v", hp.Items)
		}
		var h101 registry.House
		for _, h := range hp.Items {
			if h.Room == "101" {
				h101 = h
			}
		}
		if h101.Usage != "rented" || h101.FloorArea != "90" && h101.FloorArea != "90.00" || h101.OwnerName != "王五" || h101.Address != "海军路8号1号楼1单元101室" {
			t.Fatalf("house 101 %+v", h101)
		}
		var hist registry.ChangeList
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses/%d/history", h101.ID), nil, 200, &hist)
		fields := []string{}
		for _, c := range hist.Items {
			fields = append(fields, c.Field+"/"+string(c.Channel))
		}
		if strings.Join(fields, ",") != "created/import,usage/import,floor_area/import" {
			t.Fatalf("house history %v", fields)
		}
		// A persons ledger with a vacant house among its rows.
		id := citizenID("37021119700101123")
		persons := ledgerHeader +
			"海军路8号1号楼,1,2,201,自住,赵一,," + id + ",,,户籍,,,户主,\n" +
			"海军路8号1号楼,1,2,202,空置,,,,,,,,,,\n"
		r, res = importLedger(t, gw, "人口台账.csv", []byte(persons), "")
		if r.status != 200 || res.Imported != 2 || res.Invalid != 0 {
			t.Fatalf("persons ledger with a vacant house: %d %s", r.status, r.body)
		}
		gw.mustDo("GET", fmt.Sprintf("/api/v1/registry/houses?building_id=%d", b1.ID), nil, 200, &hp)
		if len(hp.Items) != 4 || e.persons() != 1 {
			t.Fatalf("after the persons ledger: %d houses, %d persons", len(hp.Items), e.persons())
		}
		// A persons ledger still needs its person columns.
		r, _ = importLedger(t, gw, "缺列.csv", []byte("楼栋地址,房号,姓名\n海军路8号,101,张三\n"), "")
		if r.status != 422 || !strings.Contains(string(r.body), "证件号码") || !strings.Contains(string(r.body), "居住类型") {
			t.Fatalf("persons ledger without its columns: %d %s", r.status, r.body)
		}
	})
}
