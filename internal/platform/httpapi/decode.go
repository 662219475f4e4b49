package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// MaxJSONBody bounds ordinary JSON request bodies.
const MaxJSONBody = 1 << 20

// DecodeJSON reads a JSON object of at most limit bytes into v, rejecting
// unknown fields and trailing data, with errors that name the field. The
// body must be valid UTF-8, and no string in it may hold what CheckText
// refuses: encoding/json alone would store U+FFFD for bad bytes and keep
// NUL and bidi overrides.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if limit <= 0 {
		limit = MaxJSONBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasSuffix(strings.Split(ct, ";")[0], "+json") {
		return errs.Field("Content-Type", "json", "the body must be application/json", "请求体必须是 application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return jsonError(err, limit)
	}
	if !utf8.Valid(body) {
		return utf8Error(body, invalidUTF8At(body), false)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var bad *json.InvalidUnmarshalError
		if errors.As(err, &bad) {
			return err // the caller's bug, not the user's
		}
		return decodeError(err, body, reflect.TypeOf(v), limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Field("body", "json", "the body must hold a single JSON object", "请求体只能包含一个 JSON 对象")
	}
	if off, bad := loneSurrogate(body); bad {
		return utf8Error(body, off, true)
	}
	if fe := checkValue(reflect.ValueOf(v)); fe != nil {
		return errs.Field(fe.Field, fe.Rule, fe.Detail, fe.DetailZH)
	}
	return nil
}

func invalidUTF8At(b []byte) int64 {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return int64(i)
		}
		i += size
	}
	return int64(len(b))
}

// utf8Error names the field whose text holds byte off: bad UTF-8, or with
// escape set a \u escape of half a surrogate pair.
func utf8Error(body []byte, off int64, escape bool) error {
	field := pathAt(body, off)
	if field == "" {
		return errs.Field("body", RuleUTF8,
			fmt.Sprintf("the body is not valid UTF-8 text (at byte %d); send it encoded as UTF-8", off),
			fmt.Sprintf("请求体不是有效的 UTF-8 文本（第 %d 字节处），请以 UTF-8 编码发送", off))
	}
	if escape {
		return errs.Field(field, RuleUTF8,
			field+` holds a \u escape of half a UTF-16 surrogate pair, which is no character`,
			field+` 含有不成对的 UTF-16 代理项转义（\u），不是有效字符`)
	}
	return errs.Field(field, RuleUTF8,
		field+" is not valid UTF-8 text; send it encoded as UTF-8",
		field+" 不是有效的 UTF-8 文本，请以 UTF-8 编码发送")
}

// rawControl names the field when the syntax error at byte off is a control
// character written unescaped inside a string, which JSON does not allow.
func rawControl(body []byte, off int64) error {
	if off < 0 || off >= int64(len(body)) || body[off] >= 0x20 {
		return nil
	}
	field := pathAt(body, off)
	if field == "" {
		field = "body"
	}
	c := body[off]
	if c == '\t' || c == '\n' || c == '\r' {
		return errs.Field(field, "json",
			fmt.Sprintf(`%s holds a tab or line break (U+%04X) written as is; JSON writes it as \t, \n or \r`, field, c),
			fmt.Sprintf(`%s 含有未转义的制表符或换行（U+%04X），JSON 中应写作 \t、\n 或 \r`, field, c))
	}
	return errs.Field(field, RuleControlChar,
		fmt.Sprintf("%s holds the control character U+%04X; only tab and line breaks are allowed", field, c),
		fmt.Sprintf("%s 含有控制字符 U+%04X，只允许制表符和换行", field, c))
}

func jsonError(err error, limit int64) error {
	var (
		syntax *json.SyntaxError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		e := errs.E(errs.TooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", limit), fmt.Sprintf("请求体超过 %d 字节", limit))
		e.Fields = []errs.FieldError{{Field: "body", Rule: "max_size", Detail: e.Detail, DetailZH: e.DetailZH}}
		return e
	case errors.As(err, &syntax):
		return errs.Field("body", "json", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset), fmt.Sprintf("JSON 格式错误（第 %d 字节）", syntax.Offset))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "required", "the body is empty or cut short", "请求体为空或不完整")
	}
	return errs.Field("body", "json", "malformed JSON", "JSON 格式错误")
}

// decodeError turns an error of encoding/json into a field error in words:
// the value is found again in body (see locator) for its full path, and the
// expected type is said as "a whole number", never as a Go type.
func decodeError(err error, body []byte, t reflect.Type, limit int64) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		if e := rawControl(body, syntax.Offset-1); e != nil {
			return e
		}
		return jsonError(err, limit)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return jsonError(err, limit)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		if loc, ok := locate(body, t, unknownProblem); ok {
			return errs.Field(loc.path, "unknown_field", "unknown field "+loc.path, "未知字段 "+loc.path)
		}
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Field(f, "unknown_field", "unknown field "+f, "未知字段 "+f)
	case errors.As(err, &typ):
		if loc, ok := locate(body, t, typeProblem); ok {
			return typeError(loc.path, loc.typ, loc.err)
		}
		return typeError(typ.Field, typ.Type, typ)
	}
	// An UnmarshalJSON or UnmarshalText of a field's type refused the
	// value; its message is Go's and English only, so it is not shown.
	if loc, ok := locate(body, t, valueProblem); ok {
		return typeError(loc.path, loc.typ, loc.err)
	}
	return errs.Field("body", "format", "a value in the body is not valid", "请求体中有无效的值")
}

var timeType = reflect.TypeFor[time.Time]()

// typeError says that the value at field must be of type t, in words.
func typeError(field string, t reflect.Type, err error) error {
	subject, subjectZH := field, field+" "
	if field == "" {
		field, subject, subjectZH = "body", "the body", "请求体"
	}
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != timeType && !isBytes(t) { // base64 and times have a known form
			return errs.Field(field, "format", subject+" has a value that is not allowed here", subjectZH+"的值无效")
		}
	}
	en, zh := expected(t, typ != nil && strings.HasPrefix(typ.Value, "number"))
	rule := "type"
	if typ == nil {
		rule = "format"
	}
	if zh[0] < utf8.RuneSelf { // a space between Chinese and Latin text
		zh = " " + zh
	}
	return errs.Field(field, rule, subject+" must be "+en, subjectZH+"应为"+zh)
}

// isBytes tells a []byte (base64 in JSON) from a json.RawMessage.
func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && t != rawMessageType
}

// expected words what a value of type t is; number says that a number was
// sent, so that an integer type also gives its range.
func expected(t reflect.Type, number bool) (en, zh string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return "a date and time such as 2026-05-01T08:00:00+08:00", "日期时间，如 2026-05-01T08:00:00+08:00"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if number && t.Bits() < 64 {
			lo, hi := strconv.FormatInt(math.MinInt64>>(64-t.Bits()), 10), strconv.FormatInt(math.MaxInt64>>(64-t.Bits()), 10)
			return "a whole number from " + lo + " to " + hi, lo + " 到 " + hi + " 之间的整数"
		}
		return "a whole number", "整数"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if number && t.Bits() < 64 {
			hi := strconv.FormatUint(math.MaxUint64>>(64-t.Bits()), 10)
			return "a whole number from 0 to " + hi, "0 到 " + hi + " 之间的整数"
		}
		return "a whole number (0 or more)", "非负整数"
	case reflect.Float32, reflect.Float64:
		return "a number", "数字"
	case reflect.String:
		return "text", "文本"
	case reflect.Bool:
		return "true or false", "true 或 false"
	case reflect.Slice, reflect.Array:
		if isBytes(t) {
			return "base64 text", "Base64 文本"
		}
		return "a list", "数组（列表）"
	case reflect.Map, reflect.Struct:
		return "an object", "对象"
	}
	return "a valid value", "有效的值"
}

// PathID reads a positive integer path parameter ({id} and the like).
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Field(name, "integer", name+" must be a positive integer", name+" 必须是正整数")
	}
	return id, nil
}
