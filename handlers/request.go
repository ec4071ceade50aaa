package handlers

import (
	"atelier/models"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// decode reads a JSON body into v (a request type, never a model).
// Malformed JSON and wrong types are bad_request; a field v does not have
// is validation naming it (a typo must not silently leave the default); a
// body over the limit is payload_too_large.
func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			// A body without a length may pass the limit after the object.
			if tooLarge(extra) {
				return echo.ErrStatusRequestEntityTooLarge
			}
			return models.Errorf(models.CodeBadRequest, "The body must hold one JSON object and nothing after it.")
		}
		// encoding/json reads null into a struct as "no fields", which
		// would make a null body an empty object.
		if string(raw) == "null" {
			return models.Errorf(models.CodeBadRequest, "The body must be a JSON object.")
		}
		if err = json.Unmarshal(raw, v); err == nil {
			fe := models.FieldErrors{}
			unknownFields(fe, raw, reflect.TypeOf(v), "")
			return fe.Err()
		}
	}
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case tooLarge(err):
		return echo.ErrStatusRequestEntityTooLarge
	case errors.Is(err, io.EOF):
		return models.Errorf(models.CodeBadRequest, "A JSON body is required.")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return models.Errorf(models.CodeBadRequest, "The body is not valid JSON.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return models.Errorf(models.CodeBadRequest, "The body must be a JSON object.")
		}
		return models.Errorf(models.CodeBadRequest, "The field %s must be a JSON %s.", field, jsonType(typ.Type.String())).
			With("field", field)
	}
	return models.Errorf(models.CodeBadRequest, "The body could not be read as JSON.")
}

// maxUnknownFields is how many unknown fields one answer names: enough to
// fix a typo, few enough that a hostile body cannot make a huge answer.
const maxUnknownFields = 20

// unknownFields records on fe every key of the JSON raw that a value of
// type t would not read, by its path ("opening_hours[0].dayz"). It follows
// what encoding/json does: field names match case-insensitively, embedded
// structs lend their fields, maps and interfaces take any key, and a type
// that decodes itself is trusted.
func unknownFields(fe models.FieldErrors, raw json.RawMessage, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if len(fe) >= maxUnknownFields || reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return // null, or not an object: the decoding judged it already
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the same answer every time
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				for name, typ := range fields {
					if strings.EqualFold(name, k) {
						ft, ok = typ, true
						break
					}
				}
			}
			name := k
			if path != "" {
				name = path + "." + k
			}
			if !ok {
				if len(fe) < maxUnknownFields {
					fe.Add(name, "Unknown field: check its name (nothing here reads it).")
				}
				continue
			}
			unknownFields(fe, obj[k], ft, name)
		}
	case reflect.Slice, reflect.Array:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return
		}
		for i, item := range list {
			unknownFields(fe, item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// jsonFields returns the JSON names a struct type reads, with their types,
// including those of the structs it embeds.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, shadowed := out[k]; !shadowed {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
}

// decodeOptional reads an optional JSON body into v: no body at all, of a
// known or an unknown (chunked) length, leaves v as it is; any other body is
// read as decode reads it, so malformed JSON is still bad_request.
func decodeOptional(c echo.Context, v any) error {
	req := c.Request()
	if req.ContentLength == 0 || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	body := bufio.NewReader(req.Body)
	if _, err := body.Peek(1); err == io.EOF {
		return nil
	}
	req.Body = struct {
		io.Reader
		io.Closer
	}{body, req.Body}
	return decode(c, v)
}

// tooLarge reports whether err comes from reading past the body limit.
func tooLarge(err error) bool {
	var (
		he  *echo.HTTPError
		mbe *http.MaxBytesError
	)
	return errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge || errors.As(err, &mbe)
}

func jsonType(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "integer"
	case strings.HasPrefix(goType, "float"):
		return "number"
	case goType == "string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return "object"
}

// pathID reads an integer id from the path; anything else is not_found,
// as for an id that does not exist.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.Errorf(models.CodeNotFound, "There is nothing at this address.")
	}
	return id, nil
}

// pathIDAndBody reads the path's :id and then, with read (decode, or
// decodeOptional where the body may be left out), the body into v. A
// malformed id is not_found whatever the body says; a well-formed one
// that names nothing is found out later, after the body is read.
func pathIDAndBody(c echo.Context, read func(echo.Context, any) error, v any) (int64, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, err
	}
	return id, read(c, v)
}

// query reads optional query parameters, collecting what is malformed.
type query struct {
	c  echo.Context
	fe models.FieldErrors
}

func newQuery(c echo.Context) *query { return &query{c: c, fe: models.FieldErrors{}} }

func (q *query) int64(name string) int64 {
	s := q.c.QueryParam(name)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		q.fe.Add(name, "Must be a positive integer id.")
	}
	return v
}

func (q *query) time(name string) time.Time {
	s := q.c.QueryParam(name)
	if s == "" {
		return time.Time{}
	}
	t, err := parseTime(s)
	if err != nil {
		q.fe.Add(name, err.Error())
	}
	return t
}

func (q *query) oneOf(name string, allowed ...string) string {
	s := q.c.QueryParam(name)
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.fe.Add(name, "Must be one of "+strings.Join(allowed, ", ")+".")
	return ""
}

// page reads limit (default 100, at most 1000) and offset.
func (q *query) page() models.Page {
	p := models.Page{Limit: 100}
	if s := q.c.QueryParam("limit"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > 1000 {
			q.fe.Add("limit", "Must be an integer from 1 to 1000.")
		}
		p.Limit = v
	}
	if s := q.c.QueryParam("offset"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			q.fe.Add("offset", "Must be an integer of at least 0.")
		}
		p.Offset = v
	}
	return p
}

func (q *query) err() error { return q.fe.Err() }

// parseTime reads an RFC 3339 instant with an offset.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("Must be an RFC 3339 time with an offset, like 2027-03-01T09:00:00+01:00.")
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("Must be a time between the years 2000 and 2200.")
	}
	return t, nil
}

// timeField parses a required time field of a body.
func timeField(fe models.FieldErrors, name string, s *string) time.Time {
	if s == nil || *s == "" {
		fe.Add(name, "Required.")
		return time.Time{}
	}
	t, err := parseTime(*s)
	if err != nil {
		fe.Add(name, err.Error())
	}
	return t
}
