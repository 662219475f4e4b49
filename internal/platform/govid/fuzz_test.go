package govid

import (
	"errors"
	"testing"
)

func checkError(t *testing.T, err error, rules ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *Error", err, err)
	}
	for _, r := range rules {
		if e.Rule == r {
			return
		}
	}
	t.Fatalf("unexpected rule %q", e.Rule)
}

func FuzzParseCitizenID(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCitizenID(s)
		if err != nil {
			checkError(t, err, RuleFormat, RuleRegion, RuleBirthDate, RuleCheckDigit)
			return
		}
		if len(c.Number) != 18 {
			t.Fatalf("canonical %q is not 18 characters", c.Number)
		}
		if c.Region != c.Number[:6] || c.Gender == 0 {
			t.Fatalf("inconsistent result %+v", c)
		}
		again, err := ParseCitizenID(c.Number)
		if err != nil {
			t.Fatalf("canonical %q does not re-parse: %v", c.Number, err)
		}
		if again.Legacy {
			t.Fatalf("canonical %q parsed as legacy", c.Number)
		}
		c.Legacy = false
		if again != c {
			t.Fatalf("re-parse differs:\n%+v\n%+v", c, again)
		}
	})
}

func FuzzParseCreditCode(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCreditCode(s)
		if err != nil {
			checkError(t, err, RuleFormat, RuleOrgCodeCheck, RuleCheckDigit)
			return
		}
		if len(c.Code) != 18 {
			t.Fatalf("canonical %q is not 18 characters", c.Code)
		}
		if c.Authority != c.Code[0] || c.OrgType != c.Code[1] || c.Region != c.Code[2:8] {
			t.Fatalf("inconsistent result %+v", c)
		}
		again, err := ParseCreditCode(c.Code)
		if err != nil {
			t.Fatalf("canonical %q does not re-parse: %v", c.Code, err)
		}
		if again != c {
			t.Fatalf("re-parse differs:\n%+v\n%+v", c, again)
		}
	})
}
