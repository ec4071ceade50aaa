package models

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// TestNames: a name with a control character, a direction override or
// nothing visible is refused; names in any script, with accents, emoji
// sequences (which join with U+200D) or right-to-left letters are not.
func TestNames(t *testing.T) {
	for _, name := range []string{
		"\u202eevil", "a\u2066b", "bell\a", "esc\x1b[31m", "tab\there", "line\nbreak", "a\x00b",
		"\u200b", " \u200b ", "\u3164", "\u2800\u2800", "\u200d\u200c", "\u0301",
	} {
		fe := FieldErrors{}
		if checkName(fe, "name", name); fe["name"] == "" {
			t.Errorf("name %q was accepted", name)
		}
	}
	for _, name := range []string{"Zoë Dubois", "José", "👩\u200d🔧 Ana", "محمد", "O'Brien", "李小龍", "Ａｎａ"} {
		fe := FieldErrors{}
		if checkName(fe, "name", name); len(fe) != 0 {
			t.Errorf("name %q was refused: %v", name, fe)
		}
	}
	// Notes may break lines, but the rest holds.
	for note, ok := range map[string]bool{"two\nlines\r\n\tand a tab": true, "": true, "\u202eevil": false, "\u200b": false, "beep\a": false} {
		fe := FieldErrors{}
		if checkText(fe, "note", note, MaxText); (len(fe) == 0) != ok {
			t.Errorf("note %q: accepted %v, want %v (%v)", note, len(fe) == 0, ok, fe)
		}
	}
}

// TestEmails: look-alikes of an address normalise to it (fullwidth
// letters, case, compatibility forms); invisible characters are refused
// rather than stored beside the address they mimic.
func TestEmails(t *testing.T) {
	for in, want := range map[string]string{
		"ａdmin@x.test":   "admin@x.test",
		" ADMIN@X.Test ": "admin@x.test",
		"ｔ１@ｘ.ｔｅｓｔ":      "t1@x.test",
		"Straße@x.test":  "strasse@x.test",
	} {
		if got := normalizeEmail(in); got != want {
			t.Errorf("normalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
	for _, e := range []string{"t1@x.test\u200b", "t\u200d1@x.test", "t1@x.te\u202est", "t1@x.test\u00ad", "t\u20601@x.test", "t 1@x.test"} {
		if validEmail(normalizeEmail(e)) {
			t.Errorf("email %q was accepted", e)
		}
	}
	if !validEmail(normalizeEmail("René.Magritte@Example.be")) {
		t.Error("a plain address with an accent was refused")
	}
}

// TestHoursDays: a window naming a day twice is refused, a long list is
// refused before it is read, and windows stored with repeats are read
// without them.
func TestHoursDays(t *testing.T) {
	long := make([]int, 170000)
	for i := range long {
		long[i] = 1
	}
	for _, days := range [][]int{{1, 1}, {1, 2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 1}, long} {
		fe := FieldErrors{}
		Hours{{Days: days, From: "08:00", To: "18:00"}}.check(fe, "opening_hours")
		if fe["opening_hours[0].days"] == "" {
			t.Errorf("days %.20v: want a refusal on opening_hours[0].days, got %v", days, fe)
		}
	}
	fe := FieldErrors{}
	Hours{{Days: []int{7, 1, 2, 3, 4, 5, 6}, From: "08:00", To: "18:00"}}.check(fe, "opening_hours")
	if len(fe) != 0 {
		t.Errorf("every day once: %v", fe)
	}
	var h Hours
	if err := h.Scan(`[{"days":[1,1,2,1,2],"from":"08:00","to":"18:00"}]`); err != nil || len(h) != 1 || len(h[0].Days) != 2 {
		t.Fatalf("stored repeats read as %v (%v)", h, err)
	}
}

// TestPasswordPool: at most the pool's slots run at once, its queue waits,
// and past the queue a check is refused as unavailable at once.
func TestPasswordPool(t *testing.T) {
	p := &passwordPool{slots: make(chan struct{}, 1), queue: 1}
	hold, release := make(chan struct{}), make(chan struct{})
	go p.do(context.Background(), func() { close(hold); <-release })
	<-hold
	waited := make(chan error)
	go func() { waited <- p.do(context.Background(), func() {}) }()
	for p.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	if err := p.do(context.Background(), func() { t.Error("ran past a full queue") }); ErrorCode(err) != CodeUnavailable {
		t.Fatalf("past the queue: want unavailable, got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The queue is full: a cancelled request is still refused, not queued.
	if err := p.do(ctx, func() {}); err == nil {
		t.Fatal("a cancelled check ran")
	}
	close(release)
	if err := <-waited; err != nil {
		t.Fatalf("the queued check: %v", err)
	}
	if n := newPasswordPool(); cap(n.slots) < 1 || cap(n.slots) > 4 || n.queue < int64(cap(n.slots)) {
		t.Fatalf("pool from the CPUs: %d slots, queue %d", cap(n.slots), n.queue)
	}
}

// TestVerifyPasswordRefusesOtherParameters: a stored hash cannot make a
// check take more memory than Atelier's own parameters.
func TestVerifyPasswordRefusesOtherParameters(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !verifyPassword(h, "correct horse battery") || verifyPassword(h, "wrong") {
		t.Fatal("the hash does not check")
	}
	big := strings.Replace(h, "m=19456", "m=4194304", 1)
	if verifyPassword(big, "correct horse battery") {
		t.Fatal("a hash asking for 4 GiB was computed")
	}
}

// FuzzText: whatever the input, a name or a note that is accepted holds no
// control character (but line breaks in notes), no direction override and
// something visible; a normalised email normalises to itself, and an
// accepted one has nothing invisible in it.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Zoë", "\u202eevil", "a\x00b", "\u200b", "ａdmin@x.test", "t1@x.test\u200b", "two\nlines", "\u3164",
		"👩\u200d🔧", "\xff\xfe", "ADMIN@X.TEST", "ß@ß.test", "\u0130@x.test", "ﬁ@x.test"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			fe := FieldErrors{}
			if multiline {
				checkText(fe, "note", s, MaxText)
			} else {
				checkName(fe, "name", s)
			}
			if len(fe) != 0 {
				continue
			}
			if s != "" && !hasVisible(s) {
				t.Fatalf("%q accepted with nothing visible", s)
			}
			for _, r := range s {
				if bidiControl(r) || r == 0 || unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
					t.Fatalf("%q accepted (multiline %v) with %U", s, multiline, r)
				}
			}
		}
		e := normalizeEmail(s)
		if normalizeEmail(e) != e {
			t.Fatalf("normalizeEmail is not stable on %q: %q then %q", s, e, normalizeEmail(e))
		}
		if validEmail(e) {
			if !utf8.ValidString(e) || strings.ContainsFunc(e, func(r rune) bool {
				return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || !unicode.IsGraphic(r)
			}) {
				t.Fatalf("email %q accepted with an invisible character", e)
			}
		}
	})
}
