// Package icaltest reads a calendar the way a calendar client reads it:
// with github.com/emersion/go-ical, a parser that shares nothing with
// Atelier's writer (a bug in the writer's escaping or folding must not be
// hidden by the same bug in the reader), after checking the content lines
// byte by byte.
//
// It imports nothing of Atelier, so that the tests of the iCalendar writer
// and of the HTTP feeds share it.
package icaltest

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// Parse checks raw's content lines (CheckLines) and parses it as exactly
// one calendar, failing t when it cannot.
func Parse(t testing.TB, raw []byte) *ical.Calendar {
	t.Helper()
	CheckLines(t, raw)
	dec := ical.NewDecoder(bytes.NewReader(raw))
	cal, err := dec.Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the calendar: %v\n%s", err, raw)
	}
	if _, err := dec.Decode(); err != io.EOF {
		t.Fatalf("something follows END:VCALENDAR (%v)\n%s", err, raw)
	}
	return cal
}

// CheckLines checks what RFC 5545 section 3.1 asks of every content line:
// it ends in CRLF (no bare CR or LF anywhere), no physical line is longer
// than 75 octets, and folding never cuts a UTF-8 character in two.
func CheckLines(t testing.TB, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatalf("the calendar does not end in CRLF: %q", raw[max(0, len(raw)-40):])
	}
	around := func(i int) []byte { return raw[max(0, i-30):min(len(raw), i+30)] }
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			t.Fatalf("bare LF at byte %d: %q", i, around(i))
		}
		if c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			t.Fatalf("bare CR at byte %d: %q", i, around(i))
		}
	}
	for n, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 75 {
			t.Fatalf("line %d has %d octets (> 75): %q", n+1, len(line), line)
		}
		if !utf8.Valid(line) {
			t.Fatalf("line %d is not valid UTF-8 on its own (folded inside a character?): %q", n+1, line)
		}
	}
}
