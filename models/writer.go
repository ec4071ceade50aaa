package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// writer is SQLite's group commit. Every write transaction of the process
// comes to one goroutine, which holds the writer connection for good: it
// takes the requests waiting at that moment, runs each in a SAVEPOINT of
// one transaction, commits them with one fsync (synchronous=FULL), and
// only then answers each. A request whose rules refuse it, or whose
// statement fails, is rolled back to its savepoint and the others go on;
// a failed commit fails every request of the batch, so none is
// acknowledged that is not on disk. Requests run in the order they came,
// one after the other, so each sees what the ones before it stored, as
// when each had its own transaction.
type writer struct {
	g     *gorm.DB // for the dialector and config; statements go to conn
	pool  *sql.DB
	conn  *stmtConn
	log   *slog.Logger
	queue chan *writeReq // unbuffered: a request is either taken or refused
	stop  chan struct{}
	done  chan struct{}
	// committed runs after each commit, before any request is answered.
	committed func(touched)
	// foreign runs when another process has committed since the last
	// batch (PRAGMA data_version on the writer's connection).
	foreign     func()
	lastVersion int64
	closeOnce   sync.Once
	// Counts for metrics: batches committed or rolled back, the requests
	// in them, and requests waiting to be taken.
	batches, requests, waiting atomic.Int64
}

// maxBatch bounds one transaction: the last request of a batch waits for
// every one before it.
const maxBatch = 64

type writeReq struct {
	ctx   context.Context
	fn    func(tx *gorm.DB) error
	err   error
	touch touched
	done  chan struct{}
}

// errWriterClosed answers requests that arrive after Close.
var errWriterClosed = errors.New("sql: database is closed")

func newWriter(g *gorm.DB, log *slog.Logger, committed func(touched)) (*writer, error) {
	pool, err := g.DB()
	if err != nil {
		return nil, err
	}
	w := &writer{g: g, pool: pool, log: log, queue: make(chan *writeReq),
		stop: make(chan struct{}), done: make(chan struct{}), committed: committed}
	if err := w.connect(); err != nil {
		return nil, err
	}
	go w.loop()
	return w, nil
}

// connect takes a connection of the writer pool for the writer alone.
func (w *writer) connect() error {
	c, err := w.pool.Conn(context.Background())
	if err != nil {
		return err
	}
	w.conn = &stmtConn{conn: c, stmts: map[string]*sql.Stmt{}}
	return nil
}

// do runs fn as one write transaction and returns once it is committed
// (nil) or rolled back (its error). A request already taken is run to its
// end even if ctx ends meanwhile: its answer may be on disk.
func (w *writer) do(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{fn: fn, done: make(chan struct{})}
	r.ctx = withTouched(ctx, &r.touch)
	w.waiting.Add(1)
	select {
	case w.queue <- r:
		w.waiting.Add(-1)
	case <-w.stop:
		w.waiting.Add(-1)
		return errWriterClosed
	case <-ctx.Done():
		w.waiting.Add(-1)
		return ctx.Err()
	}
	<-r.done
	return r.err
}

func (w *writer) close() {
	w.closeOnce.Do(func() {
		close(w.stop)
		<-w.done
		w.conn.close()
	})
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case <-w.stop:
			return
		case r := <-w.queue:
			batch = append(batch[:0], r)
		}
		// Whoever is waiting now joins; nobody is waited for.
	gather:
		for len(batch) < maxBatch {
			select {
			case r := <-w.queue:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		w.run(batch)
	}
}

// run executes one batch and answers every request of it.
func (w *writer) run(batch []*writeReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	live := make([]*writeReq, 0, len(batch))
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err == nil {
			live = append(live, r)
		}
	}
	if len(live) == 0 {
		return
	}
	w.batches.Add(1)
	w.requests.Add(int64(len(live)))
	bg := context.Background()
	if err := w.conn.exec(bg, "BEGIN IMMEDIATE"); err != nil {
		w.reconnect(err)
		for _, r := range live {
			r.err = err
		}
		return
	}
	// The writer's own connection sees only other connections' commits
	// in data_version: another process wrote since the last batch.
	if v, err := w.conn.dataVersion(bg); err == nil {
		if w.lastVersion != 0 && v != w.lastVersion && w.foreign != nil {
			w.foreign()
		}
		w.lastVersion = v
	}
	base := w.g.Session(&gorm.Session{NewDB: true, Context: bg})
	base.Statement.ConnPool = w.conn
	// One request alone needs no savepoint: its failure rolls back all.
	single := len(live) == 1
	var broken error
	stored := 0
	for _, r := range live {
		if !single {
			if broken = w.conn.exec(bg, "SAVEPOINT request"); broken != nil {
				break
			}
		}
		// Statements need no cancellation: the driver would start a
		// goroutine per statement to watch for it.
		r.err = w.call(r, base.WithContext(context.WithoutCancel(r.ctx)))
		if !single {
			if r.err != nil {
				if broken = w.conn.exec(bg, "ROLLBACK TO request"); broken != nil {
					break
				}
			}
			if broken = w.conn.exec(bg, "RELEASE request"); broken != nil {
				break
			}
		}
		if r.err == nil {
			stored++
		}
	}
	end := "COMMIT"
	if broken != nil || stored == 0 {
		end = "ROLLBACK"
	}
	err := w.conn.exec(bg, end)
	if err != nil && end == "COMMIT" {
		// SQLite may have rolled back on its own; make sure it has.
		_ = w.conn.exec(bg, "ROLLBACK")
	}
	if err == nil {
		err = broken
	}
	if err != nil {
		w.log.Error("write transaction failed", "err", err, "requests", len(live))
		w.reconnect(err)
		for _, r := range live {
			if r.err == nil {
				r.err = err
			}
		}
		return
	}
	var t touched
	for _, r := range live {
		if r.err == nil {
			t.add(&r.touch)
		}
	}
	if w.committed != nil {
		w.committed(t) // even with nothing touched: it keeps data_version known
	}
}

// call runs one request's function, turning a panic into its error so that
// the others of the batch are not lost with it.
func (w *writer) call(r *writeReq, tx *gorm.DB) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.log.Error("panic in a write transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.fn(tx)
}

// reconnect replaces a connection that failed outside the statements of a
// request, so that one broken connection does not fail every batch after.
func (w *writer) reconnect(cause error) {
	if errors.Is(cause, context.Canceled) {
		return
	}
	// The connection may be left inside a transaction: the pool is told it
	// is bad, so that it is closed rather than handed back.
	_ = w.conn.conn.Raw(func(any) error { return driver.ErrBadConn })
	w.conn.close()
	if err := w.connect(); err != nil {
		w.log.Error("writer connection lost", "err", err)
	}
	w.lastVersion = 0
}

// stmtConn is the writer's connection as gorm sees it: every statement is
// prepared once and kept, so the hot statements of a booking are not
// parsed again for each one. It passes for a transaction (TxCommitter) so
// that gorm opens none of its own inside a request; the writer begins and
// ends the real one.
type stmtConn struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

// maxStmts bounds the statements kept: texts that vary (an IN list of a
// new length) must not grow it without end.
const maxStmts = 512

func (c *stmtConn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if len(c.stmts) >= maxStmts {
		// Drop one at random (map order); none is in use while a new
		// one is prepared.
		for q, st := range c.stmts {
			st.Close()
			delete(c.stmts, q)
			break
		}
	}
	s, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *stmtConn) dataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := c.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err
}

func (c *stmtConn) exec(ctx context.Context, query string) error {
	_, err := c.ExecContext(ctx, query)
	return err
}

func (c *stmtConn) closeStmts() {
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}

func (c *stmtConn) close() {
	c.closeStmts()
	c.conn.Close()
}

// PrepareContext implements gorm.ConnPool.
func (c *stmtConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}

// ExecContext implements gorm.ConnPool.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext implements gorm.ConnPool.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext implements gorm.ConnPool.
func (c *stmtConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return c.conn.QueryRowContext(ctx, query, args...) // reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}

// Commit and Rollback make the connection a transaction to gorm; only the
// writer ends the real one.
func (c *stmtConn) Commit() error { return errors.New("models: a request cannot commit the batch") }
func (c *stmtConn) Rollback() error {
	return errors.New("models: a request cannot roll back the batch")
}

// WriteBatches reports SQLite's group commit: the transactions run, the
// requests they carried, and the requests waiting now (all 0 on
// PostgreSQL, where each request is its own transaction).
func (db *DB) WriteBatches() (batches, requests, waiting int64) {
	if db.writer == nil {
		return 0, 0, 0
	}
	return db.writer.batches.Load(), db.writer.requests.Load(), db.writer.waiting.Load()
}
