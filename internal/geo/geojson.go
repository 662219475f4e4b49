package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Feature is one boundary read from a GeoJSON FeatureCollection.
type Feature struct {
	// Index is the position of the feature in the collection's "features"
	// array.
	Index int
	// Properties is the feature's "properties" object, decoded with
	// encoding/json defaults (numbers are float64); nil if absent or null.
	Properties map[string]any
	// Geometry is an orb.Polygon or an orb.MultiPolygon in lng/lat order.
	// Rings are kept closed (first position == last position), as in the
	// source document.
	Geometry orb.Geometry
}

// Validation rule identifiers, stable for API clients (ValidationError.Rule).
const (
	RuleMalformed       = "malformed"
	RuleUnsupportedType = "unsupported_type"
	RuleRingNotClosed   = "ring_not_closed"
	RuleTooFewPoints    = "too_few_points"
	RuleNonFinite       = "non_finite"
	RuleOutOfRange      = "out_of_range"
	RuleZeroArea        = "zero_area"
)

// MaxValidationErrors caps how many problems one parse reports.
const MaxValidationErrors = 100

// ValidationError describes one problem in a GeoJSON document, in English
// and in Chinese.
type ValidationError struct {
	// Feature is the index of the offending feature, or -1 for problems
	// outside any feature (the document itself, or a bare geometry parsed
	// with ParseGeometry).
	Feature int `json:"feature"`
	// Path locates the problem in the document, JSONPath-like without the
	// leading "$", e.g. "features[3].geometry.coordinates[0][5]". It is
	// empty when the problem is the whole document.
	Path string `json:"path"`
	// Rule is one of the Rule* constants.
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
}

// Error returns the English description, prefixed with the path.
func (e ValidationError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ValidationErrors lists every problem found in a document (at most
// MaxValidationErrors). The parse functions of this package always report
// problems as a non-empty ValidationErrors.
type ValidationErrors []ValidationError

// Error summarises the list in English.
func (es ValidationErrors) Error() string {
	switch len(es) {
	case 0:
		return "geojson: no errors"
	case 1:
		return "geojson: " + es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "geojson: %d problems", len(es))
	if len(es) >= MaxValidationErrors {
		b.WriteString(" (list truncated)")
	}
	b.WriteString(": ")
	const shown = 3
	for i, e := range es {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(es)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap exposes the individual errors, so errors.As can extract a
// ValidationError from the list.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// collector accumulates validation errors up to the cap.
type collector struct {
	errs    ValidationErrors
	feature int
}

func (c *collector) full() bool { return len(c.errs) >= MaxValidationErrors }

func (c *collector) add(path, rule, en, zh string) {
	if c.full() {
		return
	}
	c.errs = append(c.errs, ValidationError{Feature: c.feature, Path: path, Rule: rule, Message: en, MessageZH: zh})
}

func (c *collector) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func indexPath(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}

// malformedJSON builds the single error reported for a syntactically
// invalid document.
func malformedJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return ValidationErrors{{Feature: -1, Rule: RuleMalformed,
			Message:   fmt.Sprintf("invalid JSON at byte offset %d: %v", se.Offset, se),
			MessageZH: fmt.Sprintf("JSON 格式错误（第 %d 字节处）", se.Offset),
		}}
	}
	msg := "invalid JSON"
	if err != nil {
		msg += ": " + err.Error()
	}
	return ValidationErrors{{Feature: -1, Rule: RuleMalformed, Message: msg, MessageZH: "JSON 格式错误"}}
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(raw []byte) (en, zh string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing", "空值"
	}
	switch raw[0] {
	case '{':
		return "an object", "对象"
	case '[':
		return "an array", "数组"
	case '"':
		return "a string", "字符串"
	case 't', 'f':
		return "a boolean", "布尔值"
	case 'n':
		return "null", "null"
	}
	return "a number", "数字"
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// ParseFeatureCollection reads a GeoJSON FeatureCollection whose features
// carry Polygon or MultiPolygon geometries, validating every geometry.
//
// On success it returns one Feature per element of "features" (an empty
// collection yields an empty slice). Otherwise the error is a
// ValidationErrors listing every problem found, capped at
// MaxValidationErrors; a document that is not valid JSON yields a single
// error with rule "malformed", and a top-level value that is not a
// FeatureCollection object a single error with rule "unsupported_type".
func ParseFeatureCollection(data []byte) ([]Feature, error) {
	if !json.Valid(data) {
		return nil, malformedJSON(data)
	}
	c := &collector{feature: -1}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil { // top == nil: "null"
		kind, kindZH := jsonKind(data)
		c.add("", RuleUnsupportedType,
			fmt.Sprintf("top-level value must be a GeoJSON FeatureCollection object, got %s", kind),
			fmt.Sprintf("顶层必须是 GeoJSON FeatureCollection 对象，实际为%s", kindZH))
		return nil, c.err()
	}
	var typ string
	if raw, ok := top["type"]; !ok || json.Unmarshal(raw, &typ) != nil || typ != "FeatureCollection" {
		got, gotZH := describeType(raw, ok)
		c.add("type", RuleUnsupportedType,
			fmt.Sprintf("top-level type must be \"FeatureCollection\", got %s", got),
			fmt.Sprintf("顶层 type 必须为 \"FeatureCollection\"，实际为%s", gotZH))
		return nil, c.err()
	}
	rawFeatures, ok := top["features"]
	var items []json.RawMessage
	if !ok || isNull(rawFeatures) || json.Unmarshal(rawFeatures, &items) != nil {
		c.add("features", RuleMalformed,
			"\"features\" must be an array of Feature objects",
			"\"features\" 必须是 Feature 对象数组")
		return nil, c.err()
	}
	features := make([]Feature, 0, len(items))
	for i, raw := range items {
		if c.full() {
			break
		}
		c.feature = i
		f, ok := c.parseFeature(raw, indexPath("features", i))
		if ok {
			f.Index = i
			features = append(features, f)
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return features, nil
}

// describeType renders the value of a "type" member for error messages.
func describeType(raw json.RawMessage, present bool) (en, zh string) {
	if !present {
		return "no type member", "缺少 type 字段"
	}
	if isNull(raw) {
		return "null", "null"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strconv.Quote(s), strconv.Quote(s)
	}
	return jsonKind(raw)
}

func (c *collector) parseFeature(raw json.RawMessage, path string) (Feature, bool) {
	var obj map[string]json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &obj) != nil {
		kind, kindZH := jsonKind(raw)
		c.add(path, RuleMalformed,
			fmt.Sprintf("feature must be a JSON object, got %s", kind),
			fmt.Sprintf("要素必须是 JSON 对象，实际为%s", kindZH))
		return Feature{}, false
	}
	before := len(c.errs)
	var typ string
	if rawType, ok := obj["type"]; !ok || json.Unmarshal(rawType, &typ) != nil || typ != "Feature" {
		got, gotZH := describeType(rawType, ok)
		c.add(joinPath(path, "type"), RuleUnsupportedType,
			fmt.Sprintf("feature type must be \"Feature\", got %s", got),
			fmt.Sprintf("要素 type 必须为 \"Feature\"，实际为%s", gotZH))
	}
	var props map[string]any
	if rawProps, ok := obj["properties"]; ok && !isNull(rawProps) {
		if err := json.Unmarshal(rawProps, &props); err != nil {
			kind, kindZH := jsonKind(rawProps)
			if kind == "an object" {
				// An object that still fails to decode: a number out of
				// float64 range such as 1e400.
				c.add(joinPath(path, "properties"), RuleMalformed,
					fmt.Sprintf("properties cannot be decoded: %v", err),
					fmt.Sprintf("properties 无法解析：%v", err))
			} else {
				c.add(joinPath(path, "properties"), RuleMalformed,
					fmt.Sprintf("properties must be an object or null, got %s", kind),
					fmt.Sprintf("properties 必须是对象或 null，实际为%s", kindZH))
			}
		}
	}
	g := c.parseGeometry(obj["geometry"], joinPath(path, "geometry"))
	if len(c.errs) != before || g == nil {
		return Feature{}, false
	}
	return Feature{Properties: props, Geometry: g}, true
}

// ParseGeometry reads and validates one GeoJSON geometry object, which must
// be a Polygon or a MultiPolygon. Errors are a ValidationErrors whose paths
// are relative to the geometry object (e.g. "coordinates[0][5]") and whose
// Feature is -1.
func ParseGeometry(raw json.RawMessage) (orb.Geometry, error) {
	if !json.Valid(raw) {
		return nil, malformedJSON(raw)
	}
	c := &collector{feature: -1}
	g := c.parseGeometry(raw, "")
	if err := c.err(); err != nil {
		return nil, err
	}
	return g, nil
}

// parseGeometry validates a geometry member; it returns nil (having
// recorded at least one error) when the geometry is unusable.
func (c *collector) parseGeometry(raw json.RawMessage, path string) orb.Geometry {
	if isNull(raw) {
		c.add(path, RuleUnsupportedType,
			"geometry is missing or null; a Polygon or MultiPolygon is required",
			"geometry 缺失或为 null，必须是 Polygon 或 MultiPolygon")
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		kind, kindZH := jsonKind(raw)
		c.add(path, RuleMalformed,
			fmt.Sprintf("geometry must be a JSON object, got %s", kind),
			fmt.Sprintf("geometry 必须是 JSON 对象，实际为%s", kindZH))
		return nil
	}
	var typ string
	rawType, ok := obj["type"]
	if !ok || json.Unmarshal(rawType, &typ) != nil || (typ != "Polygon" && typ != "MultiPolygon") {
		got, gotZH := describeType(rawType, ok)
		c.add(joinPath(path, "type"), RuleUnsupportedType,
			fmt.Sprintf("geometry type must be \"Polygon\" or \"MultiPolygon\", got %s", got),
			fmt.Sprintf("geometry 类型必须为 \"Polygon\" 或 \"MultiPolygon\"，实际为%s", gotZH))
		return nil
	}
	cpath := joinPath(path, "coordinates")
	rawCoords, ok := obj["coordinates"]
	if !ok || isNull(rawCoords) {
		c.add(cpath, RuleMalformed,
			"coordinates member is missing or null",
			"coordinates 字段缺失或为 null")
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(rawCoords))
	dec.UseNumber()
	var coords any
	if err := dec.Decode(&coords); err != nil {
		c.add(cpath, RuleMalformed,
			fmt.Sprintf("coordinates cannot be decoded: %v", err),
			fmt.Sprintf("coordinates 无法解析：%v", err))
		return nil
	}
	before := len(c.errs)
	var g orb.Geometry
	if typ == "Polygon" {
		g = c.parsePolygon(coords, cpath)
	} else {
		arr, isArr := coords.([]any)
		switch {
		case !isArr:
			c.add(cpath, RuleMalformed,
				"MultiPolygon coordinates must be an array of polygons",
				"MultiPolygon 的 coordinates 必须是多边形数组")
		case len(arr) == 0:
			c.add(cpath, RuleMalformed,
				"MultiPolygon has no polygons",
				"MultiPolygon 不包含任何多边形")
		default:
			mp := make(orb.MultiPolygon, len(arr))
			for i, p := range arr {
				if c.full() {
					break
				}
				mp[i] = c.parsePolygon(p, indexPath(cpath, i))
			}
			g = mp
		}
	}
	if len(c.errs) != before {
		return nil
	}
	return g
}

func (c *collector) parsePolygon(v any, path string) orb.Polygon {
	arr, ok := v.([]any)
	if !ok {
		c.add(path, RuleMalformed,
			"polygon coordinates must be an array of linear rings",
			"多边形坐标必须是线性环数组")
		return nil
	}
	if len(arr) == 0 {
		c.add(path, RuleMalformed,
			"polygon has no rings",
			"多边形不包含任何环")
		return nil
	}
	poly := make(orb.Polygon, len(arr))
	for i, r := range arr {
		if c.full() {
			break
		}
		poly[i] = c.parseRing(r, indexPath(path, i), i == 0)
	}
	return poly
}

func (c *collector) parseRing(v any, path string, outer bool) orb.Ring {
	arr, ok := v.([]any)
	if !ok {
		c.add(path, RuleMalformed,
			"linear ring must be an array of positions",
			"线性环必须是坐标点数组")
		return nil
	}
	ring := make(orb.Ring, len(arr))
	allValid := true
	for i, p := range arr {
		if c.full() {
			return nil
		}
		pt, ok := c.parsePosition(p, indexPath(path, i))
		ring[i] = pt
		allValid = allValid && ok
	}
	if len(arr) < 4 {
		c.add(path, RuleTooFewPoints,
			fmt.Sprintf("linear ring has %d positions; at least 4 are required (3 distinct points plus the closing one)", len(arr)),
			fmt.Sprintf("线性环只有 %d 个坐标点，至少需要 4 个（3 个不同点加 1 个闭合点）", len(arr)))
	}
	if !allValid || len(arr) < 2 {
		return ring
	}
	if ring[0] != ring[len(ring)-1] {
		last := len(ring) - 1
		c.add(path, RuleRingNotClosed,
			fmt.Sprintf("linear ring is not closed: first position %s differs from last position %s (index %d)",
				fmtPoint(ring[0]), fmtPoint(ring[last]), last),
			fmt.Sprintf("线性环未闭合：首点 %s 与末点 %s（下标 %d）不一致",
				fmtPoint(ring[0]), fmtPoint(ring[last]), last))
		return ring
	}
	if outer && len(arr) >= 4 && zeroArea(ring) {
		c.add(path, RuleZeroArea,
			"outer ring has zero area (all positions are collinear or coincide)",
			"外环面积为零（所有点共线或重合）")
	}
	return ring
}

func fmtPoint(p orb.Point) string {
	return "[" + strconv.FormatFloat(p[0], 'g', -1, 64) + ", " + strconv.FormatFloat(p[1], 'g', -1, 64) + "]"
}

// parsePosition validates one position: an array of at least two numbers,
// finite, with longitude in [-180,180] and latitude in [-90,90]. Extra
// elements (altitude) must be finite numbers too and are dropped.
func (c *collector) parsePosition(v any, path string) (orb.Point, bool) {
	arr, ok := v.([]any)
	if !ok {
		c.add(path, RuleMalformed,
			fmt.Sprintf("position must be an array of numbers [lng, lat], got %s", goKind(v)),
			fmt.Sprintf("坐标点必须是数字数组 [经度, 纬度]，实际为%s", goKindZH(v)))
		return orb.Point{}, false
	}
	if len(arr) < 2 {
		c.add(path, RuleMalformed,
			fmt.Sprintf("position must have at least 2 numbers [lng, lat], got %d", len(arr)),
			fmt.Sprintf("坐标点至少需要 2 个数字 [经度, 纬度]，实际只有 %d 个", len(arr)))
		return orb.Point{}, false
	}
	var vals [2]float64
	for k, e := range arr {
		num, isNum := e.(json.Number)
		if !isNum {
			c.add(path, RuleMalformed,
				fmt.Sprintf("position element %d must be a number, got %s", k, goKind(e)),
				fmt.Sprintf("坐标点第 %d 个元素必须是数字，实际为%s", k, goKindZH(e)))
			return orb.Point{}, false
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			c.add(path, RuleNonFinite,
				fmt.Sprintf("position element %d (%s) is not a finite float64", k, num),
				fmt.Sprintf("坐标点第 %d 个元素（%s）超出双精度浮点数范围", k, num))
			return orb.Point{}, false
		}
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			c.add(path, RuleMalformed,
				fmt.Sprintf("position element %d (%s) is not a valid number", k, num),
				fmt.Sprintf("坐标点第 %d 个元素（%s）不是有效数字", k, num))
			return orb.Point{}, false
		}
		if k < 2 {
			vals[k] = f
		}
	}
	lng, lat := vals[0], vals[1]
	var en, zh []string
	if lng < -180 || lng > 180 {
		en = append(en, fmt.Sprintf("longitude %g is outside [-180, 180]", lng))
		zh = append(zh, fmt.Sprintf("经度 %g 超出 [-180, 180]", lng))
	}
	if lat < -90 || lat > 90 {
		en = append(en, fmt.Sprintf("latitude %g is outside [-90, 90]", lat))
		zh = append(zh, fmt.Sprintf("纬度 %g 超出 [-90, 90]", lat))
	}
	if len(en) > 0 {
		c.add(path, RuleOutOfRange, strings.Join(en, "; ")+" (positions are [lng, lat])",
			strings.Join(zh, "；")+"（坐标顺序为 [经度, 纬度]）")
		return orb.Point{}, false
	}
	return orb.Point{lng, lat}, true
}

func goKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func goKindZH(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "字符串"
	case bool:
		return "布尔值"
	case json.Number:
		return "数字"
	case []any:
		return "数组"
	case map[string]any:
		return "对象"
	}
	return fmt.Sprintf("%T", v)
}

// zeroArea reports whether a closed ring encloses no area. The shoelace sum
// is taken relative to the first vertex to limit cancellation, and compared
// against the bounding-box area so that rounding noise on collinear
// vertices still counts as zero.
func zeroArea(r orb.Ring) bool {
	x0, y0 := r[0][0], r[0][1]
	minX, maxX, minY, maxY := x0, x0, y0, y0
	var sum float64
	for i := 1; i < len(r)-1; i++ {
		ax, ay := r[i][0]-x0, r[i][1]-y0
		bx, by := r[i+1][0]-x0, r[i+1][1]-y0
		sum += ax*by - bx*ay
	}
	for _, p := range r {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	box := (maxX - minX) * (maxY - minY)
	return box == 0 || math.Abs(sum)/2 <= 1e-12*box
}

// geometryJSON is the wire form of a GeoJSON geometry.
type geometryJSON struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type collectionJSON struct {
	Type       string            `json:"type"`
	Geometries []json.RawMessage `json:"geometries"`
}

// MarshalGeometry encodes g as a GeoJSON geometry object. Polygon and
// MultiPolygon are the types this package deals in, but every orb geometry
// is supported (orb.Ring and orb.Bound become Polygons, orb.Collection a
// GeometryCollection). Non-finite coordinates are an error, since JSON
// cannot represent them. Numbers are written in the shortest form that
// parses back to the identical float64.
func MarshalGeometry(g orb.Geometry) ([]byte, error) {
	var out any
	switch g := g.(type) {
	case nil:
		return nil, errors.New("geo: cannot marshal a nil geometry")
	case orb.Point:
		out = geometryJSON{"Point", g}
	case orb.MultiPoint:
		out = geometryJSON{"MultiPoint", nonNil(g)}
	case orb.LineString:
		out = geometryJSON{"LineString", nonNil(g)}
	case orb.MultiLineString:
		out = geometryJSON{"MultiLineString", nonNil(g)}
	case orb.Ring:
		out = geometryJSON{"Polygon", orb.Polygon{g}}
	case orb.Polygon:
		out = geometryJSON{"Polygon", nonNil(g)}
	case orb.MultiPolygon:
		out = geometryJSON{"MultiPolygon", nonNil(g)}
	case orb.Bound:
		out = geometryJSON{"Polygon", g.ToPolygon()}
	case orb.Collection:
		cj := collectionJSON{Type: "GeometryCollection", Geometries: make([]json.RawMessage, 0, len(g))}
		for _, sub := range g {
			b, err := MarshalGeometry(sub)
			if err != nil {
				return nil, err
			}
			cj.Geometries = append(cj.Geometries, b)
		}
		out = cj
	default:
		return nil, fmt.Errorf("geo: cannot marshal geometry of type %T", g)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("geo: marshal %s: %w", g.GeoJSONType(), err)
	}
	return b, nil
}

// nonNil makes nil slices encode as [] rather than null.
func nonNil[S ~[]E, E any](s S) S {
	if s == nil {
		return S{}
	}
	return s
}

// Bound returns the bounding box of g; a nil or empty geometry yields an
// empty bound (Bound.IsEmpty reports true).
func Bound(g orb.Geometry) orb.Bound {
	if g == nil {
		return orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
	}
	return g.Bound()
}
