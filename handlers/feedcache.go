package handlers

import (
	"sync"
	"time"
)

// renderedFeed is an iCalendar body with its validators.
type renderedFeed struct {
	version string
	body    []byte
	etag    string
	stamp   time.Time
}

// feedCache keeps the last rendering of the most recently polled feeds.
// Calendar clients poll the same feed every few minutes and it rarely
// changes in between: a cheap version query then replaces reading and
// rendering every booking. Each server keeps its own; the version comes
// from the database, so a change made through another server is seen.
type feedCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*renderedFeed
}

func newFeedCache(max int) *feedCache {
	if max == 0 {
		max = 64
	}
	return &feedCache{max: max, entries: map[string]*renderedFeed{}}
}

// get returns the last rendering of key, and whether it is of version.
func (fc *feedCache) get(key, version string) (*renderedFeed, bool) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f := fc.entries[key]
	return f, f != nil && f.version == version
}

// put stores a rendering, making room by dropping an arbitrary entry: the
// cache is a convenience, and an evicted feed is simply rendered again.
func (fc *feedCache) put(key string, f *renderedFeed) {
	if fc.max < 0 {
		return
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if _, ok := fc.entries[key]; !ok && len(fc.entries) >= fc.max {
		for k := range fc.entries {
			delete(fc.entries, k)
			break
		}
	}
	fc.entries[key] = f
}
