package pii

import "strings"

// Masking works on runes so Chinese names and full-width input are never cut
// mid-character, and follows the common Chinese display conventions
// (370211********1234, 138****5678, 张*). For unusual lengths it never
// reveals more than half of the characters.

// MaskCitizenID masks an identity number for display. An 18-character
// number keeps its first 6 (region) and last 4 characters. Other lengths
// (legacy 15-digit numbers, passports, typos) keep up to a quarter — at most
// 4 — at the end and a third at the start, never more than half in total.
func MaskCitizenID(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	if n == 18 {
		return mask(r, 6, 4)
	}
	tail := min(4, n/4)
	head := min(n/3, n/2-tail)
	return mask(r, head, tail)
}

// MaskPhone masks a phone number for display. 11 characters (a mainland
// mobile, or a landline with its area code) keep the first 3 and last 4.
// Numbers of up to 4 characters keep only the last one. Other lengths keep
// up to the last 4 and then up to the first 3, never more than half.
func MaskPhone(s string) string {
	r := []rune(strings.TrimSpace(s))
	n := len(r)
	switch {
	case n == 11:
		return mask(r, 3, 4)
	case n <= 4:
		return mask(r, 0, min(n, 1))
	}
	tail := min(4, n/2)
	head := min(3, n/2-tail)
	return mask(r, head, tail)
}

// MaskName keeps the first character of a name and masks the rest, one '*'
// per character: "张三" → "张*", "欧阳娜娜" → "欧***". A one-character name
// becomes "*".
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) == 1 {
		return "*"
	}
	return mask(r, min(len(r), 1), 0)
}

// mask keeps head runes at the start and tail at the end and replaces every
// rune in between with '*'.
func mask(r []rune, head, tail int) string {
	if len(r) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(r) + 8)
	for i, c := range r {
		if i < head || i >= len(r)-tail {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}
