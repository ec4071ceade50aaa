// Package models is Atelier's domain: users, sites, zones, resources,
// bookings and the rules that govern them, their storage on gorm and the
// versioned migrations. It never imports the HTTP layer; errors leave it as
// *Error values carrying a code from the public contract and a message safe
// to show to a client.
package models

import (
	"errors"
	"fmt"
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

// FieldErrors collects per-field validation messages.
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
