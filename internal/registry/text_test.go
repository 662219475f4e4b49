package registry

import (
	"strings"
	"testing"
)

func TestNamePinyin(t *testing.T) {
	for _, tc := range []struct{ name, full, initials string }{
		{"张三", "zhangsan", "zs"},
		{"欧阳娜娜", "ouyangnana", "oynn"},
		{"曾国藩", "zengguofan", "zgf"}, // the surname's own reading
		{"单田芳", "shantianfang", "stf"},
		{"吕布", "lvbu", "lb"},
		{"John Smith", "johnsmith", "js"},
		{"阿依古丽·买买提", "ayigulimaimaiti", "ayglmmt"},
		{"", "", ""},
	} {
		full, initials := namePinyin(tc.name)
		if full != tc.full || initials != tc.initials {
			t.Errorf("%s: %q %q, want %q %q", tc.name, full, initials, tc.full, tc.initials)
		}
	}
}

func TestParseDay(t *testing.T) {
	for in, want := range map[string]string{
		"2024-03-05": "2024-03-05", "2024/3/5": "2024-03-05", "2024.03.05": "2024-03-05", "20240305": "2024-03-05",
		"2024年3月5日": "2024-03-05", " ２０２４－０３－０５ ": "2024-03-05", "2024-02-29": "2024-02-29",
		"2023-02-29": "", "2024-13-01": "", "2024305": "", "1899-12-31": "", "yesterday": "", "": "",
	} {
		got, ok := parseDay(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseDay(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestGramsAndPrefix(t *testing.T) {
	if got := strings.Join(grams("幸福路 12号１２号"), "|"); got != "幸福|福路|路1|12|2号|号1" {
		t.Errorf("grams %s", got)
	}
	if len(grams("路")) != 0 {
		t.Error("a single character has no bigram")
	}
	for p, end := range map[string]string{"zs": "zt", "张": "弡", "a9": "a:"} {
		if got := prefixEnd(p); got != end {
			t.Errorf("prefixEnd(%q) = %q, want %q", p, got, end)
		}
	}
}

func TestFloorArea(t *testing.T) {
	for in, want := range map[string]int64{"89.5": 8950, "89.50": 8950, "90": 9000, "0.01": 1, "１２０.３": 12030} {
		got, ok := parseFloorArea(in)
		if !ok || got != want {
			t.Errorf("parseFloorArea(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"89.555", "-1", "1e3", "", "abc", "1234567"} {
		if _, ok := parseFloorArea(bad); ok {
			t.Errorf("parseFloorArea(%q) accepted", bad)
		}
	}
	for dm2, want := range map[int64]string{8950: "89.5", 9000: "90", 1: "0.01", 0: "0", 10010: "100.1"} {
		if got := formatFloorArea(dm2); got != want {
			t.Errorf("formatFloorArea(%d) = %q, want %q", dm2, got, want)
		}
	}
}

func TestClassifyAndNormalise(t *testing.T) {
	for q, want := range map[string]string{
		"370211198001011234": "id_number", "37021119800101123x": "id_number", "370211800101123": "id_number",
		"13812345678": "phone", "0532-88886666": "phone", "zhangsan": "pinyin", "ZS": "pinyin",
		"E1234567": "id_number", "幸福路12号": "address", "张三": "name",
	} {
		if got := classify(q); got != want {
			t.Errorf("classify(%q) = %s, want %s", q, got, want)
		}
	}
	for in, want := range map[string]string{"+86 138 1234 5678": "13812345678", "8613812345678": "13812345678", "0532-88886666": "0532-88886666"} {
		if got := normalizePhone(in); got != want {
			t.Errorf("normalizePhone(%q) = %q", in, got)
		}
	}
	if e, ok := normalizeEthnicity("回"); !ok || e != "回族" {
		t.Errorf("回 → %q %v", e, ok)
	}
	if _, ok := normalizeEthnicity("火星"); ok {
		t.Error("火星 accepted")
	}
}

// FuzzParseDay: whatever comes in, an accepted day is a real YYYY-MM-DD
// that parses to itself.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"2024-03-05", "2024年3月5日", "20240229", "2023/2/29", "１９９９.１２.３１", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDay(s)
		if !ok {
			return
		}
		if again, ok2 := parseDay(d); !ok2 || again != d || len(d) != 10 {
			t.Fatalf("%q → %q → %q", s, d, again)
		}
	})
}

// FuzzFloorArea: accepted areas round-trip through their stored form.
func FuzzFloorArea(f *testing.F) {
	for _, s := range []string{"89.5", "0.01", "100", "１２.３４", "999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dm2, ok := parseFloorArea(s)
		if !ok {
			return
		}
		back, ok2 := parseFloorArea(formatFloorArea(dm2))
		if !ok2 || back != dm2 || dm2 < 0 {
			t.Fatalf("%q → %d → %q → %d", s, dm2, formatFloorArea(dm2), back)
		}
	})
}

// FuzzClean: the fast path of clean answers as the copying one does.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "幸福路12号", " 张三 ", "a  b", "ＡＢＣ１２３", "a\u3000b", "a\tb", "\xff", "x\u00a0y", "trailing "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := clean(s), cleanCopy(s); got != want {
			t.Fatalf("clean(%q) = %q, cleanCopy = %q", s, got, want)
		}
	})
}
