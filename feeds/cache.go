package feeds

import "sync"

// cache keeps the last rendering of the most recently polled feeds.
// Calendar clients poll the same feed every few minutes and it rarely
// changes in between: a cheap version query then replaces reading and
// rendering every booking. Each server keeps its own; the version comes
// from the database, so a change made through another server is seen.
type cache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*Calendar
}

func newCache(max int) *cache {
	if max == 0 {
		max = 64
	}
	return &cache{max: max, entries: map[string]*Calendar{}}
}

// get returns the last rendering of key, and whether it is of version.
func (c *cache) get(key, version string) (*Calendar, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cal := c.entries[key]
	return cal, cal != nil && cal.version == version
}

// put stores a rendering, making room by dropping an arbitrary entry: the
// cache is a convenience, and an evicted feed is simply rendered again.
func (c *cache) put(key string, cal *Calendar) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = cal
}
