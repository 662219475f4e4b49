package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
)

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// field is one JSON member of a struct type, embedded structs flattened as
// encoding/json flattens them.
type field struct {
	name  string
	index []int
	typ   reflect.Type
	text  bool // the value can hold a string (see hasText)
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf lists the JSON members of struct type t, computed once per type.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	fs, _ := fieldCache.LoadOrStore(t, buildFields(t))
	return fs.([]field)
}

// buildFields follows encoding/json's rules in brief: exported fields under
// their tag name, the fields of untagged embedded structs promoted, a name
// taken at a shallower depth hiding deeper ones, and of two at one depth the
// tagged one winning (neither, if both or none are tagged).
func buildFields(t reflect.Type) []field {
	type level struct {
		t     reflect.Type
		index []int
	}
	var out []field
	taken := map[string]bool{}
	seen := map[reflect.Type]bool{}
	for next := []level{{t, nil}}; len(next) > 0; {
		current := next
		next = nil
		type candidate struct {
			field
			tagged bool
		}
		byName := map[string][]candidate{}
		var order []string
		for _, l := range current {
			if seen[l.t] {
				continue
			}
			seen[l.t] = true
			for i := range l.t.NumField() {
				sf := l.t.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						if !sf.IsExported() {
							continue // encoding/json cannot set it either
						}
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				index := append(slices.Clone(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{ft, index})
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				if _, ok := byName[name]; !ok {
					order = append(order, name)
				}
				byName[name] = append(byName[name], candidate{field{name, index, sf.Type, hasText(sf.Type)}, tagged})
			}
		}
		for _, name := range order {
			if taken[name] {
				continue
			}
			taken[name] = true
			cs := byName[name]
			if len(cs) == 1 {
				out = append(out, cs[0].field)
				continue
			}
			var winner []candidate
			for _, c := range cs {
				if c.tagged {
					winner = append(winner, c)
				}
			}
			if len(winner) == 1 {
				out = append(out, winner[0].field)
			}
		}
	}
	slices.SortFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return out
}

// lookup finds the member a JSON key sets: the exact name, else the first
// that matches ignoring case, as encoding/json does.
func lookup(fs []field, key string) (field, bool) {
	for _, f := range fs {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fs {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return field{}, false
}

var textCache sync.Map // reflect.Type → bool

// hasText tells whether a value of type t can hold a string, so that the
// text check skips numbers, times and byte slices without looking.
func hasText(t reflect.Type) bool {
	if b, ok := textCache.Load(t); ok {
		return b.(bool)
	}
	b := hasTextIn(t, map[reflect.Type]bool{})
	textCache.Store(t, b)
	return b
}

func hasTextIn(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if visiting[t] {
		return true // a recursive type: assume so, which is always safe
	}
	visiting[t] = true
	defer delete(visiting, t)
	switch t.Kind() {
	case reflect.String, reflect.Interface:
		return true
	case reflect.Pointer:
		return hasTextIn(t.Elem(), visiting)
	case reflect.Slice, reflect.Array:
		if t == rawMessageType {
			return true
		}
		return t.Elem().Kind() != reflect.Uint8 && hasTextIn(t.Elem(), visiting)
	case reflect.Map:
		return hasTextIn(t.Key(), visiting) || hasTextIn(t.Elem(), visiting)
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if (sf.IsExported() || sf.Anonymous) && sf.Tag.Get("json") != "-" && hasTextIn(sf.Type, visiting) {
				return true
			}
		}
	}
	return false
}
