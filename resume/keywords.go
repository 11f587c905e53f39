package resume

import (
	"strings"
	"unicode"
)

// Keywords returns the distinct keywords of text, lowercased, in order of
// first appearance: words that could name a skill, a tool or a title. Stop
// words, job-ad filler ("experience", "team", "strong") and bare numbers are
// left out. Tech tokens keep their punctuation: "c++", "c#", "node.js",
// ".net", "ci/cd". Two spellings of one term ("API", "APIs"; "Golang", "Go")
// count once, under the first spelling seen.
func Keywords(text string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, tok := range tokens(text) {
		k := termKey(tok)
		if !seen[k] {
			seen[k] = true
			out = append(out, tok)
		}
	}
	return out
}

// keySet returns the term keys of text, the form in which terms compare.
func keySet(text string) map[string]bool {
	set := make(map[string]bool)
	for _, tok := range tokens(text) {
		set[termKey(tok)] = true
	}
	return set
}

// tokens returns the keyword tokens of text, duplicates included.
func tokens(text string) []string {
	var out []string
	raw := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("+#./'’", r)
	})
	for _, w := range raw {
		out = appendTokens(out, w)
	}
	return out
}

// appendTokens cleans one run of word characters into zero or more tokens.
func appendTokens(out []string, w string) []string {
	w = strings.ReplaceAll(w, "’", "'")
	w = strings.TrimRight(w, ".'")
	// "ci/cd" and "tcp/ip" are one term; "python/django" is two.
	if strings.Contains(w, "/") && !slashTerms[w] {
		for _, p := range strings.Split(w, "/") {
			out = appendTokens(out, p)
		}
		return out
	}
	w = strings.TrimLeft(w, "'+#")
	// A leading dot survives only in names like ".net", not in "...and".
	if strings.HasPrefix(w, ".") && !(len(w) > 1 && isLetters(w[1:])) {
		w = strings.TrimLeft(w, ".")
	}
	w = strings.TrimSuffix(w, "'s")
	w = strings.ReplaceAll(w, "'", "")
	// "+" and "#" belong only at the end of a name ("c++", "c#"); elsewhere
	// ("5+", "a+b") they separate.
	if i := strings.IndexAny(w, "+#"); i >= 0 {
		name, suffix := w[:i], w[i:]
		if strings.Trim(suffix, "+#") != "" || name == "" || !endsWithLetter(name) {
			for _, p := range strings.FieldsFunc(w, func(r rune) bool { return r == '+' || r == '#' }) {
				out = appendTokens(out, p)
			}
			return out
		}
	}
	if !isKeyword(w) {
		return out
	}
	return append(out, w)
}

func isKeyword(w string) bool {
	if !strings.ContainsFunc(w, unicode.IsLetter) { // numbers are checked by Verify, not matched
		return false
	}
	if len(w) == 1 && w != "c" && w != "r" { // the languages C and R
		return false
	}
	if len(w) >= 6 && strings.HasSuffix(w, "ly") && isLetters(w) && !lyTerms[w] {
		return false // "reliably", "closely": how, not what
	}
	return !stopWords[w]
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

func endsWithLetter(s string) bool {
	r := []rune(s)
	return len(r) > 0 && unicode.IsLetter(r[len(r)-1])
}

// termKey is the form in which two tokens compare: known aliases folded and
// a plural "s" dropped, so "APIs" meets "API" and "Golang" meets "Go".
func termKey(tok string) string {
	if a, ok := aliases[tok]; ok {
		tok = a
	}
	if strings.ContainsAny(tok, ".+#/") {
		return tok
	}
	n := len(tok)
	switch {
	case n > 4 && strings.HasSuffix(tok, "ies"):
		return tok[:n-3] + "y"
	// "redis", "status", "access" are singular; "apis", "kpis" are not.
	case n > 3 && strings.HasSuffix(tok, "s") && !strings.HasSuffix(tok, "ss") &&
		!strings.HasSuffix(tok, "us") && (n == 4 || !strings.HasSuffix(tok, "is")):
		return tok[:n-1]
	}
	return tok
}

// slashTerms are the terms written with a slash.
var slashTerms = wordSet("ci/cd tcp/ip ui/ux ux/ui i/o a/b pl/sql t/sql b2b/b2c")

// aliases fold common alternative spellings of one technology.
var aliases = map[string]string{
	"golang":     "go",
	"k8s":        "kubernetes",
	"postgresql": "postgres",
	"psql":       "postgres",
	"mongo":      "mongodb",
	"js":         "javascript",
	"ts":         "typescript",
	"nodejs":     "node.js",
	"reactjs":    "react",
	"react.js":   "react",
	"vuejs":      "vue",
	"vue.js":     "vue",
	"dotnet":     ".net",
	"csharp":     "c#",
	"cicd":       "ci/cd",
	"restful":    "rest",
	"gcloud":     "gcp",
}

// stopWords holds English function words and the filler of job ads: words
// that say nothing about a skill and would otherwise dominate any overlap.
// Words that are also technologies (go, rust, swift, spring, react) are
// deliberately absent.
var stopWords = wordSet(`
a about above across after again against all almost along also although always am among an and
another any anyone anything are around as at be became because been before being below between both
but by can cannot could did do does doing done down during each either else etc e.g eg ever every
few for from further get gets getting give given had has have having he her here hers herself
him himself his how however i i.e ie if in into is it its itself just least less let like
made make makes making many may me might more most much must my myself near need needed needs neither
no nor not now of off often on once one only onto or other others otherwise our ours ourselves out
over own per perhaps put rather really same see seem several shall she should since so some someone
something such than that the their theirs them themselves then there these they this those though
through throughout thus to together too toward towards under until up upon us use used uses using
very via was we well were what whatever when where whether which while who whom whose why will with
within without would yet you your yours yourself yourselves
u.s u.k dont doesnt didnt isnt arent wasnt werent wont cant couldnt shouldnt wouldnt youll youre youve weve
were theyre theyll ill im ive lets thats whats theres
zero two three four five six seven eight nine ten first second third new
ability able abilities accountability achieve across additional advanced apply applicant applicants
applications background based benefit benefits best bonus bring build building builds candidate
candidates career challenge challenges closely collaborate collaborating collaboration colleagues
comfortable company competitive compensation complex contribute contributions culture
daily day deep deliver delivering demonstrated desirable desired detail details drive driven dynamic
eager effective effectively employer employment environment equal equivalent excellent exceptional
exciting excited expect expected experience experienced experiences expertise extensive familiarity
familiar fast field focus focused fun get good great grow growing growth hands help helping high
highly hire hiring ideal ideally impact include includes including individual individuals join
joining key knowledge large level looking love ltd inc llc manner meaningful minimum mission modern
motivated nice opportunity opportunities optional paced passion passionate people person plus
position positions practical preferred prefer preferably proficiency proficient proven qualification
qualifications related relevant required require requires requirement requirements responsibilities
responsibility responsible role roles salary seeking self solid someone start strong stuff success
successful superb take talented team teams thrive tools track record understanding unique value
values want ways willing willingness wide work worked working works world year years
actually add added adding allow allows answer appropriate approach area areas ask aspects available
aware bar become begin behind believe better big bit bring brings broad care carry case cases change
changes choose clear come comes common complete consider consistent continue could create creating
current currently dedicated define different difficult easy effort efforts end ends enjoy ensure
ensuring entire everything example exist existing expand explore external feel find follow following
full future gain general goal goals going hard hold idea ideas important improve improving increase
inside insight interest interested internal keep kind know later learn life little live long look
lot lots main maintain major matter mean meet mind money move moves multiple necessary next number
offer order outside owner part parts partner partners past place plan play point possible power
present pretty problem problems provide push raise range reach ready reason receive regular remain
right run running runs safe say set share shape show side significant simple small solve solving
sound specific stay step sure take talk tell thing things think top true try turn type understand
useful variety various way week whole win write hundreds thousands millions billions dozens tenfold
twofold online volume fundamentals methods own evolve grows code skills
`)

// lyTerms are words ending in "ly" that are not adverbs and may name a
// skill or a domain; other "-ly" words are adverbs and never do.
var lyTerms = wordSet("assembly anomaly supply family italy monopoly multiply")
