package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// A request body shaped like the ones the domain handlers decode: text at
// the top, in maps, in list elements and inside raw JSON, and fields of
// types that decode themselves.
type reportBody struct {
	Title    string            `json:"title"`
	Count    int64             `json:"count"`
	Level    int8              `json:"level"`
	Score    float64           `json:"score"`
	Urgent   bool              `json:"urgent"`
	Due      *time.Time        `json:"due"`
	Rating   *verdict          `json:"rating"`
	Extra    map[string]string `json:"extra"`
	Members  []teamMember      `json:"members"`
	Geometry json.RawMessage   `json:"geometry"`
	Props    map[string]any    `json:"props"`
	Code     areaCode          `json:"code"`
	Note     nullText          `json:"note"`
	Photo    []byte            `json:"photo"`
}

type teamMember struct {
	Name string  `json:"name"`
	Role *string `json:"role"`
}

// verdict is a named string type, as cases.Rating is.
type verdict string

// areaCode decodes itself from text and refuses with a Go error message
// that must never reach the user.
type areaCode string

const areaCodeError = "areaCode.UnmarshalText: want 6 digits"

func (c *areaCode) UnmarshalText(b []byte) error {
	if len(b) != 6 {
		return errors.New(areaCodeError)
	}
	*c = areaCode(b)
	return nil
}

// nullText decodes itself from JSON, as open311's optText does.
type nullText string

func (s *nullText) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v != nil {
		*s = nullText(*v)
	}
	return nil
}

func decode(body string, v any) error {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return DecodeJSON(httptest.NewRecorder(), r, v, 0)
}

// refusal checks that err is one 422 field error with text in both
// languages, the Chinese one holding Chinese, and returns the field error.
func refusal(t *testing.T, err error) errs.FieldError {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *errs.Error, got %v", err)
	}
	if e.Kind != errs.Invalid || ProblemOf(err).Status != 422 {
		t.Fatalf("kind %s, status %d, want invalid, 422", e.Kind, ProblemOf(err).Status)
	}
	if len(e.Fields) != 1 {
		t.Fatalf("fields: %+v", e.Fields)
	}
	f := e.Fields[0]
	if e.Detail == "" || f.Detail == "" || !hasHan(e.DetailZH) || !hasHan(f.DetailZH) {
		t.Fatalf("detail in both languages: %+v / %q %q", f, e.Detail, e.DetailZH)
	}
	return f
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestDecodeJSONRefusesInvalidUTF8(t *testing.T) {
	for _, c := range []struct{ name, body, field string }{
		{"top level", "{\"title\":\"a\xffb\"}", "title"},
		{"nested object", "{\"extra\":{\"ok\":\"fine\",\"note\":\"cut \xe4\xb8\"}}", "extra.note"},
		{"list element", "{\"members\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"\xfe\"}]}", "members[2].name"},
		{"overlong encoding", "{\"title\":\"\xc0\xaf\"}", "title"},
		{"surrogate in UTF-8", "{\"title\":\"\xed\xa0\x80\"}", "title"},
		{"inside raw JSON", "{\"geometry\":{\"type\":\"Point\",\"name\":\"\xff\"}}", "geometry.name"},
		{"in a map key", "{\"extra\":{\"k\xff\":\"v\"}}", "extra"},
		{"outside any string", "{\"title\":\"x\"}\xff", "body"},
		{"after a number", "{\"count\":1\xff}", "body"},
		{"lone high surrogate escape", `{"title":"ok \ud83d"}`, "title"},
		{"lone low surrogate escape", `{"members":[{"name":"\udc00x"}]}`, "members[0].name"},
		{"reversed surrogate escapes", `{"props":{"k":"\ude00\ud83d"}}`, "props.k"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v reportBody
			f := refusal(t, decode(c.body, &v))
			if f.Field != c.field || f.Rule != RuleUTF8 {
				t.Fatalf("got %s/%s, want %s/utf8: %+v", f.Field, f.Rule, c.field, f)
			}
			if c.field != "body" && (!strings.Contains(f.Detail, c.field) || !strings.Contains(f.DetailZH, c.field)) {
				t.Fatalf("the messages do not name %s: %+v", c.field, f)
			}
		})
	}
	// Nothing is decoded from a body that is not UTF-8.
	var v reportBody
	_ = decode("{\"title\":\"kept?\",\"note\":\"\xff\"}", &v)
	if v.Title != "" {
		t.Fatalf("decoded %q from a refused body", v.Title)
	}
}

func TestDecodeJSONRefusesControlAndBidiCharacters(t *testing.T) {
	for _, c := range []struct{ name, body, field, rule, char string }{
		{"escaped NUL", `{"title":"a\u0000b"}`, "title", RuleControlChar, "U+0000"},
		{"raw NUL", "{\"title\":\"a\x00b\"}", "title", RuleControlChar, "U+0000"},
		{"raw NUL in a list", "{\"members\":[{\"name\":\"x\x00\"}]}", "members[0].name", RuleControlChar, "U+0000"},
		{"bell in a map", `{"extra":{"note":"\u0007"}}`, "extra.note", RuleControlChar, "U+0007"},
		{"escape (ANSI colours)", `{"title":"\u001b[31mred"}`, "title", RuleControlChar, "U+001B"},
		{"DEL", `{"title":"x\u007f"}`, "title", RuleControlChar, "U+007F"},
		{"C1 next line", `{"members":[{"name":"x"},{"name":"\u0085"}]}`, "members[1].name", RuleControlChar, "U+0085"},
		{"C1 as UTF-8", "{\"title\":\"\xc2\x9f\"}", "title", RuleControlChar, "U+009F"},
		{"pointer field", `{"members":[{"name":"x","role":"\u0002"}]}`, "members[0].role", RuleControlChar, "U+0002"},
		{"right-to-left override", `{"title":"invoice\u202Etxt.exe"}`, "title", RuleBidiControl, "U+202E"},
		{"RLO as UTF-8", "{\"title\":\"a\u202eb\"}", "title", RuleBidiControl, "U+202E"},
		{"left-to-right embedding", `{"title":"\u202a"}`, "title", RuleBidiControl, "U+202A"},
		{"isolate in any", `{"props":{"a":["ok","\u2066x"]}}`, "props.a[1]", RuleBidiControl, "U+2066"},
		{"pop isolate", `{"props":{"b":{"c":"\u2069"}}}`, "props.b.c", RuleBidiControl, "U+2069"},
		{"right-to-left mark", `{"extra":{"note":"\u200f"}}`, "extra.note", RuleBidiControl, "U+200F"},
		{"left-to-right mark", `{"title":"\u200e"}`, "title", RuleBidiControl, "U+200E"},
		{"Arabic letter mark", `{"title":"\u061c"}`, "title", RuleBidiControl, "U+061C"},
		{"inside raw JSON", `{"geometry":{"type":"Point","props":[{"name":"\u202e"}]}}`, "geometry.props[0].name", RuleBidiControl, "U+202E"},
		{"self-decoding type", `{"note":"\u0000"}`, "note", RuleControlChar, "U+0000"},
		{"named string type", `{"rating":"\u202e"}`, "rating", RuleBidiControl, "U+202E"},
		{"in a map key", `{"extra":{"\u0001":"v"}}`, "extra", RuleControlChar, "U+0001"},
		{"key that is no name", `{"extra":{"a.b":"\u0000"}}`, `extra["a.b"]`, RuleControlChar, "U+0000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v reportBody
			f := refusal(t, decode(c.body, &v))
			if f.Field != c.field || f.Rule != c.rule {
				t.Fatalf("got %s/%s, want %s/%s: %+v", f.Field, f.Rule, c.field, c.rule, f)
			}
			for _, d := range []string{f.Detail, f.DetailZH} {
				if !strings.Contains(d, c.char) || !strings.Contains(d, c.field) {
					t.Fatalf("%q does not name %s and %s", d, c.char, c.field)
				}
			}
		})
	}
}

// JSON allows tabs and line breaks in text only escaped; one sent as is is
// a syntax error, which is said so, not called a forbidden character.
func TestDecodeJSONRawTabIsAJSONError(t *testing.T) {
	f := refusal(t, decode("{\"title\":\"a\tb\"}", new(reportBody)))
	if f.Field != "title" || f.Rule != "json" || !strings.Contains(f.Detail, `\t`) || !strings.Contains(f.DetailZH, `\t`) {
		t.Fatalf("raw tab: %+v", f)
	}
}

func TestDecodeJSONKeepsText(t *testing.T) {
	texts := []string{
		"社区网格员 张三 反映：楼道堆放杂物",
		"😀👍🏽 👨‍👩‍👧 🇨🇳", // skin tones, zero-width joiners, flags
		"ＡＢＣ１２３，。！（全角）",
		"第一行\n第二行\t制表\r\n",
		"Ελληνικά, العربية, עברית, ﷺ",
		"é (e + combining acute), \uFEFF BOM inside",
		"<img src=x onerror=alert(1)> & \"quotes\" \\ backslash",
		"\U0010FFFD plane 16, \uFFFD replacement sent on purpose",
	}
	for _, s := range texts {
		body, _ := json.Marshal(map[string]any{"title": s, "extra": map[string]string{s: s}, "members": []any{map[string]string{"name": s}},
			"props": map[string]any{"k": []any{s}}, "note": s, "geometry": map[string]any{"name": s}})
		var v reportBody
		if err := decode(string(body), &v); err != nil {
			t.Fatalf("%q refused: %v", s, err)
		}
		if v.Title != s || v.Extra[s] != s || v.Members[0].Name != s || v.Props["k"].([]any)[0] != s || string(v.Note) != s {
			t.Fatalf("%q changed: %+v", s, v)
		}
		var geo struct{ Name string }
		if err := json.Unmarshal(v.Geometry, &geo); err != nil || geo.Name != s {
			t.Fatalf("%q in raw JSON changed: %q %v", s, geo.Name, err)
		}
	}
	// Chinese written raw, and as \u escapes with a surrogate pair, decode alike.
	var raw, escaped reportBody
	if err := decode(`{"title":"中文😀"}`, &raw); err != nil {
		t.Fatal(err)
	}
	if err := decode(`{"title":"\u4e2d\u6587\ud83d\ude00"}`, &escaped); err != nil {
		t.Fatal(err)
	}
	if raw.Title != "中文😀" || escaped.Title != raw.Title {
		t.Fatalf("raw %q, escaped %q", raw.Title, escaped.Title)
	}
}

// goWords are what a Go type looks like in a message; none may show.
var goWords = []string{"int", "float", "bool", "string", "[]", "map[", "*", "struct", "json:", "httpapi", "verdict", "areaCode", "nullText", "time.Time", "Unmarshal", "interface"}

func TestDecodeJSONTypeErrorsInWords(t *testing.T) {
	for _, c := range []struct{ body, field, rule, en, zh string }{
		{`{"count":"12"}`, "count", "type", "count must be a whole number", "count 应为整数"},
		{`{"count":1.5}`, "count", "type", "count must be a whole number", "count 应为整数"},
		{`{"count":1e30}`, "count", "type", "count must be a whole number", "count 应为整数"},
		{`{"level":300}`, "level", "type", "level must be a whole number from -128 to 127", "level 应为 -128 到 127 之间的整数"},
		{`{"score":"high"}`, "score", "type", "score must be a number", "score 应为数字"},
		{`{"urgent":"yes"}`, "urgent", "type", "urgent must be true or false", "urgent 应为 true 或 false"},
		{`{"title":5}`, "title", "type", "title must be text", "title 应为文本"},
		{`{"rating":5}`, "rating", "type", "rating must be text", "rating 应为文本"},
		{`{"members":{"name":"x"}}`, "members", "type", "members must be a list", "members 应为数组（列表）"},
		{`{"extra":[]}`, "extra", "type", "extra must be an object", "extra 应为对象"},
		{`{"members":[{"name":"a"},{"name":7}]}`, "members[1].name", "type", "members[1].name must be text", "members[1].name 应为文本"},
		{`{"members":[{"name":"a"},"b"]}`, "members[1]", "type", "members[1] must be an object", "members[1] 应为对象"},
		{`{"extra":{"note":1}}`, "extra.note", "type", "extra.note must be text", "extra.note 应为文本"},
		{`{"due":"tomorrow"}`, "due", "format", "due must be a date and time such as 2026-05-01T08:00:00+08:00", "due 应为日期时间，如 2026-05-01T08:00:00+08:00"},
		{`{"code":"bad!"}`, "code", "format", "code has a value that is not allowed here", "code 的值无效"},
		{`{"code":370211}`, "code", "type", "code must be text", "code 应为文本"},
		{`{"note":5}`, "note", "type", "note must be text", "note 应为文本"},
		{`{"photo":"!!"}`, "photo", "format", "photo must be base64 text", "photo 应为 Base64 文本"},
		{`[1,2]`, "body", "type", "the body must be an object", "请求体应为对象"},
	} {
		t.Run(c.body, func(t *testing.T) {
			f := refusal(t, decode(c.body, new(reportBody)))
			if f.Field != c.field || f.Rule != c.rule || f.Detail != c.en || f.DetailZH != c.zh {
				t.Fatalf("got %+v\nwant %s/%s %q %q", f, c.field, c.rule, c.en, c.zh)
			}
			for _, w := range goWords {
				if strings.Contains(f.Detail, w) || strings.Contains(f.DetailZH, w) {
					t.Fatalf("%q shows the Go word %q", f.Detail+" / "+f.DetailZH, w)
				}
			}
			if strings.Contains(f.Detail, areaCodeError) {
				t.Fatal("the type's own error text is shown")
			}
		})
	}
}

func TestDecodeJSONUnknownFieldHasItsPath(t *testing.T) {
	for body, field := range map[string]string{
		`{"nope":1}`: "nope",
		`{"members":[{"name":"a"},{"name":"b","age":3}]}`: "members[1].age",
	} {
		f := refusal(t, decode(body, new(reportBody)))
		if f.Field != field || f.Rule != "unknown_field" || !strings.Contains(f.DetailZH, field) {
			t.Fatalf("%s: %+v", body, f)
		}
	}
}

// The checks added for text keep the refusals that were there before.
func TestDecodeJSONKeepsEarlierRefusals(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"title":"`+strings.Repeat("长", 100)+`"}`))
	err := DecodeJSON(httptest.NewRecorder(), r, new(reportBody), 64)
	if errs.KindOf(err) != errs.TooLarge || ProblemOf(err).Status != 413 {
		t.Fatalf("too large: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "text/plain")
	if f := refusal(t, DecodeJSON(httptest.NewRecorder(), r, new(reportBody), 0)); f.Field != "Content-Type" {
		t.Fatalf("content type: %+v", f)
	}
	for body, rule := range map[string]string{``: "required", `{"title":`: "required", `{}{}`: "json", `{"title" "x"}`: "json"} {
		if f := refusal(t, decode(body, new(reportBody))); f.Field != "body" || f.Rule != rule {
			t.Fatalf("%q: %+v", body, f)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, s := range []string{"", "plain", "中文，全角！", "tab\tnew\nline\r", "😀\u200d👍"} {
		if fe := CheckText("name", s); fe != nil {
			t.Fatalf("%q refused: %+v", s, fe)
		}
	}
	fe := CheckText("name", "张三\u202e李四")
	if fe == nil || fe.Field != "name" || fe.Rule != RuleBidiControl ||
		!strings.Contains(fe.Detail, "U+202E at character 3") || !strings.Contains(fe.DetailZH, "第 3 个字符") {
		t.Fatalf("bidi: %+v", fe)
	}
	if fe := CheckText("", "\xff"); fe == nil || fe.Field != "body" || fe.Rule != RuleUTF8 || !hasHan(fe.DetailZH) {
		t.Fatalf("bad UTF-8: %+v", fe)
	}
	if fe := CheckText("q", "a\x00"); fe == nil || fe.Rule != RuleControlChar || !strings.Contains(fe.Detail, "U+0000") {
		t.Fatalf("NUL: %+v", fe)
	}
}

// Clean text costs no allocation: every request body goes through this.
func TestTextCheckDoesNotAllocateForCleanText(t *testing.T) {
	s := strings.Repeat("社区 grid 😀\t", 50)
	if n := testing.AllocsPerRun(100, func() { _ = CheckText("title", s) }); n != 0 {
		t.Fatalf("CheckText allocates %v times", n)
	}
	role := "网格员"
	v := &reportBody{Title: s, Members: []teamMember{{Name: s, Role: &role}, {Name: "b"}}, Geometry: json.RawMessage(`{"type":"Point","coordinates":[120.1,35.9]}`)}
	if n := testing.AllocsPerRun(100, func() { _ = checkValue(reflect.ValueOf(v)) }); n != 0 {
		t.Fatalf("checkValue allocates %v times", n)
	}
	// A map costs two values for its whole walk, however many entries.
	allocs := func(entries int) float64 {
		v := &reportBody{Extra: map[string]string{}, Props: map[string]any{}}
		for i := range entries {
			k := fmt.Sprint("键", i)
			v.Extra[k], v.Props[k] = s, []any{s, []any{s}}
		}
		return testing.AllocsPerRun(20, func() { _ = checkValue(reflect.ValueOf(v)) })
	}
	if one, many := allocs(1), allocs(200); one != many {
		t.Fatalf("allocations grow with the entries: %v for 1, %v for 200", one, many)
	}
}

func ExampleCheckText() {
	fe := CheckText("name", "a\u202eb")
	fmt.Println(fe.Rule, "|", fe.Detail, "|", fe.DetailZH)
	// Output: bidi_control | name holds the invisible text-direction control U+202E at character 2; remove it | name 第 2 个字符是不可见的文字方向控制符 U+202E，请删除
}
