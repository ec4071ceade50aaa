package models

import (
	"atelier/schedule"
	"context"
	"database/sql"
	"sync"
)

// availCache keeps encoded availability answers, keyed by resource and
// window. An answer holds until a write touches its resource or the
// resource's site (see touched): every touch takes a new tick of the
// cache's clock, and an answer counts only if nothing it depends on was
// touched after the tick at which it began to be read from the database.
// So an answer read before a commit and stored after it is never served,
// and a write is invalidated before it is acknowledged: no answer is
// stale after that.
//
// Writes by another server (PostgreSQL) or another process (SQLite) are
// learnt through fresh, which each answer from the cache waits for.
type availCache struct {
	mu      sync.Mutex
	clock   uint64
	floor   uint64 // nothing read before it counts (everything flushed)
	touched map[int64]uint64
	sites   map[int64]uint64
	entries map[availKey]availEntry
	bytes   int // of the bodies kept
	// fresh makes sure that every write committed elsewhere before it was
	// called has been invalidated; an error bypasses the cache.
	fresh func(ctx context.Context) error
}

type availKey struct {
	resource int64
	from, to int64 // unix nanoseconds
}

type availEntry struct {
	body []byte
	site int64
	tick uint64
}

// The cache's bounds: answers, and the bytes of their bodies, whatever
// windows clients ask for.
const (
	maxAvailEntries = 4096
	maxAvailBytes   = 32 << 20
)

func newAvailCache() *availCache {
	return &availCache{touched: map[int64]uint64{}, sites: map[int64]uint64{}, entries: map[availKey]availEntry{}}
}

// invalidate records t's touches.
func (c *availCache) invalidate(t touched) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	for id := range t.resources {
		c.touched[id] = c.clock
	}
	for id := range t.sites {
		c.sites[id] = c.clock
	}
}

// flush forgets every answer, for when writes may have been missed.
func (c *availCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	c.floor = c.clock
	clear(c.entries)
	c.bytes = 0
}

// tick returns the tick at which a read from the database begins.
func (c *availCache) tick() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	return c.clock
}

func (c *availCache) get(k availKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !c.holds(e, k.resource) {
		return nil, false
	}
	return e.body, true
}

func (c *availCache) holds(e availEntry, resource int64) bool {
	return e.tick > c.floor && c.touched[resource] < e.tick && c.sites[e.site] < e.tick
}

func (c *availCache) put(k availKey, e availEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.holds(e, k.resource) {
		return // touched while it was read
	}
	if len(e.body) > maxAvailBytes/64 {
		return // too large to be worth a place
	}
	if old, ok := c.entries[k]; ok {
		c.bytes -= len(old.body)
		delete(c.entries, k)
	}
	// Drop answers at random (map order) until this one fits.
	for key, old := range c.entries {
		if len(c.entries) < maxAvailEntries && c.bytes+len(e.body) <= maxAvailBytes {
			break
		}
		c.bytes -= len(old.body)
		delete(c.entries, key)
	}
	c.entries[k] = e
	c.bytes += len(e.body)
}

// AvailabilityEncoded returns the availability of resourceID over span as
// encode writes it, from the cache while nothing it depends on has
// changed. Errors are those of Availability (and encode), never cached.
func (db *DB) AvailabilityEncoded(ctx context.Context, resourceID int64, span schedule.Interval,
	encode func(r *Resource, site *Site, slices []Slice) ([]byte, error)) ([]byte, error) {
	c := db.avail
	k := availKey{resource: resourceID, from: span.Start.UnixNano(), to: span.End.UnixNano()}
	useCache := c != nil && c.fresh(ctx) == nil
	if useCache {
		if body, ok := c.get(k); ok {
			return body, nil
		}
	}
	var tick uint64
	if useCache {
		tick = c.tick()
	}
	r, site, slices, err := db.Availability(ctx, resourceID, span)
	if err != nil {
		return nil, err
	}
	body, err := encode(r, site, slices)
	if err != nil {
		return nil, err
	}
	if useCache {
		c.put(k, availEntry{body: body, site: site.ID, tick: tick})
	}
	return body, nil
}

// sqliteVersion learns of commits by other processes on a SQLite file
// through PRAGMA data_version, which changes on one connection whenever
// another connection commits: the writer's own commits are recorded
// (seen) right after they are invalidated, so a change beyond them is
// another process's and flushes everything.
type sqliteVersion struct {
	mu   sync.Mutex
	conn *sql.Conn
	last int64
}

func (v *sqliteVersion) read(ctx context.Context) (int64, error) {
	var n int64
	err := v.conn.QueryRowContext(context.WithoutCancel(ctx), "PRAGMA data_version").Scan(&n)
	return n, err
}

// seen records the version after one of this process's commits.
func (v *sqliteVersion) seen() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n, err := v.read(context.Background()); err == nil {
		v.last = n
	}
}

// check flushes c when another process has committed since last looked.
func (v *sqliteVersion) check(ctx context.Context, c *availCache) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	n, err := v.read(ctx)
	if err != nil {
		return err
	}
	if n != v.last {
		c.flush()
		v.last = n
	}
	return nil
}
