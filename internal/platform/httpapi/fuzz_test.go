package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// fuzzLimit is small, so that the fuzzer also reaches the size limit.
const fuzzLimit = 4096

// FuzzDecodeJSON feeds arbitrary bodies to DecodeJSON. It never panics; a
// refused body gets an *errs.Error that is Invalid (or TooLarge) with
// details in both languages; an accepted body was valid UTF-8, holds only
// clean text, and decodes to what encoding/json alone makes of it. The seed
// corpus is in testdata/fuzz/FuzzDecodeJSON.
func FuzzDecodeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v reportBody
		err := DecodeJSON(httptest.NewRecorder(), r, &v, fuzzLimit)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8: %q", body)
		}
		var plain reportBody
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&plain); err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", err, body)
		}
		if !reflect.DeepEqual(v, plain) {
			t.Fatalf("decoded differently from encoding/json:\n%+v\n%+v", v, plain)
		}
		// Every string, found anew through the JSON of the value.
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var generic any
		if err := json.Unmarshal(out, &generic); err != nil {
			t.Fatal(err)
		}
		for _, g := range []any{generic, rawOf(v.Geometry)} {
			if s, ok := dirtyString(g); ok {
				t.Fatalf("accepted the text %q in %q", s, body)
			}
		}
	})
}

func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *errs.Error: %v", err)
	}
	if e.Kind != errs.Invalid && e.Kind != errs.TooLarge {
		t.Fatalf("kind %s: %v", e.Kind, err)
	}
	if e.Detail == "" || e.DetailZH == "" || len(e.Fields) == 0 {
		t.Fatalf("no detail in both languages: %+v", e)
	}
	for _, f := range e.Fields {
		if f.Field == "" || f.Rule == "" || f.Detail == "" || f.DetailZH == "" {
			t.Fatalf("field error incomplete: %+v", f)
		}
	}
}

func rawOf(raw json.RawMessage) any {
	var v any
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

// dirtyString finds a key or string in a decoded JSON value that is not
// clean text, by the rule as written in the brief (independently of
// firstBad): C0 and C1 controls and DEL except tab, LF and CR; the bidi
// controls.
func dirtyString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		for _, r := range v {
			if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' ||
				r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				return v, true
			}
		}
	case []any:
		for _, e := range v {
			if s, bad := dirtyString(e); bad {
				return s, true
			}
		}
	case map[string]any:
		for k, e := range v {
			if s, bad := dirtyString(k); bad {
				return s, true
			}
			if s, bad := dirtyString(e); bad {
				return s, true
			}
		}
	}
	return "", false
}
