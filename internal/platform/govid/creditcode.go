package govid

// CreditCode is a validated unified social credit code (统一社会信用代码).
type CreditCode struct {
	Code      string // canonical 18-character upper-case form
	Authority byte   // position 1: registration authority (1 编制, 5 民政, 9 市场监管, ...)
	OrgType   byte   // position 2: organisation type within the authority
	Region    string // positions 3-8: administrative division code of the registering office
}

// OrgCode returns positions 9-17, the embedded organisation code
// (组织机构代码, GB 11714) including its own check character.
func (c CreditCode) OrgCode() string {
	if len(c.Code) != 18 {
		return ""
	}
	return c.Code[8:17]
}

// creditAlphabet is the GB 32100 character set: digits and upper-case
// letters without I, O, Z, S and V. A character's index is its value.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights are 3^i mod 31 for positions 1-17.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights for the eight body characters.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// creditValues maps a byte to its value in creditAlphabet, or -1.
var creditValues = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(creditAlphabet); i++ {
		t[creditAlphabet[i]] = int8(i)
	}
	return t
}()

var (
	errCreditFormat = &Error{
		Rule:      RuleFormat,
		Message:   "unified social credit code must be 18 characters: digits and upper-case letters except I, O, Z, S and V",
		MessageZH: "统一社会信用代码应为18位，由数字和除I、O、Z、S、V以外的大写字母组成",
	}
	errCreditRegion = &Error{
		Rule:      RuleFormat,
		Message:   "unified social credit code characters 3 to 8 (region code) must be digits",
		MessageZH: "统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字",
	}
	errCreditOrgCode = &Error{
		Rule:      RuleOrgCodeCheck,
		Message:   "the organisation code inside the unified social credit code has a wrong check character",
		MessageZH: "统一社会信用代码中的组织机构代码校验位错误",
	}
	errCreditCheck = &Error{
		Rule:      RuleCheckDigit,
		Message:   "unified social credit code check character is wrong",
		MessageZH: "统一社会信用代码校验位错误",
	}
)

// creditCheckChar computes the GB 32100 check character for the first 17
// characters, which must all be in creditAlphabet.
func creditCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(creditValues[first17[i]]) * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31]
}

// orgCodeCheckChar computes the GB 11714 check character for an 8-character
// organisation code body of digits and upper-case letters (A=10 … Z=35).
func orgCodeCheckChar(body string) byte {
	sum := 0
	for i := range 8 {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch c9 := 11 - sum%11; c9 {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c9)
	}
}

// ParseCreditCode validates a unified social credit code.
//
// Checks, in order: format (alphabet, length, numeric region), check_digit
// (position 18) and, for enterprises registered with market regulation
// (prefix "91"), org_code_check on the embedded organisation code. The
// overall check runs first so that a plain typo is reported as such;
// org_code_check then only fires for codes that are internally consistent
// but built around an invalid organisation code, i.e. made up.
//
// The embedded check is deliberately limited to "91". Codes for individual
// businesses (92…) and several other kinds were assigned in bulk after 2015
// and their positions 9-17 are an internal serial, not a GB 11714 code, so
// checking them would reject genuine codes. The error is always an *Error.
func ParseCreditCode(s string) (CreditCode, error) {
	n := normalize(s)
	if len(n) != 18 {
		return CreditCode{}, errCreditFormat
	}
	for i := 0; i < len(n); i++ {
		if creditValues[n[i]] < 0 {
			return CreditCode{}, errCreditFormat
		}
	}
	if !allDigits(n[2:8]) {
		return CreditCode{}, errCreditRegion
	}
	if creditCheckChar(n[:17]) != n[17] {
		return CreditCode{}, errCreditCheck
	}
	if n[0] == '9' && n[1] == '1' && orgCodeCheckChar(n[8:16]) != n[16] {
		return CreditCode{}, errCreditOrgCode
	}
	return CreditCode{
		Code:      n,
		Authority: n[0],
		OrgType:   n[1],
		Region:    n[2:8],
	}, nil
}
