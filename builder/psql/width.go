package psql

import "sort"

// This file reproduces how libpq measures UTF-8 text (PQmblen, PQdsplen) and
// how psql cleans it before printing (mbvalidate). psql works on raw bytes, not
// on Go's idea of valid UTF-8, so the functions below do too.

type runeRange struct{ lo, hi rune }

func inRanges(r rune, table []runeRange) bool {
	i := sort.Search(len(table), func(i int) bool { return table[i].hi >= r })
	return i < len(table) && table[i].lo <= r
}

// charLen is libpq's pg_utf_mblen: the sequence length announced by the lead byte.
func charLen(b byte) int {
	switch {
	case b&0x80 == 0:
		return 1
	case b&0xe0 == 0xc0:
		return 2
	case b&0xf0 == 0xe0:
		return 3
	case b&0xf8 == 0xf0:
		return 4
	}
	return 1
}

// decode is libpq's utf8_to_unicode: no validation, invalid lead bytes give
// a code point beyond Unicode (drawn as a control character).
func decode(s string) rune {
	c := s[0]
	switch {
	case c&0x80 == 0:
		return rune(c)
	case c&0xe0 == 0xc0 && len(s) >= 2:
		return rune(c&0x1f)<<6 | rune(s[1]&0x3f)
	case c&0xf0 == 0xe0 && len(s) >= 3:
		return rune(c&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f)
	case c&0xf8 == 0xf0 && len(s) >= 4:
		return rune(c&0x07)<<18 | rune(s[1]&0x3f)<<12 | rune(s[2]&0x3f)<<6 | rune(s[3]&0x3f)
	}
	return 0x7fffffff
}

// runeWidth is libpq's ucs_wcwidth: -1 for control characters, 0 for
// combining and format characters, 2 for wide ones, else 1.
func runeWidth(r rune) int {
	switch {
	case r == 0:
		return 0
	case r < 0x20 || (r >= 0x7f && r < 0xa0) || r > 0x10ffff:
		return -1
	case inRanges(r, zeroWidth):
		return 0
	case inRanges(r, doubleWidth):
		return 2
	}
	return 1
}

// charWidth is PQdsplen for the character starting s.
func charWidth(s string) int { return runeWidth(decode(s)) }

// validate is psql's mbvalidate: it drops every byte that does not start a
// sequence libpq's utf_charcheck accepts. On server output this only removes
// the noncharacters U+nFFFE/U+nFFFF of planes 1-16.
func validate(s string) string {
	var out []byte
	for i := 0; i < len(s); {
		n := checkChar(s[i:])
		if n > 0 {
			if out != nil {
				out = append(out, s[i:i+n]...)
			}
			i += n
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(s)), s[:i]...)
		}
		i++
	}
	if out == nil {
		return s
	}
	return string(out)
}

// checkChar is libpq's utf_charcheck, bit for bit (including its odd
// three-byte test): the length of the valid character at s, or -1.
func checkChar(s string) int {
	c := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	cont := func(i int) bool { return c(i)&0xc0 == 0x80 }
	switch c0 := c(0); {
	case c0&0x80 == 0:
		return 1
	case c0&0xe0 == 0xc0:
		if cont(1) && c0&0x1f > 0x01 {
			return 2
		}
	case c0&0xf0 == 0xe0:
		if cont(1) && (c0&0x0f != 0 || c(1)&0x20 == 0x20) && cont(2) {
			return check3(c0, c(1))
		}
	case c0&0xf8 == 0xf0:
		u := (c0&0x07)<<2 | (c(1)&0x30)>>4
		if cont(1) && u > 0 && u <= 0x10 && cont(2) && cont(3) {
			if c(1)&0x0f == 0x0f && c(2)&0x3f == 0x3f && c(3)&0x3e == 0x3e {
				return -1
			}
			return 4
		}
	}
	return -1
}

func check3(c0, c1 byte) int {
	z := c0 & 0x0f
	yx := int(c1&0x3f)<<6 | int(c0&0x3f)
	lx := yx & 0x7f
	if (z == 0x0f && (yx&0xffe == 0xffe || (yx&0xf80 == 0xd80 && lx >= 0x30 && lx <= 0x4f))) ||
		(z == 0x0d && yx&0xb00 == 0x800) {
		return -1
	}
	return 3
}

// DisplayWidth is the number of screen columns psql gives s as a value: the
// width of its widest line, measured as formatValue measures it (PQdsplen
// per character, a tab up to the next multiple of 8, a control character
// as the escape psql prints for it). Other packages pad text with it so
// that it lines up as psql lines it up.
func DisplayWidth(s string) int {
	w := 0
	for _, l := range formatValue(s) {
		w = max(w, l.width)
	}
	return w
}
