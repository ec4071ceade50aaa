package models

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"gorm.io/gorm"
)

func openScratch(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "atelier.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.tx(context.Background(), func(tx *gorm.DB) error {
		return tx.Exec("CREATE TABLE scratch (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES scratch(id))").Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// batch holds the writer with one request while fns queue behind it in
// order, then lets them run: they are one batch, in that order. It
// returns each fn's answer.
func batch(t *testing.T, db *DB, fns ...func(tx *gorm.DB) error) []error {
	t.Helper()
	before, _, _ := db.WriteBatches()
	hold, held := make(chan struct{}), make(chan struct{})
	go db.tx(context.Background(), func(tx *gorm.DB) error {
		close(held)
		<-hold
		return nil
	})
	<-held
	errs := make([]error, len(fns))
	done := make(chan int, len(fns))
	for i, fn := range fns {
		go func() {
			errs[i] = db.tx(context.Background(), fn)
			done <- i
		}()
		// Queue them one after the other (senders are taken in order).
		for db.writer.waiting.Load() != int64(i+1) {
			runtime.Gosched()
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	for range fns {
		<-done
	}
	if after, _, _ := db.WriteBatches(); after != before+2 {
		t.Fatalf("want the holder and the %d requests in 2 batches, got %d", len(fns), after-before)
	}
	return errs
}

func insert(id int64) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error { return tx.Exec("INSERT INTO scratch (id) VALUES (?)", id).Error }
}

func stored(t *testing.T, db *DB) []int64 {
	t.Helper()
	var ids []int64
	if err := db.r(context.Background()).Table("scratch").Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// TestBatchRefusalInTheMiddle: a request refused after it wrote is rolled
// back to its savepoint; those before and after it are stored, with one
// commit.
func TestBatchRefusalInTheMiddle(t *testing.T) {
	db := openScratch(t)
	refusal := Errorf(CodeConflict, "This time is already taken.")
	errs := batch(t, db,
		insert(1),
		func(tx *gorm.DB) error {
			if err := insert(2)(tx); err != nil {
				return err
			}
			return refusal // refused after writing
		},
		insert(1), // a failing statement: the key is taken by the first
		insert(3),
	)
	if errs[0] != nil || errs[3] != nil {
		t.Fatalf("the first and last should be stored: %v", errs)
	}
	if !errors.Is(errs[1], refusal) {
		t.Fatalf("the refused one should get its refusal, got %v", errs[1])
	}
	if errs[2] == nil {
		t.Fatal("a statement that failed should fail its request")
	}
	if got := fmt.Sprint(stored(t, db)); got != "[1 3]" {
		t.Fatalf("want rows [1 3] stored, got %s", got)
	}
}

// TestBatchFailedCommitFailsAll: when the commit fails, no request of the
// batch is acknowledged and nothing is stored.
func TestBatchFailedCommitFailsAll(t *testing.T) {
	db := openScratch(t)
	errs := batch(t, db,
		insert(1),
		func(tx *gorm.DB) error {
			// A dangling reference checked only at the commit.
			if err := tx.Exec("PRAGMA defer_foreign_keys = ON").Error; err != nil {
				return err
			}
			return tx.Exec("INSERT INTO scratch (id, ref) VALUES (2, 99)").Error
		},
		insert(3),
	)
	for i, err := range errs {
		if err == nil {
			t.Errorf("request %d was acknowledged by a commit that failed", i)
		}
	}
	if got := stored(t, db); len(got) != 0 {
		t.Fatalf("nothing should be stored, got %v", got)
	}
	// The writer goes on after it.
	if err := db.tx(context.Background(), insert(4)); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(stored(t, db)); got != "[4]" {
		t.Fatalf("want [4], got %s", got)
	}
}

// TestBatchPanicStaysInItsRequest: a panic fails its own request only.
func TestBatchPanicStaysInItsRequest(t *testing.T) {
	db := openScratch(t)
	errs := batch(t, db, insert(1), func(tx *gorm.DB) error {
		_ = insert(2)(tx)
		var m map[string]int
		m["boom"]++
		return nil
	}, insert(3))
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("want only the panicking request failed, got %v", errs)
	}
	if got := fmt.Sprint(stored(t, db)); got != "[1 3]" {
		t.Fatalf("want [1 3], got %s", got)
	}
}

// TestWriterClosed: after Close, writes are refused as unavailable rather
// than left waiting.
func TestWriterClosed(t *testing.T) {
	db := openScratch(t)
	db.writer.close()
	err := translate(db.tx(context.Background(), insert(1)))
	if ErrorCode(err) != CodeUnavailable {
		t.Fatalf("want unavailable after close, got %v", err)
	}
}
