package models

import (
	"fmt"
	"math"
	"net/mail"
	"strings"
	"unicode/utf8"
)

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
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
	} else if hasNUL(name) {
		fe.Add(field, "A name cannot contain a NUL character.")
	}
}

// MaxText is the longest note or reason, in characters.
const MaxText = 2000

// checkText records on fe why s cannot be stored in field: longer than max
// characters, or holding a NUL. The message names the field ("A note ...").
func checkText(fe FieldErrors, field, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		fe.Add(field, fmt.Sprintf("A %s may have at most %d characters.", field, max))
	} else if hasNUL(s) {
		fe.Add(field, fmt.Sprintf("A %s cannot contain a NUL character.", field))
	}
}

// hasNUL reports whether s holds a NUL character, which PostgreSQL cannot
// store in a text column: refusing it here keeps both databases alike.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

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
