package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/open311"
)

// o311 is the case fixture with what Open311 clients need: an API key of a
// resident-role account, a category asking every kind of extra field, and
// one that is switched off.
type o311 struct {
	*caseFixture
	key       string
	sign      int64 // appearance.sign: text, date and multi fields
	published []string
}

func newO311(e *env) *o311 {
	t := e.t
	t.Helper()
	f := newCaseFixture(e)
	ctx := access.System(context.Background())
	_, key, err := e.srv.Auth.CreateAPIKey(ctx, e.users["resident"], "open311")
	if err != nil {
		t.Fatal(err)
	}
	o := &o311{caseFixture: f, key: key}
	var top int64
	cats, _ := e.srv.Cases.Categories(ctx)
	for _, c := range cats {
		if c.Code == "appearance" {
			top = c.ID
		}
	}
	sign, err := e.srv.Cases.SaveCategory(ctx, cases.Category{Code: "appearance.sign", Name: "广告牌破损", NameEN: "Damaged sign", ParentID: &top,
		DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 480, SLAClock: "calendar", Active: true,
		Fields: []cases.Field{{Key: "shop", Label: "店铺名称", Type: "text"},
			{Key: "seen_on", Label: "发现日期", Type: "date", Required: true},
			{Key: "hazards", Label: "隐患", Type: "multi", Options: []string{"坠落", "漏电", "遮挡"}}}})
	if err != nil {
		t.Fatal(err)
	}
	o.sign = sign.ID
	if _, err := e.srv.Cases.SaveCategory(ctx, cases.Category{Code: "appearance.old", Name: "停用类别", ParentID: &top,
		DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 480, SLAClock: "calendar", Active: false}); err != nil {
		t.Fatal(err)
	}
	return o
}

// raw sends a request without cookies and returns the answer.
func (o *o311) raw(method, path, contentType string, body io.Reader, headers map[string]string) response {
	o.t.Helper()
	req, err := http.NewRequest(method, o.http.URL+path, body)
	if err != nil {
		o.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: b, header: res.Header}
}

func (o *o311) get(path string) response { return o.raw("GET", path, "", nil, nil) }

func (o *o311) post(path string, form url.Values, headers map[string]string) response {
	return o.raw("POST", path, "application/x-www-form-urlencoded; charset=utf-8", strings.NewReader(form.Encode()), headers)
}

// getJSON reads a 200 JSON answer into out.
func (o *o311) getJSON(path string, out any) response {
	o.t.Helper()
	r := o.get(path)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		o.t.Fatalf("GET %s: %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		o.t.Fatalf("GET %s: %v in %s", path, err, r.body)
	}
	return r
}

// getXML reads a 200 XML answer into out.
func (o *o311) getXML(path string, out any) response {
	o.t.Helper()
	r := o.get(path)
	if r.status != 200 || r.header.Get("Content-Type") != "text/xml; charset=utf-8" || !bytes.HasPrefix(r.body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		o.t.Fatalf("GET %s: %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	if err := xml.Unmarshal(r.body, out); err != nil {
		o.t.Fatalf("GET %s: %v in %s", path, err, r.body)
	}
	return r
}

// specErrors checks an error answer: the status, the spec's format (JSON
// array, or <errors> in XML) and, for each want, an error description
// containing it. Never a problem document.
func specErrors(t *testing.T, r response, status int, xmlFormat bool, want ...string) []open311.Error {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var list []open311.Error
	if xmlFormat {
		var doc struct {
			XMLName xml.Name        `xml:"errors"`
			Errors  []open311.Error `xml:"error"`
		}
		if ct := r.header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
		if err := xml.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("not <errors>: %v %s", err, r.body)
		}
		list = doc.Errors
	} else {
		if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("content type %q: %s", ct, r.body)
		}
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatalf("not an error list: %v %s", err, r.body)
		}
	}
	if len(list) == 0 {
		t.Fatalf("no errors in %s", r.body)
	}
	for _, e := range list {
		if e.Code == 0 || e.Description == "" {
			t.Fatalf("incomplete error %+v", e)
		}
	}
	for _, w := range want {
		found := false
		for _, e := range list {
			found = found || strings.Contains(e.Description, w)
		}
		if !found {
			t.Fatalf("no error mentions %q: %+v", w, list)
		}
	}
	return list
}

func (o *o311) caseByToken(token string) cases.Case {
	o.t.Helper()
	var id int64
	if err := o.db.QueryRowContext(context.Background(), `SELECT id FROM cases WHERE token = ?`, token).Scan(&id); err != nil {
		o.t.Fatalf("no case %s: %v", token, err)
	}
	var c cases.Case
	o.login("admin").mustDo("GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, 200, &c)
	return c
}

// file posts a request and returns its id.
func (o *o311) file(form url.Values) string {
	o.t.Helper()
	form.Set("api_key", o.key)
	r := o.post("/open311/v2/requests.json", form, nil)
	var out []open311.Created
	if r.status != 201 || json.Unmarshal(r.body, &out) != nil || len(out) != 1 || out[0].ServiceRequestID == "" {
		o.t.Fatalf("POST requests: %d %s", r.status, r.body)
	}
	return out[0].ServiceRequestID
}

func (o *o311) at(lng, lat float64) url.Values {
	return url.Values{"lat": {fmt.Sprint(lat)}, "long": {fmt.Sprint(lng)}}
}

func TestOpen311Discovery(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		var d open311.Discovery
		o.getJSON("/open311/v2/discovery.json", &d)
		if d.Changeset == "" || d.Contact == "" || d.KeyService == "" || len(d.Endpoints) != 1 {
			t.Fatalf("discovery: %+v", d)
		}
		ep := d.Endpoints[0]
		if ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.URL != o.http.URL+"/open311/v2" || ep.Type != "production" ||
			strings.Join(ep.Formats, ",") != "text/xml,application/json" || ep.Changeset != d.Changeset {
			t.Fatalf("endpoint: %+v", ep)
		}
		// The changeset is a W3C time in +08:00 and moves when the taxonomy changes.
		if _, err := time.Parse(time.RFC3339, d.Changeset); err != nil || !strings.HasSuffix(d.Changeset, "+08:00") {
			t.Fatalf("changeset %q", d.Changeset)
		}
		o.clock.Advance(time.Hour)
		if _, err := o.srv.Cases.SaveCategory(access.System(context.Background()), cases.Category{Code: "appearance.new", Name: "新类别", ParentID: o.categoryID("appearance"),
			DefaultLevel: cases.LevelGrid, AcceptMinutes: 60, ResolveMinutes: 60, SLAClock: "calendar", Active: true}); err != nil {
			t.Fatal(err)
		}
		var d2 open311.Discovery
		o.getJSON("/open311/v2/discovery.json", &d2)
		if d2.Changeset <= d.Changeset {
			t.Fatalf("changeset did not move: %s → %s", d.Changeset, d2.Changeset)
		}
		// XML: <discovery> with the endpoints and formats as elements.
		var x struct {
			XMLName   xml.Name `xml:"discovery"`
			Changeset string   `xml:"changeset"`
			Endpoints []struct {
				Specification string   `xml:"specification"`
				URL           string   `xml:"url"`
				Type          string   `xml:"type"`
				Formats       []string `xml:"formats>format"`
			} `xml:"endpoints>endpoint"`
		}
		o.getXML("/open311/v2/discovery.xml", &x)
		if x.Changeset != d2.Changeset || len(x.Endpoints) != 1 || x.Endpoints[0].URL != o.http.URL+"/open311/v2" || len(x.Endpoints[0].Formats) != 2 {
			t.Fatalf("discovery.xml: %+v", x)
		}
	})
}

func (o *o311) categoryID(code string) *int64 {
	cats, _ := o.srv.Cases.Categories(access.System(context.Background()))
	for _, c := range cats {
		if c.Code == code {
			return &c.ID
		}
	}
	o.t.Fatalf("no category %s", code)
	return nil
}

func TestOpen311Services(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		var list []open311.Service
		o.getJSON("/open311/v2/services.json", &list)
		byCode := map[string]open311.Service{}
		for _, s := range list {
			byCode[s.ServiceCode] = s
		}
		// One service per active 小类; no 大类, nothing switched off.
		if len(list) != 4 || len(byCode) != 4 {
			t.Fatalf("services: %+v", list)
		}
		for _, code := range []string{"dispute", "appearance", "traffic", "appearance.old"} {
			if _, ok := byCode[code]; ok {
				t.Errorf("%s offered", code)
			}
		}
		g := byCode["appearance.garbage"]
		if g.ServiceName != "垃圾乱堆" || g.Group != "市容环境" || g.Metadata || g.Type != "realtime" || g.Description == "" || !strings.Contains(g.Keywords, "市容环境") {
			t.Fatalf("garbage: %+v", g)
		}
		d := byCode["dispute.neighbour"]
		if !d.Metadata || d.Group != "矛盾纠纷" || d.ServiceName != "邻里纠纷" {
			t.Fatalf("dispute: %+v", d)
		}
		if s := byCode["appearance.sign"]; !s.Metadata || !strings.Contains(s.Keywords, "Damaged sign") {
			t.Fatalf("sign: %+v", s)
		}
		// The jurisdiction: ours or none; any other is 404 in the spec's format.
		o.getJSON("/open311/v2/services.json?jurisdiction_id=370211", &list)
		o.getJSON("/open311/v2/services.json?jurisdiction_id=", &list)
		specErrors(t, o.get("/open311/v2/services.json?jurisdiction_id=sfgov.org"), 404, false, "jurisdiction_id")
		specErrors(t, o.get("/open311/v2/services.xml?jurisdiction_id=sfgov.org"), 404, true, "jurisdiction_id")
		// XML: <services><service>…
		var x struct {
			XMLName  xml.Name          `xml:"services"`
			Services []open311.Service `xml:"service"`
		}
		o.getXML("/open311/v2/services.xml", &x)
		if len(x.Services) != 4 {
			t.Fatalf("services.xml: %+v", x)
		}
		for _, s := range x.Services {
			if s != byCode[s.ServiceCode] {
				t.Errorf("xml %+v ≠ json %+v", s, byCode[s.ServiceCode])
			}
		}
		// An unknown format is 404, in JSON.
		specErrors(t, o.get("/open311/v2/services.yaml"), 404, false, "json")
		specErrors(t, o.get("/open311/v2/unknown.json"), 404, false, "/open311/v2/unknown.json")
	})
}

func TestOpen311ServiceDefinition(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		var d open311.Definition
		o.getJSON("/open311/v2/services/dispute.neighbour.json", &d)
		if d.ServiceCode != "dispute.neighbour" || len(d.Attributes) != 2 {
			t.Fatalf("definition: %+v", d)
		}
		p, s := d.Attributes[0], d.Attributes[1]
		if !p.Variable || p.Code != "parties" || p.Datatype != "number" || !p.Required || p.Order != 1 || p.Description != "当事人数" || p.Values != nil || p.DatatypeDescription == "" {
			t.Fatalf("parties: %+v", p)
		}
		if s.Code != "severity" || s.Datatype != "singlevaluelist" || s.Required || s.Order != 2 || len(s.Values) != 2 || s.Values[1] != (open311.Option{Key: "紧急", Name: "紧急"}) {
			t.Fatalf("severity: %+v", s)
		}
		o.getJSON("/open311/v2/services/appearance.sign.json", &d)
		var types []string
		for _, a := range d.Attributes {
			types = append(types, a.Code+":"+a.Datatype+fmt.Sprint(a.Required))
		}
		if strings.Join(types, ",") != "shop:stringfalse,seen_on:datetimetrue,hazards:multivaluelistfalse" || len(d.Attributes[2].Values) != 3 {
			t.Fatalf("sign attributes: %v %+v", types, d.Attributes)
		}
		// A service without metadata has an empty definition.
		o.getJSON("/open311/v2/services/appearance.garbage.json", &d)
		if d.ServiceCode != "appearance.garbage" || len(d.Attributes) != 0 {
			t.Fatalf("garbage definition: %+v", d)
		}
		// XML: <service_definition><attributes><attribute>… <values><value>…
		var x struct {
			XMLName     xml.Name `xml:"service_definition"`
			ServiceCode string   `xml:"service_code"`
			Attributes  []struct {
				Variable bool   `xml:"variable"`
				Code     string `xml:"code"`
				Datatype string `xml:"datatype"`
				Required bool   `xml:"required"`
				Order    int    `xml:"order"`
				Values   []struct {
					Key  string `xml:"key"`
					Name string `xml:"name"`
				} `xml:"values>value"`
			} `xml:"attributes>attribute"`
		}
		o.getXML("/open311/v2/services/dispute.neighbour.xml", &x)
		if x.ServiceCode != "dispute.neighbour" || len(x.Attributes) != 2 || x.Attributes[1].Values[0].Key != "一般" || !x.Attributes[0].Required || x.Attributes[0].Datatype != "number" {
			t.Fatalf("definition xml: %+v", x)
		}
		// Unknown or switched-off codes, a 大类, a wrong jurisdiction, a wrong format.
		specErrors(t, o.get("/open311/v2/services/nothing.json"), 404, false, "service_code")
		specErrors(t, o.get("/open311/v2/services/appearance.old.xml"), 404, true, "service_code")
		specErrors(t, o.get("/open311/v2/services/dispute.json"), 404, false, "service_code")
		specErrors(t, o.get("/open311/v2/services/dispute.neighbour.json?jurisdiction_id=1"), 404, false, "jurisdiction_id")
		specErrors(t, o.get("/open311/v2/services/dispute.neighbour.csv"), 404, false)
	})
}

func TestOpen311PostRequest(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		// Located by lat/long: placed in its microgrid; the attributes are the extra fields.
		desc := "楼上邻居每晚十一点后装修，电钻噪音很大，多次上门沟通无果，物业也不管，希望社区出面调解"
		form := o.at(o.mg111Lng, o.mg111Lat)
		form.Set("api_key", o.key)
		form.Set("jurisdiction_id", "370211")
		form.Set("service_code", "dispute.neighbour")
		form.Set("description", desc)
		form.Set("attribute[parties]", "2")
		form.Set("attribute[severity]", "紧急")
		form.Set("first_name", "小明")
		form.Set("last_name", "王")
		form.Set("phone", "13912345678")
		form.Set("email", "wang@example.com")
		form.Set("account_id", "acct-77")
		form.Set("device_id", "dev-1")
		form.Set("media_url", "https://img.example.com/a.jpg")
		r := o.post("/open311/v2/requests.json", form, map[string]string{"Idempotency-Key": "o311-1"})
		var out []open311.Created
		if r.status != 201 || r.header.Get("Content-Type") != "application/json; charset=utf-8" || json.Unmarshal(r.body, &out) != nil || len(out) != 1 {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
		if out[0].AccountID != "acct-77" || out[0].ServiceNotice == "" || strings.Contains(string(r.body), `"token"`) {
			t.Fatalf("created: %s", r.body)
		}
		c := o.caseByToken(out[0].ServiceRequestID)
		var extra map[string]any
		_ = json.Unmarshal(c.Extra, &extra)
		if c.AreaCode != "370211001001001001" || c.Channel != "open311" || c.Level != cases.LevelCommunity || c.CategoryID != o.dispute ||
			extra["parties"] != 2.0 || extra["severity"] != "紧急" || c.Description != desc || c.Title != string([]rune(desc)[:30]) ||
			c.MediaURL != "https://img.example.com/a.jpg" || c.Lng == nil || *c.Lng != o.mg111Lng {
			t.Fatalf("stored: %+v extra %v", c.Summary, extra)
		}
		// The reporter is kept for staff: name (family name first), email, masked phone.
		if c.ReporterName != "王小明 <wang@example.com>" || c.ReporterPhoneMasked != "139****5678" {
			t.Fatalf("reporter: %q %q", c.ReporterName, c.ReporterPhoneMasked)
		}
		if !strings.Contains(string(out[0].ServiceNotice), "社区1") {
			t.Fatalf("notice: %q", out[0].ServiceNotice)
		}
		// A retry with the same Idempotency-Key answers the same request, 200.
		n := o.count("cases")
		r = o.post("/open311/v2/requests.json", form, map[string]string{"Idempotency-Key": "o311-1"})
		var again []open311.Created
		if r.status != 200 || json.Unmarshal(r.body, &again) != nil || again[0].ServiceRequestID != out[0].ServiceRequestID || o.count("cases") != n {
			t.Fatalf("retry: %d %s", r.status, r.body)
		}

		// Located by address only: filed in the default area (the subdistrict), XML answer.
		form = url.Values{"api_key": {o.key}, "service_code": {"appearance.garbage"}, "address_string": {"长江路 88 号东门"}}
		r = o.post("/open311/v2/requests.xml", form, nil)
		var x struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []struct {
				ID        string  `xml:"service_request_id"`
				Notice    *string `xml:"service_notice"`
				AccountID *string `xml:"account_id"`
			} `xml:"request"`
		}
		if r.status != 201 || r.header.Get("Content-Type") != "text/xml; charset=utf-8" || xml.Unmarshal(r.body, &x) != nil || len(x.Requests) != 1 || x.Requests[0].AccountID == nil {
			t.Fatalf("POST xml: %d %s", r.status, r.body)
		}
		c = o.caseByToken(x.Requests[0].ID)
		if c.AreaCode != "370211001" || c.Address != "长江路 88 号东门" || c.Title != "垃圾乱堆" || c.ReporterName != "居民甲" {
			t.Fatalf("address-only: %+v %q", c.Summary, c.ReporterName)
		}
		// Multipart is read too; list attributes (attribute[code][]) and a W3C date-time for a date.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range [][2]string{{"api_key", o.key}, {"service_code", "appearance.sign"}, {"address_id", "ADDR-0042"},
			{"attribute[seen_on]", "2026-11-29T23:30:00Z"}, {"attribute[hazards][]", "坠落"}, {"attribute[hazards][]", "漏电"}, {"attribute[shop]", "老王烧烤"}} {
			_ = mw.WriteField(kv[0], kv[1])
		}
		_ = mw.Close()
		r = o.raw("POST", "/open311/v2/requests.json", mw.FormDataContentType(), &buf, nil)
		if r.status != 201 || json.Unmarshal(r.body, &out) != nil {
			t.Fatalf("multipart: %d %s", r.status, r.body)
		}
		c = o.caseByToken(out[0].ServiceRequestID)
		extra = nil
		_ = json.Unmarshal(c.Extra, &extra)
		if fmt.Sprint(extra["hazards"]) != "[坠落 漏电]" || extra["seen_on"] != "2026-11-30" || extra["shop"] != "老王烧烤" || c.Address != "ADDR-0042" {
			t.Fatalf("multipart case: %v %q", extra, c.Address)
		}
	})
}

func TestOpen311PostRefusals(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		ctx := access.System(context.Background())
		revoked, revokedKey, _ := o.srv.Auth.CreateAPIKey(ctx, o.users["resident2"], "old app")
		if err := o.srv.Auth.RevokeAPIKey(ctx, revoked.ID); err != nil {
			t.Fatal(err)
		}
		_, leaderKey, _ := o.srv.Auth.CreateAPIKey(ctx, o.users["leader"], "dashboard")
		good := func(kv ...string) url.Values {
			v := o.at(o.mg111Lng, o.mg111Lat)
			v.Set("api_key", o.key)
			v.Set("service_code", "dispute.neighbour")
			v.Set("attribute[parties]", "3")
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		before, events := o.count("cases"), o.count("case_events")
		tests := []struct {
			name   string
			form   url.Values
			status int
			want   []string
		}{
			{"no api_key", good("api_key", ""), 403, []string{"api_key"}},
			{"no api_key, nothing else either", url.Values{}, 403, []string{"api_key"}},
			{"bad api_key", good("api_key", "txk_not-a-key"), 403, []string{"api_key: invalid"}},
			{"not even a key", good("api_key", "hello"), 403, []string{"api_key: invalid"}},
			{"revoked api_key", good("api_key", revokedKey), 403, []string{"api_key: invalid"}},
			{"a key that may not report", good("api_key", leaderKey), 403, []string{"api_key: forbidden"}},
			{"unknown service_code", good("service_code", "appearance.ufo"), 404, []string{"service_code: not_found"}},
			{"switched-off service", good("service_code", "appearance.old"), 404, []string{"service_code: not_found"}},
			{"a 大类", good("service_code", "dispute"), 404, []string{"service_code: not_found"}},
			{"no service_code", good("service_code", ""), 400, []string{"service_code: required"}},
			{"other jurisdiction", good("jurisdiction_id", "sfgov.org"), 404, []string{"jurisdiction_id: not_found"}},
			{"missing required attribute", good("attribute[parties]", ""), 400, []string{"attribute[parties]: required"}},
			{"attribute not a number", good("attribute[parties]", "很多"), 400, []string{"attribute[parties]: number"}},
			{"NaN is not a number", good("attribute[parties]", "NaN"), 400, []string{"attribute[parties]: number"}},
			{"bad option", good("attribute[severity]", "极其"), 400, []string{"attribute[severity]: option"}},
			{"two values for one", good("attribute[parties][]", "4"), 400, []string{"attribute[parties]: single"}},
			{"unknown attribute", good("attribute[mood]", "bad"), 400, []string{"attribute[mood]: unknown_field"}},
			{"malformed attribute", good("attribute[a][b]", "x"), 400, []string{"attribute[a][b]: format"}},
			{"outside every grid", good("lat", "36.5", "long", "121.9"), 400, []string{"lat/long: outside", "(36.5, 121.9)"}},
			{"no location", good("lat", "", "long", ""), 400, []string{"lat/long: required"}},
			{"lat without long", good("long", ""), 400, []string{"long: pair"}},
			{"lat out of range", good("lat", "95"), 400, []string{"lat: range"}},
			{"long not a number", good("long", "east"), 400, []string{"long: number"}},
			{"bad phone", good("phone", "call me"), 400, []string{"phone: format"}},
			{"bad email", good("email", "not-mail"), 400, []string{"email: format"}},
			{"bad media_url", good("media_url", "javascript:alert(1)"), 400, []string{"media_url: format"}},
			{"description over 4000", good("description", strings.Repeat("长", 4001)), 400, []string{"description: max_length"}},
			{"several problems at once", good("attribute[parties]", "", "email", "x"), 400, []string{"attribute[parties]: required", "email: format"}},
		}
		for _, c := range tests {
			t.Run(c.name, func(t *testing.T) {
				specErrors(t, o.post("/open311/v2/requests.json", c.form, nil), c.status, false, c.want...)
			})
		}
		// The same in XML, and a body that is not a form.
		specErrors(t, o.post("/open311/v2/requests.xml", good("api_key", ""), nil), 403, true, "api_key")
		specErrors(t, o.post("/open311/v2/requests.xml", good("attribute[parties]", ""), nil), 400, true, "attribute[parties]: required")
		specErrors(t, o.raw("POST", "/open311/v2/requests.json", "application/json", strings.NewReader(`{"api_key":"x"}`), nil), 400, false, "Content-Type")
		specErrors(t, o.raw("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", strings.NewReader("api_key="+strings.Repeat("x", 2<<20)), nil), 400, false, "body")
		if o.count("cases") != before || o.count("case_events") != events {
			t.Fatalf("a refused request stored something: %d → %d cases", before, o.count("cases"))
		}
	})
}

func TestOpen311GetRequests(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		start := o.clock.Now()
		// Four requests an hour apart: garbage (will close), dispute (will be rejected),
		// garbage by address, and a pothole filed by staff through the console API.
		form := o.at(o.mg111Lng, o.mg111Lat)
		form.Set("service_code", "appearance.garbage")
		form.Set("description", "小区东门垃圾堆积")
		form.Set("media_url", "https://img.example.com/g.jpg")
		garbage := o.file(form)
		o.clock.Advance(time.Hour)
		form = o.at(o.mg211Lng, o.mg211Lat)
		form.Set("service_code", "dispute.neighbour")
		form.Set("attribute[parties]", "2")
		dispute := o.file(form)
		o.clock.Advance(time.Hour)
		byAddress := o.file(url.Values{"service_code": {"appearance.garbage"}, "address_string": {"长江路 1 号"}})
		o.clock.Advance(time.Hour)
		pc := o.report(o.login("disp"), map[string]any{"category_id": o.pothole, "title": "路面塌陷", "description": "长江路与井冈山路口",
			"lng": o.mg211Lng, "lat": o.mg211Lat, "channel": "hotline", "reporter_name": "热线来电人", "reporter_phone": "13600001111"}, 201)
		pothole := pc.Token
		// The garbage case is handled and closed; the dispute rejected with a reason.
		gid := o.caseByToken(garbage).ID
		gw := o.login("gw11")
		o.act(gw, gid, "accept", nil)
		o.act(gw, gid, "start", nil)
		o.clock.Advance(30 * time.Minute)
		o.act(gw, gid, "resolve", map[string]any{"note": "已清运"})
		closedAt := o.clock.Now()
		o.act(o.login("sec1"), gid, "verify", map[string]any{"passed": true, "note": "现场核查已清理"})
		o.act(o.login("disp"), o.caseByToken(dispute).ID, "reject", map[string]any{"reason": "非本辖区事项"})

		ids := func(list []open311.Request) string {
			var s []string
			for _, r := range list {
				s = append(s, r.ServiceRequestID)
			}
			return strings.Join(s, ",")
		}
		var list []open311.Request
		// No arguments: the last 90 days, newest first.
		o.getJSON("/open311/v2/requests.json", &list)
		// Disputes concern identifiable people and are never published.
		if ids(list) != strings.Join([]string{pothole, byAddress, garbage}, ",") {
			t.Fatalf("all: %s", ids(list))
		}
		specErrors(t, o.get("/open311/v2/requests/"+dispute+".json"), 404, false, "service_request_id")
		g := list[2]
		if g.Status != "closed" || g.StatusNotes != "现场核查已清理" || g.ServiceCode != "appearance.garbage" || g.ServiceName != "垃圾乱堆" ||
			g.Description != "小区东门垃圾堆积" || g.RequestedDatetime != start.In(time.FixedZone("", 8*3600)).Format(time.RFC3339) ||
			g.UpdatedDatetime != closedAt.In(time.FixedZone("", 8*3600)).Format(time.RFC3339) || g.ExpectedDatetime == "" ||
			g.Lat == "" || g.Long == "" || g.MediaURL != "https://img.example.com/g.jpg" || g.AgencyResponsible != "社区1网格员" || g.ServiceNotice != "" {
			t.Fatalf("closed garbage: %+v", g)
		}
		if a := list[1]; a.Status != "open" || a.Address != "长江路 1 号" || a.Lat != "" || a.StatusNotes != "" || a.ServiceNotice == "" || a.AgencyResponsible != "街道社会治理中心" {
			t.Fatalf("by address: %+v", a)
		}
		// What the hotline wrote down is not published: only Open311's own requests show their text.
		if p := list[0]; p.AgencyResponsible != "城管执法局" || p.ServiceCode != "traffic.pothole" || !strings.HasSuffix(p.RequestedDatetime, "+08:00") || p.Description != "" {
			t.Fatalf("pothole: %+v", p)
		}
		raw := string(o.get("/open311/v2/requests.json").body)
		if !strings.Contains(raw, `"zipcode":null`) || !strings.Contains(raw, `"lat":`+strconv.FormatFloat(o.mg111Lat, 'f', -1, 64)+`,`) {
			t.Fatalf("nulls and numbers: %s", raw)
		}
		// service_request_id overrides the rest; unknown ids are left out.
		o.getJSON("/open311/v2/requests.json?service_request_id="+garbage+","+pothole+",nosuchid&status=open&service_code=dispute.neighbour", &list)
		if ids(list) != garbage+","+pothole {
			t.Fatalf("by ids: %s", ids(list))
		}
		// service_code, one or several (a 大类 stands for its 小类).
		o.getJSON("/open311/v2/requests.json?service_code=appearance.garbage", &list)
		if ids(list) != byAddress+","+garbage {
			t.Fatalf("by code: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?service_code=appearance.garbage,traffic.pothole", &list)
		if ids(list) != pothole+","+byAddress+","+garbage {
			t.Fatalf("by codes: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?service_code=appearance,appearance.garbage", &list)
		if ids(list) != byAddress+","+garbage {
			t.Fatalf("大类 and 小类: %s", ids(list))
		}
		specErrors(t, o.get("/open311/v2/requests.json?service_code=nothing"), 404, false, "service_code")
		// status.
		o.getJSON("/open311/v2/requests.json?status=open", &list)
		if ids(list) != pothole+","+byAddress {
			t.Fatalf("open: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?status=closed", &list)
		if ids(list) != garbage {
			t.Fatalf("closed: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?status=closed&service_code=dispute.neighbour", &list)
		if ids(list) != "" {
			t.Fatalf("closed disputes: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?status=open,closed", &list)
		if len(list) != 3 {
			t.Fatalf("open,closed: %s", ids(list))
		}
		specErrors(t, o.get("/open311/v2/requests.json?status=pending"), 400, false, "status: enum")
		// start_date / end_date (W3C; inclusive).
		w := func(t time.Time) string {
			return url.QueryEscape(t.In(time.FixedZone("", 8*3600)).Format(time.RFC3339))
		}
		o.getJSON("/open311/v2/requests.json?start_date="+w(start.Add(time.Hour))+"&end_date="+w(start.Add(2*time.Hour)), &list)
		if ids(list) != byAddress {
			t.Fatalf("window: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?end_date="+url.QueryEscape(start.UTC().Format(time.RFC3339)), &list)
		if ids(list) != garbage {
			t.Fatalf("until start: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?start_date="+w(start.Add(3*time.Hour)), &list)
		if ids(list) != pothole {
			t.Fatalf("from the pothole: %s", ids(list))
		}
		// An unescaped '+' arrives as a space and is still read.
		o.getJSON("/open311/v2/requests.json?start_date="+start.Add(3*time.Hour).In(time.FixedZone("", 8*3600)).Format(time.RFC3339), &list)
		if ids(list) != pothole {
			t.Fatalf("unescaped +: %s", ids(list))
		}
		specErrors(t, o.get("/open311/v2/requests.json?start_date=yesterday"), 400, false, "start_date: format")
		specErrors(t, o.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"), 400, false, "90 days")
		specErrors(t, o.get("/open311/v2/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"), 400, false, "end_date: order")
		specErrors(t, o.get("/open311/v2/requests.json?jurisdiction_id=310101"), 404, false, "jurisdiction_id")
		// The default window is the last 90 days.
		o.clock.Advance(91 * 24 * time.Hour)
		o.getJSON("/open311/v2/requests.json", &list)
		if len(list) != 0 || string(o.get("/open311/v2/requests.json").body) != "[]\n" {
			t.Fatalf("after 91 days: %s", ids(list))
		}
		o.getJSON("/open311/v2/requests.json?start_date="+w(start), &list)
		if len(list) != 3 {
			t.Fatalf("explicit start: %s", ids(list))
		}

		// One request: a list of one, in both formats; unknown is 404.
		o.getJSON("/open311/v2/requests/"+garbage+".json", &list)
		if len(list) != 1 || list[0] != g {
			t.Fatalf("one: %+v", list)
		}
		var x struct {
			XMLName  xml.Name          `xml:"service_requests"`
			Requests []open311.Request `xml:"request"`
		}
		o.getXML("/open311/v2/requests/"+garbage+".xml", &x)
		if len(x.Requests) != 1 || x.Requests[0] != g {
			t.Fatalf("one xml: %+v\n%+v", x.Requests, g)
		}
		x.Requests = nil
		o.getXML("/open311/v2/requests.xml?start_date="+w(start)+"&status=closed", &x)
		if len(x.Requests) != 1 || x.Requests[0].ServiceRequestID != garbage {
			t.Fatalf("list xml: %+v", x.Requests)
		}
		specErrors(t, o.get("/open311/v2/requests/nosuchid.json"), 404, false, "service_request_id")
		specErrors(t, o.get("/open311/v2/requests/nosuchid.xml"), 404, true, "service_request_id")
		specErrors(t, o.get("/open311/v2/requests/"+garbage+".txt"), 404, false)

		// Tokens: requests are immediate, the token is the id.
		var tok []open311.TokenAnswer
		o.getJSON("/open311/v2/tokens/"+garbage+".json", &tok)
		if len(tok) != 1 || tok[0].ServiceRequestID != garbage || tok[0].Token != garbage {
			t.Fatalf("token: %+v", tok)
		}
		var tx struct {
			XMLName  xml.Name              `xml:"service_requests"`
			Requests []open311.TokenAnswer `xml:"request"`
		}
		o.getXML("/open311/v2/tokens/"+garbage+".xml", &tx)
		if len(tx.Requests) != 1 || tx.Requests[0].Token != garbage {
			t.Fatalf("token xml: %+v", tx)
		}
		specErrors(t, o.get("/open311/v2/tokens/nosuchtoken.json"), 404, false, "token")
	})
}

// TestOpen311Privacy: whoever reported a case, GET answers never show it.
func TestOpen311Privacy(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		form := o.at(o.mg111Lng, o.mg111Lat)
		form.Set("service_code", "appearance.garbage")
		form.Set("first_name", "Lili")
		form.Set("last_name", "Zhao")
		form.Set("phone", "13811112222")
		form.Set("email", "lili.zhao@example.com")
		form.Set("account_id", "wx-openid-123")
		form.Set("device_id", "device-abc")
		form.Set("description", "路灯不亮")
		id := o.file(form)
		staff := o.report(o.login("disp"), map[string]any{"category_id": o.garbage, "title": "热线", "lng": o.mg211Lng, "lat": o.mg211Lat,
			"channel": "hotline", "reporter_name": "钱多多", "reporter_phone": "13733334444"}, 201)
		// Staff see the reporters.
		c := o.caseByToken(id)
		if c.ReporterName != "Lili Zhao <lili.zhao@example.com>" || c.ReporterPhoneMasked != "138****2222" {
			t.Fatalf("staff view: %q %q", c.ReporterName, c.ReporterPhoneMasked)
		}
		if s := o.caseByToken(staff.Token); s.ReporterName != "钱多多" {
			t.Fatalf("staff view: %q", s.ReporterName)
		}
		secrets := []string{"Lili", "Zhao", "13811112222", "138****2222", "lili.zhao@example.com", "wx-openid-123", "device-abc", "居民甲",
			"钱多多", "13733334444", "137****4444", "调度员", "网格员二", "reporter"}
		for _, path := range []string{"/open311/v2/requests.json", "/open311/v2/requests.xml",
			"/open311/v2/requests/" + id + ".json", "/open311/v2/requests/" + id + ".xml",
			"/open311/v2/requests/" + staff.Token + ".json", "/open311/v2/requests/" + staff.Token + ".xml",
			"/open311/v2/requests.json?service_request_id=" + id + "," + staff.Token,
			"/open311/v2/tokens/" + id + ".json", "/open311/v2/tokens/" + id + ".xml"} {
			r := o.get(path)
			if r.status != 200 {
				t.Fatalf("%s: %d", path, r.status)
			}
			for _, s := range secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("%s shows %q: %s", path, s, r.body)
				}
			}
		}
	})
}

// TestOpen311Limit: at most 1000 requests per answer, the newest.
func TestOpen311Limit(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		ctx := access.System(context.Background())
		var first, last string
		for i := 0; i < 1001; i++ {
			c, _, err := o.srv.Cases.Report(ctx, cases.NewCase{CategoryID: o.garbage, Title: fmt.Sprint("批量", i), AreaCode: "370211001001", Channel: "console"})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = c.Token
			}
			last = c.Token
		}
		var list []open311.Request
		o.getJSON("/open311/v2/requests.json", &list)
		if len(list) != 1000 || list[0].ServiceRequestID != last || list[999].ServiceRequestID == first {
			t.Fatalf("%d requests, first %s", len(list), list[0].ServiceRequestID)
		}
		o.getJSON("/open311/v2/requests.json?service_code=appearance.garbage,dispute.neighbour&status=open", &list)
		if len(list) != 1000 || list[0].ServiceRequestID != last {
			t.Fatalf("merged streams: %d requests", len(list))
		}
	})
}

func TestOpen311Paths(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		o := newO311(e)
		specErrors(t, o.get("/open311/v2/"), 404, false, "path: not_found")
		specErrors(t, o.get("/open311/v3/services.json"), 404, false, "path: not_found")
		specErrors(t, o.get("/open311/v2/services/a/b.json"), 404, false, "path: not_found")
		specErrors(t, o.raw("POST", "/open311/v2/services.xml", "", nil, nil), 405, true, "GET")
		r := o.raw("DELETE", "/open311/v2/requests.json", "", nil, nil)
		specErrors(t, r, 405, false, "POST")
		if r.header.Get("Allow") != "GET, HEAD, POST" {
			t.Fatalf("Allow: %q", r.header.Get("Allow"))
		}
		specErrors(t, o.raw("PUT", "/open311/v2/tokens/x.json", "", nil, nil), 405, false)
		specErrors(t, o.raw("PATCH", "/open311/nothing", "", nil, nil), 404, false)
		// A browser session on the console does not change Open311 answers.
		var d open311.Discovery
		c := o.login("admin")
		r = c.do("GET", "/open311/v2/discovery.json", nil)
		if r.status != 200 || json.Unmarshal(r.body, &d) != nil {
			t.Fatalf("discovery with a session: %d %s", r.status, r.body)
		}
	})
}
