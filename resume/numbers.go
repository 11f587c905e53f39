package resume

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// number is a quantity stated in text: its spelling and a canonical value,
// so that "$2M", "$2 million" and "2,000,000" compare equal, as do "1,200"
// and "1.2k". A percent sign or currency does not change the value.
type number struct {
	text  string
	value string
}

// magnitudes are the suffixes that scale a number, as powers of ten.
var magnitudes = map[string]int{
	"k": 3, "thousand": 3,
	"m": 6, "mm": 6, "mn": 6, "million": 6,
	"b": 9, "bn": 9, "billion": 9,
}

// numbersIn returns the numbers stated in s. Digits inside a word ("k8s",
// "ec2", "p99", "v1.2") name a thing rather than state a quantity and are
// skipped; dates yield their parts ("2019-03" gives 2019 and 3).
func numbersIn(s string) []number {
	var out []number
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (unicode.IsLetter(prev) || prev == '_' || inName(s, i)) {
			i = skipWord(s, i)
			continue
		}
		n, end := readNumber(s, i)
		out = append(out, n)
		i = end
	}
	return out
}

// inName reports digits after a slash inside a name: "S/4HANA".
func inName(s string, i int) bool {
	if i < 2 || s[i-1] != '/' {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i-1])
	return unicode.IsLetter(r)
}

// readNumber reads the number that starts at s[i], a digit.
func readNumber(s string, i int) (number, int) {
	start, j := i, i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	whole := s[i:j]
	// "1,200,000": a comma followed by exactly three digits groups thousands.
	for j < len(s) && s[j] == ',' && allDigits(s, j+1, j+4) && (j+4 == len(s) || !isDigit(s[j+4])) {
		whole += s[j+1 : j+4]
		j += 4
	}
	frac := ""
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		frac, j = s[j+1:k], k
	}
	end, exp := j, 0
	switch {
	case j < len(s) && s[j] == '%':
		end = j + 1
	case j < len(s) && isASCIILetter(s[j]): // "2M", "5k", "10x"
		k := skipLetters(s, j)
		if e, ok := magnitudes[strings.ToLower(s[j:k])]; ok {
			end, exp = k, e
		}
	case j+1 < len(s) && s[j] == ' ' && isASCIILetter(s[j+1]): // "2 million"
		k := skipLetters(s, j+1)
		if e, ok := magnitudes[strings.ToLower(s[j+1:k])]; ok && k-j > 2 {
			end, exp = k, e
		}
	}
	for _, cur := range []string{"$", "€", "£"} {
		if strings.HasSuffix(s[:start], cur) {
			start -= len(cur)
			break
		}
	}
	return number{text: s[start:end], value: canonicalNumber(whole, frac, exp)}, end
}

// canonicalNumber writes whole.frac × 10^exp in plain decimal, exactly
// (no floating point): leading and trailing zeros dropped.
func canonicalNumber(whole, frac string, exp int) string {
	digits := whole + frac
	point := len(whole) + exp
	if len(digits) < point {
		digits += strings.Repeat("0", point-len(digits))
	}
	w := strings.TrimLeft(digits[:point], "0")
	if w == "" {
		w = "0"
	}
	if f := strings.TrimRight(digits[point:], "0"); f != "" {
		return w + "." + f
	}
	return w
}

// skipWord skips letters, digits and inner dots from s[i].
func skipWord(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && !(r == '.' && i+1 < len(s) && isDigit(s[i+1])) {
			break
		}
		i += size
	}
	return i
}

func skipLetters(s string, i int) int {
	for i < len(s) && isASCIILetter(s[i]) {
		i++
	}
	return i
}

func allDigits(s string, from, to int) bool {
	if to > len(s) {
		return false
	}
	for i := from; i < to; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(b byte) bool       { return '0' <= b && b <= '9' }
func isASCIILetter(b byte) bool { return 'a' <= b|0x20 && b|0x20 <= 'z' }
