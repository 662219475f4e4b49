package govid

import (
	"errors"
	"strings"
	"testing"
)

// creditWithCheck appends the GB 32100 check character to 17 characters.
func creditWithCheck(first17 string) string {
	return first17 + string(creditCheckChar(first17))
}

// orgCode appends the GB 11714 check character to an 8-character body.
func orgCode(body string) string {
	return body + string(orgCodeCheckChar(body))
}

// enterprise builds a valid "91" code from a region and organisation body.
func enterprise(region, orgBody string) string {
	return creditWithCheck("91" + region + orgCode(orgBody))
}

func TestCreditCodeKnownExample(t *testing.T) {
	// Widely cited example code; verified against both check algorithms.
	const code = "91350100M000100Y43"
	if got := orgCodeCheckChar(code[8:16]); got != code[16] {
		t.Errorf("org code check = %c, want %c", got, code[16])
	}
	if got := creditCheckChar(code[:17]); got != code[17] {
		t.Errorf("credit check = %c, want %c", got, code[17])
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	// Hand-computed: D2143569 → 3·13+7·2+9·1+10·4+5·3+8·5+4·6+2·9 = 199,
	// 199 mod 11 = 1, 11-1 = 10 → X.
	if got := orgCodeCheckChar("D2143569"); got != 'X' {
		t.Errorf("D2143569: got %c, want X", got)
	}
	// All zeros: sum 0 → 11 → '0'.
	if got := orgCodeCheckChar("00000000"); got != '0' {
		t.Errorf("00000000: got %c, want 0", got)
	}
	// 00000001: sum 2 → 9.
	if got := orgCodeCheckChar("00000001"); got != '9' {
		t.Errorf("00000001: got %c, want 9", got)
	}
}

func TestParseCreditCodeValid(t *testing.T) {
	xCheck := enterprise("110108", "D2143569") // org check char X
	zeroCheck := enterprise("440300", "00000000")
	tests := []struct {
		name string
		in   string
		want CreditCode
	}{
		{"published example", "91350100M000100Y43", CreditCode{"91350100M000100Y43", '9', '1', "350100"}},
		{"lower case", "91350100m000100y43", CreditCode{"91350100M000100Y43", '9', '1', "350100"}},
		{"spaces", " \u300091350100M000100Y43\t", CreditCode{"91350100M000100Y43", '9', '1', "350100"}},
		{"full width", "９１３５０１００Ｍ０００１００Ｙ４３", CreditCode{"91350100M000100Y43", '9', '1', "350100"}},
		{"full width lower", "９１３５０１００ｍ０００１００ｙ４３", CreditCode{"91350100M000100Y43", '9', '1', "350100"}},
		{"org check X", xCheck, CreditCode{xCheck, '9', '1', "110108"}},
		{"org check 0", zeroCheck, CreditCode{zeroCheck, '9', '1', "440300"}},
		{"new-style MA code", enterprise("110108", "MA01ABCD"), CreditCode{enterprise("110108", "MA01ABCD"), '9', '1', "110108"}},
		// Individual business: positions 9-17 need not be a GB 11714 code.
		{"individual business", creditWithCheck("92370211L12345678"), CreditCode{creditWithCheck("92370211L12345678"), '9', '2', "370211"}},
		{"cooperative", creditWithCheck("93320500MA1000000"), CreditCode{creditWithCheck("93320500MA1000000"), '9', '3', "320500"}},
		{"public institution", creditWithCheck("12100000400000001"), CreditCode{creditWithCheck("12100000400000001"), '1', '2', "100000"}},
		{"social organisation", creditWithCheck("51110000500000000"), CreditCode{creditWithCheck("51110000500000000"), '5', '1', "110000"}},
		{"other authority Y", creditWithCheck("Y1310000MA0000000"), CreditCode{creditWithCheck("Y1310000MA0000000"), 'Y', '1', "310000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreditCode(tt.in)
			if err != nil {
				t.Fatalf("ParseCreditCode(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseCreditCode(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
			if got.OrgCode() != got.Code[8:17] {
				t.Errorf("OrgCode() = %q", got.OrgCode())
			}
		})
	}
}

func TestParseCreditCodeInvalid(t *testing.T) {
	// Valid overall check but the embedded organisation code is wrong.
	badOrg := creditWithCheck("91350100M000100Y5")
	tests := []struct {
		name string
		in   string
		rule string
	}{
		{"empty", "", RuleFormat},
		{"17 chars", "91350100M000100Y4", RuleFormat},
		{"19 chars", "91350100M000100Y430", RuleFormat},
		{"letter I", "91350100I000100Y43", RuleFormat},
		{"letter O", "91350100O000100Y43", RuleFormat},
		{"letter Z", "91350100Z000100Y43", RuleFormat},
		{"letter S", "91350100S000100Y43", RuleFormat},
		{"letter V", "91350100V000100Y43", RuleFormat},
		{"punctuation", "91350100-000100Y43", RuleFormat},
		{"interior space", "913501 00M000100Y43", RuleFormat},
		{"chinese", "91350100M000100Y4三", RuleFormat},
		{"letter in region", creditWithCheck("913501A0M000100Y4"), RuleFormat},
		{"wrong check", "91350100M000100Y44", RuleCheckDigit},
		{"typo in org code", "91350100M000200Y43", RuleCheckDigit},
		{"transposition", "91351000M000100Y43", RuleCheckDigit},
		{"bad org code", badOrg, RuleOrgCodeCheck},
		{"bad org code MA", creditWithCheck("91110108MA01ABCD0"), RuleOrgCodeCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreditCode(tt.in)
			if err == nil {
				t.Fatalf("ParseCreditCode(%q) = %+v, want %s error", tt.in, got, tt.rule)
			}
			if got != (CreditCode{}) {
				t.Errorf("non-zero value %+v returned with error", got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			if e.Rule != tt.rule {
				t.Errorf("ParseCreditCode(%q) rule = %q (%s), want %q", tt.in, e.Rule, e.Message, tt.rule)
			}
			if e.Message == "" || e.MessageZH == "" || e.Error() != e.Message {
				t.Errorf("incomplete error %+v", e)
			}
		})
	}
}

// TestCreditCheckExhaustive: for the sample code exactly one of the 31
// alphabet characters is accepted in position 18.
func TestCreditCheckExhaustive(t *testing.T) {
	const first17 = "91350100M000100Y4"
	accepted := 0
	for i := 0; i < len(creditAlphabet); i++ {
		_, err := ParseCreditCode(first17 + string(creditAlphabet[i]))
		if err == nil {
			accepted++
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Rule != RuleCheckDigit {
			t.Errorf("%c: got %v, want check_digit", creditAlphabet[i], err)
		}
	}
	if accepted != 1 {
		t.Errorf("accepted %d check characters, want 1", accepted)
	}
}

// TestCreditCheckAllRemainders builds codes whose check characters cover the
// whole alphabet, including the 31 → '0' wrap.
func TestCreditCheckAllRemainders(t *testing.T) {
	seen := map[byte]bool{}
	for i := 0; i < len(creditAlphabet) && len(seen) < 31; i++ {
		for j := 0; j < len(creditAlphabet) && len(seen) < 31; j++ {
			first17 := "92110000" + "L000000" + string(creditAlphabet[i]) + string(creditAlphabet[j])
			code := creditWithCheck(first17)
			seen[code[17]] = true
			if _, err := ParseCreditCode(code); err != nil {
				t.Fatalf("%s: %v", code, err)
			}
		}
	}
	if len(seen) != 31 {
		t.Errorf("covered %d of 31 check characters", len(seen))
	}
}

func TestCreditAlphabet(t *testing.T) {
	if len(creditAlphabet) != 31 {
		t.Fatalf("alphabet has %d characters", len(creditAlphabet))
	}
	for _, c := range "IOZSV" {
		if strings.ContainsRune(creditAlphabet, c) {
			t.Errorf("alphabet contains %c", c)
		}
	}
	// Weights are 3^i mod 31.
	w := 1
	for i, got := range creditWeights {
		if got != w {
			t.Errorf("weight %d = %d, want %d", i, got, w)
		}
		w = w * 3 % 31
	}
}

func TestOrgCodeZeroValue(t *testing.T) {
	if got := (CreditCode{}).OrgCode(); got != "" {
		t.Errorf("zero OrgCode() = %q", got)
	}
}
