package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"

	"atelier/internal/apitest"
	"atelier/models"
)

// rowCounter counts rows of a table straight in the Env's database, so a
// fuzz iteration can check that a refused request stored nothing without
// listing everything it stored so far.
type rowCounter struct{ db *sql.DB }

func newRowCounter(t testing.TB, env *apitest.Env) rowCounter {
	t.Helper()
	driver, dsn := "pgx", env.DSN
	if env.DB.Dialect == models.SQLite {
		driver, dsn = "sqlite3", "file:"+(&url.URL{Path: env.DSN}).EscapedPath()+"?mode=ro&_busy_timeout=10000"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return rowCounter{db}
}

func (c rowCounter) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := c.db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// fuzzBookingSeeds are bodies for POST /api/v1/bookings and POST
// /api/v1/sites: valid ones, and hostile ones. %[1]d is the machine, %[2]d
// the space.
var fuzzBookingSeeds = []string{
	// Valid bookings (the first of each slot wins, the next ones conflict).
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T12:00:00Z", "end": "2027-01-05T13:00:00Z", "note": "Découpe de contreplaqué 🪚"}`,
	`{"resource_id": %[2]d, "start": "2027-01-06T14:00:00+01:00", "end": "2027-01-06T16:00:00+01:00", "quantity": 30}`,
	`{"resource_id": %[2]d, "start": "2027-01-06T13:00:00+01:00", "end": "2027-01-06T14:00:00+01:00", "quantity": 100, "note": ""}`,
	`{"resource_id": %[1]d, "start": "2027-01-07T09:00:00+01:00", "end": "2027-01-07T09:30:00+01:00", "member_id": 3}`,
	// Valid sites.
	`{"name": "Annexe", "timezone": "Europe/Brussels", "floor_area_m2": 120.5, "opening_hours": [{"days": [1,2,3,4,5], "from": "08:00", "to": "18:00"}], "quiet_hours": [{"days": [5,6], "from": "23:00", "to": "08:00"}]}`,
	`{"name": "Toit", "floor_area_m2": 1e-300}`,
	`{"name": "Hangar", "timezone": "Pacific/Chatham", "floor_area_m2": 10000000, "opening_hours": [{"days": [7], "from": "00:00", "to": "24:00"}]}`,
	// Not objects, not JSON.
	``, `{`, `}`, `[]`, `[{}]`, `null`, `0`, `-1`, `"x"`, `true`, `{}`, `{} {}`, `{"a":1} xyz`, "\ufeff{}",
	`{"resource_id": 1,}`, `{'resource_id': 1}`, `{resource_id: 1}`, `{"quantity": NaN}`, `{/* */}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"note": ` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `}`,
	// Wrong types.
	`{"resource_id": "1"}`, `{"resource_id": 1.5}`, `{"resource_id": null}`, `{"resource_id": [1]}`,
	`{"start": 20270105}`, `{"start": {"$gt": ""}}`, `{"quantity": "2"}`, `{"quantity": 1e3}`,
	`{"name": 7}`, `{"floor_area_m2": "big"}`, `{"opening_hours": {"days": [1]}}`, `{"opening_hours": [null]}`,
	`{"opening_hours": [{"days": "1-5"}]}`, `{"quiet_hours": [{"from": 22}]}`,
	// Values at and past the edges.
	`{"resource_id": 9223372036854775807, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": -9223372036854775808, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00"}`,
	`{"resource_id": 99999999999999999999}`, `{"resource_id": 1e400}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00", "quantity": 9223372036854775807}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T11:00:00+01:00", "quantity": -2147483649}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-01-05T10:00:00+01:00"}`,
	`{"resource_id": %[1]d, "start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"}`,
	`{"resource_id": %[1]d, "start": "2200-12-31T23:30:00-14:00", "end": "2201-01-01T00:30:00-14:00"}`,
	`{"resource_id": %[1]d, "start": "2000-01-01T00:00:00+14:00", "end": "2000-01-01T01:00:00+14:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+24:00", "end": "2027-01-05T11:00:00-23:59"}`,
	`{"resource_id": %[1]d, "start": "2027-03-28T02:30:00+01:00", "end": "2027-03-28T03:30:00+02:00"}`,
	`{"resource_id": %[1]d, "start": "2027-10-31T02:30:00+02:00", "end": "2027-10-31T02:30:00+01:00"}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T10:00:00.999999999+01:00", "end": "2027-01-05T11:00:00,5+01:00"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T10:00:00+01:00", "end": "2027-02-06T10:00:00+01:00"}`,
	`{"resource_id": 1, "resource_id": 2, "start": "2027-01-08T10:00:00+01:00", "end": "2027-01-08T11:00:00+01:00"}`,
	`{"name": "x", "floor_area_m2": 1e308}`, `{"name": "x", "floor_area_m2": -0}`, `{"name": "x", "floor_area_m2": 5e-324}`,
	`{"name": "x", "floor_area_m2": 1, "timezone": "Local"}`, `{"name": "x", "floor_area_m2": 1, "timezone": "Europe//Brussels"}`,
	`{"name": "x", "floor_area_m2": 1, "timezone": "../../../../etc/passwd"}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [0, 8], "from": "24:00", "to": "+1:00"}]}`,
	`{"name": "x", "floor_area_m2": 1, "quiet_hours": [{"days": [1], "from": " 8:00", "to": "-0:30"}]}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [` + strings.TrimSuffix(strings.Repeat(`{"days":[1],"from":"08:00","to":"09:00"},`, 51), ",") + `]}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [` + strings.TrimSuffix(strings.Repeat("1,", 20000), ",") + `], "from": "08:00", "to": "09:00"}]}`,
	// Hostile text.
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "a\u0000b"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "'; DROP TABLE bookings; --"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T15:00:00+01:00", "end": "2027-01-05T16:00:00+01:00", "note": "\ud800 lone surrogate \udfff"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T16:00:00+01:00", "end": "2027-01-05T17:00:00+01:00", "note": "` + strings.Repeat("é", 2001) + `"}`,
	`{"name": "x\u0000y", "floor_area_m2": 1}`, `{"name": "` + strings.Repeat("ж", 201) + `", "floor_area_m2": 1}`,
	`{"name": "1 OR 1=1; SELECT * FROM users", "floor_area_m2": 1, "timezone": "Europe/Brussels'; --"}`,
	"{\"note\": \"\xff\xfe invalid UTF-8\"}",
	// Text that hides what it holds, unknown fields, repeated days (issue 16).
	`{"resource_id": %[1]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "note": "\u202egnp.exe"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "note": "\u200b\u200d"}`,
	`{"resource_id": %[1]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "note": "two\nlines\u0007"}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "quantitiy": 2}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "Quantity": 2, "NOTE": "x"}`,
	`{"resource_id": %[2]d, "start": "2027-01-05T17:00:00+01:00", "end": "2027-01-05T18:00:00+01:00", "extra": {"deep": [1, {"x": null}]}}`,
	`{"name": "\u202eevil", "floor_area_m2": 1}`, `{"name": "\u3164", "floor_area_m2": 1}`, `{"name": "bell\u0007", "floor_area_m2": 1}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [1, 1], "from": "08:00", "to": "09:00"}]}`,
	`{"name": "x", "floor_area_m2": 1, "opening_hours": [{"days": [1], "from": "08:00", "to": "09:00", "dayz": [2]}]}`,
	`{"name": "x", "floor_area_m2": 1, "quiet_hours": [{"days": [7, 6, 5, 4, 3, 2, 1], "from": "22:00", "to": "07:00"}], "force": true}`,
}

// FuzzCreateBooking sends any body to POST /api/v1/bookings (as a member,
// or as a host who may book for others) and to POST /api/v1/sites: never a
// 5xx; a refusal is JSON in the contract's error shape, shows nothing
// internal, and stores nothing; a success stores exactly one row.
func FuzzCreateBooking(f *testing.F) {
	env, w, member := apitest.NewWithMember(f, "Fuzz Member")
	rows := newRowCounter(f, env)
	for i, s := range fuzzBookingSeeds {
		if strings.Contains(s, "%[") {
			s = fmt.Sprintf(s, w.Machine, w.Space)
		}
		f.Add(s, i%5 == 4)
	}

	f.Fuzz(func(t *testing.T, body string, asHost bool) {
		token := member.Token
		if asHost {
			token = w.Manager.Token
		}
		for _, target := range []struct {
			path, token, table string
			known              []string
		}{
			{"/api/v1/bookings", token, "bookings", []string{"resource_id", "member_id", "start", "end", "quantity", "note"}},
			{"/api/v1/sites", w.Admin.Token, "sites", []string{"name", "timezone", "floor_area_m2", "opening_hours", "quiet_hours", "power_kw", "loud_at_once"}},
		} {
			before := rows.count(t, target.table)
			r := env.Do("POST", target.path, target.token, body)
			after := rows.count(t, target.table)
			if r.Code >= 500 {
				t.Fatalf("POST %s %q: %s", target.path, body, r)
			}
			if r.Code == 201 {
				if after != before+1 {
					t.Fatalf("POST %s answered 201 but stored %d rows", target.path, after-before)
				}
				var created struct {
					ID         int64
					Name, Note string
				}
				if err := json.Unmarshal(r.Body, &created); err != nil || created.ID <= 0 {
					t.Fatalf("POST %s answered 201 without an id: %s", target.path, r)
				}
				if why := hiddenText(created.Name+created.Note, created.Note != ""); why != "" {
					t.Fatalf("POST %s %q stored text with %s: %s", target.path, body, why, r)
				}
				if k := unknownKey(body, target.known); k != "" {
					t.Fatalf("POST %s %q stored a body with the unknown field %q", target.path, body, k)
				}
				continue
			}
			if r.Code < 400 {
				t.Fatalf("POST %s: unexpected %s", target.path, r)
			}
			if _, why := shapeError(r.Body); why != "" {
				t.Fatalf("POST %s %q: not the error shape (%s): %s", target.path, body, why, r)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("POST %s: an error served as %q", target.path, ct)
			}
			if m := leaks(r.Body, body); m != "" {
				t.Fatalf("POST %s %q: the error shows internals (%q): %s", target.path, body, m, r)
			}
			if after != before {
				t.Fatalf("POST %s was refused (%s) but stored %d rows", target.path, r, after-before)
			}
		}
	})
}

// hiddenText returns what in s should have been refused ("" for nothing):
// a control character (but line breaks in a note), a direction override,
// or nothing visible.
func hiddenText(s string, note bool) string {
	visible := false
	for _, r := range s {
		switch {
		case note && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return fmt.Sprintf("the control character %U", r)
		case r == '\u061c' || r == '\u200e' || r == '\u200f' || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069':
			return fmt.Sprintf("the direction override %U", r)
		}
		if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) && r != '\u3164' && r != '\u115f' && r != '\u1160' && r != '\uffa0' && r != '\u2800' {
			visible = true
		}
	}
	if s != "" && !visible {
		return "nothing visible"
	}
	return ""
}

// unknownKey returns a top-level key of the JSON object body that is none
// of known (compared as encoding/json does, ignoring case), or "".
func unknownKey(body string, known []string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &obj) != nil {
		return ""
	}
	for k := range obj {
		if !slices.ContainsFunc(known, func(n string) bool { return strings.EqualFold(n, k) }) {
			return k
		}
	}
	return ""
}
