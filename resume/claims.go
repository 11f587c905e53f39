package resume

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Claim checking: every sentence of free text that a tailor may rewrite
// (the summary, a job's summary, description and highlights, a project's
// description and highlights) must be supported by the profile. A sentence
// states claims of five kinds, each checked against the part of the profile
// that can support it:
//
//   - numbers: each must appear in the same entry (a job's numbers belong to
//     that job) or, for the summary, anywhere in the profile;
//   - names: organisations, products, places, people, acronyms and tools,
//     that is, capitalised words inside a sentence, words like "S3", "C#" or
//     "node.js", and known tools in lower case ("terraform", "salesforce"),
//     compared in the keyword extractor's form (aliases folded, plurals and
//     British spellings normalised);
//   - leadership and superlatives ("led", "managed", "sole", "award-winning"):
//     only if the profile sentence it rewrites says so too;
//   - titles and credentials ("senior", "manager", "certified", "MSc"): only
//     if the profile's titles, education or certificates say so;
//   - team sizes: a rewrite that keeps the team but drops its size ("a team
//     of 8" -> "the team") claims more than the profile does.
//
// A job's highlight must also come from the same job: one that matches
// another job's highlight much better than any of its own was moved.

// scope is what a piece of free text may draw on: one profile entry, or the
// whole profile for the summary.
type scope struct {
	kind    string          // "job" or "project"; "" for the whole profile
	name    string          // the entry's name for messages: "Backend Engineer at Acme"
	keys    map[string]bool // claim keys of every word, and initials of runs of words
	numbers map[string]bool
	words   map[string]bool // lower-case words as written, for the word classes
	titles  map[string]bool // words of the titles it states
}

func (c *termCache) newScope(kind, name string, titles []string, texts ...string) *scope {
	sc := &scope{kind: kind, name: name, keys: map[string]bool{}, numbers: map[string]bool{}, words: map[string]bool{}, titles: map[string]bool{}}
	for _, t := range append(slices.Clone(texts), titles...) {
		sc.add(c, t)
	}
	for _, t := range titles {
		for _, w := range rawWords(t) {
			sc.titles[strings.ToLower(w.text)] = true
		}
	}
	return sc
}

// add records the claims that text can support.
func (sc *scope) add(c *termCache, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	for _, n := range numbersIn(text) {
		sc.numbers[n.value] = true
	}
	words := rawWords(text)
	addWords(sc.words, words)
	for _, w := range words {
		for _, k := range c.keysOf(w.text) {
			sc.keys[k] = true
		}
	}
	lower := strings.ToLower(text)
	for acronym, long := range acronyms {
		if strings.Contains(lower, long) {
			sc.keys[acronym] = true
		}
	}
	// "Intensive Care Unit" supports "ICU", "software as a service" "SaaS",
	// "front-of-house" "FOH", "general ledger" "GL" (two words: both content
	// words, so that "and improved" supports no "AI").
	var parts []string
	for _, w := range words {
		parts = append(parts, strings.FieldsFunc(w.text, func(r rune) bool { return r == '-' })...)
	}
	for i := range parts {
		initials := ""
		for j := i; j < len(parts) && j < i+5; j++ {
			r, _ := utf8.DecodeRuneInString(parts[j])
			initials += string(unicode.ToLower(r))
			if j-i >= 2 || (j-i == 1 && len(claimKeys(parts[i])) > 0 && len(claimKeys(parts[j])) > 0) {
				sc.keys[initials] = true
			}
		}
	}
}

// where names the scope in a message: "the profile", or "the profile for
// this job (Backend Engineer at Acme)".
func (sc *scope) where() string {
	if sc.kind == "" {
		return "the profile"
	}
	return fmt.Sprintf("the profile for this %s (%s)", sc.kind, sc.name)
}

// word is a word of text as written, and whether it starts a sentence.
type word struct {
	text    string
	initial bool
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}#][\p{L}\p{N}+#./'’&-]*`)

// rawWords splits text into words, keeping inner punctuation ("node.js",
// "c++", "award-winning") and marking the first word of each sentence.
func rawWords(text string) []word {
	var out []word
	initial := true
	last := 0
	for _, loc := range wordRe.FindAllStringIndex(text, -1) {
		between := text[last:loc[0]]
		if strings.ContainsAny(between, ".!?:;•\n") {
			initial = true
		}
		w := strings.TrimRight(text[loc[0]:loc[1]], ".'’-&/")
		last = loc[1]
		if w == "" {
			continue
		}
		out = append(out, word{text: w, initial: initial})
		initial = strings.HasSuffix(text[loc[0]:loc[1]], ".") && !abbreviation(strings.ToLower(w))
	}
	return out
}

// acronyms are common ones whose long form does not spell them.
var acronyms = map[string]string{
	"hca": "healthcare assistant", "ks3": "key stage 3", "ks4": "key stage 4", "ks5": "key stage 5",
	"arr": "annual recurring revenue", "mrr": "monthly recurring revenue", "iv": "intravenous",
	"sdr": "sales development", "bdr": "business development", "ae": "account executive",
	"ehr": "electronic health record", "emr": "electronic medical record", "ed": "emergency department",
	"sen": "special educational needs", "send": "special educational needs",
}

var abbreviations = wordSet("e.g i.e etc vs dr mr mrs ms st no approx inc ltd co jr sr")

func abbreviation(w string) bool { return abbreviations[strings.TrimSuffix(w, ".")] }

// termCache remembers the keys of words and the terms of sentences for
// one Verify, which compares the same sentences many times.
type termCache struct {
	keys      map[string][]string
	sentences map[string]map[string]bool
}

func newTermCache() *termCache {
	return &termCache{keys: map[string][]string{}, sentences: map[string]map[string]bool{}}
}

// keysOf is claimKeys, remembered.
func (c *termCache) keysOf(w string) []string {
	if k, ok := c.keys[w]; ok {
		return k
	}
	k := claimKeys(w)
	c.keys[w] = k
	return k
}

// claimKeys returns the keys under which a word's terms compare: the
// keyword extractor's tokens, folded by termKey after British spellings are
// made American, so that "Paediatric" meets "pediatric" and "K8s" meets
// "Kubernetes". Stop words give none.
func claimKeys(w string) []string {
	var out []string
	for _, tok := range tokens(w) {
		k := termKey(americanize(tok))
		if a, ok := claimAliases[k]; ok {
			k = a
		}
		out = append(out, k)
	}
	return out
}

// claimAliases fold spellings the match score keeps apart but a claim
// does not: "Node" is Node.js.
var claimAliases = map[string]string{"node": "node.js", "nodej": "node.js", "amazon": "aws"}

// americanRules rewrite British spellings; a rule's regexp runs only on a
// word holding one of its hints (most words hold none: the fact check
// spells every word of a profile and its tailoring this way).
var americanRules = []struct {
	hints []string
	re    *regexp.Regexp
	to    string
}{
	{[]string{"programme"}, regexp.MustCompile(`programme`), "program"},
	{[]string{"logue"}, regexp.MustCompile(`(catalog|dialog|analog)ue`), "$1"},
	{[]string{"ae", "oe"}, regexp.MustCompile(`([a-z])(ae|oe)([a-z])`), "${1}e$3"},
	{[]string{"our"}, regexp.MustCompile(`([a-z]{2})our(s|ed|ing|ful|able)?$`), "${1}or$2"},
	{[]string{"is"}, regexp.MustCompile(`([a-z]{2})is(e|es|ed|ing|ation|ations)$`), "${1}iz$2"},
	{[]string{"ys"}, regexp.MustCompile(`([a-z])ys(e|es|ed|ing)$`), "${1}yz$2"},
	{[]string{"tre"}, regexp.MustCompile(`([a-z]{2})tre(s)?$`), "${1}ter$2"},
	{[]string{"ll"}, regexp.MustCompile(`([aeiou])ll(ed|ing|er|ers)$`), "${1}l$2"},
	{[]string{"ce"}, regexp.MustCompile(`^(licen|defen|offen|preten)ce`), "${1}se"},
	{[]string{"enrol"}, regexp.MustCompile(`enrol(s|ment)?$`), "enroll$1"},
}

// americanize spells a lower-case word the American way, for comparison
// only: "optimised" -> "optimized", "paediatric" -> "pediatric".
func americanize(w string) string {
	if !isLetters(w) || len(w) < 4 {
		return w
	}
	for _, r := range americanRules {
		if slices.ContainsFunc(r.hints, func(h string) bool { return strings.Contains(w, h) }) {
			w = r.re.ReplaceAllString(w, r.to)
		}
	}
	return w
}

// namesLike reports whether a word, as written, names something a profile
// must state: a capitalised word inside a sentence, an acronym or a camel
// case name, a word with digits or a tech sign ("S3", "C#", "node.js"), or
// a known tool in lower case.
func (c *termCache) namesLike(w word) bool {
	lw := strings.ToLower(w.text)
	if notNames[lw] || ordinalRe.MatchString(lw) {
		return false
	}
	if ns := numbersIn(w.text); len(ns) == 1 && strings.TrimLeft(ns[0].text, "$€£") == strings.TrimLeft(w.text, "$€£") {
		return false // "$1.1M", "5k": a number, checked as one
	}
	runes := []rune(w.text)
	upperInside := slices.ContainsFunc(runes[1:], unicode.IsUpper)
	hasLetter := slices.ContainsFunc(runes, unicode.IsLetter)
	hasDigit := slices.ContainsFunc(runes, unicode.IsDigit)
	switch {
	case !hasLetter:
		return false
	case upperInside && !strings.Contains(w.text, "-"): // AWS, PostgreSQL, iOS (not "Event-Driven")
		return true
	case hasDigit, strings.ContainsAny(w.text, "+#"), strings.Contains(strings.Trim(w.text, "."), "."):
		return true
	case !w.initial && unicode.IsUpper(runes[0]):
		return true
	}
	for _, k := range c.keysOf(w.text) {
		if knownTools[k] {
			return true
		}
	}
	return false
}

var ordinalRe = regexp.MustCompile(`^\d+(st|nd|rd|th|s)$`)

// notNames are capitalised words that name nothing a profile must state.
var notNames = wordSet(`i january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
q1 q2 q3 q4 h1 h2 fy 24/7 p50 p90 p95 p99`)

// problem is why a sentence is not supported, in words a recruiter reads,
// with the profile text that shows it when there is one.
type problem struct {
	reason  string
	profile string
}

// check returns the first claim of sentence that sc does not support, or
// nil. src is the profile sentence it rewrites ("" if unknown).
func (v *verifier) check(sentence string, sc *scope, src string) *problem {
	for _, n := range numbersIn(sentence) {
		if !sc.numbers[n.value] {
			return &problem{reason: fmt.Sprintf("%q is not in %s", n.text, sc.where())}
		}
	}
	if src != "" {
		if added, dropped := swappedNumber(src, sentence); added != "" {
			return &problem{reason: fmt.Sprintf("%q replaces the profile's %q", added, dropped), profile: src}
		}
	}
	words := rawWords(sentence)
	// "Deloitte-trained", "Google-certified": an organisation, even first.
	for _, w := range words {
		if first, rest, ok := strings.Cut(w.text, "-"); ok && attributionSuffixes[strings.ToLower(rest)] {
			r, _ := utf8.DecodeRuneInString(first)
			for _, k := range v.keysOf(first) {
				if unicode.IsUpper(r) && !sc.keys[k] {
					return &problem{reason: fmt.Sprintf("'%s' is not in %s", first, sc.where())}
				}
			}
		}
	}
	if p := v.sinceYear(sentence); p != nil {
		return p
	}
	// Names, as runs of consecutive name-like words: "Intensive Care Unit"
	// may stand for the profile's "ICU" and the reverse.
	for i := 0; i < len(words); {
		if !v.namesLike(words[i]) {
			i++
			continue
		}
		j := i
		for j < len(words) && v.namesLike(words[j]) {
			j++
		}
		if j-i >= 3 && sc.keys[initialsOf(words[i:j])] {
			i = j
			continue
		}
		for _, w := range words[i:j] {
			for _, k := range v.keysOf(w.text) {
				if !sc.keys[k] {
					return &problem{reason: fmt.Sprintf("'%s' is not in %s", w.text, sc.where())}
				}
			}
		}
		i = j
	}
	srcWords, srcList := sc.words, []word(nil)
	if src != "" {
		srcList = rawWords(src)
		srcWords = map[string]bool{}
		addWords(srcWords, srcList)
		if hasAny(srcWords, supportWords) && !hasAny(wordsOf(sentence), supportWords) {
			return &problem{reason: fmt.Sprintf("drops what the profile says of the candidate's part: %s", src), profile: src}
		}
	}
	for i, w := range words {
		lw := strings.ToLower(w.text)
		switch {
		case leadershipWords[lw] && src != "" && !leadsSame(words, i, srcList):
			return &problem{reason: fmt.Sprintf("'%s' claims more than the profile, which says: %s", w.text, src), profile: src}
		case leadershipWords[lw] && src == "" && !hasAny(srcWords, leadershipWords):
			return &problem{reason: fmt.Sprintf("'%s' claims a leadership role that %s does not state", w.text, sc.where())}
		case awardWords[lw] && !hasAny(srcWords, awardWords):
			return &problem{reason: fmt.Sprintf("'%s' claims an award that %s does not state", w.text, sc.where()), profile: src}
		case superlatives[lw] && !awardWords[lw] && !srcWords[lw]:
			return &problem{reason: fmt.Sprintf("'%s' claims more than %s states", w.text, sc.where()), profile: src}
		case titleWords[lw] && src != "" && !srcWords[lw]:
			return &problem{reason: fmt.Sprintf("the title '%s' is not in what the profile says: %s", w.text, src), profile: src}
		case titleWords[lw] && !v.titleSupported(lw, sc):
			return &problem{reason: fmt.Sprintf("the title '%s' is not in %s", w.text, sc.where())}
		case titleWords[lw] && sc.kind == "" && i > 0 && !v.titlePhraseSupported(words[i-1].text, lw):
			return &problem{reason: fmt.Sprintf("the title '%s %s' is not in %s", words[i-1].text, w.text, sc.where())}
		case scopeWords[lw] && !srcWords[lw] && !sc.words[lw]:
			return &problem{reason: fmt.Sprintf("'%s' is not in %s", w.text, sc.where())}
		case lw == "lead" && i > 0 && leadTitles[strings.ToLower(words[i-1].text)] && !v.titleSupported(lw, sc):
			return &problem{reason: fmt.Sprintf("the title '%s %s' is not in %s", words[i-1].text, w.text, sc.where())}
		}
		if p := v.credential(w); p != nil {
			return p
		}
	}
	if src != "" {
		if size, noun, ok := dropsTeamSize(src, sentence); ok {
			return &problem{reason: fmt.Sprintf("drops the size the profile gives the %s (%s)", noun, size), profile: src}
		}
	}
	return nil
}

func initialsOf(ws []word) string {
	var b strings.Builder
	for _, w := range ws {
		r, _ := utf8.DecodeRuneInString(w.text)
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// wordsOf is the set of text's words in lower case, hyphenated ones also
// by their parts ("award-winning", "award", "winning").
func wordsOf(text string) map[string]bool {
	m := map[string]bool{}
	addWords(m, rawWords(text))
	return m
}

func addWords(m map[string]bool, words []word) {
	for _, w := range words {
		lw := strings.ToLower(w.text)
		m[lw] = true
		for _, part := range strings.Split(lw, "-") {
			m[part] = true
		}
	}
}

func hasAny(words, class map[string]bool) bool {
	for w := range words {
		if class[w] {
			return true
		}
	}
	return false
}

// leadershipGroups gather the words that claim the same part; "ran" may
// mean either.
var leadershipGroups = func() map[string][]string {
	m := map[string][]string{}
	for group, words := range map[string]string{
		"lead":   "led lead leading leads headed heading directed directing spearheaded spearheading orchestrated commanded chaired chairing ran run runs running",
		"manage": "managed manage manages managing supervised supervise supervises supervising oversaw oversee oversees overseeing overseen ran run runs running",
		"own":    "owned owning",
		"start":  "introduced introducing initiated launched founded co-founded pioneered established championed",
	} {
		for _, w := range strings.Fields(words) {
			m[w] = append(m[w], group)
		}
	}
	return m
}()

// leadsSame reports whether the source sentence claims the same part as
// the leadership word at words[i], over the same thing: "Ran fieldwork on
// a portfolio" does not support "Managed a portfolio", "Ran medication
// rounds" supports "Managed medication rounds" and "Medication rounds
// were managed".
func leadsSame(words []word, i int, src []word) bool {
	groups := leadershipGroups[strings.ToLower(words[i].text)]
	objects := objectsOf(words, i, 1)
	n := 1
	if passive(words, i) {
		n = 2 // "rounds were managed" for "managed medication rounds"
	}
	for j, w := range src {
		if !slices.ContainsFunc(leadershipGroups[strings.ToLower(w.text)], func(g string) bool { return slices.Contains(groups, g) }) {
			continue
		}
		if len(objects) == 0 {
			return true
		}
		for _, o := range objectsOf(src, j, n) {
			if slices.ContainsFunc(objects, func(k string) bool { return sameTerm(k, o) }) {
				return true
			}
		}
	}
	return false
}

// objectsOf are the keys of what the verb at words[i] acts on: the first
// n content words after it or, in the passive ("medication rounds for 30
// residents were managed"), the content words before it.
func objectsOf(words []word, i, n int) []string {
	if passive(words, i) {
		var out []string
		for k := i - 2; k >= 0 && k >= i-7; k-- {
			out = append(out, claimKeys(words[k].text)...)
		}
		return out
	}
	var out []string
	for k := i + 1; k < len(words) && k <= i+5 && len(out) < n; k++ {
		if keys := claimKeys(words[k].text); len(keys) > 0 {
			out = append(out, keys[0])
		}
	}
	return out
}

func passive(words []word, i int) bool {
	return i > 0 && passiveAux[strings.ToLower(words[i-1].text)]
}

var passiveAux = wordSet("was were is are been being be")

// sameTerm: equal keys, or one the start of the other ("roll", "rollout").
func sameTerm(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 4 && strings.HasPrefix(b, a)
}

// titlePhraseSupported: in the summary, "audit manager" needs a title of
// the profile that says "audit manager", when the word before the title
// names a field (not "a", "former" or "experienced").
func (v *verifier) titlePhraseSupported(before, title string) bool {
	keys := claimKeys(before)
	if len(keys) == 0 || titleWords[strings.ToLower(before)] || scopeWords[strings.ToLower(before)] || qualifierWords[strings.ToLower(before)] {
		return true
	}
	for _, t := range v.titles {
		if strings.Contains(" "+strings.ToLower(t)+" ", " "+strings.ToLower(before)+" "+title) {
			return true
		}
	}
	return false
}

// attributionSuffixes make the word before them an organisation:
// "Deloitte-trained".
var attributionSuffixes = wordSet("trained certified educated accredited approved backed funded based qualified endorsed")

// sinceYear checks "since 2018": when the sentence names a certificate or
// an employer of the profile, the year must be that certificate's date or
// that job's start; otherwise some start or date in the profile.
func (v *verifier) sinceYear(sentence string) *problem {
	m := sinceRe.FindStringSubmatch(sentence)
	if m == nil {
		return nil
	}
	year := m[1]
	terms := v.termsOf(sentence)
	named := func(name string) bool {
		keys := v.keysOf(name)
		for _, k := range keys {
			if !terms[k] {
				return false
			}
		}
		return len(keys) > 0
	}
	var anyYear []string
	for _, c := range v.src.Certificates {
		anyYear = append(anyYear, c.Date)
		short, _, _ := strings.Cut(c.Name, " (")
		if named(short) {
			if !strings.HasPrefix(c.Date, year) {
				return &problem{reason: fmt.Sprintf("'since %s': the profile dates %s %s", year, short, c.Date)}
			}
			return nil
		}
	}
	for _, w := range v.src.Work {
		anyYear = append(anyYear, w.StartDate)
		if named(w.Name) {
			if !strings.HasPrefix(w.StartDate, year) {
				return &problem{reason: fmt.Sprintf("'since %s': the profile says %s from %s", year, w.Name, w.StartDate)}
			}
			return nil
		}
	}
	for _, e := range v.src.Education {
		anyYear = append(anyYear, e.StartDate, e.EndDate)
	}
	if !slices.ContainsFunc(anyYear, func(d string) bool { return strings.HasPrefix(d, year) }) {
		return &problem{reason: fmt.Sprintf("'since %s' matches no date in the profile", year)}
	}
	return nil
}

var sinceRe = regexp.MustCompile(`(?i)\bsince (\d{4})\b`)

// qualifierWords may stand before a title without naming a field.
var qualifierWords = wordSet("former current acting interim assistant deputy associate trainee junior experienced seasoned proven")

// titleSupported: a title word in a job's text needs that job to state it
// (its title or text); in the summary, one of the profile's titles.
func (v *verifier) titleSupported(w string, sc *scope) bool {
	if sc.kind != "" {
		return sc.words[w]
	}
	return v.whole.titles[w]
}

// credential checks a degree or certification word against the profile's
// education and certificates.
func (v *verifier) credential(w word) *problem {
	lw := strings.ToLower(strings.ReplaceAll(w.text, "’", "'"))
	if level, ok := degreeOf(w); ok {
		if !v.degrees[level] {
			return &problem{reason: fmt.Sprintf("the degree '%s' is not in the profile's education", w.text)}
		}
		return nil
	}
	if ambiguousDegrees[lw] {
		return nil // "ma", "ms", "ba" in lower case are not degrees
	}
	if anyDegreeWords[lw] && len(v.src.Education) == 0 {
		return &problem{reason: fmt.Sprintf("'%s' claims a qualification the profile's education does not list", w.text)}
	}
	if credentialWords[lw] && !hasAny(v.whole.words, credentialWords) && len(v.src.Certificates) == 0 {
		return &problem{reason: fmt.Sprintf("'%s' claims a certification the profile does not list", w.text)}
	}
	return nil
}

// degreeLevel groups the ways of naming a degree.
type degreeLevel int

const (
	bachelor degreeLevel = iota + 1
	master
	doctorate
)

var degreeLevels = func() map[string]degreeLevel {
	m := map[string]degreeLevel{}
	for _, w := range strings.Fields("bachelor bachelors bachelor's bsc b.sc ba b.a bs b.s bsn beng b.eng undergraduate") {
		m[w] = bachelor
	}
	for _, w := range strings.Fields("master masters master's msc m.sc ma m.a ms m.s msn mba m.b.a meng m.eng med m.ed mphil mres postgraduate") {
		m[w] = master
	}
	for _, w := range strings.Fields("phd ph.d doctorate doctoral dphil edd ed.d dnp") {
		m[w] = doctorate
	}
	return m
}()

var ambiguousDegrees = wordSet("ba bs ma ms med")

// degreeOf reads a word as a degree level: "MSc", "Bachelor's"; "BA" and
// "MS" only in capitals ("ma", "med" are words).
func degreeOf(w word) (degreeLevel, bool) {
	lw := strings.ToLower(strings.ReplaceAll(w.text, "’", "'"))
	if ambiguousDegrees[lw] && w.text != strings.ToUpper(w.text) {
		return 0, false
	}
	l, ok := degreeLevels[lw]
	return l, ok
}

// profileDegrees returns the levels of the profile's degrees.
func profileDegrees(r *Resume) map[degreeLevel]bool {
	out := map[degreeLevel]bool{}
	for _, e := range r.Education {
		for _, w := range rawWords(e.StudyType + " " + e.Area) {
			if l, ok := degreeOf(w); ok {
				out[l] = true
			}
		}
	}
	return out
}

var (
	anyDegreeWords  = wordSet("degree degrees diploma graduate graduated alumnus alumna")
	credentialWords = wordSet("certified certification certifications licensed licence license accredited chartered board-certified registered")
	// leadershipWords claim to have led or started something; a rewrite
	// may use them only where its source sentence uses one.
	leadershipWords = wordSet(`led lead leading leads headed heading managed manage manages managing directed directing
		ran run runs running introduced introducing initiated launched founded co-founded pioneered established championed
		supervised supervise supervises supervising oversaw oversee oversees overseeing overseen spearheaded spearheading
		owned owning chaired chairing orchestrated commanded`)
	superlatives = wordSet(`sole solely single-handedly singlehandedly alone award-winning award awarded top best record
		record-breaking world-class renowned #1 perfect flawless unbeaten`)
	// supportWords say the candidate helped someone else do it.
	supportWords = wordSet(`assisted assist assisting assists helped help helping helps supported support supporting
		contributed contribute contributing contributes participated participating co-led co-ran co-founded alongside`)
	awardWords = wordSet("award awarded awards award-winning")
	titleWords = wordSet(`senior sr staff principal chief head director directors vp executive manager managers charge
		superintendent dean supervisor partner founder co-founder owner president`)
	// scopeWords claim a reach the profile must state somewhere.
	scopeWords = wordSet("enterprise strategic global multi-unit multi-site regional district nationwide international")
	// leadTitles make "lead" a title: "team lead", "tech lead".
	leadTitles = wordSet("team tech technical shift sales project engineering ward clinical department subject")
)

// groupNouns are what a number can count in a team size.
var groupNouns = wordSet(`team teams people engineers developers nurses staff reports members students pupils learners reps
	representatives agents rota squad class classes colleagues volunteers analysts designers sellers testers physicians
	doctors clinicians caregivers aides assistants teachers tutors employees headcount direct`)

// swappedNumber reports a number of the rewrite that its source sentence
// does not state standing where one of the source's numbers went missing:
// "30 residents" -> "60 residents", even when 60 is elsewhere in the job.
func swappedNumber(src, rewrite string) (added, dropped string) {
	srcNums, rwNums := numbersIn(src), numbersIn(rewrite)
	has := func(ns []number, v string) bool {
		return slices.ContainsFunc(ns, func(n number) bool { return n.value == v })
	}
	for _, n := range rwNums {
		if has(srcNums, n.value) {
			continue
		}
		for _, m := range srcNums {
			if !has(rwNums, m.value) {
				return n.text, m.text
			}
		}
	}
	return "", ""
}

// dropsTeamSize reports a team size of src ("a team of 8", "6 nurses")
// that rewrite leaves out while keeping the team.
func dropsTeamSize(src, rewrite string) (size, noun string, ok bool) {
	have := map[string]bool{}
	for _, n := range numbersIn(rewrite) {
		have[n.value] = true
	}
	rw := wordsOf(rewrite)
	for _, n := range numbersIn(src) {
		at := strings.Index(src, n.text)
		if have[n.value] || at < 0 {
			continue
		}
		// "8 engineers", "a 6-person rota": the noun follows; "a team of 8": it precedes "of".
		after := rawWords(src[at+len(n.text):])
		for j := 0; j < len(after) && j < 3; j++ {
			for _, part := range strings.Split(strings.ToLower(after[j].text), "-") {
				if groupNouns[part] && rw[part] {
					return n.text, part, true
				}
			}
		}
		before := rawWords(src[:at])
		if k := len(before); k >= 2 && strings.EqualFold(before[k-1].text, "of") {
			if g := strings.ToLower(before[k-2].text); groupNouns[g] && rw[g] {
				return n.text, g, true
			}
		}
	}
	return "", "", false
}

// similarity is the share of the smaller sentence's terms and numbers that
// the other sentence has too: 1 for a sentence and its reordering.
func (c *termCache) similarity(a, b string) float64 {
	ka, kb := c.termsOf(a), c.termsOf(b)
	if len(ka) == 0 || len(kb) == 0 {
		return 0
	}
	shared := 0
	for k := range ka {
		if kb[k] {
			shared++
		}
	}
	return float64(shared) / float64(min(len(ka), len(kb)))
}

func (c *termCache) termsOf(s string) map[string]bool {
	if m, ok := c.sentences[s]; ok {
		return m
	}
	m := map[string]bool{}
	defer func() { c.sentences[s] = m }()
	for _, w := range rawWords(s) {
		for _, k := range c.keysOf(w.text) {
			m[k] = true
		}
	}
	for _, n := range numbersIn(s) {
		m["#"+n.value] = true
	}
	return m
}

// closest returns the candidate most like s and its similarity.
func (c *termCache) closest(s string, candidates []string) (string, float64) {
	best, score := "", 0.0
	for _, cand := range candidates {
		if sim := c.similarity(s, cand); sim > score {
			best, score = cand, sim
		}
	}
	return best, score
}

// Thresholds of similarity.
const (
	sameClaim  = 0.3  // a rewrite of that sentence
	movedClaim = 0.6  // clearly that sentence
	movedGap   = 0.25 // and clearly not one of its own entry's
)

// knownTools are tools, platforms, systems and methods named in lower case
// often enough that a rewrite could slip them in: software, clinical,
// sales and teaching tools alike. Capitalised names need no list.
var knownTools = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
aws gcp azure terraform kubernetes k8s docker helm ansible puppet jenkins circleci github gitlab bitbucket
argocd istio nginx kafka rabbitmq redis postgres mysql mongodb cassandra dynamodb elasticsearch
opensearch snowflake bigquery redshift databricks spark hadoop airflow dbt tableau looker powerbi
prometheus grafana datadog splunk sentry pagerduty newrelic jira confluence asana trello slack
react angular vue svelte django flask fastapi rails laravel graphql grpc soap
python java golang rust ruby php scala kotlin typescript javascript c# c++ .net haskell elixir
linux macos ios android s3 ec2 eks ecs gke aks cloudformation pulumi consul nomad
openai llm pytorch tensorflow sklearn pandas numpy kubeflow mlflow sagemaker
salesforce hubspot pipedrive zoho salesloft gong zoominfo marketo pardot
cpq docusign gainsight zendesk intercom freshdesk netsuite sap quickbooks
cerner meditech allscripts athenahealth pyxis omnicell alaris picc ecmo telemetry dialysis ventilator
moodle blackboard schoology seesaw kahoot nearpod edpuzzle flipgrid smartboard promethean
powerschool classdojo quizlet desmos ixl mathletics
scrum kanban agile six-sigma itil prince2 pmp okr
`) {
		for _, k := range claimKeys(w) {
			m[k] = true
		}
	}
	return m
}()

// wholeScope is what the summary may draw on: the whole profile, with the
// titles it states (headline and positions).
func (c *termCache) wholeScope(r *Resume) *scope {
	titles := []string{r.Basics.Label}
	for _, w := range r.Work {
		titles = append(titles, w.Position)
	}
	for _, v := range r.Volunteer {
		titles = append(titles, v.Position)
	}
	var texts []string
	r.eachString(func(path, _ string, s *string) {
		if !strings.HasPrefix(path, "basics.email") && !strings.HasPrefix(path, "basics.phone") {
			texts = append(texts, *s)
		}
	})
	return c.newScope("", "", titles, texts...)
}

// workScope is what a job's text may draw on: that job alone.
func (c *termCache) workScope(w Work) *scope {
	return c.newScope("job", jobLabel(w), []string{w.Position},
		slices.Concat([]string{w.Name, w.Location, w.Summary, w.Description}, w.Highlights)...)
}

// jobLabel names a job in a reason: "Backend Engineer at Acme".
func jobLabel(w Work) string { return joinNonEmpty(" at ", w.Position, w.Name) }

// projectScope is what a project's text may draw on: that project alone.
func (c *termCache) projectScope(p Project) *scope {
	return c.newScope("project", p.Name, p.Roles,
		slices.Concat([]string{p.Name, p.Entity, p.Type, p.Description}, p.Highlights, p.Keywords)...)
}

// alignSources drops the sources of blank highlights, which Normalize is
// about to drop, so that each source stays with its highlight.
func alignSources(r *Resume) {
	align := func(hs []string, src []int) ([]string, []int) {
		if len(src) == 0 {
			return hs, src
		}
		var h2 []string
		var s2 []int
		for i, h := range hs {
			if strings.TrimSpace(h) == "" {
				continue
			}
			h2 = append(h2, h)
			if i < len(src) {
				s2 = append(s2, src[i])
			}
		}
		return h2, s2
	}
	for i := range r.Work {
		r.Work[i].Highlights, r.Work[i].HighlightSources = align(r.Work[i].Highlights, r.Work[i].HighlightSources)
	}
	for i := range r.Projects {
		r.Projects[i].Highlights, r.Projects[i].HighlightSources = align(r.Projects[i].Highlights, r.Projects[i].HighlightSources)
	}
}

// freeText checks each sentence of a rewritten text; one the profile does
// not support is replaced by the closest sentence of the profile's text, or
// dropped. bySource: leadership and superlatives must be in the sentence
// it rewrites (a job's text); otherwise anywhere in the scope (the summary).
func (v *verifier) freeText(field, text, profile string, sc *scope, bySource bool) string {
	if text == profile {
		return text
	}
	profileSents := sentences(profile)
	var out []string
	for _, sent := range sentences(text) {
		src, sim := v.closest(sent, profileSents)
		if sim < sameClaim {
			src = ""
		}
		checkAgainst := ""
		if bySource {
			checkAgainst = src
		}
		p := v.check(sent, sc, checkAgainst)
		if p == nil {
			out = append(out, sent)
			continue
		}
		target := src
		if target != "" && (slices.Contains(out, target) || strings.Contains(text, target)) {
			target = "" // already there: drop the claim instead
		}
		v.violateClaim(field, sent, p, target)
		if target != "" {
			out = append(out, target)
		}
	}
	return strings.Join(out, " ")
}

// highlights checks each rewritten highlight of an entry against the
// profile highlight it says it rewrites (sources, from the LLM) or else
// the one it resembles most. entry is the profile job's index, for the
// check that a highlight was not moved from another job (-1: a project).
func (v *verifier) highlights(field string, hs []string, sources []int, profile []string, sc *scope, entry int) []string {
	var kept []string
	for k, h := range hs {
		f := fmt.Sprintf("%s[%d]", field, k)
		var p *problem
		movedFrom, moved := v.movedFrom(h, entry)
		if moved {
			p = v.movedProblem(h, entry, movedFrom) // said first: it is the most telling reason
		}
		src := ""
		switch {
		case p != nil:
		case k < len(sources) && (sources[k] < 0 || sources[k] >= len(profile)):
			p = &problem{reason: fmt.Sprintf("the model said this rewrites highlight %d of %s, which has %d", sources[k]+1, sc.where(), len(profile))}
		case k < len(sources):
			src = profile[sources[k]]
			if h != src && v.similarity(h, src) < sameClaim {
				p = &problem{reason: "the model said this rewrites another highlight, which says: " + src, profile: src}
				src = ""
			}
		case v.opts.RequireSources && !slices.Contains(profile, h):
			p = &problem{reason: "the model did not say which of the profile's highlights this rewrites"}
		default:
			if c, sim := v.closest(h, profile); sim >= sameClaim {
				src = c
			}
		}
		if p == nil {
			p = v.check(h, sc, src)
		}
		if p == nil {
			kept = append(kept, h)
			continue
		}
		target := ""
		if c, sim := v.closest(h, profile); sim >= sameClaim && !slices.Contains(kept, c) && !slices.Contains(hs[k+1:], c) {
			if !moved || v.similarity(h, c) >= movedClaim {
				target = c
			}
		}
		v.violateClaim(f, h, p, target)
		if target != "" {
			kept = append(kept, target)
		}
	}
	return kept
}

// movedProblem says that h, a highlight of job entry, is job k's.
func (v *verifier) movedProblem(h string, entry, k int) *problem {
	from, _ := v.closest(h, v.workSentences[k])
	return &problem{
		reason:  fmt.Sprintf("this is from the job %s, not %s", jobLabel(v.src.Work[k]), jobLabel(v.src.Work[entry])),
		profile: from,
	}
}

// movedFrom returns the other job whose sentence h matches clearly better
// than any of its own job's.
func (v *verifier) movedFrom(h string, entry int) (int, bool) {
	if entry < 0 || entry >= len(v.workSentences) {
		return -1, false
	}
	_, own := v.closest(h, v.workSentences[entry])
	for k, sents := range v.workSentences {
		if k == entry {
			continue
		}
		if _, sim := v.closest(h, sents); sim >= movedClaim && sim-own >= movedGap {
			return k, true
		}
	}
	return -1, false
}

// violateClaim records an unsupported sentence: restored to target, or
// removed when there is none.
func (v *verifier) violateClaim(field, value string, p *problem, target string) {
	action, profile := ActionRemoved, p.profile
	if target != "" {
		action, profile = ActionRestored, target
	}
	v.violations = append(v.violations, Violation{Field: field, Value: value, Reason: p.reason, Action: action, Profile: profile})
}
