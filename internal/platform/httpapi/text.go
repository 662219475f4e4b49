package httpapi

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Text rules: what CheckText refuses. A control character or an invisible
// bidi control stored in a name or a title breaks exports and logs, and a
// right-to-left override makes "exe.txt" look like "txt.exe" on screen.
const (
	RuleUTF8        = "utf8"
	RuleControlChar = "control_char"
	RuleBidiControl = "bidi_control"
)

// CheckText reports the first character of s that a text field must not
// hold: invalid UTF-8, a C0 control other than tab, newline and carriage
// return, DEL, a C1 control (U+0080–U+009F), or a bidi control (U+061C,
// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). field names the value in
// the messages; nil means s is clean. A clean string costs one pass over its
// bytes and no allocation.
func CheckText(field, s string) *errs.FieldError {
	i, r, ok := firstBad(s)
	if ok {
		return nil
	}
	return textProblem(field, s, i, r)
}

// firstBad finds the byte offset of the first refused character, or ok.
// r is utf8.RuneError for a byte that starts no valid UTF-8 sequence.
func firstBad(s string) (i int, r rune, ok bool) {
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
				return i, rune(b), false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || refused(r) {
			return i, r, false
		}
		i += size
	}
	return 0, 0, true
}

func refused(r rune) bool {
	return r >= 0x80 && r <= 0x9f || isBidi(r)
}

func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// textProblem words the refusal of the character at byte i of s.
func textProblem(field, s string, i int, r rune) *errs.FieldError {
	if field == "" {
		field = "body"
	}
	pos := utf8.RuneCountInString(s[:i]) + 1
	switch {
	case r == utf8.RuneError:
		return &errs.FieldError{Field: field, Rule: RuleUTF8,
			Detail:   fmt.Sprintf("%s is not valid UTF-8 text (at character %d)", field, pos),
			DetailZH: fmt.Sprintf("%s 不是有效的 UTF-8 文本（第 %d 个字符处）", field, pos)}
	case isBidi(r):
		return &errs.FieldError{Field: field, Rule: RuleBidiControl,
			Detail:   fmt.Sprintf("%s holds the invisible text-direction control U+%04X at character %d; remove it", field, r, pos),
			DetailZH: fmt.Sprintf("%s 第 %d 个字符是不可见的文字方向控制符 U+%04X，请删除", field, pos, r)}
	default:
		return &errs.FieldError{Field: field, Rule: RuleControlChar,
			Detail:   fmt.Sprintf("%s holds the control character U+%04X at character %d; only tab and line breaks are allowed", field, r, pos),
			DetailZH: fmt.Sprintf("%s 第 %d 个字符是控制字符 U+%04X，只允许制表符和换行", field, pos, r)}
	}
}

// textIssue is a refused string found by checkValue; the path is built on
// the way back up (innermost segment first), so that clean values cost no
// allocation.
type textIssue struct {
	segs []string // reversed: innermost first; each ".name" or "[i]"
	s    string
	at   int
	r    rune
	// sub is the path inside a JSON text (json.RawMessage), already rendered.
	sub string
}

func (t *textIssue) in(seg string) *textIssue {
	if seg != "" {
		t.segs = append(t.segs, seg)
	}
	return t
}

func (t *textIssue) fieldError() *errs.FieldError {
	var b strings.Builder
	for i := len(t.segs) - 1; i >= 0; i-- {
		b.WriteString(t.segs[i])
	}
	b.WriteString(t.sub)
	return textProblem(strings.TrimPrefix(b.String(), "."), t.s, t.at, t.r)
}

// checkValue walks every string reachable from v — struct fields by their
// JSON names, map keys and values, slice elements, pointers, interfaces and
// the string values inside json.RawMessage — and reports the first refused.
func checkValue(v reflect.Value) *errs.FieldError {
	if t := walkText(v); t != nil {
		return t.fieldError()
	}
	return nil
}

func walkText(v reflect.Value) *textIssue {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if i, r, ok := firstBad(s); !ok {
			return &textIssue{s: s, at: i, r: r}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return walkText(v.Elem())
		}
	case reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			if !f.text {
				continue
			}
			fv, err := v.FieldByIndexErr(f.index)
			if err != nil { // through a nil embedded pointer: nothing decoded there
				continue
			}
			if t := walkText(fv); t != nil {
				return t.in(member(f.name))
			}
		}
	case reflect.Slice:
		if v.Type() == rawMessageType {
			return walkRaw(v.Bytes())
		}
		fallthrough
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 || !hasText(v.Type().Elem()) {
			return nil // bytes (base64 in JSON) are not text
		}
		for i := range v.Len() {
			if t := walkText(v.Index(i)); t != nil {
				return t.in(index(i))
			}
		}
	case reflect.Map:
		if v.Len() == 0 || !hasText(v.Type().Key()) && !hasText(v.Type().Elem()) {
			return nil
		}
		// SetIterKey/SetIterValue copy into two values made once, where
		// Key and Value would allocate per entry.
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		for it := v.MapRange(); it.Next(); {
			k.SetIterKey(it)
			if t := walkText(k); t != nil {
				return t // the key itself is refused: name the map, not the key
			}
			e.SetIterValue(it)
			if t := walkText(e); t != nil {
				return t.in(mapKey(k))
			}
		}
	}
	return nil
}

// walkRaw checks the strings inside a JSON text held as json.RawMessage. A
// text of printable ASCII without escapes (numbers, coordinates) holds
// nothing to refuse and is not tokenized.
func walkRaw(raw []byte) *textIssue {
	if plainASCII(raw) {
		return nil
	}
	var found *textIssue
	_, _ = walkTokens(raw, func(tk token) bool {
		s, ok := tk.tok.(string)
		if !ok {
			return true
		}
		if i, r, clean := firstBad(s); !clean {
			found = &textIssue{s: s, at: i, r: r, sub: tk.path()}
			return false
		}
		return true
	})
	return found
}

func plainASCII(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x7f {
			return false
		}
	}
	return true
}

// member is the path segment of an object member; a key that is no name
// (empty, or with dots or spaces) is quoted: extra["a.b"].
func member(name string) string {
	if simpleKey(name) {
		return "." + name
	}
	return "[" + strconv.Quote(name) + "]"
}

func index(i int) string { return "[" + strconv.Itoa(i) + "]" }

func mapKey(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return member(k.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return member(strconv.FormatInt(k.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return member(strconv.FormatUint(k.Uint(), 10))
	}
	return ""
}

// simpleKey tells whether a key can follow a dot in a field path.
func simpleKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
