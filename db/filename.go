package db

import "strings"

// PDFFilename is the name a job's PDF is downloaded or attached under:
// "Name - Company.pdf" with only safe characters (SafeFilename).
func (j Job) PDFFilename() string {
	name := j.CandidateName
	if j.Company != "" {
		name += " - " + j.Company
	}
	return SafeFilename(name, "resume") + ".pdf"
}

// SafeFilename keeps letters, digits, spaces, dashes, underscores and dots
// of name (ASCII only: the name goes in a quoted Content-Disposition
// filename or a mail's attachment name), or gives fallback when nothing is
// left.
func SafeFilename(name, fallback string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ', r == '-', r == '_', r == '.':
			return r
		}
		return -1
	}, name)
	if clean = strings.TrimSpace(clean); clean == "" {
		return fallback
	}
	return clean
}
