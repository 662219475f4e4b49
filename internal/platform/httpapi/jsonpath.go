package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// frame is one open object or array while tokenizing.
type frame struct {
	obj     bool
	wantKey bool   // obj: the next string is a key
	key     string // obj: the member being read
	index   int    // array: the element being read
}

// token is one JSON token with its byte range and, through path, the field
// path of the value it belongs to (for a key: the object holding it).
type token struct {
	tok        json.Token
	key        bool
	start, end int64
	stack      []frame
}

// path keeps the leading dot of a member (".title"), so that it can be
// appended to the path of the value holding the JSON text.
func (t token) path() string { return stackPath(t.stack) }

func stackPath(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		switch {
		case !f.obj:
			b.WriteString(index(f.index))
		case !f.wantKey:
			b.WriteString(member(f.key))
		}
	}
	return b.String()
}

// walkTokens calls visit for each token of data in order until it returns
// false; the error is the tokenizer's (a syntax error), nil at the end. On
// an error, bad is the token that could not be read, with its start and
// the stack it would have had.
func walkTokens(data []byte, visit func(token) bool) (bad token, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return token{}, nil
		}
		if err != nil {
			return token{start: start, end: int64(len(data)), stack: stack}, err
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		isKey := top != nil && top.obj && top.wantKey
		if !visit(token{tok: tok, key: isKey, start: start, end: dec.InputOffset(), stack: stack}) {
			return token{}, nil
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{obj: true, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if isKey {
				top.key, _ = tok.(string)
				top.wantKey = false
				continue
			}
		}
		// A value ended: the enclosing object wants a key, the array
		// moves to its next element.
		if n := len(stack); n > 0 {
			if f := &stack[n-1]; f.obj {
				f.wantKey = true
			} else {
				f.index++
			}
		}
	}
}

// pathAt is the field path of the token holding byte off of data, "" when
// the byte lies outside any value. When the tokenizer stops at a token
// starting at or before off (a raw control character in a string makes the
// string a syntax error), the path is the one that token would have had.
func pathAt(data []byte, off int64) string {
	found, path := false, ""
	bad, err := walkTokens(data, func(t token) bool {
		if off < t.start || off >= t.end {
			return true
		}
		found, path = true, t.path()
		return false
	})
	if !found && err != nil && inString(data, bad.start, off) {
		path = bad.path()
	}
	return strings.TrimPrefix(path, ".")
}

// inString tells whether the token starting at byte start (maybe after
// separators) is a string that begins before byte off.
func inString(data []byte, start, off int64) bool {
	for i := start; i < off && i < int64(len(data)); i++ {
		switch data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			continue
		case '"':
			return true
		}
		return false
	}
	return false
}

// loneSurrogate finds a \u escape of half a UTF-16 surrogate pair, which
// encoding/json would silently turn into U+FFFD like invalid UTF-8. data
// must be valid JSON.
func loneSurrogate(data []byte) (int64, bool) {
	if !bytes.Contains(data, []byte(`\u`)) {
		return 0, false
	}
	in := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 >= len(data) {
				return 0, false
			}
			if data[i+1] != 'u' || i+5 >= len(data) {
				i++ // the escaped character
				continue
			}
			r := hex4(data[i+2 : i+6])
			switch {
			case r >= 0xd800 && r <= 0xdbff:
				if i+11 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
					if lo := hex4(data[i+8 : i+12]); lo >= 0xdc00 && lo <= 0xdfff {
						i += 11
						continue
					}
				}
				return int64(i), true
			case r >= 0xdc00 && r <= 0xdfff:
				return int64(i), true
			}
			i += 5
		}
	}
	return 0, false
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

// problemClass is what encoding/json complained about, so that the locator
// finds the value that caused that complaint and not another.
type problemClass int

const (
	typeProblem    problemClass = iota // *json.UnmarshalTypeError
	unknownProblem                     // a member no field takes
	valueProblem                       // an error from a type's own UnmarshalJSON or UnmarshalText
)

// located is the value that encoding/json refused.
type located struct {
	path string
	typ  reflect.Type
	err  error
}

// locator walks a JSON text along the Go type it is decoded into, to name
// the first refused value with its full path (members[2].name): the
// decoder's own errors give only struct field names, or nothing at all for
// an UnmarshalJSON error. It runs only after decoding has failed.
type locator struct {
	class problemClass
	found located
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func unmarshals(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshaler) || pt.Implements(jsonUnmarshaler) || t.Implements(textUnmarshaler) || pt.Implements(textUnmarshaler)
}

func (l *locator) value(raw []byte, t reflect.Type, path string) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 || raw[0] == 'n' { // null is taken by every type
		return false
	}
	for t.Kind() == reflect.Pointer && !unmarshals(t) {
		t = t.Elem()
	}
	if unmarshals(t) {
		return l.leaf(raw, t, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			return l.leaf(raw, t, path)
		}
		fs := fieldsOf(t)
		return l.members(raw, path, func(key string, val []byte) bool {
			f, ok := lookup(fs, key)
			if !ok {
				if l.class == unknownProblem {
					l.found = located{path: path + member(key)}
					return true
				}
				return false
			}
			return l.value(val, f.typ, path+member(f.name))
		})
	case reflect.Map:
		if raw[0] != '{' {
			return l.leaf(raw, t, path)
		}
		return l.members(raw, path, func(key string, val []byte) bool {
			if kt := t.Key(); l.class == typeProblem && !keyFits(key, kt) {
				l.found = located{path: path, typ: kt, err: &json.UnmarshalTypeError{Value: "number " + key, Type: kt}}
				return true
			}
			return l.value(val, t.Elem(), path+member(key))
		})
	case reflect.Slice, reflect.Array:
		if raw[0] != '[' {
			return l.leaf(raw, t, path)
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for i, item := range items {
			if l.value(item, t.Elem(), path+index(i)) {
				return true
			}
		}
		return false
	case reflect.Interface:
		return false // any takes any JSON value
	}
	return l.leaf(raw, t, path)
}

// keyFits tells whether a JSON object key can be a key of Go type kt:
// integer map keys are written as strings of digits.
func keyFits(key string, kt reflect.Type) bool {
	switch kt.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err := strconv.ParseInt(key, 10, kt.Bits())
		return err == nil || unmarshals(kt)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		_, err := strconv.ParseUint(key, 10, kt.Bits())
		return err == nil || unmarshals(kt)
	}
	return true
}

// members calls fn for each member of the JSON object raw, in order.
func (l *locator) members(raw []byte, path string, fn func(key string, val []byte) bool) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return false
		}
		if fn(key, val) {
			return true
		}
	}
	return false
}

// leaf decodes one value alone into a fresh value of type t.
func (l *locator) leaf(raw []byte, t reflect.Type, path string) bool {
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return false
	}
	var typ *json.UnmarshalTypeError
	class := valueProblem
	if errors.As(err, &typ) {
		class = typeProblem
	}
	if class != l.class {
		return false
	}
	l.found = located{path: path, typ: t, err: err}
	return true
}

// locate finds the value behind a decoding error of class c in body, which
// was decoded into a value of type t.
func locate(body []byte, t reflect.Type, c problemClass) (located, bool) {
	l := &locator{class: c}
	if !l.value(body, t, "") {
		return located{}, false
	}
	l.found.path = strings.TrimPrefix(l.found.path, ".")
	return l.found, true
}
