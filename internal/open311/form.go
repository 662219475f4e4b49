package open311

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/cases"
	"github.com/tongxin/tongxin/internal/platform/clock"
)

// Limits of the POST form. The description limit is the specification's.
const (
	maxDescription = 4000
	maxName        = 50
	maxAddress     = 500
	maxShort       = 100 // address_id, device_id, account_id
	maxURL         = 2000
	maxValues      = 100 // values of one attribute
)

// Submission is a POST requests form, parsed and checked on its own (the
// service's attributes are checked against its definition afterwards).
type Submission struct {
	APIKey        string
	Jurisdiction  string
	ServiceCode   string
	Lat, Long     *float64 // WGS-84, both or neither
	AddressString string
	AddressID     string
	// Attributes holds attribute[code]=v and attribute[code][]=v values by
	// code, empty values left out; Listed marks the codes sent in list form.
	Attributes  map[string][]string
	Listed      map[string]bool
	Email       string
	DeviceID    string
	AccountID   string
	FirstName   string
	LastName    string
	Phone       string
	Description string
	MediaURL    string
}

// ParseRequestForm reads the arguments of POST requests. It reports every
// problem at once: 403 for a missing api_key, 400 for the rest; service_code
// and jurisdiction_id are only checked for presence here.
func ParseRequestForm(form url.Values) (Submission, []Error) {
	var errs []Error
	bad := func(code int, param, rule, zh, en string) {
		errs = append(errs, fieldError(code, param, rule, zh, en))
	}
	get := func(name string) string {
		v := strings.TrimSpace(form.Get(name))
		if !utf8.ValidString(v) {
			bad(400, name, "encoding", "须为 UTF-8 文本", "must be UTF-8 text")
			return ""
		}
		return v
	}
	s := Submission{
		APIKey: get("api_key"), Jurisdiction: get("jurisdiction_id"), ServiceCode: get("service_code"),
		AddressString: get("address_string"), AddressID: get("address_id"),
		Email: get("email"), DeviceID: get("device_id"), AccountID: get("account_id"),
		FirstName: get("first_name"), LastName: get("last_name"), Phone: get("phone"),
		Description: get("description"), MediaURL: get("media_url"),
		Attributes: map[string][]string{}, Listed: map[string]bool{},
	}
	if s.APIKey == "" {
		bad(403, "api_key", "required", "缺少 API 密钥", "an api_key is required to create requests")
	}
	if s.ServiceCode == "" {
		bad(400, "service_code", "required", "须指定服务类型", "service_code is required")
	}
	lat, long := get("lat"), get("long")
	switch {
	case lat != "" || long != "":
		s.Lat = coordinate(lat, "lat", 90, bad)
		s.Long = coordinate(long, "long", 180, bad)
		if s.Lat == nil || s.Long == nil {
			s.Lat, s.Long = nil, nil
		}
	case s.AddressString == "" && s.AddressID == "":
		bad(400, "lat/long", "required", "须提供位置：lat 与 long，或 address_string，或 address_id",
			"a location is required: lat & long, or address_string, or address_id")
	}
	tooLong := func(param, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			bad(400, param, "max_length", fmt.Sprintf("不能超过 %d 个字符", max), fmt.Sprintf("is longer than %d characters", max))
		}
	}
	tooLong("description", s.Description, maxDescription)
	tooLong("address_string", s.AddressString, maxAddress)
	tooLong("address_id", s.AddressID, maxShort)
	tooLong("device_id", s.DeviceID, maxShort)
	tooLong("account_id", s.AccountID, maxShort)
	tooLong("first_name", s.FirstName, maxName)
	tooLong("last_name", s.LastName, maxName)
	if s.Email != "" {
		if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email || len(s.Email) > 254 {
			bad(400, "email", "format", "邮箱地址格式不正确", "is not an email address")
		}
	}
	if s.MediaURL != "" {
		if u, err := url.Parse(s.MediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s.MediaURL) > maxURL {
			bad(400, "media_url", "format", "须为 http(s) 链接", "must be an http(s) URL")
		}
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same form always gives the same errors, in the same order
	for _, k := range keys {
		if !strings.HasPrefix(k, "attribute") {
			continue // unknown arguments are ignored, as extensions may send them
		}
		code, list, ok := attributeKey(k)
		if !ok {
			bad(400, k, "format", "属性参数须写作 attribute[代码] 或 attribute[代码][]", "attributes are sent as attribute[code] or attribute[code][]")
			continue
		}
		for _, v := range form[k] {
			v = strings.TrimSpace(v)
			if !utf8.ValidString(v) {
				bad(400, k, "encoding", "须为 UTF-8 文本", "must be UTF-8 text")
				continue
			}
			if v != "" {
				s.Attributes[code] = append(s.Attributes[code], v)
			}
		}
		if len(s.Attributes[code]) > maxValues {
			bad(400, "attribute["+code+"]", "max_values", fmt.Sprintf("最多 %d 个值", maxValues), fmt.Sprintf("takes at most %d values", maxValues))
		}
		s.Listed[code] = s.Listed[code] || list
	}
	return s, errs
}

func coordinate(v, param string, limit float64, bad func(code int, param, rule, zh, en string)) *float64 {
	if v == "" {
		bad(400, param, "pair", "lat 与 long 须同时提供", "lat and long are sent together")
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		bad(400, param, "number", "须为十进制数（WGS-84）", "must be a decimal number (WGS-84)")
		return nil
	}
	if f < -limit || f > limit {
		bad(400, param, "range", fmt.Sprintf("须在 -%g 到 %g 之间", limit, limit), fmt.Sprintf("must be between -%g and %g", limit, limit))
		return nil
	}
	return &f
}

// attributeKey splits attribute[code] and attribute[code][].
func attributeKey(k string) (code string, list bool, ok bool) {
	rest, found := strings.CutPrefix(k, "attribute[")
	if !found {
		return "", false, false
	}
	if r, l := strings.CutSuffix(rest, "[]"); l {
		rest, list = r, true
	}
	code, found = strings.CutSuffix(rest, "]")
	if !found || code == "" || strings.ContainsAny(code, "[]") || len(code) > 64 {
		return "", false, false
	}
	return code, list, true
}

// Extra maps the attributes to the category's extra fields, in the types the
// engine takes: one value for a scalar field, a list for a multi-value one,
// numbers as numbers, dates as YYYY-MM-DD (a W3C date-time is turned into
// its day in Asia/Shanghai). Codes the category lacks are passed on, for the
// engine to name.
func (s Submission) Extra(fields []cases.Field) (map[string]any, []Error) {
	var errs []Error
	out := map[string]any{}
	byKey := map[string]cases.Field{}
	for _, f := range fields {
		byKey[f.Key] = f
	}
	codes := make([]string, 0, len(s.Attributes))
	for c := range s.Attributes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		vals := s.Attributes[code]
		f, known := byKey[code]
		param := "attribute[" + code + "]"
		if known && f.Type == "multi" {
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			out[code] = list
			continue
		}
		if len(vals) != 1 {
			errs = append(errs, fieldError(400, param, "single", "只能取一个值", "takes a single value"))
			continue
		}
		v := vals[0]
		switch {
		case !known:
			out[code] = v
		case f.Type == "number":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				errs = append(errs, fieldError(400, param, "number", f.Label+" 须为数字", "must be a number"))
				continue
			}
			out[code] = n
		case f.Type == "date":
			out[code] = day(v)
		default:
			out[code] = v
		}
	}
	return out, errs
}

// day reads a date or a W3C date-time as a calendar day in Asia/Shanghai;
// anything else is returned as sent, for the engine to refuse.
func day(v string) string {
	if _, err := time.Parse("2006-01-02", v); err == nil {
		return v
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.In(clock.Shanghai).Format("2006-01-02")
	}
	return v
}

// ReporterName is how the reporter appears to staff: the name in the order
// of its script (family name first for Chinese), with the email address
// after it, since the engine has no column of its own for an email.
func (s Submission) ReporterName() string {
	name := strings.TrimSpace(s.FirstName + " " + s.LastName)
	if han(s.FirstName) || han(s.LastName) {
		name = s.LastName + s.FirstName
	}
	switch {
	case s.Email == "":
		return name
	case name == "":
		return "<" + s.Email + ">"
	}
	return name + " <" + s.Email + ">"
}

func han(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Title is the case's title: the start of the description on one line, or
// the service's name.
func (s Submission) Title(serviceName string) string {
	t := strings.Join(strings.Fields(s.Description), " ")
	if t == "" {
		return serviceName
	}
	if r := []rune(t); len(r) > 30 {
		t = strings.TrimSpace(string(r[:30]))
	}
	return t
}

// fieldError words an error as "parameter: rule — 中文 (English)".
func fieldError(code int, param, rule, zh, en string) Error {
	return Error{Code: code, Description: param + ": " + rule + " — " + zh + " (" + en + ")"}
}
