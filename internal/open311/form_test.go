package open311

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/cases"
)

// fields has one field of every type the engine knows.
var fields = []cases.Field{
	{Key: "shop", Label: "店铺", Type: "text"},
	{Key: "parties", Label: "当事人数", Type: "number", Required: true},
	{Key: "seen_on", Label: "发现日期", Type: "date"},
	{Key: "severity", Label: "紧急程度", Type: "single", Options: []string{"一般", "紧急"}},
	{Key: "hazards", Label: "隐患", Type: "multi", Options: []string{"坠落", "漏电"}},
}

func descriptions(errs []Error) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Description)
	}
	return strings.Join(out, " | ")
}

func TestParseRequestForm(t *testing.T) {
	form, _ := url.ParseQuery("api_key=txk_a&jurisdiction_id=370211&service_code=dispute.neighbour&lat=35.91&long=120.11" +
		"&address_string=%E9%95%BF%E6%B1%9F%E8%B7%AF&attribute[parties]=2&attribute[hazards][]=%E5%9D%A0%E8%90%BD&attribute[hazards][]=&attribute[hazards][]=%E6%BC%8F%E7%94%B5" +
		"&first_name=%E5%B0%8F%E6%98%8E&last_name=%E7%8E%8B&email=a%40b.cn&phone=139&description=+%E8%B7%AF%E7%81%AF%0A%E4%B8%8D%E4%BA%AE+&media_url=https%3A%2F%2Fx.cn%2F1.jpg&extension=ignored")
	s, errs := ParseRequestForm(form)
	if len(errs) != 0 {
		t.Fatalf("errors: %s", descriptions(errs))
	}
	if s.APIKey != "txk_a" || s.Jurisdiction != "370211" || s.ServiceCode != "dispute.neighbour" || *s.Lat != 35.91 || *s.Long != 120.11 ||
		s.AddressString != "长江路" || s.Description != "路灯\n不亮" || s.MediaURL != "https://x.cn/1.jpg" {
		t.Fatalf("parsed: %+v", s)
	}
	if strings.Join(s.Attributes["hazards"], ",") != "坠落,漏电" || !s.Listed["hazards"] || s.Listed["parties"] || s.Attributes["parties"][0] != "2" {
		t.Fatalf("attributes: %v %v", s.Attributes, s.Listed)
	}
	if s.ReporterName() != "王小明 <a@b.cn>" || s.Title("x") != "路灯 不亮" {
		t.Fatalf("name %q title %q", s.ReporterName(), s.Title("x"))
	}
	extra, errs := s.Extra(fields)
	if len(errs) != 0 || extra["parties"] != 2.0 || len(extra["hazards"].([]any)) != 2 {
		t.Fatalf("extra %v %s", extra, descriptions(errs))
	}

	bad := []struct{ form, want string }{
		{"service_code=a&lat=1&long=2", "api_key: required"},
		{"api_key=k&lat=1&long=2", "service_code: required"},
		{"api_key=k&service_code=a", "lat/long: required"},
		{"api_key=k&service_code=a&lat=1", "long: pair"},
		{"api_key=k&service_code=a&lat=NaN&long=1", "lat: number"},
		{"api_key=k&service_code=a&lat=1&long=181", "long: range"},
		{"api_key=k&service_code=a&address_id=1&email=x", "email: format"},
		{"api_key=k&service_code=a&address_id=1&email=A+<a@b.cn>", "email: format"},
		{"api_key=k&service_code=a&address_id=1&media_url=ftp://x/y", "media_url: format"},
		{"api_key=k&service_code=a&address_id=1&attribute[]=x", "attribute[]: format"},
		{"api_key=k&service_code=a&address_id=1&attribute[a=x", "attribute[a: format"},
		{"api_key=k&service_code=a&address_id=1&attributes=x", "attributes: format"},
		{"api_key=k&service_code=a&address_id=1&description=" + strings.Repeat("x", 4001), "description: max_length"},
		{"api_key=k&service_code=a&address_id=1&first_name=%ff", "first_name: encoding"},
	}
	for _, b := range bad {
		form, _ := url.ParseQuery(b.form)
		_, errs := ParseRequestForm(form)
		if !strings.Contains(descriptions(errs), b.want) {
			t.Errorf("%s: %s", b.form, descriptions(errs))
		}
	}
}

func TestExtra(t *testing.T) {
	s := Submission{Attributes: map[string][]string{
		"parties": {"x"}, "shop": {"a", "b"}, "seen_on": {"2026-11-29T20:00:00Z"}, "mood": {"bad"}, "severity": {"紧急"}}}
	extra, errs := s.Extra(fields)
	d := descriptions(errs)
	if !strings.Contains(d, "attribute[parties]: number") || !strings.Contains(d, "attribute[shop]: single") || len(errs) != 2 {
		t.Fatalf("errors: %s", d)
	}
	if extra["seen_on"] != "2026-11-30" || extra["mood"] != "bad" || extra["severity"] != "紧急" {
		t.Fatalf("extra: %v", extra)
	}
	// The engine then names what the category does not have.
	cat := cases.Category{Fields: fields}
	_, err := cat.ValidateExtra(map[string]any{"parties": 1.0, "mood": "bad"})
	list, ok := reportErrors(err, s)
	if !ok || !strings.Contains(descriptions(list), "attribute[mood]: unknown_field") {
		t.Fatalf("unknown attribute: %v", list)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ first, last, email, want string }{
		{"John", "Smith", "", "John Smith"},
		{"小明", "王", "", "王小明"},
		{"", "", "a@b.cn", "<a@b.cn>"},
		{"", "王", "a@b.cn", "王 <a@b.cn>"},
		{"", "", "", ""},
	} {
		if got := (Submission{FirstName: c.first, LastName: c.last, Email: c.email}).ReporterName(); got != c.want {
			t.Errorf("%+v: %q", c, got)
		}
	}
	long := strings.Repeat("很长的描述", 10)
	if got := (Submission{Description: long}).Title("x"); got != string([]rune(long)[:30]) {
		t.Errorf("title %q", got)
	}
	if got := (Submission{}).Title("垃圾乱堆"); got != "垃圾乱堆" {
		t.Errorf("title %q", got)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ file, name, f string }{
		{"services.json", "services", "json"}, {"appearance.garbage.xml", "appearance.garbage", "xml"},
		{"a.b.yaml", "a.b", "json"}, {"plain", "plain", "json"}, {".json", ".json", "json"},
	} {
		name, f, ok := format(c.file)
		if name != c.name || f != c.f || ok != (c.f == "json" && strings.HasSuffix(c.file, ".json") && c.file != ".json" || c.f == "xml") {
			t.Errorf("%s: %q %q %v", c.file, name, f, ok)
		}
	}
}

// The answers look like the specification's examples: nulls in JSON, empty
// elements in XML, times with +08:00.
func TestEncoding(t *testing.T) {
	lat := 35.91
	at := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	r := []Request{{ServiceRequestID: "abc", Status: "open", RequestedDatetime: w3c(at), ExpectedDatetime: optTime(nil), Lat: number(&lat), Long: number(nil)}}
	j, _ := json.Marshal(r)
	for _, want := range []string{`"requested_datetime":"2026-11-30T09:00:00+08:00"`, `"lat":35.91,`, `"long":null`, `"expected_datetime":null`, `"zipcode":null`} {
		if !strings.Contains(string(j), want) {
			t.Errorf("json lacks %s: %s", want, j)
		}
	}
	var back []Request
	if err := json.Unmarshal(j, &back); err != nil || back[0] != r[0] {
		t.Fatalf("json round trip: %v %+v", err, back)
	}
	x, _ := xml.Marshal(xmlRequests[Request]{Requests: r})
	for _, want := range []string{"<service_requests><request><service_request_id>abc</service_request_id>", "<lat>35.91</lat>", "<long></long>", "<zipcode></zipcode>"} {
		if !strings.Contains(string(x), want) {
			t.Errorf("xml lacks %s: %s", want, x)
		}
	}
	x, _ = xml.Marshal(Definition{ServiceCode: "a", Attributes: []Attribute{{Code: "n", Datatype: "number"}, {Code: "s", Values: []Option{{"k", "v"}}}}})
	if !strings.Contains(string(x), "<datatype>number</datatype><required>false</required><datatype_description></datatype_description><order>0</order><description></description></attribute>") ||
		!strings.Contains(string(x), "<values><value><key>k</key><name>v</name></value></values>") {
		t.Errorf("definition xml: %s", x)
	}
	x, _ = xml.Marshal(xmlErrors{Errors: []Error{{403, "api_key: required"}}})
	if string(x) != "<errors><error><code>403</code><description>api_key: required</description></error></errors>" {
		t.Errorf("errors xml: %s", x)
	}
}
