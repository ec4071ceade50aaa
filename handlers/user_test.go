package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// TestConcurrentAccountChanges: a deactivation racing with a rename is
// never undone by it, and hosts certifying at once all succeed.
func TestConcurrentAccountChanges(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		for round := 0; round < 10; round++ {
			m := env.NewUser(t, models.RoleMember, fmt.Sprintf("Member %d", round))
			path := fmt.Sprintf("/api/v1/members/%d", m.ID)
			changes := []struct {
				token string
				body  map[string]any
			}{{w.Admin.Token, map[string]any{"active": false}}, {w.Manager.Token, map[string]any{"name": "Renamed"}}}
			codes := apitest.Burst(len(changes), func(i int) int {
				return env.Do("PATCH", path, changes[i].token, changes[i].body).Code
			})
			if a, b := codes[0], codes[1]; a != 200 || b != 200 {
				t.Fatalf("round %d: %d and %d", round, a, b)
			}
			var got struct {
				Name   string
				Active bool
			}
			env.Must(t, 200, "GET", path, w.Admin.Token, nil).Decode(t, &got)
			if got.Active || got.Name != "Renamed" {
				t.Fatalf("round %d: after a deactivation and a rename at once: %+v", round, got)
			}
		}
		m := env.NewUser(t, models.RoleMember, "Certified")
		codes := apitest.Burst(8, func(int) int {
			return env.Do("POST", fmt.Sprintf("/api/v1/members/%d/certifications", m.ID), w.Manager.Token,
				map[string]any{"resource_id": w.Machine}).Code
		})
		for _, c := range codes {
			if c != 201 {
				t.Fatalf("certifying at once: got %d, want 201 every time", c)
			}
		}
	})
}

// TestLastAdminStays: the only admin cannot demote or deactivate
// themselves, and a host changes their own password only with the current
// one.
func TestLastAdminStays(t *testing.T) {
	env := apitest.New(t)
	admin := env.NewUser(t, models.RoleAdmin, "Only Admin")
	path := fmt.Sprintf("/api/v1/members/%d", admin.ID)
	for _, body := range []map[string]any{{"role": "manager"}, {"active": false}} {
		if r := env.Do("PATCH", path, admin.Token, body); r.Code != 409 || r.ErrorCode() != "conflict" {
			t.Fatalf("the last admin %v: want 409 conflict, got %s", body, r)
		}
	}
	if r := env.Do("PATCH", path, admin.Token, map[string]any{"password": "a brand new passphrase"}); r.Code != 422 {
		t.Fatalf("own password through /members: want 422, got %s", r)
	}
	env.Must(t, 200, "GET", "/api/v1/me", admin.Token, nil)
	second := env.NewUser(t, models.RoleAdmin, "Second Admin")
	env.Must(t, 200, "PATCH", path, second.Token, map[string]any{"role": "manager"})
}
