package attach

import (
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameRunes caps stored file names.
const maxNameRunes = 200

// CleanFilename makes a client's file name safe to store and to show: it
// drops any directory part (either slash), control and invisible formatting
// characters (which could disguise "gpj.exe" as "exe.jpg"), and surrounding
// spaces and dots; keeps Chinese and other letters; caps the length at 200
// runes keeping a short extension; and answers "file" when nothing is left.
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := filepath.Ext(name)
		if n := utf8.RuneCountInString(ext); n > 16 || n == utf8.RuneCountInString(name) {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimRight(string(r[:maxNameRunes-utf8.RuneCountInString(ext)]), " .") + ext
	}
	if name == "" {
		return "file"
	}
	return name
}
