package handlers_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"atelier/internal/apitest"
)

// TestAuditEntries checks that each decision writes its audit entry, with
// who did it, and that only admins read the log.
func TestAuditEntries(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"requires_approval": true})
	b1 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))).ID()
	b2 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 10, 0), apitest.At(2027, 1, 5, 11, 0))).ID()
	b3 := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 10, 0), apitest.At(2027, 1, 6, 11, 0))).ID()

	steps := []struct {
		method, path, token string
		body                any
		action              string
		actor               int64
		subject             int64
	}{
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/approve", b1), w.Manager.Token, nil, "booking.approve", 0, b1},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/reject", b2), w.Manager.Token, map[string]string{"reason": "Entretien"}, "booking.reject", 0, b2},
		{"POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", b3), m.Token, nil, "booking.cancel", m.ID, b3},
		{"POST", fmt.Sprintf("/api/v1/members/%d/certifications", m.ID), w.Manager.Token, map[string]any{"resource_id": w.Machine}, "certification.grant", 0, m.ID},
		{"DELETE", fmt.Sprintf("/api/v1/members/%d/certifications/%d", m.ID, w.Machine), w.Manager.Token, nil, "certification.revoke", 0, m.ID},
		{"PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]string{"role": "manager"}, "member.role", w.Admin.ID, m.ID},
		{"POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.Space), w.Manager.Token,
			map[string]string{"start": apitest.At(2027, 2, 1, 8, 0), "end": apitest.At(2027, 2, 2, 8, 0), "reason": "Peinture du sol"}, "closure.create", 0, 0},
	}
	managerID := func() int64 {
		var me struct{ ID int64 }
		env.Must(t, 200, "GET", "/api/v1/me", w.Manager.Token, nil).Decode(t, &me)
		return me.ID
	}()
	for _, s := range steps {
		r := env.Do(s.method, s.path, s.token, s.body)
		if r.Code >= 300 {
			t.Fatalf("%s %s: %s", s.method, s.path, r)
		}
		var log struct {
			Entries []struct {
				ActorID     int64           `json:"actor_id"`
				Action      string          `json:"action"`
				SubjectID   int64           `json:"subject_id"`
				SubjectType string          `json:"subject_type"`
				Details     json.RawMessage `json:"details"`
			} `json:"entries"`
		}
		env.Must(t, 200, "GET", "/api/v1/audit?limit=1", w.Admin.Token, nil).Decode(t, &log)
		if len(log.Entries) != 1 {
			t.Fatalf("after %s: no audit entry", s.action)
		}
		e := log.Entries[0]
		actor := s.actor
		if actor == 0 {
			actor = managerID
		}
		if e.Action != s.action || e.ActorID != actor || (s.subject != 0 && e.SubjectID != s.subject) {
			t.Fatalf("after %s: the newest entry is %+v, want action %s by %d on %d", s.action, e, s.action, actor, s.subject)
		}
	}
	env.Must(t, 403, "GET", "/api/v1/audit", w.Manager.Token, nil)
	env.Must(t, 403, "GET", "/api/v1/audit", m.Token, nil)
}
