// Package dataset builds a booking history for benchmarks by writing rows
// straight into Atelier's tables with large multi-row INSERTs, after
// models.Open has migrated the schema: a million bookings through the API
// would take longer than the measurements themselves. It also holds the
// single-row insert transaction that benchmarks compare creation with.
//
// The rows look like the API's: times in UTC through the same drivers, a
// busy_until of end plus buffer, and no two bookings of a resource lane
// overlapping, so PostgreSQL's exclusion constraint and the capacity rule
// both hold.
package dataset

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
)

// SQLiteDSN is the connection string models.Open uses for SQLite's writer
// (WAL, synchronous=FULL, BEGIN IMMEDIATE): a raw insert measured through
// it has the very durability of the server's commits.
func SQLiteDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=1&_synchronous=FULL&_txlock=immediate"
}

// Resource is what the generator needs to know of a resource.
type Resource struct {
	ID       int64
	Capacity int
	Buffer   time.Duration
	Loc      *time.Location
	// Open is the daily opening, in minutes after local midnight.
	OpenFrom, OpenTo int
	// Days marks the open ISO weekdays (index 1..7).
	Days [8]bool
}

// Spec describes a history to load.
type Spec struct {
	Resources []Resource
	// Member picks the member of a booking that starts at start.
	Member func(r *rand.Rand, start time.Time) int64
	// Host decides and cancels on the members' behalf.
	Host int64
	// Bookings start on local days in [From, To).
	From, To time.Time
	// Now divides past bookings (mostly approved, some cancelled, rejected
	// or left pending) from future ones (approved, pending, cancelled).
	Now   time.Time
	Count int
	Seed  uint64
	// Batch is the rows of one INSERT (default 1000) and PerTx the rows of
	// one transaction (default 100,000).
	Batch, PerTx int
}

// Dialect selects placeholders: "sqlite" or "postgres".
type Dialect string

// bookings is the table Load writes and its columns, nColumns of them.
const bookings = "bookings (resource_id, member_id, start_at, end_at, busy_until, quantity, exclusive, status, note, reason, " +
	"created_by, decided_by, decided_at, cancelled_by, cancelled_at, sequence, created_at, updated_at)"

const nColumns = 18

// Load writes spec.Count bookings into db and returns how many it wrote.
// It fails when the days and opening hours cannot hold that many.
func Load(ctx context.Context, db *sql.DB, d Dialect, spec Spec) (int, error) {
	if spec.Batch == 0 {
		spec.Batch = 1000
	}
	if spec.PerTx == 0 {
		spec.PerTx = 100_000
	}
	if len(spec.Resources) == 0 || spec.Count <= 0 {
		return 0, nil
	}
	w := &writer{ctx: ctx, db: db, d: d, batch: spec.Batch, perTx: spec.PerTx}
	defer w.rollback()
	r := rand.New(rand.NewPCG(spec.Seed, 0x5eed))
	// Resource-days in time order (a real table fills day by day, across
	// resources), each given its share of Count.
	type rd struct {
		res *Resource
		day time.Time
	}
	var days []rd
	for day := spec.From.UTC().Truncate(24 * time.Hour); day.Before(spec.To); day = day.Add(24 * time.Hour) {
		for i := range spec.Resources {
			res := &spec.Resources[i]
			local := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, res.Loc)
			if res.Days[isoWeekday(local)] {
				days = append(days, rd{res, local})
			}
		}
	}
	if len(days) == 0 {
		return 0, fmt.Errorf("dataset: no open day between %s and %s", spec.From, spec.To)
	}
	written, short := 0, 0
	for k, x := range days {
		// A resource-day too full for its share (a long buffer) hands
		// the rest to the next ones.
		n := (k+1)*spec.Count/len(days) - k*spec.Count/len(days) + short
		laid := layDay(r, x.res, x.day, n)
		short = n - len(laid)
		for _, b := range laid {
			fill(r, &b, spec)
			if err := w.add(b.values()); err != nil {
				return written, err
			}
			written++
		}
	}
	if err := w.finish(); err != nil {
		return written, err
	}
	if short > 0 {
		return written, fmt.Errorf("dataset: the opening hours hold only %d of %d bookings", written, spec.Count)
	}
	return written, nil
}

func isoWeekday(t time.Time) int {
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

type row struct {
	resourceID, memberID, createdBy int64
	start, end, busyUntil           time.Time
	quantity                        int
	exclusive                       bool
	status, note, reason            string
	decidedBy, cancelledBy          *int64
	decidedAt, cancelledAt          *time.Time
	sequence                        int
	createdAt, updatedAt            time.Time
}

func (b *row) values() []any {
	return []any{b.resourceID, b.memberID, b.start, b.end, b.busyUntil, b.quantity, b.exclusive, b.status,
		b.note, b.reason, b.createdBy, b.decidedBy, b.decidedAt, b.cancelledBy, b.cancelledAt, b.sequence,
		b.createdAt, b.updatedAt}
}

// layDay places n bookings of res on one local day, in half-hour steps
// inside the opening, each followed by the resource's buffer. A space is
// split in up to three lanes that share its capacity, so bookings overlap
// there without ever passing it.
func layDay(r *rand.Rand, res *Resource, day time.Time, n int) []row {
	if n <= 0 {
		return nil
	}
	lanes := 1
	if res.Capacity > 1 {
		lanes = min(res.Capacity, 3)
	}
	units := (res.OpenTo - res.OpenFrom) / 30
	bufU := int((res.Buffer + 29*time.Minute) / (30 * time.Minute))
	var out []row
	for lane := range lanes {
		k := n / lanes
		if lane < n%lanes {
			k++
		}
		// Fit k bookings of at least one unit plus buffer in the opening.
		k = min(k, units/(1+bufU))
		if k == 0 {
			continue
		}
		free := units - k*bufU
		durs := make([]int, k)
		used := 0
		for i := range durs {
			durs[i] = 1 + r.IntN(min(8, free/k))
			used += durs[i]
		}
		spare := free - used
		at := 0
		for i, du := range durs {
			gap := r.IntN(spare/(k-i) + 1)
			spare -= gap
			at += gap
			start := day.Add(time.Duration(res.OpenFrom+at*30) * time.Minute)
			end := start.Add(time.Duration(du*30) * time.Minute)
			q := 1
			if res.Capacity > 1 {
				q = 1 + r.IntN(res.Capacity/lanes)
			}
			out = append(out, row{resourceID: res.ID, start: start.UTC(), end: end.UTC(),
				busyUntil: end.Add(res.Buffer).UTC(), quantity: q, exclusive: res.Capacity == 1})
			at += du + bufU
		}
	}
	return out
}

var notes = []string{"", "", "", "", "Prototype de chaise", "Commande client", "Formation", "Réparation de vélo cargo",
	"Série de 20 pièces", "Test de matière", "Atelier enfants", "Découpe de contreplaqué 3 mm"}

// fill gives a laid booking its member, status and history.
func fill(r *rand.Rand, b *row, spec Spec) {
	b.memberID = spec.Member(r, b.start)
	b.createdBy = b.memberID
	b.note = notes[r.IntN(len(notes))]
	b.createdAt = b.start.Add(-time.Duration(1+r.IntN(30*24)) * time.Hour)
	if b.createdAt.After(spec.Now) {
		b.createdAt = spec.Now.Add(-time.Duration(1+r.IntN(72)) * time.Hour)
	}
	b.createdAt = b.createdAt.Truncate(time.Second)
	b.updatedAt = b.createdAt
	p := r.IntN(100)
	past := b.start.Before(spec.Now)
	switch {
	case past && p < 80, !past && p < 70:
		b.status = "approved"
	case past && p < 92, !past && p < 80:
		b.status = "cancelled"
	case past && p < 97:
		b.status = "rejected"
	default:
		b.status = "pending"
	}
	decided := b.createdAt.Add(time.Duration(1+r.IntN(600)) * time.Minute)
	if decided.After(spec.Now) {
		decided = spec.Now
	}
	host := spec.Host
	switch b.status {
	case "approved":
		if r.IntN(2) == 0 { // half the resources need approval
			b.decidedBy, b.decidedAt, b.updatedAt, b.sequence = &host, &decided, decided, 1
		}
	case "rejected":
		b.decidedBy, b.decidedAt, b.updatedAt, b.sequence = &host, &decided, decided, 1
		b.reason = "La machine est réservée pour une formation."
	case "cancelled":
		who := b.memberID
		if r.IntN(4) == 0 {
			who = host
			b.reason = "Maintenance imprévue."
		}
		b.cancelledBy, b.cancelledAt, b.updatedAt, b.sequence = &who, &decided, decided, 1
	}
}

// writer batches rows into multi-row INSERTs inside few transactions.
type writer struct {
	ctx          context.Context
	db           *sql.DB
	d            Dialect
	batch, perTx int
	tx           *sql.Tx
	stmt         *sql.Stmt
	pending      []any
	inTx         int
}

func (w *writer) add(vals []any) error {
	w.pending = append(w.pending, vals...)
	if len(w.pending) < w.batch*nColumns {
		return nil
	}
	return w.flush()
}

func (w *writer) flush() error {
	n := len(w.pending) / nColumns
	if n == 0 {
		return nil
	}
	if w.tx == nil {
		tx, err := w.db.BeginTx(w.ctx, nil)
		if err != nil {
			return err
		}
		w.tx, w.inTx = tx, 0
	}
	var err error
	if n == w.batch {
		if w.stmt == nil {
			if w.stmt, err = w.tx.PrepareContext(w.ctx, insertSQL(w.d, bookings, n, nColumns)); err != nil {
				return err
			}
		}
		_, err = w.stmt.ExecContext(w.ctx, w.pending...)
	} else {
		_, err = w.tx.ExecContext(w.ctx, insertSQL(w.d, bookings, n, nColumns), w.pending...)
	}
	if err != nil {
		return fmt.Errorf("dataset: insert: %w", err)
	}
	w.pending = w.pending[:0]
	if w.inTx += n; w.inTx >= w.perTx {
		return w.commit()
	}
	return nil
}

func (w *writer) commit() error {
	if w.stmt != nil {
		w.stmt.Close()
		w.stmt = nil
	}
	if w.tx == nil {
		return nil
	}
	err := w.tx.Commit()
	w.tx = nil
	return err
}

func (w *writer) finish() error {
	if err := w.flush(); err != nil {
		return err
	}
	return w.commit()
}

func (w *writer) rollback() {
	if w.stmt != nil {
		w.stmt.Close()
	}
	if w.tx != nil {
		w.tx.Rollback()
	}
}

// insertSQL is the INSERT of rows rows of cols values each into table,
// written "table (column, ...)", with d's placeholders.
func insertSQL(d Dialect, table string, rows, cols int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + table + " VALUES ")
	p := 1
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			if d == "postgres" {
				fmt.Fprintf(&sb, "$%d", p)
			} else {
				sb.WriteByte('?')
			}
			p++
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// InsertOne stores one approved booking in a transaction of its own: the
// raw single-row insert transaction that creation through the API is
// measured against. On SQLite through SQLiteDSN it takes the write lock
// up front and its commit is synced, as the server's are.
func InsertOne(ctx context.Context, db *sql.DB, d Dialect, resourceID, memberID int64, start time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	end := start.Add(time.Hour)
	q := "INSERT INTO bookings (resource_id, member_id, start_at, end_at, busy_until, quantity, exclusive, status, " +
		"created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, 'approved', ?, ?, ?)"
	if d == "postgres" {
		q = "INSERT INTO bookings (resource_id, member_id, start_at, end_at, busy_until, quantity, exclusive, status, " +
			"created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, 'approved', $7, $8, $9)"
	}
	if _, err := tx.ExecContext(ctx, q, resourceID, memberID, start.UTC(), end.UTC(), end.UTC(), false, memberID, now, now); err != nil {
		return err
	}
	return tx.Commit()
}

// Members inserts n active members named member-0 ... member-(n-1) at
// domain, all with passwordHash, and returns their ids in that order.
func Members(ctx context.Context, db *sql.DB, d Dialect, n int, domain, passwordHash string, now time.Time) ([]int64, error) {
	const cols = 9
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	langs := []string{"fr", "fr", "nl", "nl", "en"}
	for from := 0; from < n; from += 500 {
		to := min(n, from+500)
		var args []any
		for i := from; i < to; i++ {
			args = append(args, fmt.Sprintf("member-%d@%s", i, domain), fmt.Sprintf("Membre %d", i), "member",
				langs[i%len(langs)], passwordHash, true, now, now, now)
		}
		ins := insertSQL(d, "users (email, name, role, language, password_hash, active, password_changed_at, created_at, updated_at)", to-from, cols)
		if _, err := tx.ExecContext(ctx, ins, args...); err != nil {
			return nil, fmt.Errorf("dataset: members: %w", err)
		}
	}
	q := "SELECT id, email FROM users WHERE email LIKE ?"
	if d == "postgres" {
		q = "SELECT id, email FROM users WHERE email LIKE $1"
	}
	rows, err := tx.QueryContext(ctx, q, "member-%@"+domain)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			rows.Close()
			return nil, err
		}
		var i int
		if _, err := fmt.Sscanf(email, "member-%d@", &i); err == nil && i < n {
			ids[i] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ids, tx.Commit()
}
