package server_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/cases"
)

// refusedField checks a 422 problem naming field under rule, with details
// in both languages (Chinese in the Chinese one), and returns that error.
func refusedField(t *testing.T, r response, field, rule string) struct{ Field, Rule, Detail, DetailZH string } {
	t.Helper()
	p := r.problem(t)
	if p.Status != 422 || r.status != 422 || p.Code != "invalid" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("want a 422 problem, got %d: %s", r.status, r.body)
	}
	if !hasHanText(p.DetailZH) {
		t.Fatalf("no Chinese detail: %s", r.body)
	}
	for _, e := range p.Errors {
		if e.Field == field && e.Rule == rule {
			en, zh := field, field
			if field == "body" {
				en, zh = "the body", "请求体"
			}
			if !strings.Contains(e.Detail, en) || !strings.Contains(e.DetailZH, zh) || !hasHanText(e.DetailZH) {
				t.Fatalf("the messages do not name %s in both languages: %+v", field, e)
			}
			return e
		}
	}
	t.Fatalf("no error %s/%s: %s", field, rule, r.body)
	return struct{ Field, Rule, Detail, DetailZH string }{}
}

func hasHanText(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestHygieneRefusesBadTextInAreaNames(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.login("center")
		before := e.count("areas")
		body := func(name string) string {
			return `{"code":"370211001003","name":"` + name + `","parent_code":"370211001"}`
		}
		for _, x := range []struct{ name, body, field, rule, char string }{
			{"invalid UTF-8", body("新\xff社区"), "name", "utf8", ""},
			{"cut UTF-8 sequence", body("新社\xe5\x8c"), "name", "utf8", ""},
			{"lone surrogate escape", body(`新\ud800社区`), "name", "utf8", ""},
			{"UTF-8 outside any text", body("新社区") + "\xff", "body", "utf8", ""},
			{"escaped NUL", body(`新社区\u0000`), "name", "control_char", "U+0000"},
			{"raw NUL", body("新社区\x00"), "name", "control_char", "U+0000"},
			{"C1 control", body(`新\u0085社区`), "name", "control_char", "U+0085"},
			{"right-to-left override", body(`社区\u202eexe.txt`), "name", "bidi_control", "U+202E"},
			{"isolate as UTF-8", body("社区\u2067x"), "name", "bidi_control", "U+2067"},
		} {
			t.Run(x.name, func(t *testing.T) {
				fe := refusedField(t, c.do("POST", "/api/v1/areas", x.body), x.field, x.rule)
				if !strings.Contains(fe.Detail, x.char) || !strings.Contains(fe.DetailZH, x.char) {
					t.Fatalf("the messages do not say %s: %+v", x.char, fe)
				}
				if e.count("areas") != before {
					t.Fatal("a refused area was stored")
				}
			})
		}
		// A rename is refused alike, and the name stays.
		refusedField(t, c.do("PATCH", "/api/v1/areas/370211001001", `{"name":"社区\u202e1"}`), "name", "bidi_control")
		var d area.Detail
		c.mustDo("GET", "/api/v1/areas/370211001001", nil, 200, &d)
		if d.Area.Name != "社区1" {
			t.Fatalf("the refused rename changed the name to %q", d.Area.Name)
		}
		// Chinese, emoji and full-width text is stored as sent.
		name := "新社区😀（东区）ＡＢ"
		var a area.Area
		c.mustDo("POST", "/api/v1/areas", body(name), 201, &a)
		c.mustDo("GET", "/api/v1/areas/370211001003", nil, 200, &d)
		if a.Name != name || d.Area.Name != name || e.count("areas") != before+1 {
			t.Fatalf("stored %q / %q, want %q", a.Name, d.Area.Name, name)
		}
	})
}

func TestHygieneCaseReports(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		f := newCaseFixture(e)
		resident := e.login("resident")
		casesBefore, eventsBefore := e.count("cases"), e.count("case_events")
		report := func(extra string) string {
			return fmt.Sprintf(`{"category_id":%d,"lng":%g,"lat":%g,"channel":"resident",%s}`, f.garbage, f.mg111Lng, f.mg111Lat, extra)
		}
		for _, x := range []struct{ name, body, field, rule string }{
			{"invalid UTF-8 in the title", report("\"title\":\"垃圾\xff\""), "title", "utf8"},
			{"invalid UTF-8 in extra", report("\"title\":\"垃圾\",\"extra\":{\"note\":\"\xc3(\"}"), "extra.note", "utf8"},
			{"NUL in the description", report(`"title":"垃圾","description":"a\u0000b"`), "description", "control_char"},
			{"bidi override in the title", report(`"title":"垃圾\u202e"`), "title", "bidi_control"},
			{"bidi mark in extra", report(`"title":"垃圾","extra":{"items":["x","\u200f"]}`), "extra.items[1]", "bidi_control"},
		} {
			t.Run(x.name, func(t *testing.T) {
				refusedField(t, resident.do("POST", "/api/v1/cases", x.body), x.field, x.rule)
				if e.count("cases") != casesBefore || e.count("case_events") != eventsBefore {
					t.Fatal("a refused report was stored")
				}
			})
		}
		// Type errors say what is expected in words, never as a Go type.
		for _, x := range []struct{ body, field, en, zh string }{
			{report(`"title":"垃圾","category_id":"garbage"`), "category_id", "a whole number", "整数"},
			{report(`"title":"垃圾","lng":"east"`), "lng", "a number", "数字"},
			{report(`"title":["垃圾"]`), "title", "text", "文本"},
		} {
			fe := refusedField(t, resident.do("POST", "/api/v1/cases", x.body), x.field, "type")
			if !strings.Contains(fe.Detail, x.en) || !strings.Contains(fe.DetailZH, x.zh) || goTypeShown(fe.Detail+fe.DetailZH) {
				t.Fatalf("%s: %+v", x.body, fe)
			}
		}
		if e.count("cases") != casesBefore {
			t.Fatal("a refused report was stored")
		}
		// Text with Chinese, emoji, full-width characters, tabs and line
		// breaks is kept exactly.
		title, desc := "楼道😀堆放（全角）杂物", "第一行\n第二行\t缩进\r\n第三行"
		c := f.report(resident, map[string]any{"category_id": f.garbage, "title": title, "description": desc,
			"lng": f.mg111Lng, "lat": f.mg111Lat, "channel": "resident"}, 201)
		var got cases.Case
		resident.mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, 200, &got)
		if got.Title != title || got.Description != desc {
			t.Fatalf("stored %q %q, want %q %q", got.Title, got.Description, title, desc)
		}
		// A rating of the wrong type names its field in words, not cases.Rating.
		fe := refusedField(t, resident.do("POST", fmt.Sprintf("/api/v1/cases/%d/rate", c.ID), `{"rating":5}`), "rating", "type")
		if fe.Detail != "rating must be text" || fe.DetailZH != "rating 应为文本" {
			t.Fatalf("rating: %+v", fe)
		}
	})
}

func goTypeShown(s string) bool {
	for _, w := range []string{"int64", "float64", "string", "cases.", "[]", "map[", "json:"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
