package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Dialect names the database behind a DB.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is Atelier's storage. On SQLite it keeps two pools on one file: a
// single writer connection whose transactions take the write lock up front
// (BEGIN IMMEDIATE), so a check-then-insert waits its turn instead of failing
// with "database is locked", and a pool of readers that WAL lets run beside
// it. On PostgreSQL both are the same pool and row locks order the writers.
type DB struct {
	write   *gorm.DB
	read    *gorm.DB
	Dialect Dialect
	// Now is the clock of every rule; tests replace it.
	Now func() time.Time
	// Mail is whether notifications also go out by email: set before
	// serving when a mail server is configured.
	Mail bool
	log  *slog.Logger
	// passwords bounds the argon2 computations running at once.
	passwords *passwordPool
	feedKey   []byte
	keyMu     sync.Mutex
	// sessions keeps the tokens this server checked a moment ago.
	sessions sessionCache
	// writer is SQLite's group commit (nil on PostgreSQL).
	writer *writer
	// avail keeps availability answers; version and listener learn of
	// writes it did not make itself.
	avail    *availCache
	version  *sqliteVersion
	listener *pgListener
}

// Open connects to dsn (a file path for SQLite, a postgres:// URL for
// PostgreSQL) and runs the migrations. It fails when the database cannot be
// reached or migrated.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	db := &DB{Now: time.Now, log: log, passwords: newPasswordPool()}
	if log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	cfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:         logger.Discard,
			NowFunc:        func() time.Time { return db.now() },
			TranslateError: true,
		}
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.Dialect = Postgres
		if db.write, err = openPool(postgres.Open(dsn), cfg(), "postgres", 20, 5*time.Minute); err != nil {
			return nil, err
		}
		db.read = db.write
	} else {
		db.Dialect = SQLite
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" || strings.Contains(path, ":memory:") {
			return nil, errors.New("ATELIER_DB: SQLite needs a file path (an in-memory database would differ per connection)")
		}
		base := "file:" + (&url.URL{Path: path}).EscapedPath() +
			"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=1&_synchronous=FULL"
		// One connection for the group commit (writer), held for good;
		// one for the rest (migrations at start, pings).
		if db.write, err = openPool(sqlite.Open(base+"&_txlock=immediate"), cfg(), "sqlite", 2, 0); err != nil {
			return nil, err
		}
		if db.read, err = openPool(sqlite.Open(base+"&mode=ro"), cfg(), "sqlite reader", 8, 0); err != nil {
			return nil, err
		}
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := db.startCache(dsn); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// startCache starts what keeps availability answers fresh, and on SQLite
// the group commit that every write then goes through.
func (db *DB) startCache(dsn string) error {
	db.avail = newAvailCache()
	if db.Dialect == Postgres {
		db.listener = newPGListener(dsn, db.avail, db.write, db.log)
		db.avail.fresh = db.listener.fresh
		return nil
	}
	r, err := db.read.DB()
	if err != nil {
		return err
	}
	conn, err := r.Conn(context.Background())
	if err != nil {
		return err
	}
	db.version = &sqliteVersion{conn: conn}
	db.version.seen()
	db.avail.fresh = func(ctx context.Context) error { return db.version.check(ctx, db.avail) }
	db.writer, err = newWriter(db.write, db.log, func(t touched) {
		if !t.empty() {
			db.avail.invalidate(t)
		}
		db.version.seen()
	})
	if err == nil {
		db.writer.foreign = db.avail.flush
	}
	return err
}

// Close releases every connection.
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.close()
	}
	if db.listener != nil {
		db.listener.close()
	}
	if db.version != nil {
		db.version.conn.Close()
	}
	var errs []error
	for _, g := range []*gorm.DB{db.write, db.read} {
		if g == nil {
			continue
		}
		if s, err := g.DB(); err == nil {
			errs = append(errs, s.Close())
		}
		if db.read == db.write {
			break
		}
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers. It returns an unavailable *Error
// when it does not.
func (db *DB) Ping(ctx context.Context) error {
	s, err := db.write.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.PingContext(ctx); err != nil {
		return &Error{Code: CodeUnavailable, Message: "The database is not reachable."}
	}
	return nil
}

// PoolStats reports the writer pool's use, for metrics.
func (db *DB) PoolStats() (open, inUse int) {
	s, err := db.write.DB()
	if err != nil {
		return 0, 0
	}
	st := s.Stats()
	return st.OpenConnections, st.InUse
}

// r returns a fresh session for reads.
func (db *DB) r(ctx context.Context) *gorm.DB { return db.read.WithContext(ctx) }

// tx runs fn in a write transaction and returns once it is committed, or
// rolled back with fn's error. Every write goes through it. On SQLite it
// is one request of the group commit (writer): it holds the write lock
// from its first statement, and shares its commit with the requests
// waiting beside it. Only tx may be used inside fn, and fn must not call
// db.tx. What fn's locks record as touched is invalidated in the
// availability cache before tx returns.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.writer != nil {
		return db.writer.do(ctx, fn)
	}
	var t touched
	err := db.write.WithContext(withTouched(ctx, &t)).Transaction(fn)
	if err == nil && db.avail != nil && !t.empty() {
		db.avail.invalidate(t)
	}
	return err
}

// forUpdate locks the selected rows on PostgreSQL; SQLite's immediate
// transaction already holds the whole database.
func forUpdate(tx *gorm.DB) *gorm.DB {
	return tx.Clauses(lockingUpdate)
}

// openPool opens a gorm pool on d (what names it in the error) that keeps
// up to conns connections, open and idle alike, and closes one idle for
// longer than idle (never when 0).
func openPool(d gorm.Dialector, cfg *gorm.Config, what string, conns int, idle time.Duration) (*gorm.DB, error) {
	g, err := gorm.Open(d, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	pool, err := g.DB()
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(idle)
	return g, nil
}

// narrow adds cond, with v for its placeholder, to q unless v is the zero
// value of its type: a filter left empty narrows nothing.
func narrow[T comparable](q *gorm.DB, cond string, v T) *gorm.DB {
	var zero T
	if v == zero {
		return q
	}
	return q.Where(cond, v)
}

// now is the current instant in UTC, truncated to the microsecond that both
// databases keep.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Backup writes a consistent copy of a live SQLite database to path, which
// must not exist yet. It reads in one transaction (VACUUM INTO), so
// bookings may keep coming while it runs. PostgreSQL is backed up with its
// own tools (pg_dump).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("backup: use pg_dump for PostgreSQL (see README)")
	}
	if path == "" {
		return errors.New("backup: give the file to write")
	}
	return db.read.WithContext(ctx).Exec("VACUUM INTO ?", path).Error
}

var lockingUpdate = clause.Locking{Strength: "UPDATE"}

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

// lockResource takes the resource's row lock on PostgreSQL, which orders
// every booking, closure and change of one resource across servers; on
// SQLite the immediate transaction already holds the write lock. It
// returns a not_found *Error when there is no such resource.
//
// It also records the resource as touched (see touched), and its site
// when the resource counts toward the site's limits; on PostgreSQL it
// tells the other servers so in the same statement.
func lockResource(tx *gorm.DB, id int64) error {
	var rows []struct {
		ID, SiteID int64
		Counts     bool
	}
	q := "SELECT resources.id, zones.site_id, " + countsTowardSite + " AS counts FROM resources " +
		"JOIN zones ON zones.id = resources.zone_id WHERE resources.id = ?"
	args := []any{id}
	if tx.Dialector.Name() == "postgres" {
		q = strings.Replace(q, " FROM", ", pg_notify(?, "+touchedPayload+")::text AS sent FROM", 1) + " FOR UPDATE OF resources"
		args = []any{availChannel, id}
	}
	if err := tx.Raw(q, args...).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return notFound("Resource")
	}
	touchResource(tx, id)
	if rows[0].Counts {
		touchSite(tx, rows[0].SiteID)
	}
	return nil
}

// countsTowardSite is whether a resource's bookings count toward its
// site's limits (as limited says, whatever the site's limits are now): a
// change of them changes what every machine of the site may take.
const countsTowardSite = "(resources.kind = '" + KindMachine + "' AND (resources.power_kw > 0 OR resources.nuisance = '" + NuisanceLoud + "'))"

// touchedPayload is what a locked resource tells the other servers: its
// site when it counts toward the site's limits (which covers the resource
// too), else itself.
const touchedPayload = "CASE WHEN " + countsTowardSite + " THEN 's' || zones.site_id::text ELSE 'r' || resources.id::text END"
