package open311

import (
	"math"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRequestForm feeds arbitrary form bodies through the parser and
// the mapping to extra fields: no panic, every problem in the spec's format
// (403 or 400, with a description), and an accepted form is a usable report.
func FuzzParseRequestForm(f *testing.F) {
	for _, seed := range []string{
		"api_key=txk_abc&service_code=dispute.neighbour&lat=35.91&long=120.11&attribute[parties]=2&attribute[severity]=%E7%B4%A7%E6%80%A5",
		"api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043&address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111&account_id=123456&first_name=john&last_name=smith&phone=111111111&description=A+large+sinkhole+is+destroying+the+street&media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001",
		"api_key=k&service_code=appearance.sign&address_id=ADDR-1&attribute[hazards][]=%E5%9D%A0%E8%90%BD&attribute[hazards][]=%E6%BC%8F%E7%94%B5&attribute[seen_on]=2026-11-29T23:30:00Z",
		"api_key=k&service_code=x&lat=NaN&long=Inf",
		"api_key=k&service_code=x&lat=1e309&long=-0",
		"service_code=x&attribute[a][b]=1&attribute[=2&attribute[]=3&attribute[parties][]=1&attribute[parties]=2",
		"api_key=k&service_code=x&address_string=%ff%fe&first_name=%E7%8E%8B&email=%3Ca%40b%3E",
		"api_key=k&service_code=x&address_string=a&attribute[parties]=0x1p-2&attribute[seen_on]=2026-02-30",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		s, errs := ParseRequestForm(form)
		for _, e := range errs {
			if e.Code != 400 && e.Code != 403 || e.Description == "" || !strings.Contains(e.Description, ": ") {
				t.Fatalf("bad error %+v", e)
			}
		}
		if (s.APIKey == "") != hasCode(errs, 403) {
			t.Fatalf("api_key %q with errors %+v", s.APIKey, errs)
		}
		if (s.Lat == nil) != (s.Long == nil) {
			t.Fatalf("half a location: %v %v", s.Lat, s.Long)
		}
		extra, xerrs := s.Extra(fields)
		for _, e := range xerrs {
			if e.Code != 400 || !strings.HasPrefix(e.Description, "attribute[") {
				t.Fatalf("bad attribute error %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		// An accepted form: what the engine is given is sound.
		if s.ServiceCode == "" || s.Lat == nil && s.AddressString == "" && s.AddressID == "" {
			t.Fatalf("accepted without service or location: %+v", s)
		}
		if s.Lat != nil && (math.IsNaN(*s.Lat) || math.Abs(*s.Lat) > 90 || math.IsNaN(*s.Long) || math.Abs(*s.Long) > 180) {
			t.Fatalf("bad coordinates %v %v", *s.Lat, *s.Long)
		}
		if utf8.RuneCountInString(s.Description) > maxDescription {
			t.Fatal("description too long")
		}
		if title := s.Title("服务"); title == "" || utf8.RuneCountInString(title) > 30 || !utf8.ValidString(title) {
			t.Fatalf("title %q", title)
		}
		if n, ok := extra["parties"].(float64); ok && (math.IsNaN(n) || math.IsInf(n, 0)) {
			t.Fatalf("parties %v", n)
		}
		if list, ok := extra["hazards"]; ok {
			if _, ok := list.([]any); !ok {
				t.Fatalf("hazards %T", list)
			}
		}
	})
}

func hasCode(errs []Error, code int) bool {
	for _, e := range errs {
		if e.Code == code {
			return true
		}
	}
	return false
}
