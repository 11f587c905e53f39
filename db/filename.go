package db

import (
	"path"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxFilenameRunes caps each part of a file name: a file system takes 255
// bytes, and a name in a CJK script is 3 bytes a letter.
const maxFilenameRunes = 80

// PDFFilename is the name a job's PDF is downloaded or attached under,
// "Name - Company.pdf", as written ("Sofía Álvarez - Northbeam.pdf"; see
// SafeFilename). ASCIIFilename gives its plain form for old clients.
func (j Job) PDFFilename() string {
	name := SafeFilename(j.CandidateName, "resume")
	if company := SafeFilename(j.Company, ""); company != "" {
		name += " - " + company
	}
	return name + ".pdf"
}

// SafeFilename keeps the letters (of any script, accents included),
// digits and spaces of name and the punctuation - _ . , ' & ( ) +, so the
// name is safe on any file system and in any header once encoded; it gives
// fallback when nothing is left. Control characters go, other spaces become
// one space, leading and trailing dots go (no hidden files).
func SafeFilename(name, fallback string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsNumber(r), strings.ContainsRune("-_.,'&()+", r):
			return r
		}
		return -1
	}, norm.NFC.String(name))
	clean = strings.Trim(strings.Join(strings.Fields(clean), " "), ". ")
	if r := []rune(clean); len(r) > maxFilenameRunes {
		clean = strings.Trim(string(r[:maxFilenameRunes]), ". ")
	}
	if clean == "" {
		return fallback
	}
	return clean
}

// ASCIIFilename is name in plain ASCII for a quoted Content-Disposition
// filename (the fallback beside filename*): accents are dropped from their
// letters ("Álvarez" is "Alvarez", not "lvarez"), a few letters are spelled
// out ("ß" is "ss"), anything else non-ASCII goes, as do the quote and the
// backslash. It gives fallback when no letter or digit of the name is left.
func ASCIIFilename(name, fallback string) string {
	ext := path.Ext(name)
	stem := asciiOnly(strings.TrimSuffix(name, ext))
	stem = strings.Trim(strings.Join(strings.Fields(stem), " "), " -_.,")
	if stem == "" {
		return fallback
	}
	return stem + asciiOnly(ext)
}

// asciiLetters spells out the letters that do not decompose into an ASCII
// letter and a mark.
var asciiLetters = strings.NewReplacer(
	"ß", "ss", "ẞ", "SS", "æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE", "ø", "o", "Ø", "O",
	"ł", "l", "Ł", "L", "đ", "d", "Đ", "D", "ð", "d", "Ð", "D", "þ", "th", "Þ", "Th", "ı", "i",
	"‘", "'", "’", "'", "–", "-", "—", "-",
)

func asciiOnly(s string) string {
	// NFKD splits "Á" into "A" and a combining accent, and "ﬁ" into "fi".
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, norm.NFKD.String(asciiLetters.Replace(norm.NFC.String(s))))
}
