package registry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/govid"
	"github.com/tongxin/tongxin/internal/platform/pii"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const testLedgerHeader = "楼栋地址,单元,楼层,房号,房屋用途,姓名,证件类型,证件号码,联系电话,民族,居住类型,户籍地,迁入日期,与户主关系,标签(用、分隔)"

// testCitizenID completes a 17-digit body with its check character.
func testCitizenID(body string) string { return govid.CompleteCitizenID(body) }

func TestParseLedgerRow(t *testing.T) {
	h, missing := parseLedgerHeader(strings.Split("\uFEFF"+testLedgerHeader, ","))
	if len(missing) != 0 {
		t.Fatalf("missing %v", missing)
	}
	id := testCitizenID("37021119800101123")
	row, problems := parseLedgerRow(h, strings.Split(" 幸福路１２号 ,2,3层,302,出租, 张三 ,身份证,"+strings.ToLower(id)+",+86 138 1234 5678,汉,流动人口,河南,2024年3月5日,本人,党员、低保户", ","), "2026-01-01")
	if len(problems) != 0 {
		t.Fatalf("problems %+v", problems)
	}
	if row.BuildingAddress != "幸福路12号" || *row.Floor != 3 || row.Usage != "rented" || row.Name != "张三" || row.ID.number != id || row.Phone != "13812345678" ||
		row.Ethnicity != "汉族" || row.ResidenceType != "new_citizen" || row.MovedInOn != "2024-03-05" || row.Relationship != "head" || len(row.Tags) != 2 {
		t.Fatalf("row %+v", row)
	}
	_, problems = parseLedgerRow(h, strings.Split("幸福路12号,,,302,别墅,,,123,12,火星族,游客,,2024-02-30,老板,", ","), "2026-01-01")
	cols := map[string]bool{}
	for _, p := range problems {
		cols[p.Column+"/"+p.Rule] = true
	}
	for _, want := range []string{"房屋用途/enum", "姓名/required", "证件号码/" + govid.RuleFormat, "联系电话/format", "民族/enum", "居住类型/enum", "迁入日期/date", "与户主关系/enum"} {
		if !cols[want] {
			t.Errorf("no problem %s in %v", want, cols)
		}
	}
	if _, missing := parseLedgerHeader([]string{"楼栋地址", "姓名"}); len(missing) != 3 {
		t.Fatalf("missing %v", missing)
	}
}

// FuzzParseLedgerRow feeds arbitrary bytes through the CSV reader (with its
// encoding detection) and the row parser: nothing may panic, and a row that
// passes has a checked ID number and a known residence type.
func FuzzParseLedgerRow(f *testing.F) {
	id := testCitizenID("37021119800101123")
	for _, seed := range []string{
		"幸福路12号,1,3,302,自住,张三,," + id + ",13812345678,汉,户籍,,,户主,党员",
		"幸福路12号,1,3,302,自住,张三,,370211800101123,,,常住人口,,,,",
		"\"幸福路12号\",,-1,1,,李四,护照,e1234567,,,境外,,2024年3月5日,配偶,",
		"ＡＢＣ１２３,,,,,,,,,,,,,,",
		"a,\"b\"\"c\",d\n",
		"\xb0\xa1,\xb0\xa2,\xff",
		"",
	} {
		f.Add(seed)
	}
	today := "2026-01-01"
	f.Fuzz(func(t *testing.T, line string) {
		src, err := newCSVSource(strings.NewReader(testLedgerHeader + "\n" + line))
		if err != nil {
			return
		}
		raw, err := src.next()
		if err != nil {
			return
		}
		h, missing := parseLedgerHeader(raw)
		if len(missing) != 0 {
			return // the header itself was decoded differently (GB18030)
		}
		for i := 0; i < 5; i++ {
			raw, err := src.next()
			if err != nil {
				return
			}
			row, problems := parseLedgerRow(h, raw, today)
			if len(problems) > 0 {
				for _, p := range problems {
					if p.Column == "" || p.Rule == "" || p.Detail == "" || p.DetailZH == "" {
						t.Fatalf("vague problem %+v", p)
					}
				}
				continue
			}
			// Every accepted row names its building; a person row also its
			// room, the person and a residence type; a house row its room
			// or unit, and nothing of a person.
			switch {
			case row.BuildingAddress == "":
				t.Fatalf("accepted row without a building %+v", row)
			case row.Kind == personRow && (!ResidenceTypes.has(row.ResidenceType) || row.Name == "" || row.Room == ""):
				t.Fatalf("accepted person row %+v", row)
			case row.Kind == houseRow && (row.Room == "" && row.Unit == "" || row.Name != "" || row.ID.number != ""):
				t.Fatalf("accepted house row %+v", row)
			case row.Kind == buildingRow && (row.Room != "" || row.Unit != "" || row.Name != ""):
				t.Fatalf("accepted building row %+v", row)
			}
			if row.FloorArea != nil && *row.FloorArea < 0 || row.Lng != nil && (*row.Lng < -180 || *row.Lng > 180 || row.Lat == nil) {
				t.Fatalf("accepted place values %+v", row)
			}
			if row.ID.typ == "resident_id" {
				if _, err := govid.ParseCitizenID(row.ID.number); err != nil || len(row.ID.number) != 18 {
					t.Fatalf("accepted ID %q: %v", row.ID.number, err)
				}
			}
		}
	})
}

// FuzzParseLedgerXLSX reads fuzzed cells written into a workbook through
// the xlsx source and the row parser.
func FuzzParseLedgerXLSX(f *testing.F) {
	f.Add("幸福路12号", "302", "张三", testCitizenID("37021119800101123"), "户籍")
	f.Add("", "", "", "", "")
	f.Add("ＡＢＣ", "１", "x", "370211800101123", "常住")
	f.Fuzz(func(t *testing.T, addr, room, name, id, residence string) {
		x := excelize.NewFile()
		defer x.Close()
		head := strings.Split(testLedgerHeader, ",")
		if err := x.SetSheetRow("Sheet1", "A1", &head); err != nil {
			t.Fatal(err)
		}
		row := []string{addr, "", "", room, "", name, "", id, "", "", residence, "", "", "", ""}
		if err := x.SetSheetRow("Sheet1", "A2", &row); err != nil {
			return // excelize refuses some strings (too long, invalid XML)
		}
		path := filepath.Join(t.TempDir(), "f.xlsx")
		if err := x.SaveAs(path); err != nil {
			return
		}
		src, err := newXLSXSource(path)
		if err != nil {
			t.Fatal(err)
		}
		defer src.close()
		raw, err := src.next()
		if err != nil {
			t.Fatal(err)
		}
		h, missing := parseLedgerHeader(raw)
		if len(missing) != 0 {
			t.Fatalf("missing %v", missing)
		}
		if raw, err = src.next(); err != nil {
			return // an all-empty row is not a row
		}
		parseLedgerRow(h, raw, "2026-01-01")
	})
}

func TestCSVEncodings(t *testing.T) {
	text := testLedgerHeader + "\n幸福路12号,1,1,101,自住,张三,,x,,,户籍,,,,\n"
	gb := mustGB18030(t, text)
	for name, in := range map[string][]byte{"utf8": []byte(text), "bom": append([]byte{0xEF, 0xBB, 0xBF}, text...), "gb18030": gb} {
		src, err := newCSVSource(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		h, _ := src.next()
		row, _ := src.next()
		if h[0] != "楼栋地址" || row[5] != "张三" {
			t.Errorf("%s: %q %q", name, h[0], row[5])
		}
	}
}

// benchLedger writes a persons ledger of n rows: three persons per house,
// 24 houses per building.
func benchLedger(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ledger.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, testLedgerHeader)
	start := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	rels := []string{"户主", "配偶", "子女"}
	for i := 0; i < n; i++ {
		house := i / 3
		birth := start.AddDate(0, 0, i/1000).Format("20060102")
		id := testCitizenID(fmt.Sprintf("370211%s%03d", birth, i%1000))
		fmt.Fprintf(w, "幸福路%d号,%d,%d,%d0%d,自住,张%d,,%s,139%08d,汉,户籍,山东省青岛市,2020-01-01,%s,\n",
			house/24+1, house%2+1, house%24/2+1, house%24/2+1, house%2+1, i, id, i, rels[i%3])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

func benchStore(tb testing.TB) (*Store, context.Context, string) {
	tb.Helper()
	d := dbtest.OpenSQLite(tb)
	ctx := context.Background()
	codes := []struct{ code, parent, level string }{{"370211", "", "district"}, {"370211001", "370211", "subdistrict"},
		{"370211001001", "370211001", "community"}, {"370211001001001", "370211001001", "grid"}, {"370211001001001001", "370211001001001", "microgrid"}}
	for _, c := range codes {
		var parent any
		if c.parent != "" {
			parent = c.parent
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, ?, ?, ?, 0, 0)`, c.code, parent, c.level, c.code); err != nil {
			tb.Fatal(err)
		}
	}
	b64 := func(n int, v byte) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = v + byte(i)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, ix := range strings.Fields(os.Getenv("BENCH_DROP")) {
		if _, err := d.ExecContext(ctx, "DROP INDEX "+ix); err != nil {
			tb.Fatal(err)
		}
	}
	keys, err := pii.FromEnv("enc k1 " + b64(32, 1) + "\nindex " + b64(32, 2))
	if err != nil {
		tb.Fatal(err)
	}
	c := clock.Real{}
	return NewStore(d, c, keys, area.NewStore(d, c), nil), access.System(ctx), "370211001001001001"
}

func TestImportCSVStore(t *testing.T) {
	s, ctx, mg := benchStore(t)
	path := benchLedger(t, 300)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	indexes := func() int {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('persons', 'household_members', 'registry_history')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := indexes()
	pragmas := func() string {
		var cache int64
		w := s.db.Writer() // one connection, the one bulk loads run on
		if err := w.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("cache_size %d", cache)
	}
	connection := pragmas()
	// A bulk load in chunks of 128 rows: progress by chunk, up to the whole
	// file; the indexes it set aside are back, and the writer connection's
	// page cache is as it was.
	var progress []int64
	res, err := s.ImportFile(ctx, path, path, ImportOptions{Area: mg, Bulk: true, BatchSize: 128, Progress: func(rows int, bytes int64) { progress = append(progress, bytes) }})
	if err != nil || res.Imported != 300 || res.Invalid != 0 || !res.Stored {
		t.Fatalf("%+v %v", res, err)
	}
	if len(progress) != 3 || !slices.IsSorted(progress) || progress[0] <= 0 || progress[2] != st.Size() {
		t.Fatalf("progress %v of %d bytes", progress, st.Size())
	}
	if after := indexes(); after != before {
		t.Fatalf("indexes %d after a bulk load, %d before", after, before)
	}
	if after := pragmas(); after != connection {
		t.Fatalf("after a bulk load %s, before %s", after, connection)
	}
	// The export pages through the list (200 a page): every person, once.
	var buf bytes.Buffer
	n, err := s.ExportPersons(ctx, PersonFilter{Area: mg}, false, &buf)
	if err != nil || n != 300 {
		t.Fatalf("exported %d persons: %v", n, err)
	}
	wb, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheetRows, err := wb.GetRows(wb.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range sheetRows[1:] {
		ids[r[0]] = true
	}
	if len(sheetRows) != 301 || len(ids) != 300 {
		t.Fatalf("export: %d rows, %d persons", len(sheetRows), len(ids))
	}
	// Again: everyone is on record, nobody is duplicated — row by row, and
	// as a bulk load, whose filter of the ID numbers on record sends each of
	// them to a look-up.
	for _, bulk := range []bool{false, true} {
		res, err = s.ImportFile(ctx, path, path, ImportOptions{Area: mg, Mode: ImportValidRows, Bulk: bulk})
		if err != nil || res.Updated != 300 || res.Imported != 0 {
			t.Fatalf("bulk %v: %+v %v", bulk, res, err)
		}
	}
	// A bulk load with a person twice in the file: one record.
	twice := filepath.Join(t.TempDir(), "twice.csv")
	id := testCitizenID("37021119991231001")
	os.WriteFile(twice, []byte(testLedgerHeader+"\n"+
		"和平路1号,1,1,101,自住,赵六,,"+id+",,,户籍,,,户主,\n"+
		"和平路1号,1,1,101,自住,赵六,,"+id+",13900000000,,户籍,,,户主,\n"), 0o644)
	res, err = s.ImportFile(ctx, twice, twice, ImportOptions{Area: mg, Mode: ImportValidRows, Bulk: true})
	if err != nil || res.Imported != 1 || res.Updated != 1 {
		t.Fatalf("twice: %+v %v", res, err)
	}
	var persons, households int
	_ = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&persons)
	_ = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE head_person_id IS NOT NULL`).Scan(&households)
	if persons != 301 || households != 101 {
		t.Fatalf("persons %d, households with a head %d", persons, households)
	}
}

// BenchmarkImportCSV imports a generated 100,000-row ledger into a fresh
// SQLite database per iteration (set BENCH_IMPORT_ROWS to change the size)
// and reports rows/s and the peak heap.
func BenchmarkImportCSV(b *testing.B) {
	n := 100_000
	if v := os.Getenv("BENCH_IMPORT_ROWS"); v != "" {
		fmt.Sscan(v, &n)
	}
	path := benchLedger(b, n)
	if os.Getenv("BENCH_BULK") == "keep-indexes" {
		// A bulk load that maintains every index row by row.
		defer func(kept []string) { bulkIndexes = kept }(bulkIndexes)
		bulkIndexes = nil
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	defer close(stop)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, ctx, mg := benchStore(b)
		b.StartTimer()
		t0 := time.Now()
		res, err := s.ImportFile(ctx, path, path, ImportOptions{Area: mg, Mode: ImportValidRows, Bulk: os.Getenv("BENCH_BULK") != ""})
		total += time.Since(t0)
		if err != nil || res.Imported != n {
			b.Fatalf("%+v %v", res.Problems, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}

// peakRSS is the process's peak resident set (VmHWM) in bytes: the Go heap,
// SQLite's page cache and everything else.
func peakRSS(tb testing.TB) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}

func mustGB18030(t *testing.T, s string) []byte {
	t.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(out)
}

// TestXLSXSourceOffset: a workbook's rows read are told as the same share of
// the file, up to its whole length at the last row, for the import's
// percent.
func TestXLSXSourceOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.xlsx")
	f := excelize.NewFile()
	const rows = 400
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := f.SetSheetRow("Sheet1", cell, &[]any{"姓名", i, "幸福路12号"}); err != nil {
			t.Fatal(err)
		}
	}
	// As Excel and WPS record it (excelize itself leaves "A1").
	if err := f.SetSheetDimension("Sheet1", "A1:C400"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := newXLSXSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	if src.total != rows {
		t.Fatalf("sheet length %d, want %d", src.total, rows)
	}
	var offsets []int64
	for {
		if _, err := src.next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, src.offset())
	}
	if len(offsets) != rows || !slices.IsSorted(offsets) || offsets[0] <= 0 || offsets[rows/2-1] != st.Size()/2 || offsets[rows-1] != st.Size() {
		t.Fatalf("offsets %v… %v of %d bytes", offsets[:3], offsets[rows-3:], st.Size())
	}
	// A sheet whose dimension is a single cell (excelize's own files): no
	// percent rather than a wrong one.
	if err := f.SetSheetDimension("Sheet1", "A1"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	bare, err := newXLSXSource(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.close()
	if _, err := bare.next(); err != nil || bare.offset() != -1 {
		t.Fatalf("offset %d (%v) without a sheet length", bare.offset(), err)
	}
}
