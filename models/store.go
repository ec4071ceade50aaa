package models

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Page is a window of a long list.
type Page struct {
	Limit, Offset int
}

// translate turns storage errors into domain errors at the package's
// boundary: domain errors pass through, a lost database becomes
// unavailable, and anything else stays internal (logged, never shown).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound("Record")
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return Errorf(CodeConflict, "This exists already.")
	}
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return Errorf(CodeConflict, "Something this refers to has just been removed or is still in use.")
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23P01": // exclusion_violation: two bookings of one machine
			return Errorf(CodeConflict, "This time is already taken.")
		case "40001", "40P01": // serialization failure, deadlock
			return Errorf(CodeConflict, "Another change got there first: try again.")
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return &Error{Code: CodeUnavailable, Message: "The database is not reachable."}
		}
	}
	var ne net.Error
	if errors.As(err, &ne) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeUnavailable, Message: "The database is not reachable."}
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") {
		return &Error{Code: CodeUnavailable, Message: "The database is not reachable."}
	}
	return err
}

// first loads one row by id into dst, or returns a not_found *Error naming what.
func first[T any](q *gorm.DB, id int64, what string) (*T, error) {
	var v T
	if err := q.First(&v, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, notFound(what)
		}
		return nil, translate(err)
	}
	return &v, nil
}
