package models

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// availChannel carries, on PostgreSQL, what each write transaction
// touched ("r<id>", "s<id>"), sent inside that transaction so that it is
// delivered when, and only if, it commits.
const availChannel = "atelier_availability"

// pgListener keeps one server's cache in step with the writes of every
// server on the same PostgreSQL. Notifications arrive a little after the
// commit that sent them, so before an answer is served from the cache,
// fresh sends a notification of its own ("sync<n>") and waits for it to
// come back: PostgreSQL delivers notifications in the order their
// transactions committed, so by then every write acknowledged before the
// request came has been invalidated. Requests waiting at once share one
// such round trip.
type pgListener struct {
	dsn   string
	cache *availCache
	send  *gorm.DB
	log   *slog.Logger

	mu      sync.Mutex
	up      bool   // listening: notifications are not being missed
	sent    uint64 // the last sync sent
	back    uint64 // the last sync received
	waiting []chan error
	wake    chan struct{}
	arrived chan struct{} // closed and replaced whenever back moves

	// id tells this server's syncs from those of the other servers,
	// which every listener hears too.
	id string
	// session cancels the LISTEN connection of the moment, so that one
	// whose syncs stop coming back is replaced.
	session context.CancelFunc

	stop context.CancelFunc
	done chan struct{}
}

func newPGListener(dsn string, cache *availCache, send *gorm.DB, log *slog.Logger) *pgListener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &pgListener{dsn: dsn, cache: cache, send: send, log: log, stop: cancel, id: RandomSecret(9),
		wake: make(chan struct{}, 1), arrived: make(chan struct{}), done: make(chan struct{})}
	go l.listen(ctx)
	go l.syncs(ctx)
	return l
}

func (l *pgListener) close() {
	l.stop()
	<-l.done
}

// listen holds the LISTEN connection, reconnecting when it drops; while
// it is down the cache is bypassed, and it is flushed when listening
// starts again, since notifications may have been missed.
func (l *pgListener) listen(ctx context.Context) {
	defer close(l.done)
	for ctx.Err() == nil {
		sctx, cancel := context.WithCancel(ctx)
		l.mu.Lock()
		l.session = cancel
		l.mu.Unlock()
		err := l.listenOnce(sctx)
		cancel()
		l.setUp(false)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("availability listener lost; answers bypass the cache until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *pgListener) listenOnce(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, l.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+availChannel); err != nil {
		return err
	}
	l.cache.flush()
	l.setUp(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		l.received(n.Payload)
	}
}

func (l *pgListener) setUp(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = up
	if !up {
		for _, w := range l.waiting {
			w <- errListenerDown
		}
		l.waiting = nil
	}
}

var errListenerDown = errors.New("availability listener down")

func (l *pgListener) received(payload string) {
	if rest, ok := strings.CutPrefix(payload, "sync"); ok {
		n, ok := strings.CutPrefix(rest, l.id+":")
		if !ok {
			return // another server's
		}
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return
		}
		l.mu.Lock()
		if v > l.back {
			l.back = v
			close(l.arrived)
			l.arrived = make(chan struct{})
		}
		l.mu.Unlock()
		return
	}
	id, err := strconv.ParseInt(payload[min(1, len(payload)):], 10, 64)
	if err != nil || payload == "" {
		return
	}
	var t touched
	switch payload[0] {
	case 'r':
		t.resources = map[int64]struct{}{id: {}}
	case 's':
		t.sites = map[int64]struct{}{id: {}}
	default:
		return
	}
	l.cache.invalidate(t)
}

// fresh returns once every write committed before it was called has been
// invalidated here, or an error (then the cache is not to be used).
func (l *pgListener) fresh(ctx context.Context) error {
	w := make(chan error, 1)
	l.mu.Lock()
	if !l.up {
		l.mu.Unlock()
		return errListenerDown
	}
	l.waiting = append(l.waiting, w)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-w:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// syncs sends one sync for all the requests waiting when it is sent, and
// answers them when it comes back.
func (l *pgListener) syncs(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
		l.mu.Lock()
		batch := l.waiting
		l.waiting = nil
		l.sent++
		n := l.sent
		l.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		err := l.roundTrip(ctx, n)
		for _, w := range batch {
			w <- err
		}
	}
}

func (l *pgListener) roundTrip(ctx context.Context, n uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := l.send.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", availChannel, "sync"+l.id+":"+strconv.FormatUint(n, 10)).Error; err != nil {
		return err
	}
	for {
		l.mu.Lock()
		back, arrived, up := l.back, l.arrived, l.up
		l.mu.Unlock()
		if !up {
			return errListenerDown
		}
		if back >= n {
			return nil
		}
		select {
		case <-arrived:
		case <-ctx.Done():
			// The connection may be half open: listen again (and flush).
			l.mu.Lock()
			if l.session != nil {
				l.session()
			}
			l.mu.Unlock()
			return ctx.Err()
		}
	}
}

// notifyTouched sends, on PostgreSQL, what tx touches to every server.
func notifyTouched(tx *gorm.DB, kind byte, id int64) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	return tx.Exec("SELECT pg_notify(?, ?)", availChannel, string(kind)+strconv.FormatInt(id, 10)).Error
}
