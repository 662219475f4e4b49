package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/paulmach/orb"
)

// fc wraps feature JSON snippets into a FeatureCollection.
func fc(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

// feat builds a feature with the given geometry JSON.
func feat(geometry string) string {
	return `{"type":"Feature","properties":{"code":"x"},"geometry":` + geometry + `}`
}

func poly(rings string) string { return `{"type":"Polygon","coordinates":` + rings + `}` }

const (
	unitSquare = `[[[120,36],[120.001,36],[120.001,36.001],[120,36.001],[120,36]]]`
	holeSquare = `[[120.0004,36.0004],[120.0004,36.0006],[120.0006,36.0006],[120.0006,36.0004],[120.0004,36.0004]]`
)

// parseErrs parses data and returns its validation errors, failing the
// test if parsing succeeds or the error has the wrong type.
func parseErrs(t *testing.T, data []byte) ValidationErrors {
	t.Helper()
	features, err := ParseFeatureCollection(data)
	if err == nil {
		t.Fatalf("expected validation errors, got %d features", len(features))
	}
	if features != nil {
		t.Errorf("features returned alongside an error")
	}
	var ves ValidationErrors
	if !errors.As(err, &ves) {
		t.Fatalf("error is %T, want ValidationErrors: %v", err, err)
	}
	checkBilingual(t, ves)
	return ves
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func checkBilingual(t *testing.T, ves ValidationErrors) {
	t.Helper()
	for _, ve := range ves {
		if ve.Message == "" || !hasCJK(ve.MessageZH) || hasCJK(ve.Message) {
			t.Errorf("error %+v is not properly bilingual", ve)
		}
		if !strings.Contains(ve.Error(), ve.Message) || hasCJK(ve.Error()) {
			t.Errorf("Error() = %q, want the English message", ve.Error())
		}
		if ve.Path != "" && !strings.HasPrefix(ve.Error(), ve.Path+": ") {
			t.Errorf("Error() = %q, want it prefixed with the path %q", ve.Error(), ve.Path)
		}
	}
}

// wantOne asserts that exactly one error was reported, with this feature,
// path and rule.
func wantOne(t *testing.T, ves ValidationErrors, feature int, path, rule string) {
	t.Helper()
	if len(ves) != 1 {
		t.Fatalf("got %d errors, want 1: %v", len(ves), ves)
	}
	got := ves[0]
	if got.Feature != feature || got.Path != path || got.Rule != rule {
		t.Errorf("got {feature %d, path %q, rule %q} (%s), want {%d, %q, %q}",
			got.Feature, got.Path, got.Rule, got.Message, feature, path, rule)
	}
}

func TestParseFeatureCollectionValid(t *testing.T) {
	data := fc(
		`{"type":"Feature","properties":{"code":"370211001001","name":"第一网格","pop":1234,"tags":["a"],"meta":{"k":true}},"geometry":`+poly(unitSquare)+`}`,
		`{"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[`+
			`[[[121,37],[121.01,37],[121.01,37.01],[121,37.01],[121,37]],`+holeSquare+`],`+
			`[[[122,38,12.5],[122.01,38,12.5],[122.01,38.01,12.5],[122,38,12.5]]]]}}`,
		`{"type":"Feature","geometry":`+poly(unitSquare)+`,"id":7}`,
	)
	features, err := ParseFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(features) != 3 {
		t.Fatalf("got %d features", len(features))
	}
	for i, f := range features {
		if f.Index != i {
			t.Errorf("feature %d has Index %d", i, f.Index)
		}
	}
	p := features[0].Properties
	if p["code"] != "370211001001" || p["name"] != "第一网格" || p["pop"] != 1234.0 {
		t.Errorf("properties = %#v", p)
	}
	if _, ok := p["meta"].(map[string]any); !ok {
		t.Errorf("nested property lost: %#v", p["meta"])
	}
	if features[1].Properties != nil || features[2].Properties != nil {
		t.Errorf("null/absent properties should be nil")
	}
	wantPoly := orb.Polygon{{{120, 36}, {120.001, 36}, {120.001, 36.001}, {120, 36.001}, {120, 36}}}
	if !orb.Equal(features[0].Geometry, wantPoly) {
		t.Errorf("geometry = %v", features[0].Geometry)
	}
	mp, ok := features[1].Geometry.(orb.MultiPolygon)
	if !ok || len(mp) != 2 || len(mp[0]) != 2 || len(mp[1][0]) != 4 {
		t.Fatalf("multipolygon = %#v", features[1].Geometry)
	}
	if mp[1][0][1] != (orb.Point{122.01, 38}) {
		t.Errorf("altitude not dropped: %v", mp[1][0][1])
	}

	empty, err := ParseFeatureCollection([]byte(`{"type":"FeatureCollection","features":[]}`))
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("empty collection: %v, %v", empty, err)
	}
}

func TestParseFeatureCollectionRules(t *testing.T) {
	cases := []struct {
		name    string
		data    []byte
		feature int
		path    string
		rule    string
	}{
		{"bad json", []byte(`{"type":"FeatureCollection","features":[`), -1, "", RuleMalformed},
		{"empty input", []byte(``), -1, "", RuleMalformed},
		{"top-level array", []byte(`[1,2]`), -1, "", RuleUnsupportedType},
		{"top-level null", []byte(` null `), -1, "", RuleUnsupportedType},
		{"top-level type null", []byte(`{"type":null,"features":[]}`), -1, "type", RuleUnsupportedType},
		{"top-level feature", []byte(feat(poly(unitSquare))), -1, "type", RuleUnsupportedType},
		{"top-level geometry", []byte(poly(unitSquare)), -1, "type", RuleUnsupportedType},
		{"no features", []byte(`{"type":"FeatureCollection"}`), -1, "features", RuleMalformed},
		{"features not array", []byte(`{"type":"FeatureCollection","features":{}}`), -1, "features", RuleMalformed},
		{"feature not object", fc(`42`), 0, "features[0]", RuleMalformed},
		{"feature wrong type", fc(`{"type":"Point","geometry":` + poly(unitSquare) + `}`), 0, "features[0].type", RuleUnsupportedType},
		{"properties not object", fc(`{"type":"Feature","properties":[1],"geometry":` + poly(unitSquare) + `}`), 0, "features[0].properties", RuleMalformed},
		{"properties number overflow", fc(`{"type":"Feature","properties":{"n":1e400},"geometry":` + poly(unitSquare) + `}`), 0, "features[0].properties", RuleMalformed},
		{"null geometry", fc(`{"type":"Feature","properties":{},"geometry":null}`), 0, "features[0].geometry", RuleUnsupportedType},
		{"missing geometry", fc(`{"type":"Feature","properties":{}}`), 0, "features[0].geometry", RuleUnsupportedType},
		{"point geometry", fc(feat(`{"type":"Point","coordinates":[120,36]}`)), 0, "features[0].geometry.type", RuleUnsupportedType},
		{"collection geometry", fc(feat(`{"type":"GeometryCollection","geometries":[]}`)), 0, "features[0].geometry.type", RuleUnsupportedType},
		{"geometry not object", fc(feat(`"Polygon"`)), 0, "features[0].geometry", RuleMalformed},
		{"no coordinates", fc(feat(`{"type":"Polygon"}`)), 0, "features[0].geometry.coordinates", RuleMalformed},
		{"coordinates not array", fc(feat(poly(`{"a":1}`))), 0, "features[0].geometry.coordinates", RuleMalformed},
		{"polygon without rings", fc(feat(poly(`[]`))), 0, "features[0].geometry.coordinates", RuleMalformed},
		{"ring not array", fc(feat(poly(`[5]`))), 0, "features[0].geometry.coordinates[0]", RuleMalformed},
		{"multipolygon empty", fc(feat(`{"type":"MultiPolygon","coordinates":[]}`)), 0, "features[0].geometry.coordinates", RuleMalformed},
		{"unclosed ring", fc(feat(poly(`[[[120,36],[121,36],[121,37],[120,37],[120,36.5]]]`))), 0, "features[0].geometry.coordinates[0]", RuleRingNotClosed},
		{"too few points", fc(feat(poly(`[[[120,36],[121,36],[120,36]]]`))), 0, "features[0].geometry.coordinates[0]", RuleTooFewPoints},
		{"non finite", fc(feat(poly(`[[[120,36],[1e400,36],[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleNonFinite},
		{"longitude out of range", fc(feat(poly(`[[[120,36],[181,36],[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleOutOfRange},
		{"latitude out of range", fc(feat(poly(`[[[120,36],[121,36],[121,-90.5],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][2]", RuleOutOfRange},
		{"string coordinate", fc(feat(poly(`[[[120,36],["121",36],[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleMalformed},
		{"one number position", fc(feat(poly(`[[[120,36],[121],[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleMalformed},
		{"null position", fc(feat(poly(`[[[120,36],null,[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleMalformed},
		{"string altitude", fc(feat(poly(`[[[120,36],[121,36,"x"],[121,37],[120,36]]]`))), 0, "features[0].geometry.coordinates[0][1]", RuleMalformed},
		{"zero area", fc(feat(poly(`[[[120,36],[121,37],[122,38],[120,36]]]`))), 0, "features[0].geometry.coordinates[0]", RuleZeroArea},
		{"zero area repeated point", fc(feat(poly(`[[[120,36],[120,36],[120,36],[120,36]]]`))), 0, "features[0].geometry.coordinates[0]", RuleZeroArea},
		{"multipolygon path", fc(feat(poly(unitSquare)), feat(`{"type":"MultiPolygon","coordinates":[`+unitSquare+`,[[[120,36],[121,36],[121,37],[120,36]],[[120.1,36.1],[120.2,36.1],[120.2,95],[120.1,36.1]]]]}`)),
			1, "features[1].geometry.coordinates[1][1][2]", RuleOutOfRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantOne(t, parseErrs(t, c.data), c.feature, c.path, c.rule)
		})
	}
}

func TestValidationMessages(t *testing.T) {
	ves := parseErrs(t, fc(feat(poly(`[[[120,36],[121,36],[121,37],[120,37],[120,36.5]]]`))))
	if !strings.Contains(ves[0].Message, "[120, 36]") || !strings.Contains(ves[0].Message, "[120, 36.5]") || !strings.Contains(ves[0].MessageZH, "未闭合") {
		t.Errorf("unclosed ring message does not name the positions: %+v", ves[0])
	}
	ves = parseErrs(t, fc(feat(poly(`[[[120,36],[200,95],[121,37],[120,36]]]`))))
	if m := ves[0].Message; !strings.Contains(m, "longitude 200") || !strings.Contains(m, "latitude 95") {
		t.Errorf("out-of-range message = %q, want both coordinates named", m)
	}
	ves = parseErrs(t, []byte(`{"type": "FeatureCollection", "features": [}`))
	if !strings.Contains(ves[0].Message, "offset") {
		t.Errorf("malformed JSON message should give the offset: %q", ves[0].Message)
	}
	ves = parseErrs(t, fc(feat(`{"type":"LineString","coordinates":[[1,2],[3,4]]}`)))
	if !strings.Contains(ves[0].Message, `"LineString"`) {
		t.Errorf("unsupported type message should name the type: %q", ves[0].Message)
	}
}

func TestParseFeatureCollectionReportsAllProblems(t *testing.T) {
	data := fc(
		feat(poly(unitSquare)),                                                // fine
		feat(poly(`[[[120,36],[121,36],[121,37],[120,37]]]`)),                 // unclosed
		feat(`{"type":"Point","coordinates":[1,2]}`),                          // unsupported
		feat(poly(`[[[120,36],["a",36],[121,37],[300,37],[120,36]], [[1]]]`)), // three problems
		`{"type":"Feature","properties":5,"geometry":`+poly(`[[[0,0],[1,1],[0,0]]]`)+`}`,
	)
	ves := parseErrs(t, data)
	type key struct {
		feature int
		path    string
		rule    string
	}
	want := []key{
		{1, "features[1].geometry.coordinates[0]", RuleRingNotClosed},
		{2, "features[2].geometry.type", RuleUnsupportedType},
		{3, "features[3].geometry.coordinates[0][1]", RuleMalformed},
		{3, "features[3].geometry.coordinates[0][3]", RuleOutOfRange},
		{3, "features[3].geometry.coordinates[1][0]", RuleMalformed},
		{3, "features[3].geometry.coordinates[1]", RuleTooFewPoints},
		{4, "features[4].properties", RuleMalformed},
		{4, "features[4].geometry.coordinates[0]", RuleTooFewPoints},
	}
	if len(ves) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(ves), len(want), ves)
	}
	for i, w := range want {
		got := key{ves[i].Feature, ves[i].Path, ves[i].Rule}
		if got != w {
			t.Errorf("error %d = %+v, want %+v", i, got, w)
		}
	}
	if !strings.Contains(ves.Error(), "8 problems") {
		t.Errorf("summary = %q", ves.Error())
	}
	var one ValidationError
	if !errors.As(error(ves), &one) || one.Rule != RuleRingNotClosed {
		t.Errorf("errors.As to ValidationError gave %+v", one)
	}
}

func TestValidationErrorsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[[[120,36]`)
	for range 150 {
		b.WriteString(`,[500,36]`)
	}
	b.WriteString(`,[120,36]]]`)
	ves := parseErrs(t, fc(feat(poly(b.String())), feat(poly(`[[[1,2]]]`))))
	if len(ves) != MaxValidationErrors {
		t.Fatalf("got %d errors, want the cap %d", len(ves), MaxValidationErrors)
	}
	if !strings.Contains(ves.Error(), "truncated") {
		t.Errorf("summary should say the list is truncated: %q", ves.Error())
	}
	for i, ve := range ves {
		if want := fmt.Sprintf("features[0].geometry.coordinates[0][%d]", i+1); ve.Path != want || ve.Rule != RuleOutOfRange {
			t.Fatalf("error %d = %s %s, want %s out_of_range", i, ve.Path, ve.Rule, want)
		}
	}
}

func TestZeroAreaOnlyForOuterRings(t *testing.T) {
	// A degenerate hole is tolerated; a real polygon is not zero-area.
	data := fc(feat(poly(`[[[120,36],[121,36],[121,37],[120,37],[120,36]],[[120.2,36.2],[120.4,36.4],[120.6,36.6],[120.2,36.2]]]`)))
	if _, err := ParseFeatureCollection(data); err != nil {
		t.Fatal(err)
	}
	// A very thin but genuine sliver is fine.
	data = fc(feat(poly(`[[[120,36],[120.01,36],[120.01,36.0000001],[120,36]]]`)))
	if _, err := ParseFeatureCollection(data); err != nil {
		t.Fatal(err)
	}
}

func TestParseGeometry(t *testing.T) {
	g, err := ParseGeometry(json.RawMessage(poly(unitSquare)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.(orb.Polygon); !ok {
		t.Fatalf("got %T", g)
	}
	_, err = ParseGeometry(json.RawMessage(poly(`[[[120,36],[121,36],[121,37],[120,37]]]`)))
	var ves ValidationErrors
	if !errors.As(err, &ves) {
		t.Fatalf("err = %v", err)
	}
	wantOne(t, ves, -1, "coordinates[0]", RuleRingNotClosed)
	_, err = ParseGeometry(json.RawMessage(`{"type":"Point","coordinates":[1,2]}`))
	if !errors.As(err, &ves) {
		t.Fatalf("err = %v", err)
	}
	wantOne(t, ves, -1, "type", RuleUnsupportedType)
	_, err = ParseGeometry(json.RawMessage(`{"type":`))
	if !errors.As(err, &ves) {
		t.Fatalf("err = %v", err)
	}
	wantOne(t, ves, -1, "", RuleMalformed)
	_, err = ParseGeometry(json.RawMessage(`null`))
	if !errors.As(err, &ves) {
		t.Fatalf("err = %v", err)
	}
	wantOne(t, ves, -1, "", RuleUnsupportedType)
}

func TestMarshalGeometry(t *testing.T) {
	p := orb.Polygon{{{120, 36}, {120.001, 36}, {120.001, 36.001}, {120, 36}}}
	b, err := MarshalGeometry(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"Polygon","coordinates":[[[120,36],[120.001,36],[120.001,36.001],[120,36]]]}`; string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Shortest round-trip float formatting.
	awkward := orb.Polygon{{{0.1 + 0.2, 1e-7}, {math.Nextafter(120, 121), -0.0}, {179.99999999999997, -89.99999999999999}, {0.1 + 0.2, 1e-7}}}
	mp := orb.MultiPolygon{p, awkward}
	b, err = MarshalGeometry(mp)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseGeometry(b)
	if err != nil {
		t.Fatalf("re-parse %s: %v", b, err)
	}
	if !orb.Equal(back, mp) {
		t.Errorf("round trip changed the geometry:\n%v\n%v", mp, back)
	}

	others := map[string]orb.Geometry{
		`{"type":"Point","coordinates":[1,2]}`:                                              orb.Point{1, 2},
		`{"type":"MultiPoint","coordinates":[]}`:                                            orb.MultiPoint(nil),
		`{"type":"LineString","coordinates":[[1,2],[3,4]]}`:                                 orb.LineString{{1, 2}, {3, 4}},
		`{"type":"MultiLineString","coordinates":[[[1,2],[3,4]]]}`:                          orb.MultiLineString{{{1, 2}, {3, 4}}},
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`:                      orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}},
		`{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,1],[0,1],[0,0]]]}`:                orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 1}},
		`{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}`: orb.Collection{orb.Point{1, 2}},
	}
	for want, g := range others {
		b, err := MarshalGeometry(g)
		if err != nil || string(b) != want {
			t.Errorf("MarshalGeometry(%#v) = %s, %v; want %s", g, b, err, want)
		}
	}
	if _, err := MarshalGeometry(nil); err == nil {
		t.Error("nil geometry marshalled")
	}
	if _, err := MarshalGeometry(orb.Polygon{{{math.NaN(), 0}}}); err == nil {
		t.Error("NaN coordinate marshalled")
	}
	if _, err := MarshalGeometry(orb.Collection{orb.Point{math.Inf(1), 0}}); err == nil {
		t.Error("Inf coordinate in a collection marshalled")
	}
}

func TestBound(t *testing.T) {
	g := orb.MultiPolygon{
		{{{120, 36}, {121, 36}, {121, 37}, {120, 36}}},
		{{{119, 35.5}, {119.5, 35.5}, {119.5, 36}, {119, 35.5}}},
	}
	if b := Bound(g); b != (orb.Bound{Min: orb.Point{119, 35.5}, Max: orb.Point{121, 37}}) {
		t.Errorf("Bound = %v", b)
	}
	if !Bound(nil).IsEmpty() || !Bound(orb.Polygon{}).IsEmpty() {
		t.Error("empty geometries should have an empty bound")
	}
}

var knownRules = map[string]bool{
	RuleMalformed: true, RuleUnsupportedType: true, RuleRingNotClosed: true,
	RuleTooFewPoints: true, RuleNonFinite: true, RuleOutOfRange: true, RuleZeroArea: true,
}

// FuzzParseFeatureCollection: parsing never panics; failures are
// well-formed ValidationErrors; successes survive MarshalGeometry +
// ParseGeometry unchanged and can be indexed.
func FuzzParseFeatureCollection(f *testing.F) {
	f.Add(fc(feat(poly(unitSquare))))
	f.Fuzz(func(t *testing.T, data []byte) {
		features, err := ParseFeatureCollection(data)
		if err != nil {
			if features != nil {
				t.Fatal("features returned alongside an error")
			}
			var ves ValidationErrors
			if !errors.As(err, &ves) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if len(ves) == 0 || len(ves) > MaxValidationErrors {
				t.Fatalf("%d validation errors", len(ves))
			}
			for _, ve := range ves {
				if !knownRules[ve.Rule] || ve.Message == "" || ve.MessageZH == "" {
					t.Fatalf("bad validation error %+v", ve)
				}
			}
			return
		}
		items := make([]Item, 0, len(features))
		for i, ft := range features {
			if ft.Index != i {
				t.Fatalf("feature %d has Index %d", i, ft.Index)
			}
			switch ft.Geometry.(type) {
			case orb.Polygon, orb.MultiPolygon:
			default:
				t.Fatalf("feature %d: geometry %T", i, ft.Geometry)
			}
			b, err := MarshalGeometry(ft.Geometry)
			if err != nil {
				t.Fatalf("feature %d: marshal: %v", i, err)
			}
			g, err := ParseGeometry(b)
			if err != nil {
				t.Fatalf("feature %d: re-parse of %s: %v", i, b, err)
			}
			if !orb.Equal(g, ft.Geometry) {
				t.Fatalf("feature %d: round trip changed the geometry\nbefore %v\nafter  %v", i, ft.Geometry, g)
			}
			items = append(items, Item{Code: fmt.Sprint(i), Geometry: ft.Geometry})
		}
		ix := NewIndex(items)
		if ix.Len() != len(items) {
			t.Fatalf("indexed %d of %d items", ix.Len(), len(items))
		}
		for _, it := range items {
			b := it.Geometry.Bound()
			ix.Locate(b.Min[0], b.Min[1])
			ix.Locate((b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
		}
	})
}
