package models

import (
	"context"
	"testing"

	"gorm.io/gorm"
)

// A write that touches no resource (a login, a notification read) changes
// data_version without seen(): the next fresh() takes it for another
// process's commit and drops the whole cache.
func TestCacheKeptByUntouchedWrites(t *testing.T) {
	db := openScratch(t)
	ctx := context.Background()
	c := db.avail
	k := availKey{resource: 1, from: 1, to: 2}
	if err := c.fresh(ctx); err != nil {
		t.Fatal(err)
	}
	c.put(k, availEntry{body: []byte("x"), site: 1, tick: c.tick()})
	if _, ok := c.get(k); !ok {
		t.Fatal("entry should be cached")
	}
	if err := db.tx(ctx, insert(42)); err != nil {
		t.Fatal(err)
	}
	if err := c.fresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.get(k); !ok {
		t.Error("an own write that touched nothing flushed the whole availability cache")
	}
	_ = gorm.ErrInvalidData
}
