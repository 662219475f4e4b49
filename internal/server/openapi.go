package server

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

var pathParamRE = regexp.MustCompile(`\{([a-zA-Z_]+)\}`)

// OpenAPI builds the OpenAPI 3.1 document from the route table.
func (s *Server) OpenAPI() map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{"summary": rt.Summary, "tags": []string{rt.Tag}, "operationId": operationID(rt)}
		var params []any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": q.Required, "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Request), schemas)}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if status != http.StatusNoContent {
			ct := rt.ContentType
			if ct == "" {
				ct = "application/json"
			}
			var sch any = map[string]any{"type": "object"}
			if rt.Response != nil {
				sch = schemaOf(reflect.TypeOf(rt.Response), schemas)
			}
			ok["content"] = map[string]any{ct: map[string]any{"schema": sch}}
		}
		problem := map[string]any{"$ref": "#/components/responses/Problem"}
		responses := map[string]any{strconv.Itoa(status): ok, "default": problem}
		if rt.Auth == user || rt.Perm != "" {
			op["security"] = []any{map[string]any{"session": []string{}}, map[string]any{"apiKey": []string{}}}
			if rt.Perm != "" {
				op["x-permission"] = string(rt.Perm)
			}
		}
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	schemaOf(reflect.TypeOf(httpapi.Problem{}), schemas)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Tongxin (同心) API", "version": s.deps.Config.Version,
			"description": "Grid-based grassroots governance. Errors are RFC 9457 problem details with `code`, `detail_zh` and per-field `errors`. Cookie-authenticated writes need the X-CSRF-Token header."},
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"responses": map[string]any{"Problem": map[string]any{"description": "Problem (RFC 9457)",
				"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/httpapi.Problem"}}}}},
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "tx_session"},
				"apiKey":  map[string]any{"type": "http", "scheme": "bearer"},
			},
		},
	}
}

func operationID(rt Route) string {
	p := pathParamRE.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/api/v1/", "", "/", "_", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes a Go type as JSON Schema, naming structs in components.
func schemaOf(t reflect.Type, defs map[string]any) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeOf(json.RawMessage{}):
		return map[string]any{"description": "GeoJSON geometry"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), defs)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), defs)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		// Qualified by package: registry.Person and area.Person are different things.
		name := schemaName(t)
		if name != "" {
			if _, done := defs[name]; done {
				return map[string]any{"$ref": "#/components/schemas/" + name}
			}
			defs[name] = map[string]any{} // break cycles
		}
		props := map[string]any{}
		addStructFields(t, props, defs)
		s := map[string]any{"type": "object", "properties": props}
		if name == "" {
			return s
		}
		defs[name] = s
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func addStructFields(t reflect.Type, props map[string]any, defs map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name := strings.Split(tag, ",")[0]
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			addStructFields(ft, props, defs)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, defs)
	}
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	return httpapi.WriteJSON(w, http.StatusOK, s.OpenAPI())
}

func schemaName(t reflect.Type) string {
	if t.Name() == "" {
		return ""
	}
	return path.Base(t.PkgPath()) + "." + t.Name()
}
