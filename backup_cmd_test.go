package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"atelier/models"
)

// TestBackupCommand runs "atelier backup" the way an operator would, and
// checks the copy opens as an Atelier database holding the same accounts.
func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live, out := filepath.Join(dir, "atelier.db"), filepath.Join(dir, "copy.db")
	db, err := models.Open(ctx, live, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureAdmin(ctx, "boss@atelier.test", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	env := func(string) string { return "" }
	var stdout bytes.Buffer
	if err := run(ctx, []string{"atelier", "backup", "--db", live, out}, env, &stdout); err != nil {
		t.Fatalf("backup of a live database: %v", err)
	}
	db.Close()
	if !strings.Contains(stdout.String(), "backed up") {
		t.Fatalf("backup printed %q", stdout.String())
	}
	copyDB, err := models.Open(ctx, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if n, err := copyDB.CountUsers(ctx); err != nil || n != 1 {
		t.Fatalf("the copy holds %d users (%v), want 1", n, err)
	}

	for name, args := range map[string][]string{
		"existing target":  {"atelier", "backup", "--db", live, out},
		"no target":        {"atelier", "backup", "--db", live},
		"missing database": {"atelier", "backup", "--db", filepath.Join(dir, "nope.db"), filepath.Join(dir, "x.db")},
		"stray argument":   {"atelier", "--db", live, "extra"},
	} {
		if err := run(ctx, args, env, &stdout); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); err == nil {
		t.Error("a backup of a missing database created it")
	}
}
