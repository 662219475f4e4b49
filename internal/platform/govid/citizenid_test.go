package govid

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// withCheck appends the correct check character to 17 digits, so that tests
// of the other rules are not accidentally failing on the check digit.
func withCheck(first17 string) string {
	return first17 + string(citizenCheckChar(first17))
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestCitizenCheckCharKnown(t *testing.T) {
	// Published examples: the GB 11643 sample number and a few well-known
	// specimen numbers from public documentation.
	for _, id := range []string{
		"11010519491231002X",
		"440524188001010014",
		"11010219840406970X",
	} {
		if got := citizenCheckChar(id[:17]); got != id[17] {
			t.Errorf("check char for %s = %c, want %c", id[:17], got, id[17])
		}
	}
}

func TestParseCitizenIDValid(t *testing.T) {
	leap := withCheck("11010520000229001")
	permit := withCheck("81000019900101002")
	tests := []struct {
		name   string
		in     string
		number string
		region string
		birth  time.Time
		gender Gender
		legacy bool
	}{
		{"standard sample", "11010519491231002X", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"lower-case x", "11010519491231002x", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"surrounding spaces", "  11010519491231002X\t\n", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"ideographic space", "\u300011010519491231002X\u3000", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"zero-width and BOM", "\uFEFF11010519491231002X\u200B", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"full-width lower x", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"mixed width", "110105１９４９1231002x", "11010519491231002X", "110105", date(1949, 12, 31), Female, false},
		{"legacy 15 digits", "110105491231002", "11010519491231002X", "110105", date(1949, 12, 31), Female, true},
		{"legacy full-width", "１１０１０５４９１２３１００２", "11010519491231002X", "110105", date(1949, 12, 31), Female, true},
		{"legacy male", "440524800101001", "440524198001010013", "440524", date(1980, 1, 1), Male, true},
		{"male", "440524198001010013", "440524198001010013", "440524", date(1980, 1, 1), Male, false},
		{"leap day 2000", leap, leap, "110105", date(2000, 2, 29), Male, false},
		{"HK residence permit", permit, permit, "810000", date(1990, 1, 1), Female, false},
		{"year 2100 limit", withCheck("31011521001231003"), withCheck("31011521001231003"), "310115", date(2100, 12, 31), Male, false},
		{"year 1900 limit", withCheck("65010219000101004"), withCheck("65010219000101004"), "650102", date(1900, 1, 1), Female, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCitizenID(tt.in)
			if err != nil {
				t.Fatalf("ParseCitizenID(%q): %v", tt.in, err)
			}
			want := CitizenID{Number: tt.number, Region: tt.region, Birth: tt.birth, Gender: tt.gender, Legacy: tt.legacy}
			if got != want {
				t.Errorf("ParseCitizenID(%q)\n got %+v\nwant %+v", tt.in, got, want)
			}
		})
	}
}

func TestParseCitizenIDInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		rule string
	}{
		{"empty", "", RuleFormat},
		{"blank", " \u3000 ", RuleFormat},
		{"too short", "1101051949123100", RuleFormat},
		{"too long", "11010519491231002X0", RuleFormat},
		{"16 digits", "1101051949123100", RuleFormat},
		{"17 digits", "11010519491231002", RuleFormat},
		{"letter in body", "11010519491231A02X", RuleFormat},
		{"X not last", "1101051949123100X2", RuleFormat},
		{"other check letter", "11010519491231002Y", RuleFormat},
		{"interior space", "110105 19491231002X", RuleFormat},
		{"interior hyphen", "110105-19491231-002X", RuleFormat},
		{"legacy with X", "11010549123100X", RuleFormat},
		{"full-width other letter", "11010519491231002Ｙ", RuleFormat},
		{"arabic-indic digits", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", RuleFormat},
		{"invalid utf-8", "11010519491231002\xff", RuleFormat},

		{"province 00", withCheck("00010519491231002"), RuleRegion},
		{"province 10", withCheck("10010519491231002"), RuleRegion},
		{"province 16", withCheck("16010519491231002"), RuleRegion},
		{"province 72", withCheck("72010519491231002"), RuleRegion},
		{"province 84", withCheck("84000019491231002"), RuleRegion},
		{"province 99", withCheck("99010519491231002"), RuleRegion},
		{"province only", withCheck("11000019491231002"), RuleRegion},
		{"legacy bad province", "990105491231002", RuleRegion},

		{"feb 29 non-leap", withCheck("11010519490229002"), RuleBirthDate},
		{"feb 29 1900", withCheck("11010519000229002"), RuleBirthDate},
		{"feb 30 leap", withCheck("11010520000230002"), RuleBirthDate},
		{"april 31", withCheck("11010519490431002"), RuleBirthDate},
		{"month 00", withCheck("11010519490031002"), RuleBirthDate},
		{"month 13", withCheck("11010519491331002"), RuleBirthDate},
		{"day 00", withCheck("11010519491200002"), RuleBirthDate},
		{"day 32", withCheck("11010519491232002"), RuleBirthDate},
		{"year 1899", withCheck("11010518991231002"), RuleBirthDate},
		{"year 2101", withCheck("11010521010101002"), RuleBirthDate},
		{"year 0000", withCheck("11010500000101002"), RuleBirthDate},
		{"legacy feb 29 non-leap", "110105490229002", RuleBirthDate},
		{"legacy feb 29 1900", "110105000229002", RuleBirthDate},

		{"check 9 instead of X", "110105194912310029", RuleCheckDigit},
		{"check 0 instead of X", "110105194912310020", RuleCheckDigit},
		{"transposed digits", "11010519491213002X", RuleCheckDigit},
		{"check X instead of 3", "44052419800101001X", RuleCheckDigit},
		{"published pre-1900 sample", "440524188001010014", RuleBirthDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCitizenID(tt.in)
			if err == nil {
				t.Fatalf("ParseCitizenID(%q) = %+v, want %s error", tt.in, got, tt.rule)
			}
			if got != (CitizenID{}) {
				t.Errorf("ParseCitizenID(%q) returned non-zero value %+v with error", tt.in, got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			if e.Rule != tt.rule {
				t.Errorf("ParseCitizenID(%q) rule = %q (%s), want %q", tt.in, e.Rule, e.Message, tt.rule)
			}
		})
	}
}

// TestCitizenCheckDigitExhaustive covers every remainder of the MOD 11-2
// sum: for each, the right character is accepted and the ten others fail.
func TestCitizenCheckDigitExhaustive(t *testing.T) {
	seen := map[byte]bool{}
	for seq := 0; seq < 1000 && len(seen) < 11; seq++ {
		body := "11010519491231" + string([]byte{byte('0' + seq/100), byte('0' + seq/10%10), byte('0' + seq%10)})
		want := citizenCheckChar(body)
		if seen[want] {
			continue
		}
		seen[want] = true
		for _, c := range []byte("0123456789X") {
			_, err := ParseCitizenID(body + string(c))
			if c == want && err != nil {
				t.Errorf("%s%c: unexpected error %v", body, c, err)
			}
			if c != want {
				var e *Error
				if !errors.As(err, &e) || e.Rule != RuleCheckDigit {
					t.Errorf("%s%c: got %v, want check_digit error", body, c, err)
				}
			}
		}
	}
	if len(seen) != 11 {
		t.Fatalf("covered %d of 11 check characters", len(seen))
	}
}

func TestCitizenErrorMessages(t *testing.T) {
	for _, e := range []*Error{errCitizenFormat, errCitizenRegion, errCitizenBirth, errCitizenCheck} {
		if e.Error() != e.Message || e.Message == "" || e.MessageZH == "" {
			t.Errorf("incomplete error %+v", e)
		}
	}
	_, err := ParseCitizenID("110105194912310029")
	if err.Error() != "citizen ID number check digit is wrong" {
		t.Errorf("Error() = %q", err.Error())
	}
	var e *Error
	if !errors.As(err, &e) || e.MessageZH != "身份证号校验位错误" {
		t.Errorf("MessageZH = %q", e.MessageZH)
	}
}

func TestAgeAt(t *testing.T) {
	old, _ := ParseCitizenID("11010519491231002X")
	leap, err := ParseCitizenID(withCheck("11010520000229001"))
	if err != nil {
		t.Fatal(err)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		c    CitizenID
		at   time.Time
		want int
	}{
		{"day before birthday", old, date(2024, 12, 30), 74},
		{"on birthday", old, date(2024, 12, 31), 75},
		{"day after birthday", old, date(2025, 1, 1), 75},
		{"birthday in local time", old, time.Date(2024, 12, 31, 0, 30, 0, 0, shanghai), 75},
		{"before local birthday", old, time.Date(2024, 12, 30, 23, 59, 0, 0, shanghai), 74},
		{"day of birth", old, date(1949, 12, 31), 0},
		{"before birth", old, date(1949, 12, 30), 0},
		{"long before birth", old, date(1900, 1, 1), 0},
		{"leap: Feb 28 common year", leap, date(2001, 2, 28), 0},
		{"leap: Mar 1 common year", leap, date(2001, 3, 1), 1},
		{"leap: Feb 29 leap year", leap, date(2004, 2, 29), 4},
		{"leap: Feb 28 leap year", leap, date(2004, 2, 28), 3},
		{"adult", leap, date(2018, 3, 1), 18},
		{"almost adult", leap, date(2018, 2, 28), 17},
		{"zero value", CitizenID{}, date(2024, 1, 1), 0},
	}
	for _, tt := range tests {
		if got := tt.c.AgeAt(tt.at); got != tt.want {
			t.Errorf("%s: AgeAt(%v) = %d, want %d", tt.name, tt.at, got, tt.want)
		}
	}
}

func TestGenderString(t *testing.T) {
	for g, want := range map[Gender]string{Male: "male", Female: "female", 0: "unknown", 9: "unknown"} {
		if got := g.String(); got != want {
			t.Errorf("Gender(%d).String() = %q, want %q", g, got, want)
		}
	}
}

func TestProvinceName(t *testing.T) {
	tests := []struct {
		code string
		want string
		ok   bool
	}{
		{"11010519491231002X", "北京市", true},
		{"440524", "广东省", true},
		{"81", "香港特别行政区", true},
		{"65", "新疆维吾尔自治区", true},
		{"99", "", false},
		{"1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ProvinceName(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ProvinceName(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"":                       "",
		"abc":                    "ABC",
		"\u3000ａｂｃ１２３\u3000":     "ABC123",
		" x ":                    "X",
		"a b":                    "A B",
		"\u200B\uFEFF12\u2060\t": "12",
		"张三":                     "张三",
		"\uFF01\uFF5E":           "!~",
		"\xff":                   "\uFFFD",
		"\u00A0 123 \u00A0":      "123",
		strings.Repeat("ｘ", 3):   "XXX",
		"ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ": "ABCDEFGHJKLMNPQRTUWXY",
	}
	for in, want := range tests {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompleteCitizenID(t *testing.T) {
	id := CompleteCitizenID("11010519491231002")
	if id != "11010519491231002X" {
		t.Fatalf("completed %q", id)
	}
	if _, err := ParseCitizenID(id); err != nil {
		t.Fatalf("completed number does not parse: %v", err)
	}
	for _, bad := range []string{"", "1101051949123100", "1101051949123100A"} {
		if got := CompleteCitizenID(bad); got != bad {
			t.Errorf("CompleteCitizenID(%q) = %q, want it unchanged", bad, got)
		}
	}
}
