package open311

import (
	"context"
	"net/http"
	"strings"

	"github.com/tongxin/tongxin/internal/cases"
)

// taxonomy is the case taxonomy read once per request: the services offered
// (active 小类 under an active 大类, in the taxonomy's order) and every
// category by id and by code (past requests may be filed under categories
// no longer offered).
type taxonomy struct {
	offered []cases.Category
	byID    map[int64]cases.Category
	byCode  map[string]cases.Category
}

func (h *Handler) taxonomy(ctx context.Context) (taxonomy, error) {
	all, err := h.cases.Categories(ctx)
	if err != nil {
		return taxonomy{}, err
	}
	t := taxonomy{byID: map[int64]cases.Category{}, byCode: map[string]cases.Category{}}
	for _, c := range all {
		t.byID[c.ID] = c
		t.byCode[c.Code] = c
	}
	for _, c := range all {
		if c.ParentID != nil && c.Active && t.byID[*c.ParentID].Active {
			t.offered = append(t.offered, c)
		}
	}
	return t, nil
}

// service finds an offered service by its code.
func (t taxonomy) service(code string) (cases.Category, bool) {
	for _, c := range t.offered {
		if c.Code == code {
			return c, true
		}
	}
	return cases.Category{}, false
}

func (t taxonomy) group(c cases.Category) cases.Category {
	if c.ParentID == nil {
		return cases.Category{}
	}
	return t.byID[*c.ParentID]
}

func (t taxonomy) describe(c cases.Category) Service {
	g := t.group(c)
	desc := g.Name + " · " + c.Name
	if c.NameEN != "" {
		desc += " (" + c.NameEN + ")"
	}
	var kw []string
	seen := map[string]bool{c.Name: true, "": true}
	for _, k := range []string{c.NameEN, g.Name, g.NameEN} {
		if !seen[k] {
			kw = append(kw, k)
			seen[k] = true
		}
	}
	return Service{ServiceCode: c.Code, ServiceName: c.Name, Description: desc, Metadata: len(c.Fields) > 0,
		Type: "realtime", Keywords: strings.Join(kw, ", "), Group: g.Name}
}

func serviceNotFound(code string) Error {
	return fieldError(404, "service_code", "not_found", "没有服务类型 "+code, "no service "+code+" (GET services for the list)")
}

// Services serves services.{json|xml}: one service per active 小类.
func (h *Handler) Services(w http.ResponseWriter, r *http.Request) error {
	f, ok := formatOf(r)
	if !ok {
		return fail(w, f, errNoFormat)
	}
	if e := h.checkJurisdiction(r.URL.Query().Get("jurisdiction_id")); e != nil {
		return fail(w, f, e...)
	}
	t, err := h.taxonomy(r.Context())
	if err != nil {
		return failInternal(w, r, f, err)
	}
	out := make([]Service, 0, len(t.offered))
	for _, c := range t.offered {
		out = append(out, t.describe(c))
	}
	write(w, f, http.StatusOK, out, xmlServices{Services: out})
	return nil
}

// datatypes maps the engine's field types to the specification's.
var datatypes = map[string]struct{ name, zh, en string }{
	"text":   {"string", "文本", "text"},
	"number": {"number", "数字", "a number"},
	"date":   {"datetime", "日期：YYYY-MM-DD，或 W3C 时间（取其在北京时间的日期）", "a date YYYY-MM-DD, or a W3C date-time (its day in Asia/Shanghai is kept)"},
	"single": {"singlevaluelist", "单选：attribute[代码]=选项键", "one of the values: attribute[code]=key"},
	"multi":  {"multivaluelist", "多选：attribute[代码][]=选项键，可重复", "any of the values: attribute[code][]=key, repeated"},
}

// ServiceDefinition serves services/{service_code}.{json|xml}: the
// service's extra fields as attributes. A service without them has an empty
// definition; an unknown code is 404.
func (h *Handler) ServiceDefinition(w http.ResponseWriter, r *http.Request) error {
	code, f, ok := format(r.PathValue("service_code"))
	if !ok {
		return fail(w, f, errNoFormat)
	}
	if e := h.checkJurisdiction(r.URL.Query().Get("jurisdiction_id")); e != nil {
		return fail(w, f, e...)
	}
	t, err := h.taxonomy(r.Context())
	if err != nil {
		return failInternal(w, r, f, err)
	}
	c, found := t.service(code)
	if !found {
		return fail(w, f, serviceNotFound(code))
	}
	d := Definition{ServiceCode: c.Code, Attributes: make([]Attribute, 0, len(c.Fields))}
	for i, fd := range c.Fields {
		dt := datatypes[fd.Type]
		a := Attribute{Variable: true, Code: fd.Key, Datatype: dt.name, Required: fd.Required, Order: i + 1, Description: fd.Label}
		if dt.zh != "" {
			a.DatatypeDescription = optText(dt.zh + " (" + dt.en + ")")
		}
		for _, o := range fd.Options {
			a.Values = append(a.Values, Option{Key: o, Name: o})
		}
		d.Attributes = append(d.Attributes, a)
	}
	write(w, f, http.StatusOK, d, d)
	return nil
}
