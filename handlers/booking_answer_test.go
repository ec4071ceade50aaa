package handlers_test

import (
	"bytes"
	"fmt"
	"testing"

	"atelier/internal/apitest"
	"atelier/models"
)

// The answer of a booking creation equals the booking read back.
func TestBookingAnswerEqualsReadBack(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		env := apitest.NewOn(t, d)
		w := env.NewWorkshop(t)
		m := env.NewUser(t, models.RoleMember, "Mina")
		appr := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{
			"zone_id": w.ZoneID, "name": "Lathe", "kind": "machine", "slot_minutes": 30, "requires_approval": true, "buffer_minutes": 15}).ID()
		cases := []struct {
			token string
			body  map[string]any
		}{
			{m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))},
			{m.Token, apitest.Slot(appr, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))},
			{w.Manager.Token, map[string]any{"resource_id": w.Machine, "member_id": m.ID, "start": apitest.At(2027, 1, 6, 9, 0), "end": apitest.At(2027, 1, 6, 10, 0), "note": "  hi  "}},
			{m.Token, map[string]any{"resource_id": w.Space, "quantity": 3, "start": "2027-01-07T09:00:00.1234567+01:00", "end": "2027-01-07T10:00:00.9999999+01:00"}},
		}
		for i, c := range cases {
			r := env.Do("POST", "/api/v1/bookings", c.token, c.body)
			if r.Code != 201 {
				t.Logf("case %d: %s", i, r)
				continue
			}
			g := env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", r.ID()), c.token, nil)
			if !bytes.Equal(bytes.TrimSpace(r.Body), bytes.TrimSpace(g.Body)) {
				t.Errorf("case %d differs:\nPOST %s\nGET  %s", i, r.Body, g.Body)
			}
		}
	})
}
