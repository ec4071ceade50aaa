package models

import (
	"fmt"
	"math"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normalizeEmail is the one form an email is stored, looked up and
// compared in: compatibility characters folded to their plain form (NFKC:
// a fullwidth "ａ" is an "a") and case folded, so that look-alikes of an
// address are the address itself.
func normalizeEmail(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(s))))
}

// validEmail reports whether s, normalised, is an address that can be an
// account's: nothing invisible in it (a zero-width space would make a twin
// of an existing address that reads the same).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && visibleEmail(s)
}

// visibleEmail reports whether every character of s shows: no control,
// format (zero-width, direction) or space character, no invalid UTF-8.
func visibleEmail(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || invisible(r) {
			return false
		}
	}
	return true
}

// bidiControl reports whether r changes the direction text is shown in,
// which lets a name or a note read differently from what it holds.
func bidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// invisible reports whether r is a letter or symbol that draws nothing
// (fillers and blanks that pass as letters).
func invisible(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800', '\u17b4', '\u17b5':
		return true
	}
	return false
}

// hasVisible reports whether s holds a character that shows: a letter, a
// digit, a punctuation mark or a symbol.
func hasVisible(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) && !invisible(r) {
			return true
		}
	}
	return false
}

// textProblem returns why s cannot be stored as text that people read
// ("" when it can): a NUL (PostgreSQL cannot store it), another control
// character (newlines and tabs only where multiline), a direction
// override, or, when not empty, nothing visible at all.
func textProblem(s string, multiline bool) string {
	for _, r := range s {
		switch {
		case r == 0:
			return "cannot contain a NUL character"
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return "cannot contain control characters"
		case bidiControl(r):
			return "cannot contain characters that change the text's direction"
		}
	}
	if s != "" && !hasVisible(s) {
		return "needs at least one visible character"
	}
	return ""
}

func checkPassword(fe FieldErrors, field, pw string) {
	switch n := utf8.RuneCountInString(pw); {
	case n < 10:
		fe.Add(field, "A password needs at least 10 characters.")
	case len(pw) > 256:
		fe.Add(field, "A password may have at most 256 bytes.")
	}
}

func checkName(fe FieldErrors, field, name string) {
	if strings.TrimSpace(name) == "" {
		fe.Add(field, "A name is required.")
	} else if utf8.RuneCountInString(name) > 200 {
		fe.Add(field, "A name may have at most 200 characters.")
	} else if why := textProblem(name, false); why != "" {
		fe.Add(field, "A name "+why+".")
	}
}

// MaxText is the longest note or reason, in characters.
const MaxText = 2000

// checkText records on fe why s cannot be stored in field: longer than max
// characters, or a textProblem (lines may break). The message names the
// field ("A note ...").
func checkText(fe FieldErrors, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		fe.Add(field, fmt.Sprintf("A %s may have at most %d characters.", field, max))
	} else if why := textProblem(s, true); why != "" {
		fe.Add(field, fmt.Sprintf("A %s %s.", field, why))
	}
}

func checkArea(fe FieldErrors, field string, a float64) {
	if math.IsNaN(a) || a <= 0 || a > 1e7 {
		fe.Add(field, "The area must be a positive number of square metres.")
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
