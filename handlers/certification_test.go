package handlers_test

import (
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// TestMyCertifications: a member reads their own certifications, by
// machine name with the last valid day, an expired one too; never another
// member's.
func TestMyCertifications(t *testing.T) {
	env := apitest.New(t)
	ws := env.NewWorkshop(t)
	camille := env.NewUser(t, models.RoleMember, "Camille Dubois")
	noor := env.NewUser(t, models.RoleMember, "Noor Peeters")
	kiln := env.Must(t, 201, "POST", "/api/v1/resources", ws.Manager.Token, map[string]any{
		"zone_id": ws.ZoneID, "name": "Electric kiln", "kind": "machine", "requires_certification": true}).ID()
	certify := func(member apitest.User, resource int64, expires any) {
		env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/members/%d/certifications", member.ID), ws.Manager.Token,
			map[string]any{"resource_id": resource, "expires_on": expires})
	}
	certify(camille, ws.Machine, nil)
	certify(camille, kiln, "2026-12-31") // before the test clock's today: expired
	certify(noor, kiln, "2027-06-30")

	type held struct {
		ResourceID   int64   `json:"resource_id"`
		ResourceName string  `json:"resource_name"`
		ExpiresOn    *string `json:"expires_on"`
	}
	mine := func(u apitest.User) []held {
		var r struct{ Certifications []held }
		env.Must(t, 200, "GET", "/api/v1/me/certifications", u.Token, nil).Decode(t, &r)
		return r.Certifications
	}
	got := mine(camille)
	if len(got) != 2 || got[0].ResourceID != kiln || got[0].ResourceName != "Electric kiln" || got[0].ExpiresOn == nil || *got[0].ExpiresOn != "2026-12-31" ||
		got[1].ResourceID != ws.Machine || got[1].ResourceName != "Laser cutter" || got[1].ExpiresOn != nil {
		t.Errorf("Camille's certifications: %+v, want the kiln until 2026-12-31 and the laser cutter with no end, by name", got)
	}
	if got := mine(noor); len(got) != 1 || got[0].ResourceID != kiln || *got[0].ExpiresOn != "2027-06-30" {
		t.Errorf("Noor's certifications: %+v, want the kiln until 2027-06-30 only", got)
	}
	// A host holds none until certified: the list is empty, not null.
	if r := env.Must(t, 200, "GET", "/api/v1/me/certifications", ws.Manager.Token, nil); string(r.Body) != `{"certifications":[]}`+"\n" {
		t.Errorf("a host without certifications reads %s", r.Body)
	}
	if r := env.Do("GET", "/api/v1/me/certifications", "", nil); r.Code != 401 {
		t.Errorf("signed out: want 401, got %s", r)
	}
}
