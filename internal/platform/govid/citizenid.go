// Package govid validates identifiers issued by the Chinese state to people
// (居民身份证号码, GB 11643-1999) and organisations (统一社会信用代码,
// GB 32100-2015).
//
// Residents and grid workers type these numbers by hand, often on phones with
// full-width input methods, so parsing normalises the input first and reports
// failures as an *Error carrying a machine-readable Rule plus English and
// Chinese messages that can be shown to whoever typed the number.
//
// Parsing is pure: it never looks at the clock, so policy checks such as "not
// born in the future" or "at least 18 years old" belong to the caller (see
// CitizenID.AgeAt).
package govid

import (
	"strings"
	"time"
	"unicode"
)

// Rules reported in Error.Rule.
const (
	RuleFormat       = "format"         // wrong length or characters
	RuleRegion       = "region"         // unknown administrative region (citizen ID)
	RuleBirthDate    = "birth_date"     // impossible birth date (citizen ID)
	RuleCheckDigit   = "check_digit"    // final check character does not match
	RuleOrgCodeCheck = "org_code_check" // embedded GB 11714 code is invalid (credit code)
)

// Error describes why an identifier was rejected. Use errors.As to get at the
// Rule and the Chinese message.
type Error struct {
	Rule      string // one of the Rule* constants
	Message   string // English
	MessageZH string // Simplified Chinese, suitable for end users
}

// Error returns the English message.
func (e *Error) Error() string { return e.Message }

// Gender as encoded in the 17th digit of a citizen ID number.
type Gender uint8

// Gender values; the zero value means unknown.
const (
	Male Gender = iota + 1
	Female
)

// String returns "male", "female" or "unknown".
func (g Gender) String() string {
	switch g {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// CitizenID is a validated resident identity number.
type CitizenID struct {
	Number string    // canonical 18-character form, upper-case X
	Region string    // first six digits (administrative division code)
	Birth  time.Time // date of birth at 00:00 UTC
	Gender Gender    // odd sequence digit = male
	Legacy bool      // the input was a 15-digit first-generation number
}

var (
	errCitizenFormat = &Error{
		Rule:      RuleFormat,
		Message:   "citizen ID number must be 18 characters (17 digits followed by a digit or X) or 15 digits",
		MessageZH: "身份证号应为18位（前17位为数字，末位为数字或X）或15位数字",
	}
	errCitizenRegion = &Error{
		Rule:      RuleRegion,
		Message:   "citizen ID number has an invalid region code",
		MessageZH: "身份证号地区码无效",
	}
	errCitizenBirth = &Error{
		Rule:      RuleBirthDate,
		Message:   "citizen ID number contains an invalid date of birth",
		MessageZH: "身份证号出生日期无效",
	}
	errCitizenCheck = &Error{
		Rule:      RuleCheckDigit,
		Message:   "citizen ID number check digit is wrong",
		MessageZH: "身份证号校验位错误",
	}
)

// Birth years outside this range are treated as typos rather than people.
const (
	minBirthYear = 1900
	maxBirthYear = 2100
)

// ISO 7064 MOD 11-2 weights (2^(17-i) mod 11) and remainder → check character.
var citizenWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const citizenCheckChars = "10X98765432"

// citizenCheckChar computes the check character for 17 ASCII digits.
func citizenCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * citizenWeights[i]
	}
	return citizenCheckChars[sum%11]
}

// CompleteCitizenID appends the check character to the first 17 digits of a
// resident identity number (for test data and forms that build numbers).
func CompleteCitizenID(first17 string) string {
	if len(first17) != 17 || !allDigits(first17) {
		return first17
	}
	return first17 + string(citizenCheckChar(first17))
}

// ParseCitizenID validates a resident identity number (or a Hong Kong, Macau
// or Taiwan residence-permit number, which uses the same layout) and returns
// its canonical 18-character form and decoded fields. A 15-digit legacy
// number is upgraded to 18 digits (births in 19xx, check digit computed).
//
// Checks, in order: format, region, birth_date, check_digit. The error is
// always an *Error.
func ParseCitizenID(s string) (CitizenID, error) {
	n := normalize(s)
	legacy := false
	switch len(n) {
	case 18:
		if !allDigits(n[:17]) || !(isDigit(n[17]) || n[17] == 'X') {
			return CitizenID{}, errCitizenFormat
		}
	case 15:
		if !allDigits(n) {
			return CitizenID{}, errCitizenFormat
		}
		legacy = true
	default:
		return CitizenID{}, errCitizenFormat
	}

	region := n[:6]
	if !validCitizenRegion(region) {
		return CitizenID{}, errCitizenRegion
	}

	var date, seq string
	if legacy {
		date, seq = "19"+n[6:12], n[12:15]
	} else {
		date, seq = n[6:14], n[14:17]
	}
	birth, ok := parseDate(date)
	if !ok {
		return CitizenID{}, errCitizenBirth
	}

	body := region + date + seq
	check := citizenCheckChar(body)
	if !legacy && n[17] != check {
		return CitizenID{}, errCitizenCheck
	}

	gender := Female
	if (seq[2]-'0')%2 == 1 {
		gender = Male
	}
	return CitizenID{
		Number: body + string(check),
		Region: region,
		Birth:  birth,
		Gender: gender,
		Legacy: legacy,
	}, nil
}

// AgeAt returns the age in completed years on the calendar day of t (in t's
// location). Someone born on 29 February turns a year older on 1 March in
// common years. It returns 0 if t is before the birth date or c is zero.
func (c CitizenID) AgeAt(t time.Time) int {
	if c.Birth.IsZero() {
		return 0
	}
	ty, tm, td := t.Date()
	by, bm, bd := c.Birth.Date()
	age := ty - by
	if tm < bm || (tm == bm && td < bd) {
		age--
	}
	return max(age, 0)
}

// parseDate parses YYYYMMDD (already known to be digits) into a UTC date,
// rejecting dates that do not exist, such as 19490229.
func parseDate(s string) (time.Time, bool) {
	y := atoi(s[0:4])
	m := atoi(s[4:6])
	d := atoi(s[6:8])
	if y < minBirthYear || y > maxBirthYear || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises overflow (Feb 30 → Mar 2); a real date round-trips.
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}

// normalize trims surrounding white space (including the ideographic space
// and zero-width characters that ride along with copy and paste), folds
// full-width ASCII forms (U+FF01–U+FF5E) to their half-width equivalents and
// upper-cases ASCII letters. Interior white space is kept, so "1101 05..."
// still fails the format check instead of being silently accepted.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return strings.TrimFunc(b.String(), func(r rune) bool {
		switch r {
		case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
			return true
		}
		return unicode.IsSpace(r)
	})
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts a short run of ASCII digits; the caller has checked them.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
