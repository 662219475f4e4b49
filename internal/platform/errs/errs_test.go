package errs

import (
	"errors"
	"strings"
	"testing"
)

// Merge of an error that is not a field error names the field in both
// languages and never shows the error's own text (English, maybe internals).
func TestMergeWordsOtherErrors(t *testing.T) {
	var v Validation
	v.Merge("code", errors.New("strconv.ParseInt: parsing \"x\": invalid syntax"))
	v.Merge("name", E(Conflict, "taken", "the name is taken", "名称已被占用"))
	var e *Error
	if !errors.As(v.Err(), &e) || len(e.Fields) != 2 {
		t.Fatalf("got %v", v.Err())
	}
	plain, worded := e.Fields[0], e.Fields[1]
	if plain.Field != "code" || plain.Rule != "invalid" || plain.Detail != "code is not valid" || plain.DetailZH != "code 无效" {
		t.Fatalf("plain error: %+v", plain)
	}
	if strings.Contains(plain.Detail+plain.DetailZH, "strconv") {
		t.Fatalf("the Go error shows: %+v", plain)
	}
	if worded.Field != "name" || worded.Detail != "the name is taken" || worded.DetailZH != "名称已被占用" {
		t.Fatalf("an *Error without fields keeps its words: %+v", worded)
	}
}
