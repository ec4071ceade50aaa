package models

import (
	"context"

	"gorm.io/gorm"
)

// touched names what a write transaction may have changed of what
// availability answers depend on: resources (their bookings, closures and
// settings) and sites (their hours, and the limits that make one
// machine's booking take time from another). The locks record it: every
// write that changes what a resource holds takes the resource's lock
// first, and every write that reaches across a site takes the site's.
// What a transaction records is invalidated once it commits, before it
// is answered.
type touched struct {
	resources map[int64]struct{}
	sites     map[int64]struct{}
}

type touchedKey struct{}

func withTouched(ctx context.Context, t *touched) context.Context {
	return context.WithValue(ctx, touchedKey{}, t)
}

// touchedOf returns the record of tx's transaction, or nil outside one.
func touchedOf(tx *gorm.DB) *touched {
	if tx.Statement == nil || tx.Statement.Context == nil {
		return nil
	}
	t, _ := tx.Statement.Context.Value(touchedKey{}).(*touched)
	return t
}

func touchResource(tx *gorm.DB, id int64) {
	if t := touchedOf(tx); t != nil {
		if t.resources == nil {
			t.resources = map[int64]struct{}{}
		}
		t.resources[id] = struct{}{}
	}
}

func touchSite(tx *gorm.DB, id int64) {
	if t := touchedOf(tx); t != nil {
		if t.sites == nil {
			t.sites = map[int64]struct{}{}
		}
		t.sites[id] = struct{}{}
	}
}

func (t *touched) add(o *touched) {
	for id := range o.resources {
		if t.resources == nil {
			t.resources = map[int64]struct{}{}
		}
		t.resources[id] = struct{}{}
	}
	for id := range o.sites {
		if t.sites == nil {
			t.sites = map[int64]struct{}{}
		}
		t.sites[id] = struct{}{}
	}
}

func (t *touched) empty() bool { return len(t.resources) == 0 && len(t.sites) == 0 }

// touchSiteAll records a change to the site itself (its hours, its
// limits), which every resource of it answers from, and on PostgreSQL
// tells the other servers.
func touchSiteAll(tx *gorm.DB, id int64) error {
	touchSite(tx, id)
	return notifyTouched(tx, 's', id)
}
