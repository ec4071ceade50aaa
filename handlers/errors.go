package handlers

import (
	"maps"
	"net/http"

	"atelier/models"
)

// statuses maps every code of the contract to its HTTP status, in one
// place; a code missing here is a bug and answers 500.
var statuses = map[models.Code]int{
	models.CodeBadRequest:            http.StatusBadRequest,
	models.CodeUnauthorized:          http.StatusUnauthorized,
	models.CodeForbidden:             http.StatusForbidden,
	models.CodeCertificationRequired: http.StatusForbidden,
	models.CodeNotFound:              http.StatusNotFound,
	models.CodeMethodNotAllowed:      http.StatusMethodNotAllowed,
	models.CodeConflict:              http.StatusConflict,
	models.CodeInvalidTransition:     http.StatusConflict,
	models.CodePowerExceeded:         http.StatusConflict,
	models.CodeNoiseLimit:            http.StatusConflict,
	models.CodePayloadTooLarge:       http.StatusRequestEntityTooLarge,
	models.CodeValidation:            http.StatusUnprocessableEntity,
	models.CodeFloorAreaExceeded:     http.StatusUnprocessableEntity,
	models.CodeInThePast:             http.StatusUnprocessableEntity,
	models.CodeTooFarAhead:           http.StatusUnprocessableEntity,
	models.CodeNotAligned:            http.StatusUnprocessableEntity,
	models.CodeInvalidDuration:       http.StatusUnprocessableEntity,
	models.CodeOutsideOpeningHours:   http.StatusUnprocessableEntity,
	models.CodeQuietHours:            http.StatusUnprocessableEntity,
	models.CodeClosed:                http.StatusUnprocessableEntity,
	models.CodeQuotaExceeded:         http.StatusUnprocessableEntity,
	models.CodeSlotFree:              http.StatusUnprocessableEntity,
	models.CodeRateLimited:           http.StatusTooManyRequests,
	models.CodeUnavailable:           http.StatusServiceUnavailable,
	models.CodeInternal:              http.StatusInternalServerError,
}

// statusOf returns the HTTP status of a contract code; 500 for a code the
// table does not know.
func statusOf(code models.Code) int {
	if st, ok := statuses[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// echoCodes names the contract code and message of the errors echo itself
// raises (unknown route, body too large, a middleware's refusal).
var echoCodes = map[int]struct {
	code    models.Code
	message string
}{
	http.StatusNotFound:              {models.CodeNotFound, "There is nothing at this address."},
	http.StatusMethodNotAllowed:      {models.CodeMethodNotAllowed, "This address does not take this method."},
	http.StatusRequestEntityTooLarge: {models.CodePayloadTooLarge, "The body is larger than 1 MiB."},
	http.StatusUnauthorized:          {models.CodeUnauthorized, http.StatusText(http.StatusUnauthorized)},
	http.StatusForbidden:             {models.CodeForbidden, http.StatusText(http.StatusForbidden)},
	http.StatusTooManyRequests:       {models.CodeRateLimited, http.StatusText(http.StatusTooManyRequests)},
	http.StatusServiceUnavailable:    {models.CodeUnavailable, http.StatusText(http.StatusServiceUnavailable)},
}

var internalError = errorJSON{Code: string(models.CodeInternal), Message: "Something went wrong on our side."}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// withFieldCodes adds to details, when they list fields, the stable code of
// each field's message (field_codes) and the figures it names
// (field_params), which a client says in its reader's language; the
// English messages stay in fields as they were.
func withFieldCodes(details map[string]any) map[string]any {
	fields, ok := details["fields"].(map[string]string)
	if !ok {
		return details
	}
	codes, params := map[string]string{}, map[string]map[string]string{}
	for name, msg := range fields {
		code, p := models.FieldCode(msg)
		if code == "" {
			continue // the client words it from the field's name
		}
		codes[name] = code
		if p != nil {
			params[name] = p
		}
	}
	out := maps.Clone(details)
	if len(codes) > 0 {
		out["field_codes"] = codes
	}
	if len(params) > 0 {
		out["field_params"] = params
	}
	return out
}
