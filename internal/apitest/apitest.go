// Package apitest opens real databases for tests and drives Atelier's whole
// HTTP stack (router, middleware, error handler) without a network.
//
// Every test gets its own database: a SQLite file in t.TempDir(), or, when
// ATELIER_TEST_DIALECT=postgres, a fresh schema on the PostgreSQL server at
// ATELIER_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
package apitest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/static"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/labstack/echo/v4"
)

// DefaultPostgres is the server tests use when ATELIER_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func postgresURL() string {
	if u := os.Getenv("ATELIER_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

var pgProbe = sync.OnceValue(func() error {
	db, err := sql.Open("pgx", postgresURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	// Extensions are per database: install it once where every test schema finds it.
	_, err = db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public`)
	return err
})

// PostgresDSN returns the URL of a fresh, empty schema on the test
// PostgreSQL server, dropped when the test ends. Without a server it skips
// the test, or fails it in CI (CI=true), where PostgreSQL must run.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	if err := pgProbe(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required in CI but unreachable at %s: %v", postgresURL(), err)
		}
		t.Skipf("skipped: no PostgreSQL at %s (%v); set ATELIER_TEST_POSTGRES to run it", postgresURL(), err)
	}
	schema := fmt.Sprintf("t_%d_%d", time.Now().UnixNano(), os.Getpid())
	admin, err := sql.Open("pgx", postgresURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(postgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteDSN returns the path of a fresh SQLite file in the test's temp dir.
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "atelier.db")
}

// Dialects lists the databases a test should run on: SQLite always,
// PostgreSQL when it is reachable (always in CI).
func Dialects(t testing.TB) []models.Dialect {
	t.Helper()
	if pgProbe() == nil || os.Getenv("CI") != "" {
		return []models.Dialect{models.SQLite, models.Postgres}
	}
	return []models.Dialect{models.SQLite}
}

// EachDialect runs f as a subtest, named for the dialect, on every
// database of Dialects.
func EachDialect(t *testing.T, f func(t *testing.T, d models.Dialect)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) { f(t, d) })
	}
}

// DSN returns a fresh database of dialect d.
func DSN(t testing.TB, d models.Dialect) string {
	if d == models.Postgres {
		return PostgresDSN(t)
	}
	return SQLiteDSN(t)
}

// DefaultDialect is the database of tests that do not ask for one:
// PostgreSQL when ATELIER_TEST_DIALECT=postgres, else SQLite.
func DefaultDialect() models.Dialect {
	if os.Getenv("ATELIER_TEST_DIALECT") == "postgres" {
		return models.Postgres
	}
	return models.SQLite
}

// Env is one Atelier over one fresh database. It holds no test: every
// helper that can fail takes the caller's, so that a failure names the
// (sub)test and the line that asked.
type Env struct {
	DB    *models.DB
	E     *echo.Echo
	Clock *testclock.Clock // the server's clock, at testclock.Start to begin with
	DSN   string
}

// New opens Atelier on a fresh database of the default dialect.
func New(t testing.TB) *Env { return NewOn(t, DefaultDialect()) }

// NewOn opens Atelier on a fresh database of dialect d.
func NewOn(t testing.TB, d models.Dialect) *Env {
	t.Helper()
	return OpenDSN(t, DSN(t, d))
}

// OpenDSN opens Atelier on the database at dsn (which may be shared with
// another Env, as several servers share one database).
func OpenDSN(t testing.TB, dsn string) *Env {
	t.Helper()
	db, err := models.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	clock := testclock.New(testclock.Start)
	db.Now = clock.Now
	e := handlers.New(db, handlers.Config{PublicURL: "http://atelier.test"})
	return &Env{DB: db, E: e, Clock: clock, DSN: dsn}
}

// TwoServers opens two Atelier servers on one fresh database of dialect
// d, as two instances share one database in production: each has its own
// pool, cache and clock.
func TwoServers(t testing.TB, d models.Dialect) (*Env, *Env) {
	t.Helper()
	dsn := DSN(t, d)
	return OpenDSN(t, dsn), OpenDSN(t, dsn)
}

// Response is a recorded answer.
type Response struct {
	Code   int
	Header http.Header
	Body   []byte
}

// Decode reads the body as JSON into v, failing the test when it cannot.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

// ErrorCode returns the contract error code of the body, or "".
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// ID returns the body's top-level id.
func (r *Response) ID() int64 {
	var v struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(r.Body, &v)
	return v.ID
}

func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Code, r.Body) }

// Request builds a request: body may be nil, a string or []byte (sent as
// is) or any value (sent as JSON).
func Request(method, path, token string, body any) *http.Request {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Do sends a request through the whole echo stack. It never fails the
// test, so goroutines may call it.
func (e *Env) Do(method, path, token string, body any) *Response {
	return e.Serve(Request(method, path, token, body))
}

// Serve sends req through the whole echo stack.
func (e *Env) Serve(req *http.Request) *Response {
	rec := httptest.NewRecorder()
	e.E.ServeHTTP(rec, req)
	return &Response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// Must sends a request and fails t unless the status is want.
func (e *Env) Must(t testing.TB, want int, method, path, token string, body any) *Response {
	t.Helper()
	r := e.Do(method, path, token, body)
	if r.Code != want {
		t.Fatalf("%s %s: want %d, got %s", method, path, want, r)
	}
	return r
}

// User is a signed-in account of a test.
type User struct {
	ID    int64
	Email string
	Token string
	Role  models.Role
}

// Password is every test account's password.
const Password = "correct horse battery"

// NewUser creates an account of role and signs it in with a bearer token,
// failing t when it cannot.
func (e *Env) NewUser(t testing.TB, role models.Role, name string) User {
	t.Helper()
	email := fmt.Sprintf("%s.%d@atelier.test", strings.ToLower(strings.ReplaceAll(name, " ", ".")), time.Now().UnixNano())
	u, err := e.DB.CreateUser(context.Background(), nil, models.NewUser{Email: email, Name: name, Password: Password, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.DB.Login(context.Background(), email, Password, "192.0.2.1", models.TokenBearer, models.DefaultLoginLimits())
	if err != nil {
		t.Fatal(err)
	}
	return User{ID: u.ID, Email: email, Token: tok, Role: role}
}

// Workshop is a small site for tests: open every day 08:00-20:00, quiet
// 22:00-07:00, with a production zone holding a machine and a 100 m² space.
type Workshop struct {
	Admin, Manager User
	SiteID, ZoneID int64
	Machine, Space int64
}

// NewWorkshop creates the test workshop through the API, failing t when it
// cannot.
func (e *Env) NewWorkshop(t testing.TB) Workshop {
	t.Helper()
	w := Workshop{Admin: e.NewUser(t, models.RoleAdmin, "Ada Admin"), Manager: e.NewUser(t, models.RoleManager, "Marc Manager")}
	all := []int{1, 2, 3, 4, 5, 6, 7}
	w.SiteID = e.Must(t, 201, "POST", "/api/v1/sites", w.Admin.Token, map[string]any{
		"name": "Atelier Test", "timezone": "Europe/Brussels", "floor_area_m2": 500,
		"opening_hours": []map[string]any{{"days": all, "from": "08:00", "to": "20:00"}},
		"quiet_hours":   []map[string]any{{"days": all, "from": "22:00", "to": "07:00"}},
	}).ID()
	w.ZoneID = e.Must(t, 201, "POST", "/api/v1/zones", w.Manager.Token, map[string]any{
		"site_id": w.SiteID, "name": "Production", "use": "production", "area_m2": 300}).ID()
	w.Machine = e.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
		"zone_id": w.ZoneID, "name": "Laser cutter", "kind": "machine", "slot_minutes": 30}).ID()
	w.Space = e.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
		"zone_id": w.ZoneID, "name": "Assembly floor", "kind": "space", "capacity": 100, "unit": "m2"}).ID()
	return w
}

// Store sets a row up through the models API, without HTTP: it calls
// create (db.CreateSite, db.CreateZone, ...) with v, fails t when that
// refuses, and returns v as stored.
func Store[T any](t testing.TB, create func(context.Context, T) error, v T) T {
	t.Helper()
	if err := create(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return v
}

// NewWithMember opens Atelier on a fresh database of the default dialect
// with the test workshop and one member called name, where most tests
// start, failing t when it cannot.
func NewWithMember(t testing.TB, name string) (*Env, Workshop, User) {
	t.Helper()
	env := New(t)
	w := env.NewWorkshop(t)
	return env, w, env.NewUser(t, models.RoleMember, name)
}

// At returns an RFC 3339 string for a local Brussels wall-clock time.
func At(year int, month time.Month, day, hour, min int) string {
	return time.Date(year, month, day, hour, min, 0, 0, testclock.Brussels).Format(time.RFC3339)
}

// Slot is a booking body for resource from start to end.
func Slot(resource int64, start, end string) map[string]any {
	return map[string]any{"resource_id": resource, "start": start, "end": end}
}

// Burst calls f(0) ... f(n-1) from n goroutines held at a start barrier
// and released together, so that the calls race each other, and returns
// their results by i once every call has returned. f runs outside the
// test's goroutine: it must not call t.Fatal (Env.Do is safe).
func Burst[T any](n int, f func(i int) T) []T {
	var (
		out   = make([]T, n)
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// Tally counts how often each value occurs, such as the statuses of a
// Burst of requests.
func Tally[T comparable](vs []T) map[T]int {
	n := map[T]int{}
	for _, v := range vs {
		n[v]++
	}
	return n
}

// Translations reads the frontend's words in lang, as the browser gets
// them (static/i18n/<lang>.json), failing t when they do not load.
func Translations(t testing.TB, lang string) map[string]string {
	t.Helper()
	raw, err := static.Files.ReadFile("i18n/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]string{}
	if err := json.Unmarshal(raw, &words); err != nil {
		t.Fatalf("i18n/%s.json: %v", lang, err)
	}
	return words
}
