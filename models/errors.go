// Package models is Atelier's domain: users, sites, zones, resources,
// bookings and the rules that govern them, their storage on gorm and the
// versioned migrations. It never imports the HTTP layer; errors leave it as
// *Error values carrying a code from the public contract and a message safe
// to show to a client.
package models

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
)

// Code is an error code of the public contract.
type Code string

// The codes of the public contract (../shared/API.md).
const (
	CodeBadRequest            Code = "bad_request"
	CodeUnauthorized          Code = "unauthorized"
	CodeForbidden             Code = "forbidden"
	CodeNotFound              Code = "not_found"
	CodeConflict              Code = "conflict"
	CodeValidation            Code = "validation"
	CodeRateLimited           Code = "rate_limited"
	CodeUnavailable           Code = "unavailable"
	CodeInvalidTransition     Code = "invalid_transition"
	CodeFloorAreaExceeded     Code = "floor_area_exceeded"
	CodeCertificationRequired Code = "certification_required"
	CodeInThePast             Code = "in_the_past"
	CodeTooFarAhead           Code = "too_far_ahead"
	CodeNotAligned            Code = "not_aligned"
	CodeInvalidDuration       Code = "invalid_duration"
	CodeOutsideOpeningHours   Code = "outside_opening_hours"
	CodeQuietHours            Code = "quiet_hours"
	CodeClosed                Code = "closed"
	CodeQuotaExceeded         Code = "quota_exceeded"
	CodePowerExceeded         Code = "power_exceeded"
	CodeNoiseLimit            Code = "noise_limit"
	CodeSlotFree              Code = "slot_free"
	CodePayloadTooLarge       Code = "payload_too_large"
	CodeMethodNotAllowed      Code = "method_not_allowed"
	CodeInternal              Code = "internal"
)

// Error is a domain error: a contract code, a message a person understands,
// and optional facts for a client to act on.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns e with one more detail.
func (e *Error) With(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// FieldErrors collects per-field validation messages, in English. Each
// message also has a stable code (FieldCode) that clients translate.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns a validation *Error listing the fields, or nil when empty.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "Some fields are not valid."
	if len(f) == 1 {
		for _, m := range f {
			msg = m // one field: its own message says more
		}
	}
	return (&Error{Code: CodeValidation, Message: msg}).With("fields", map[string]string(f))
}

// Invalid returns a validation error for one field.
func Invalid(field, msg string) *Error {
	return (&Error{Code: CodeValidation, Message: msg}).With("fields", map[string]string{field: msg})
}

// ErrorCode returns the code of err's *Error, or "" when it has none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func notFound(what string) *Error {
	return Errorf(CodeNotFound, "%s not found.", what)
}

// fieldMessage is one kind of field message: its stable code, the English
// texts it covers, and the names of the figures those texts carry, in order.
type fieldMessage struct {
	code   string
	text   *regexp.Regexp
	params []string
}

func fieldMsg(code, text string, params ...string) fieldMessage {
	return fieldMessage{code, regexp.MustCompile(`^(?:` + text + `)$`), params}
}

// fieldMessages names every field message Atelier writes. The messages are
// written where each value is checked, all over models and handlers; naming
// their codes here, from the English, keeps those call sites and the tests
// that read details.fields as they are. The first match wins.
// handlers/fieldcodes_test.go fails when a message of the source matches
// none, and when a code lacks its "field.<code>" in a language of the
// frontend (static/i18n/*.json).
var fieldMessages = []fieldMessage{
	// Any body or query.
	fieldMsg("required", `Required\.`),
	fieldMsg("unknown_field", `Unknown field: .*`),
	fieldMsg("not_an_id", `Must be a positive integer id\.`),
	fieldMsg("no_such", `No (?:active )?\w+ has this id\.`),
	fieldMsg("bad_time", `Must be an RFC 3339 time.*`),
	fieldMsg("year_range", `Must be a time between the years (\d+) and (\d+)\.`, "from", "to"),
	fieldMsg("one_of", `Must be one of (.+)\.`, "values"),
	fieldMsg("integer_range", `Must be an integer from (\d+) to (\d+)\.`, "min", "max"),
	fieldMsg("integer_min", `Must be an integer of at least (\d+)\.`, "min"),
	fieldMsg("limit_max", `Must be between 0 \(no limit\) and (\d+)\.`, "max"),
	fieldMsg("end_before_start", `The end (?:of the range )?must be after (?:the|its) start\.`),
	fieldMsg("range_too_long", `Ask for at most (\d+) days at a time\.`, "n"),
	fieldMsg("date", `The expiry is a date like .*`),
	// Text (validate.go).
	fieldMsg("name_required", `A name is required\.`),
	fieldMsg("too_long", `An? \w+ may have at most (\d+) characters\.`, "n"),
	fieldMsg("invisible", `An? \w+ needs at least one visible character\.`),
	fieldMsg("bad_characters", `An? \w+ cannot contain .+\.`),
	// Accounts.
	fieldMsg("password_too_short", `A password needs at least (\d+) characters\.`, "n"),
	fieldMsg("password_too_long", `A password may have at most (\d+) bytes\.`, "n"),
	fieldMsg("password_not_here", `Change your own password on your account .*`),
	fieldMsg("current_password_needed", `Give your current password to set a new one\.`),
	fieldMsg("current_password_wrong", `The current password is wrong\.`),
	fieldMsg("email", `An email address like name@example\.org is required\.`),
	fieldMsg("email_taken", `already used`),
	fieldMsg("role", `The role must be member, manager or admin\.`),
	fieldMsg("language", `The language must be fr, nl or en\.`),
	// Sites and zones.
	fieldMsg("timezone", `The time zone must be an IANA name such as Europe/Brussels\.`),
	fieldMsg("windows_max", `At most (\d+) windows\.`, "n"),
	fieldMsg("days_once", `Each day at most once.*`),
	fieldMsg("time_of_day", `".*" is not a time of day .*`),
	fieldMsg("weekdays", `days must name at least one weekday .*|day -?\d+ is not an ISO weekday .*`),
	fieldMsg("window_empty", `a window cannot start at 24:00\.|a window from \S+ to \S+ is empty\.`),
	fieldMsg("power_budget", `The power budget is a number of kW from 0 \(no limit\) to (\d+)\.`, "max"),
	fieldMsg("loud_at_once", `How many loud machines may run at once: from 0 \(no limit\) to (\d+)\.`, "max"),
	fieldMsg("area", `The area must be a positive number of square metres\.`),
	fieldMsg("use", `The use must be one of .+`),
	fieldMsg("zone_site", `A zone cannot move to another site\.`),
	fieldMsg("zone_below_space", `A space of ([\d.]+) m² lies in this zone: it cannot be smaller\.`, "area"),
	// Resources.
	fieldMsg("kind", `The kind must be machine or space\.`),
	fieldMsg("kind_fixed", `A resource's kind cannot change: create another resource\.`),
	fieldMsg("unit_machine", `A machine's unit is machine\.`),
	fieldMsg("capacity_machine", `A machine is booked whole: its capacity is 1\.`),
	fieldMsg("unit_space", `A space's unit is m2 or seat\.`),
	fieldMsg("capacity_space", `A space's capacity is a whole number of at least 1\.`),
	fieldMsg("capacity_zone", `A space cannot be larger than its zone \(([\d.]+) m²\)\.`, "area"),
	fieldMsg("nuisance", `The nuisance must be quiet, moderate or loud\.`),
	fieldMsg("power", `The power is a number of kW from 0 \(not counted\) to (\d+)\.`, "max"),
	fieldMsg("power_space", `Only a machine draws power: a space has none\.`),
	fieldMsg("max_below_min", `The longest booking cannot be shorter than the shortest\.`),
	// Bookings, series, the waiting list, closures, decisions, reports.
	fieldMsg("booking_too_long", `A booking may last at most (\d+) days\.`, "n"),
	fieldMsg("quantity_min", `The quantity must be at least 1\.`),
	fieldMsg("quantity_max", `(.+) holds at most (\d+) .+\.`, "name", "n"),
	fieldMsg("waitlist_fields", `A waiting-list entry takes .*`),
	fieldMsg("series_too_many", `A series has at most (\d+) occurrences.*`, "max"),
	fieldMsg("no_occurrence", `This rule gives no occurrence\.`),
	fieldMsg("on_conflict", `on_conflict must be fail or skip\.`),
	// The frontend writes the rule from its own fields: any other refusal
	// of one is a rule it did not mean.
	fieldMsg("rrule", `A rule is required.*|The rule .*|.* is not KEY=VALUE\.|.* is not supported: .*|.* is given twice\.|FREQ .*|UNTIL .*|\S+=.* is not valid\.|Give COUNT or UNTIL.*`),
	fieldMsg("reason_cancel", `Say why: the members whose bookings are cancelled will read it\.`),
	fieldMsg("reason_reject", `Say why the requests? (?:is|are) rejected: the member will read it\.`),
	fieldMsg("closure_too_long", `A closure may last at most a year\.`),
	fieldMsg("closure_past", `A closure must end in the future\.`),
	fieldMsg("report_too_long", `A report covers at most (\d+) days\.`, "n"),
	fieldMsg("audit_action", `An action is a name like .*`),
}

// FieldCode returns the stable code of a field message and the figures
// the message names (by the code's param names, nil when none), or "" for
// a message no code covers.
func FieldCode(message string) (code string, params map[string]string) {
	for _, m := range fieldMessages {
		got := m.text.FindStringSubmatch(message)
		if got == nil {
			continue
		}
		for i, name := range m.params {
			if params == nil {
				params = map[string]string{}
			}
			params[name] = got[i+1]
		}
		return m.code, params
	}
	return "", nil
}

// FieldCodes lists every code FieldCode can return, sorted, with the names
// of each one's params.
func FieldCodes() map[string][]string {
	out := map[string][]string{}
	for _, m := range fieldMessages {
		out[m.code] = append(out[m.code], m.params...)
		slices.Sort(out[m.code])
		out[m.code] = slices.Compact(out[m.code])
	}
	return out
}
