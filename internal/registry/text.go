package registry

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"github.com/tongxin/tongxin/internal/platform/clock"
)

// clean trims a text field and folds full-width ASCII (ＡＢＣ１２３) and the
// ideographic space to their half-width forms, as typed on Chinese phones
// and found in government ledgers; runs of white space become one space.
func clean(s string) string {
	if isClean(s) {
		return s // most cells: no copy
	}
	return cleanCopy(s)
}

func cleanCopy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isClean tells whether cleanCopy would return s unchanged: valid UTF-8, no
// full-width forms, no white space but single ASCII spaces between words.
func isClean(s string) bool {
	prevSpace := true // a leading space is not clean
	for _, r := range s {
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r == '\u3000' || r >= '\uFF01' && r <= '\uFF5E' || r == utf8.RuneError || unicode.IsSpace(r):
			return false
		}
		prevSpace = false
	}
	return !prevSpace || s == ""
}

// compact is clean without any white space (numbers, search fragments).
func compact(s string) string { return strings.ReplaceAll(clean(s), " ", "") }

func runes(s string) int { return utf8.RuneCountInString(s) }

// dayRE reads the spellings of a day found in forms and ledgers:
// 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 and 20240305.
var dayRE = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$`)

// parseDay reads a calendar day and returns it as YYYY-MM-DD.
func parseDay(s string) (string, bool) {
	m := dayRE.FindStringSubmatch(compact(s))
	if m == nil {
		return "", false
	}
	parts := m[1:4]
	if m[1] == "" {
		parts = m[4:7]
	}
	y, _ := strconv.Atoi(parts[0])
	mo, _ := strconv.Atoi(parts[1])
	d, _ := strconv.Atoi(parts[2])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if y < 1900 || y > 2100 || t.Day() != d || int(t.Month()) != mo {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// today is the calendar day in Asia/Shanghai.
func today(now time.Time) string { return now.In(clock.Shanghai).Format(time.DateOnly) }

// daysBefore is the day n days before day (both YYYY-MM-DD).
func daysBefore(day string, n int) string {
	t, _ := time.Parse(time.DateOnly, day)
	return t.AddDate(0, 0, -n).Format(time.DateOnly)
}

// prefixEnd is the smallest string greater than every string starting with
// p, so that "starts with p" is the index range [p, prefixEnd(p)) — byte order
// on SQLite and on PostgreSQL's "C" collation alike.
func prefixEnd(p string) string {
	r, size := utf8.DecodeLastRuneInString(p)
	if r == utf8.RuneError || r == unicode.MaxRune {
		return p + "\U0010FFFF"
	}
	return p[:len(p)-size] + string(r+1)
}

// surnameReadings are surnames whose reading differs from the character's
// most common one (曾 is céng as a word, Zēng as a name).
var surnameReadings = map[rune]string{
	'曾': "zeng", '单': "shan", '解': "xie", '仇': "qiu", '朴': "piao", '查': "zha", '区': "ou",
	'乐': "yue", '覃': "qin", '翟': "zhai", '缪': "miao", '盖': "ge", '尉': "yu", '召': "shao",
	'员': "yun", '种': "chong", '秘': "bi", '黑': "he", '柏': "bai", '葛': "ge", '阚': "kan", '晟': "cheng",
}

var pinyinArgs = pinyin.NewArgs()

// namePinyin returns the full pinyin ("zhangsan") and the initials ("zs") of
// a name, lower-case without tones or separators. Latin letters and digits
// are kept as they are (a foreigner's "John Smith" → "johnsmith", "js").
func namePinyin(name string) (full, initials string) {
	var f, in strings.Builder
	word := false // inside a run of Latin letters
	for i, r := range name {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			c := unicode.ToLower(r)
			f.WriteRune(c)
			if !word {
				in.WriteRune(c)
			}
			word = true
			continue
		case unicode.Is(unicode.Han, r):
			py := ""
			if s, ok := surnameReadings[r]; ok && i == 0 {
				py = s
			} else if ps := pinyin.SinglePinyin(r, pinyinArgs); len(ps) > 0 {
				py = ps[0]
			}
			if py != "" {
				f.WriteString(py)
				in.WriteByte(py[0])
			}
		}
		word = false
	}
	return f.String(), in.String()
}

// grams are the distinct character bigrams of a normalised text, the keys of
// the address index; a one-character text has none.
func grams(s string) []string {
	rs := []rune(strings.ToLower(compact(s)))
	seen := map[string]bool{}
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		g := string(rs[i : i+2])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// floorAreaRE is square metres with at most two decimals.
var floorAreaRE = regexp.MustCompile(`^\d{1,6}(\.\d{1,2})?$`)

// parseFloorArea turns "89.5" (m²) into square decimetres (8950).
func parseFloorArea(s string) (int64, bool) {
	s = compact(s)
	if !floorAreaRE.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, true
}

// formatFloorArea is the inverse of parseFloorArea, without trailing zeros.
func formatFloorArea(dm2 int64) string {
	s := fmt.Sprintf("%d.%02d", dm2/100, dm2%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

var (
	mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	phoneRE  = regexp.MustCompile(`^1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

// normalizePhone strips spaces and a +86/86 country code before a mobile
// number, so that one number has one blind index however it was typed.
func normalizePhone(s string) string {
	s = compact(s)
	for _, cc := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(s, cc); ok && mobileRE.MatchString(strings.TrimLeft(rest, "-")) {
			return strings.TrimLeft(rest, "-")
		}
	}
	return s
}

// ethnicities are the 56 nationalities of the People's Republic.
var ethnicities = strings.Fields(`汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族
	哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族
	达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族
	俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族`)

// normalizeEthnicity accepts "汉" or "汉族" (and "其他"/"外国血统" for the
// rest) and returns the full name, or "" and false.
func normalizeEthnicity(s string) (string, bool) {
	s = compact(s)
	if s == "" || s == "其他" || s == "外国血统" {
		return s, true
	}
	for _, e := range ethnicities {
		if s == e || s+"族" == e {
			return e, true
		}
	}
	return "", false
}
