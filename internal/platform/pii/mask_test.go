package pii

import (
	"testing"
	"unicode/utf8"
)

func TestMaskCitizenID(t *testing.T) {
	tests := map[string]string{
		"370211199001011234":   "370211********1234",
		"11010519491231002X":   "110105********002X",
		" 11010519491231002X ": "110105********002X",
		"110105491231002":      "1101********002", // legacy: 4 + 3 of 15
		"E12345678":            "E1*****78",       // passport
		"12345678":             "12****78",
		"1234":                 "1**4",
		"123":                  "1**",
		"12":                   "**",
		"1":                    "*",
		"":                     "",
		"１１０１０５１９４９１２３１００２Ｘ": "１１０１０５********００２Ｘ",
	}
	for in, want := range tests {
		if got := MaskCitizenID(in); got != want {
			t.Errorf("MaskCitizenID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := map[string]string{
		"13812345678":    "138****5678",
		" 13812345678\n": "138****5678",
		"02912345678":    "029****5678",
		"010-12345678":   "01******5678",
		"+8613812345678": "+86*******5678",
		"12345678":       "****5678",
		"1234567":        "****567",
		"123456":         "***456",
		"12345":          "***45",
		"1234":           "***4",
		"110":            "**0",
		"1":              "1",
		"":               "",
	}
	for in, want := range tests {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskName(t *testing.T) {
	tests := map[string]string{
		"张三":        "张*",
		"欧阳娜娜":      "欧***",
		"王":         "*",
		" 李四 ":      "李*",
		"买买提·艾力":    "买*****",
		"Zhang San": "Z********",
		"":          "",
	}
	for in, want := range tests {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMaskNeverRevealsMuch checks, for every length up to 40, that the masks
// keep the length in runes and reveal at most half of the characters (apart
// from the fixed conventions for 18-character IDs, 11-digit phones and
// 1-character phone numbers).
func TestMaskNeverRevealsMuch(t *testing.T) {
	s := ""
	for n := 0; n <= 40; n++ {
		for _, m := range []struct {
			name   string
			f      func(string) string
			except int
		}{
			{"MaskCitizenID", MaskCitizenID, 18},
			{"MaskPhone", MaskPhone, 11},
			{"MaskName", MaskName, -1},
		} {
			got := m.f(s)
			if utf8.RuneCountInString(got) != n {
				t.Errorf("%s(len %d) = %q changes the length", m.name, n, got)
			}
			revealed := 0
			for _, r := range got {
				if r != '*' {
					revealed++
				}
			}
			if n == m.except || (m.name == "MaskPhone" && n == 1) {
				continue
			}
			if revealed*2 > n {
				t.Errorf("%s(len %d) = %q reveals %d characters", m.name, n, got, revealed)
			}
		}
		s += string(rune('甲' + n))
	}
}
