package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"atelier/bench/dataset"
	"atelier/models"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// password is every bench account's password.
const password = "bench-atelier-2027"

const domain = "bench.atelier.brussels"

// heavyMembers are the members with about 2,000 bookings in their feed.
const heavyMembers = 16

// history is what the build leaves for the measuring process, in the
// settings table under "bench.history".
type history struct {
	From, To, Now time.Time
	Bookings      int
	Built         time.Duration
}

// world is the built workshop cluster and what the workloads need of it.
type world struct {
	dialect dataset.Dialect
	dsn     string
	db      *models.DB
	// limitDB is a second pool on the same database for the raw insert
	// limit: on SQLite one connection opened exactly as the server's
	// writer, on PostgreSQL a pool as large as the server's.
	limitDB  *sql.DB
	cleanups []func()

	history
	bookings    int
	loc         *time.Location
	resources   []int64 // every bookable resource
	creatable   []int64 // those a member may book for an hour on the hour without certification or quota
	firstDay    time.Time
	heavy       []int64 // members with about 2,000 bookings in their feed
	typical     []int64 // ordinary members whose list and feed are read, one per client
	creators    []int64 // ordinary members who book in the creation workload, one per client
	emails      map[int64]string
	rawResource int64 // the test bench of the raw inserts, booked far in the future
	rawMember   int64
	rawFrom     time.Time

	// After signIn.
	typicalTokens []string
	creatorTokens []string
	heavyFeeds    []string
	typicalFeeds  []string
}

// Close releases the database and drops a PostgreSQL schema unless kept.
func (w *world) Close() {
	if w.limitDB != nil {
		w.limitDB.Close()
	}
	if w.db != nil {
		w.db.Close()
	}
	for i := len(w.cleanups) - 1; i >= 0; i-- {
		w.cleanups[i]()
	}
}

// prepare makes the database (a fresh one, built by a child process, or
// an earlier run's with -reuse) and opens it as the server would.
func prepare(ctx context.Context, cfg config, out io.Writer) (*world, error) {
	w := &world{emails: map[int64]string{}}
	var err error
	if w.loc, err = time.LoadLocation("Europe/Brussels"); err != nil {
		return nil, err
	}
	build := true
	if isPostgres(cfg.DB) {
		w.dialect = "postgres"
		if cfg.Reuse {
			return nil, errors.New("-reuse is for SQLite files; PostgreSQL runs build a fresh schema")
		}
		if w.dsn, err = freshSchema(ctx, cfg, w); err != nil {
			w.Close()
			return nil, err
		}
	} else {
		w.dialect, w.dsn = "sqlite", cfg.DB
		_, err := os.Stat(cfg.DB)
		switch {
		case err == nil && cfg.Reuse:
			build = false
		case err == nil:
			return nil, fmt.Errorf("%s exists: give a path that does not (the bench builds its own database), or -reuse", cfg.DB)
		case cfg.Reuse:
			return nil, fmt.Errorf("-reuse: %w", err)
		}
	}
	if build {
		if err := spawnBuild(ctx, cfg, w.dsn, out); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := w.open(ctx, cfg); err != nil {
		w.Close()
		return nil, err
	}
	fmt.Fprintf(out, "dataset: %d bookings from %s to %s (built in %s), %d resources (%d open to the creation workload), %d members\n",
		w.bookings, w.From.Format(time.DateOnly), w.To.Format(time.DateOnly), w.Built.Round(time.Second),
		len(w.resources), len(w.creatable), len(w.emails))
	return w, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// spawnBuild builds the dataset in a child process of this program.
func spawnBuild(ctx context.Context, cfg config, dsn string, out io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe, "-build-only", "-db", dsn, "-bookings", strconv.Itoa(cfg.Bookings),
		"-members", strconv.Itoa(cfg.Members), "-seed", strconv.FormatUint(cfg.Seed, 10), "-clients", strconv.Itoa(cfg.Clients))
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the dataset: %w", err)
	}
	return nil
}

// open connects to a built database as the server does and finds what
// the workloads need in it.
func (w *world) open(ctx context.Context, cfg config) error {
	var err error
	if w.db, err = models.Open(ctx, w.dsn, nil); err != nil {
		return err
	}
	if w.dialect == "postgres" {
		w.limitDB, err = sql.Open("pgx", w.dsn)
		if err != nil {
			return err
		}
		w.limitDB.SetMaxOpenConns(20)
		w.limitDB.SetMaxIdleConns(20)
	} else {
		if w.limitDB, err = sql.Open("sqlite3", dataset.SQLiteDSN(w.dsn)); err != nil {
			return err
		}
		w.limitDB.SetMaxOpenConns(1)
		w.limitDB.SetMaxIdleConns(1)
		if err := checkDurability(ctx, w.limitDB); err != nil {
			return err
		}
	}
	q := func(s string) string {
		if w.dialect == "postgres" {
			return pgText(s)
		}
		return s
	}
	var h string
	if err := w.limitDB.QueryRowContext(ctx, q("SELECT value FROM settings WHERE name = ?"), "bench.history").Scan(&h); err != nil {
		return fmt.Errorf("this database was not built by the bench (no bench.history setting): %w", err)
	}
	if err := json.Unmarshal([]byte(h), &w.history); err != nil {
		return err
	}
	rows, err := w.limitDB.QueryContext(ctx, "SELECT id, name, requires_certification, max_hours_per_week, buffer_minutes, "+
		"slot_minutes, min_minutes, max_minutes, max_advance_days FROM resources ORDER BY id")
	if err != nil {
		return err
	}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var id int64
		var name string
		var cert bool
		var quota, buf, slot, minM, maxM, adv int
		if err := rows.Scan(&id, &name, &cert, &quota, &buf, &slot, &minM, &maxM, &adv); err != nil {
			return err
		}
		if name == rawResourceName {
			w.rawResource = id
			return nil
		}
		w.resources = append(w.resources, id)
		if !cert && quota == 0 && buf == 0 && slot > 0 && 60%slot == 0 && minM <= 60 && (maxM == 0 || maxM >= 60) && adv == 0 {
			w.creatable = append(w.creatable, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if rows, err = w.limitDB.QueryContext(ctx, q("SELECT id, email FROM users WHERE email LIKE ?"), "%@"+domain); err != nil {
		return err
	}
	members := map[int]int64{}
	err = eachRow(rows, func(rows *sql.Rows) error {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return err
		}
		var i int
		if _, err := fmt.Sscanf(email, "member-%d@", &i); err == nil {
			members[i] = id
			w.emails[id] = email
		} else if email == hostEmail {
			w.rawMember = id
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range heavyMembers + 2*cfg.Clients {
		id, ok := members[i]
		if !ok {
			return fmt.Errorf("the dataset has no member-%d: build it with -members %d or more", i, heavyMembers+2*cfg.Clients+16)
		}
		switch {
		case i < heavyMembers:
			w.heavy = append(w.heavy, id)
		case i < heavyMembers+cfg.Clients:
			w.typical = append(w.typical, id)
		default:
			w.creators = append(w.creators, id)
		}
	}
	// Earlier runs on a reused file booked days and raw rows: go past them.
	w.firstDay = w.To.Add(30 * 24 * time.Hour)
	var last time.Time
	err = w.limitDB.QueryRowContext(ctx, q("SELECT start_at FROM bookings WHERE start_at > ? AND resource_id <> ? ORDER BY start_at DESC LIMIT 1"),
		w.To, w.rawResource).Scan(&last)
	if err == nil && last.After(w.firstDay) {
		w.firstDay = last.Add(24 * time.Hour)
	}
	w.rawFrom = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	err = w.limitDB.QueryRowContext(ctx, q("SELECT start_at FROM bookings WHERE resource_id = ? ORDER BY start_at DESC LIMIT 1"),
		w.rawResource).Scan(&last)
	if err == nil && last.After(w.rawFrom) {
		w.rawFrom = last
	}
	return w.limitDB.QueryRowContext(ctx, "SELECT COUNT(*) FROM bookings").Scan(&w.bookings)
}

// checkDurability makes sure the raw connection runs with the server's
// settings: WAL and synchronous=FULL.
func checkDurability(ctx context.Context, db *sql.DB) error {
	var mode string
	var syncMode int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
		return err
	}
	if mode != "wal" || syncMode != 2 {
		return fmt.Errorf("raw SQLite connection has journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, syncMode)
	}
	return nil
}

// freshSchema makes an empty schema in the URL's database and returns the
// URL that selects it.
func freshSchema(ctx context.Context, cfg config, w *world) (string, error) {
	admin, err := sql.Open("pgx", cfg.DB)
	if err != nil {
		return "", err
	}
	schema := fmt.Sprintf("bench_%d", time.Now().Unix())
	for _, q := range []string{`CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public`, `CREATE SCHEMA ` + schema} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			admin.Close()
			return "", fmt.Errorf("postgres: %s: %w", q, err)
		}
	}
	w.cleanups = append(w.cleanups, func() {
		if !cfg.Keep {
			admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		}
		admin.Close()
	})
	u, err := url.Parse(cfg.DB)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// template is a kind of resource found in every site.
type template struct {
	name                    string
	kind, unit, nuisance    string
	capacity                int
	approval, certification bool
	slot, minM, maxM, buf   int
	quota, advance          int
	zone                    int // index in zoneTemplates
}

var zoneTemplates = []struct {
	name, use string
	area      float64
}{
	{"Atelier bois et métal", "production", 700},
	{"Atelier textile et céramique", "production", 300},
	{"Stock de matériaux de réemploi", "storage", 220},
	{"Salle polyvalente", "events", 150},
	{"Bureau partagé", "office", 50},
	{"Couloirs et quai", "circulation", 80},
}

var templates = []template{
	{name: "Découpeuse laser CO2", kind: models.KindMachine, nuisance: models.NuisanceModerate, approval: true, certification: true, slot: 30, minM: 30, maxM: 240, buf: 15, quota: 8, advance: 60},
	{name: "Fraiseuse CNC", kind: models.KindMachine, nuisance: models.NuisanceLoud, approval: true, certification: true, slot: 60, minM: 60, maxM: 480, buf: 30, quota: 12, advance: 60},
	{name: "Scie à format", kind: models.KindMachine, nuisance: models.NuisanceLoud, certification: true, slot: 30, maxM: 180, advance: 30},
	{name: "Imprimante 3D", kind: models.KindMachine, nuisance: models.NuisanceQuiet, slot: 30, minM: 30, maxM: 720},
	{name: "Machine à coudre industrielle", kind: models.KindMachine, nuisance: models.NuisanceQuiet, slot: 30, maxM: 240, zone: 1},
	{name: "Surjeteuse", kind: models.KindMachine, nuisance: models.NuisanceQuiet, slot: 30, maxM: 240, zone: 1},
	{name: "Perceuse à colonne", kind: models.KindMachine, nuisance: models.NuisanceModerate, slot: 30, maxM: 180},
	{name: "Poste de soudure", kind: models.KindMachine, nuisance: models.NuisanceLoud, certification: true, slot: 30, maxM: 240, buf: 15},
	{name: "Établis partagés", kind: models.KindSpace, unit: models.UnitM2, capacity: 60, slot: 60},
	{name: "Salle de réunion", kind: models.KindSpace, unit: models.UnitSeat, capacity: 30, approval: true, slot: 60, zone: 3},
	{name: "Four céramique", kind: models.KindMachine, nuisance: models.NuisanceQuiet, approval: true, certification: true, slot: 60, minM: 120, maxM: 720, buf: 120, zone: 1},
	{name: "Tour à bois", kind: models.KindMachine, nuisance: models.NuisanceLoud, slot: 30, maxM: 240},
	{name: "Cabine de peinture", kind: models.KindMachine, nuisance: models.NuisanceModerate, approval: true, slot: 60, minM: 60, buf: 60},
	{name: "Presse à chaud", kind: models.KindMachine, nuisance: models.NuisanceQuiet, slot: 30, maxM: 120, zone: 1},
	{name: "Racks de stockage", kind: models.KindSpace, unit: models.UnitM2, capacity: 40, slot: 60, zone: 2},
}

var siteNames = []string{"Atelier partagé de Cureghem", "Fablab Molenbeek", "Atelier des Marolles",
	"Recyclerie de Forest", "Ateliers de Schaerbeek"}

const (
	hostEmail       = "sofie.claes@" + domain
	rawResourceName = "Banc d'essai"
)

// buildInto migrates the database at cfg.DB (as given: an empty schema on
// PostgreSQL), creates the workshop through the models API, then
// bulk-loads the members and the history straight into the tables.
func buildInto(ctx context.Context, cfg config, out io.Writer) error {
	began := time.Now()
	db, err := models.Open(ctx, cfg.DB, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	dialect := dataset.Dialect("sqlite")
	if isPostgres(cfg.DB) {
		dialect = "postgres"
	}
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		return err
	}
	adminU, err := db.CreateUser(ctx, nil, models.NewUser{Email: "admin@" + domain, Name: "Admin", Password: password, Role: models.RoleAdmin, Language: "en"})
	if err != nil {
		return err
	}
	host, err := db.CreateUser(ctx, adminU, models.NewUser{Email: hostEmail, Name: "Sofie Claes", Password: password, Role: models.RoleManager, Language: "nl"})
	if err != nil {
		return err
	}
	opening := models.Hours{{Days: []int{1, 2, 3, 4, 5, 6}, From: "08:00", To: "20:00"}}
	quiet := models.Hours{{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "20:00", To: "08:00"}}
	var days [8]bool
	for d := 1; d <= 6; d++ {
		days[d] = true
	}
	var loads []dataset.Resource
	for s, name := range siteNames {
		site := &models.Site{Name: name, Timezone: "Europe/Brussels", FloorAreaM2: 1600, OpeningHours: opening, QuietHours: quiet}
		if err := db.CreateSite(ctx, site); err != nil {
			return err
		}
		var zones []int64
		for _, zt := range zoneTemplates {
			z := &models.Zone{SiteID: site.ID, Name: zt.name, Use: zt.use, AreaM2: zt.area}
			if err := db.CreateZone(ctx, z); err != nil {
				return err
			}
			zones = append(zones, z.ID)
		}
		for i := range 40 {
			t := templates[(i+s)%len(templates)]
			r := &models.Resource{ZoneID: zones[t.zone], Name: fmt.Sprintf("%s %d", t.name, i/len(templates)+1),
				Kind: t.kind, Capacity: t.capacity, Unit: t.unit, Nuisance: t.nuisance, RequiresApproval: t.approval,
				RequiresCertification: t.certification, SlotMinutes: t.slot, MinMinutes: t.minM, MaxMinutes: t.maxM,
				BufferMinutes: t.buf, MaxHoursPerWeek: t.quota, MaxAdvanceDays: t.advance}
			if err := db.CreateResource(ctx, r); err != nil {
				return fmt.Errorf("%s: %w", r.Name, err)
			}
			loads = append(loads, dataset.Resource{ID: r.ID, Capacity: r.Capacity, Buffer: r.Buffer(), Loc: loc,
				OpenFrom: 8 * 60, OpenTo: 20 * 60, Days: days})
		}
		if s == 0 {
			bench := &models.Resource{ZoneID: zones[0], Name: rawResourceName, Kind: models.KindMachine}
			if err := db.CreateResource(ctx, bench); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "build: %d sites, %d resources\n", len(siteNames), len(loads))

	loader, err := openLoader(cfg.DB, dialect)
	if err != nil {
		return err
	}
	defer loader.Close()
	hash, err := models.HashPassword(password)
	if err != nil {
		return err
	}
	t0 := time.Now()
	now := time.Now().UTC().Truncate(time.Second)
	members, err := dataset.Members(ctx, loader, dialect, cfg.Members, domain, hash, now)
	if err != nil {
		return err
	}
	heavy, others := members[:heavyMembers], members[heavyMembers:]
	fmt.Fprintf(out, "build: %d members in %s\n", len(members), time.Since(t0).Round(time.Millisecond))

	// Three years of history: 2 years 9 months behind, 3 months ahead.
	h := history{Now: now, To: now.Add(90 * 24 * time.Hour), Bookings: cfg.Bookings}
	h.From = h.To.AddDate(-3, 0, 0)
	since := now.Add(-models.FeedWindow)
	inFeed := float64(cfg.Bookings) * h.To.Sub(since).Hours() / h.To.Sub(h.From).Hours()
	pHeavy := 0.0
	if inFeed > 0 {
		pHeavy = min(0.5, heavyMembers*2000/inFeed)
	}
	pick := func(r *rand.Rand, start time.Time) int64 {
		if !start.Before(since) && r.Float64() < pHeavy {
			return heavy[r.IntN(len(heavy))]
		}
		return others[r.IntN(len(others))]
	}
	t0 = time.Now()
	loaded, err := dataset.Load(ctx, loader, dialect, dataset.Spec{Resources: loads, Member: pick, Host: host.ID,
		From: h.From, To: h.To, Now: now, Count: cfg.Bookings, Seed: cfg.Seed})
	if err != nil {
		return err
	}
	took := time.Since(t0)
	fmt.Fprintf(out, "build: %d bookings in %s (%.0f rows/s)\n", loaded, took.Round(time.Millisecond), float64(loaded)/took.Seconds())
	if dialect == "postgres" {
		// Autovacuum vacuums and analyzes a table after this many inserts
		// within minutes; the visibility map it sets lets counts read the
		// index alone.
		if _, err := loader.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return err
		}
	}
	rows, err := loader.QueryContext(ctx, "SELECT status, COUNT(*) FROM bookings GROUP BY status ORDER BY status")
	if err != nil {
		return err
	}
	var counts []string
	err = eachRow(rows, func(rows *sql.Rows) error {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		counts = append(counts, fmt.Sprintf("%s %d", s, n))
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "build: statuses %s\n", strings.Join(counts, ", "))
	h.Built = time.Since(began)
	v, err := json.Marshal(h)
	if err != nil {
		return err
	}
	ins := "INSERT INTO settings (name, value) VALUES (?, ?)"
	if dialect == "postgres" {
		ins = pgText(ins)
	}
	if _, err = loader.ExecContext(ctx, ins, "bench.history", string(v)); err != nil {
		return err
	}
	if dialect == "sqlite" {
		// Leave the file as a server that ran for a while would: with
		// everything in the database file, none of it in the WAL.
		_, err = loader.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return err
}

// openLoader opens a pool for the bulk load, with a large page cache on
// SQLite (in the child process only: it never counts in the server's
// memory).
func openLoader(dsn string, d dataset.Dialect) (*sql.DB, error) {
	if d == "postgres" {
		return sql.Open("pgx", dsn)
	}
	db, err := sql.Open("sqlite3", dataset.SQLiteDSN(dsn)+"&_cache_size=-262144")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// creationSlot is the i-th free hour of the creation workload: resource
// i modulo the creatable ones, on the hour from 08:00 to 19:00, Monday to
// Friday, from a month past the generated future on (or past an earlier
// run's bookings).
func (w *world) creationSlot(i int64) (int64, time.Time, error) {
	n := int64(len(w.creatable))
	if n == 0 {
		return 0, time.Time{}, errors.New("no resource is open to the creation workload")
	}
	res := w.creatable[i%n]
	k := i / n
	hour, day := int(k%12), k/12
	first := w.firstDay.In(w.loc)
	d := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, w.loc)
	for weekdays := int64(-1); ; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			if weekdays++; weekdays == day {
				break
			}
		}
	}
	if d.Sub(first) > 365*24*time.Hour {
		return 0, time.Time{}, errors.New("the creation workload ran out of free days")
	}
	return res, time.Date(d.Year(), d.Month(), d.Day(), 8+hour, 0, 0, 0, w.loc), nil
}

// eachRow hands every row of rows to row, then closes them; the first
// error of row or of the query (rows.Err) ends it.
func eachRow(rows *sql.Rows, row func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
