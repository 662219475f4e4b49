package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// MaxJSONBody bounds ordinary JSON request bodies.
const MaxJSONBody = 1 << 20

// DecodeJSON reads a JSON object of at most limit bytes into v, rejecting
// unknown fields and trailing data, with errors that name the field.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if limit <= 0 {
		limit = MaxJSONBody
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasSuffix(strings.Split(ct, ";")[0], "+json") {
		return errs.Field("Content-Type", "json", "the body must be application/json", "请求体必须是 application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Field("body", "json", "the body must hold a single JSON object", "请求体只能包含一个 JSON 对象")
	}
	return nil
}

func jsonError(err error, limit int64) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooBig):
		e := errs.E(errs.TooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", limit), fmt.Sprintf("请求体超过 %d 字节", limit))
		e.Fields = []errs.FieldError{{Field: "body", Rule: "max_size", Detail: e.Detail, DetailZH: e.DetailZH}}
		return e
	case errors.As(err, &syntax):
		return errs.Field("body", "json", fmt.Sprintf("malformed JSON at byte %d", syntax.Offset), fmt.Sprintf("JSON 格式错误（第 %d 字节）", syntax.Offset))
	case errors.As(err, &typ):
		return errs.Field(typ.Field, "type", fmt.Sprintf("%s must be %s", typ.Field, typ.Type), fmt.Sprintf("%s 类型应为 %s", typ.Field, typ.Type))
	case strings.HasPrefix(err.Error(), unknown):
		f := strings.Trim(strings.TrimPrefix(err.Error(), unknown), `"`)
		return errs.Field(f, "unknown_field", "unknown field "+f, "未知字段 "+f)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "required", "the body is empty or cut short", "请求体为空或不完整")
	}
	return errs.Field("body", "json", "malformed JSON", "JSON 格式错误")
}

// PathID reads a positive integer path parameter ({id} and the like).
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Field(name, "integer", name+" must be a positive integer", name+" 必须是正整数")
	}
	return id, nil
}
