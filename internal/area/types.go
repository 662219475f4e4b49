// Package area is the territory tree — district, subdistrict, community, grid,
// microgrid — with its boundaries, the units and stations that serve it, and
// the people on duty in it (DESIGN §4.1, §5.1). The code of an area is its
// path in the tree; every scoped record elsewhere stores one.
package area

import (
	"fmt"
	"strings"
	"time"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Level is a level of the tree.
type Level string

const (
	District    Level = "district"
	Subdistrict Level = "subdistrict"
	Community   Level = "community"
	Grid        Level = "grid"
	Microgrid   Level = "microgrid"
)

// Levels in tree order, with their code widths (DESIGN §4.1).
var Levels = []Level{District, Subdistrict, Community, Grid, Microgrid}

var widths = map[Level]int{District: 6, Subdistrict: 9, Community: 12, Grid: 15, Microgrid: 18}

var levelZH = map[Level]string{District: "区", Subdistrict: "街道", Community: "社区", Grid: "网格", Microgrid: "微网格"}

// Width is the code width of the level.
func (l Level) Width() int { return widths[l] }

// Valid reports whether l is a known level.
func (l Level) Valid() bool { _, ok := widths[l]; return ok }

// Parent is the level above, "" for the district.
func (l Level) Parent() Level {
	for i, x := range Levels {
		if x == l && i > 0 {
			return Levels[i-1]
		}
	}
	return ""
}

// Child is the level below, "" for the microgrid.
func (l Level) Child() Level {
	for i, x := range Levels {
		if x == l && i+1 < len(Levels) {
			return Levels[i+1]
		}
	}
	return ""
}

// LevelOfCode derives the level from the code's width.
func LevelOfCode(code string) (Level, bool) {
	for l, w := range widths {
		if len(code) == w {
			return l, true
		}
	}
	return "", false
}

// Area is a node of the tree. Closed areas (ValidTo set) keep their code so
// that history keeps adding up; a code never changes meaning.
type Area struct {
	Code       string     `json:"code"`
	Name       string     `json:"name"`
	Level      Level      `json:"level"`
	ParentCode *string    `json:"parent_code"`
	ValidFrom  time.Time  `json:"valid_from"`
	ValidTo    *time.Time `json:"valid_to"`
}

// Open reports whether the area is still in force.
func (a Area) Open() bool { return a.ValidTo == nil }

// ValidateCode checks an area code against its level and parent: digits only,
// the width of its level, and an extension of the parent's code.
func ValidateCode(code, parent string) error {
	var v errs.Validation
	checkCode(&v, code, parent)
	return v.Err()
}

func checkCode(v *errs.Validation, code, parent string) {
	if code == "" {
		v.Add("code", "required", "code is required", "区划代码为必填项")
		return
	}
	if strings.Trim(code, "0123456789") != "" {
		v.Add("code", "digits", "code must contain digits only", "区划代码只能包含数字")
		return
	}
	level, ok := LevelOfCode(code)
	if !ok {
		v.Add("code", "width", fmt.Sprintf("code %q has %d digits; area codes have 6 (district), 9 (subdistrict), 12 (community), 15 (grid) or 18 (microgrid)", code, len(code)),
			fmt.Sprintf("区划代码 %q 为 %d 位；应为 6 位（区）、9 位（街道）、12 位（社区）、15 位（网格）或 18 位（微网格）", code, len(code)))
		return
	}
	if level == District {
		if parent != "" {
			v.Add("parent_code", "parent", "a district has no parent", "区没有上级区域")
		}
		return
	}
	want := level.Parent()
	if parent == "" {
		v.Add("parent_code", "required", fmt.Sprintf("a %s needs a parent %s", level, want), fmt.Sprintf("%s必须有上级%s", levelZH[level], levelZH[want]))
		return
	}
	if len(parent) != want.Width() {
		v.Add("parent_code", "width", fmt.Sprintf("the parent of a %s must be a %s (%d digits)", level, want, want.Width()),
			fmt.Sprintf("%s的上级必须是%s（%d 位代码）", levelZH[level], levelZH[want], want.Width()))
		return
	}
	if !strings.HasPrefix(code, parent) {
		v.Add("code", "prefix", fmt.Sprintf("code %s does not extend its parent's code %s", code, parent),
			fmt.Sprintf("区划代码 %s 未以上级代码 %s 开头", code, parent))
		return
	}
	if strings.Trim(code[len(parent):], "0") == "" {
		v.Add("code", "suffix", "the local part of the code cannot be all zeros", "区划代码的本级部分不能全为 0")
	}
}

// NewArea is the input to create an area.
type NewArea struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	ParentCode string `json:"parent_code"`
}

// Validate checks the fields of a new area.
func (n *NewArea) Validate() error {
	n.Code, n.Name, n.ParentCode = strings.TrimSpace(n.Code), strings.TrimSpace(n.Name), strings.TrimSpace(n.ParentCode)
	var v errs.Validation
	checkCode(&v, n.Code, n.ParentCode)
	checkName(&v, n.Name)
	return v.Err()
}

func checkName(v *errs.Validation, name string) {
	v.Check(name != "", "name", "required", "name is required", "名称为必填项")
	v.Check(len([]rune(name)) <= 64, "name", "max_length", "name is longer than 64 characters", "名称超过 64 个字符")
}
