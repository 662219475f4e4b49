package server_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks the document against the running server:
// every documented operation is routed (a request to it does not fall through
// to "no such endpoint" or 405), and every route of the table is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		c := e.login("admin")
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		c.mustDo("GET", "/api/v1/openapi.json", nil, 200, &doc)
		if doc.OpenAPI != "3.1.0" {
			t.Fatalf("openapi version %q", doc.OpenAPI)
		}
		documented := map[string]bool{}
		param := regexp.MustCompile(`\{[a-z_]+\}`)
		for path, ops := range doc.Paths {
			for method, op := range ops {
				documented[strings.ToUpper(method)+" "+path] = true
				if op["responses"] == nil || op["summary"] == "" {
					t.Errorf("%s %s lacks responses or summary", method, path)
				}
				// Path parameters are declared.
				names := param.FindAllString(path, -1)
				params, _ := op["parameters"].([]any)
				for _, n := range names {
					found := false
					for _, p := range params {
						pm := p.(map[string]any)
						found = found || (pm["in"] == "path" && "{"+pm["name"].(string)+"}" == n)
					}
					if !found {
						t.Errorf("%s %s: path parameter %s undeclared", method, path, n)
					}
				}
				if method == "delete" {
					continue // don't delete things while probing
				}
				url := param.ReplaceAllString(path, "1")
				r := c.do(strings.ToUpper(method), url, "{}")
				if r.status == 405 || (r.status == 404 && strings.Contains(string(r.body), `"no_route"`)) {
					t.Errorf("documented %s %s is not routed: %d %s", method, path, r.status, r.body)
				}
			}
		}
		for _, rt := range e.srv.Routes() {
			if !documented[rt.Method+" "+rt.Path] {
				t.Errorf("route %s %s missing from the document", rt.Method, rt.Path)
			}
		}
		if len(documented) != len(e.srv.Routes()) {
			t.Errorf("%d documented operations for %d routes", len(documented), len(e.srv.Routes()))
		}
		// Schemas referenced exist, and same-named types of different packages stay apart.
		if !strings.Contains(string(c.do("GET", "/api/v1/openapi.json", nil).body), `"registry.Person"`) {
			t.Error("registry.Person is not its own schema")
		}
		raw := c.do("GET", "/api/v1/openapi.json", nil).body
		var full map[string]any
		_ = json.Unmarshal(raw, &full)
		schemas := full["components"].(map[string]any)["schemas"].(map[string]any)
		for _, m := range regexp.MustCompile(`#/components/schemas/([A-Za-z0-9.]+)`).FindAllStringSubmatch(string(raw), -1) {
			if _, ok := schemas[m[1]]; !ok {
				t.Errorf("schema %s referenced but not defined", m[1])
			}
		}
	})
}
