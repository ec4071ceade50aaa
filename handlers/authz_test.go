package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
)

// authzActor is who sends a request in the authorization matrix. The member
// owns the bookings under test; the other member is signed in but owns none
// of them.
type authzActor int

const (
	actAnon authzActor = iota
	actMember
	actOther
	actManager
	actAdmin
)

var allActors = []authzActor{actAnon, actMember, actOther, actManager, actAdmin}

func (a authzActor) String() string {
	return [...]string{"anonymous", "member", "other member", "manager", "admin"}[a]
}

// authzWant is one answer of the matrix: a status and, for a refusal, its code.
type authzWant struct {
	status int
	code   string
}

var (
	wantOK           = authzWant{http.StatusOK, ""}
	wantCreated      = authzWant{http.StatusCreated, ""}
	wantNoContent    = authzWant{http.StatusNoContent, ""}
	wantUnauthorized = authzWant{http.StatusUnauthorized, "unauthorized"}
	wantForbidden    = authzWant{http.StatusForbidden, "forbidden"}
	wantNotFound     = authzWant{http.StatusNotFound, "not_found"}
)

// wantByActor holds a route's answer for each actor.
type wantByActor struct{ anon, member, other, manager, admin authzWant }

func (b wantByActor) of(a authzActor) authzWant {
	return [...]authzWant{b.anon, b.member, b.other, b.manager, b.admin}[a]
}

// allowEveryone: public routes, the same answer signed in or not.
func allowEveryone(e authzWant) wantByActor { return wantByActor{e, e, e, e, e} }

// allowSignedIn: any account, nobody else.
func allowSignedIn(e authzWant) wantByActor { return wantByActor{wantUnauthorized, e, e, e, e} }

// allowHosts: managers and admins.
func allowHosts(e authzWant) wantByActor {
	return wantByActor{wantUnauthorized, wantForbidden, wantForbidden, e, e}
}

// allowAdmins: admins alone.
func allowAdmins(e authzWant) wantByActor {
	return wantByActor{wantUnauthorized, wantForbidden, wantForbidden, wantForbidden, e}
}

// allowOwnerOrHosts: the booking's member and the hosts; to another member
// the booking does not exist.
func allowOwnerOrHosts(e authzWant) wantByActor {
	return wantByActor{wantUnauthorized, e, wantNotFound, e, e}
}

// authzWorld is the matrix's workshop, shared by every row. Rows that change
// something get fresh objects from their setup, so no row depends on
// another having run.
type authzWorld struct {
	env           *apitest.Env
	ws            apitest.Workshop
	member, other apitest.User
	approval      int64  // a machine whose bookings wait for a host
	kiln          int64  // a resource that only closures touch
	ownBooking    int64  // the member's, with a note
	otherBooking  int64  // the other member's
	feed          string // the path of the member's calendar feed
	slots         int
	emails        int
}

func (w *authzWorld) user(a authzActor) apitest.User {
	switch a {
	case actMember:
		return w.member
	case actOther:
		return w.other
	case actManager:
		return w.ws.Manager
	case actAdmin:
		return w.ws.Admin
	}
	return apitest.User{}
}

// nextSlot returns a free hour: no two rows ever ask for the same one.
func (w *authzWorld) nextSlot() (start, end string) {
	n := w.slots
	w.slots++
	day, hour := 5+n/11, 8+n%11
	return apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0)
}

// authzFixture is what a row's setup made for it.
type authzFixture struct {
	booking     int64  // a pending booking of the member
	target      int64  // an account the row changes
	targetToken string // a bearer token of target
	closure     int64  // a closure of the kiln
	before      int    // the route's count before the request
	series      int64  // a pending series of the member
	entry       int64  // a waiting-list entry of the member
	notice      int64  // a notification of the member
	slot        map[string]any
}

// authzRoute is one route (or one variant of its target or body) and what
// each actor gets from it.
type authzRoute struct {
	name  string // the method and echo's pattern, plus a variant after a space
	path  string // with {booking}, {target}, {self}, ... filled per row
	body  func(w *authzWorld, f authzFixture) any
	setup func(t *testing.T, w *authzWorld) authzFixture
	want  wantByActor
	fresh bool                                  // sign the actor in anew: the route ends its token
	count func(t *testing.T, w *authzWorld) int // what the route creates or deletes
	delta int                                   // the change of count when allowed
	check func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response)
}

// split reads the method and echo's pattern from the route's name.
func (rt authzRoute) split() (method, pattern string) {
	method, rest, _ := strings.Cut(rt.name, " ")
	pattern, _, _ = strings.Cut(rest, " ")
	return method, pattern
}

func newAuthzWorld(t *testing.T) *authzWorld {
	env := apitest.New(t)
	w := &authzWorld{env: env, ws: env.NewWorkshop(t)}
	w.member = env.NewUser(t, models.RoleMember, "Mina Member")
	w.other = env.NewUser(t, models.RoleMember, "Otto Other")
	w.approval = env.Must(t, 201, "POST", "/api/v1/resources", w.ws.Manager.Token, map[string]any{
		"zone_id": w.ws.ZoneID, "name": "CNC router", "kind": "machine", "requires_approval": true}).ID()
	w.kiln = env.Must(t, 201, "POST", "/api/v1/resources", w.ws.Manager.Token, map[string]any{
		"zone_id": w.ws.ZoneID, "name": "Kiln", "kind": "machine"}).ID()
	start, end := w.nextSlot()
	own := apitest.Slot(w.ws.Machine, start, end)
	own["note"] = ownNote
	w.ownBooking = env.Must(t, 201, "POST", "/api/v1/bookings", w.member.Token, own).ID()
	start, end = w.nextSlot()
	w.otherBooking = env.Must(t, 201, "POST", "/api/v1/bookings", w.other.Token, apitest.Slot(w.ws.Machine, start, end)).ID()
	var feed struct{ URL string }
	env.Must(t, 200, "GET", "/api/v1/me/calendar", w.member.Token, nil).Decode(t, &feed)
	u, err := url.Parse(feed.URL)
	if err != nil || !strings.HasPrefix(u.Path, "/calendar/") {
		t.Fatalf("feed URL %q", feed.URL)
	}
	w.feed = u.Path
	return w
}

// ownNote is the note of the member's booking, for no one else's eyes.
const ownNote = "Mina's private note"

// freshPendingBooking is a fresh booking of the member, waiting for a host.
func freshPendingBooking(t *testing.T, w *authzWorld) authzFixture {
	start, end := w.nextSlot()
	r := w.env.Must(t, 201, "POST", "/api/v1/bookings", w.member.Token, apitest.Slot(w.approval, start, end))
	var b struct{ Status string }
	r.Decode(t, &b)
	if b.Status != "pending" {
		t.Fatalf("setup: want a pending booking, got %s", r)
	}
	return authzFixture{booking: r.ID()}
}

// freshPendingSeries is a fresh series of the member, waiting for a host.
func freshPendingSeries(t *testing.T, w *authzWorld) authzFixture {
	start, end := w.nextSlot()
	body := apitest.Slot(w.approval, start, end)
	body["rrule"] = "FREQ=WEEKLY;COUNT=2"
	return authzFixture{series: w.env.Must(t, 201, "POST", "/api/v1/series", w.member.Token, body).ID()}
}

// takenSlot is a slot the other member holds: one to wait for.
func takenSlot(t *testing.T, w *authzWorld) authzFixture {
	start, end := w.nextSlot()
	slot := apitest.Slot(w.ws.Machine, start, end)
	w.env.Must(t, 201, "POST", "/api/v1/bookings", w.other.Token, slot)
	return authzFixture{slot: slot}
}

// freshWaitEntry is the member waiting for a slot the other member holds.
func freshWaitEntry(t *testing.T, w *authzWorld) authzFixture {
	f := takenSlot(t, w)
	f.entry = w.env.Must(t, 201, "POST", "/api/v1/waitlist", w.member.Token, f.slot).ID()
	return f
}

// freshNotice is a notification of the member: a host approved a request.
func freshNotice(t *testing.T, w *authzWorld) authzFixture {
	f := freshPendingBooking(t, w)
	w.env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", f.booking), w.ws.Manager.Token, nil)
	var l struct {
		Notifications []struct{ ID int64 }
	}
	w.env.Must(t, 200, "GET", "/api/v1/me/notifications?unread=true", w.member.Token, nil).Decode(t, &l)
	if len(l.Notifications) == 0 {
		t.Fatal("setup: the member was not notified of the approval")
	}
	f.notice = l.Notifications[0].ID
	return f
}

// freshAccount returns a setup making a new signed-in account of role.
func freshAccount(role models.Role) func(t *testing.T, w *authzWorld) authzFixture {
	return func(t *testing.T, w *authzWorld) authzFixture {
		ctx := context.Background()
		w.emails++
		email := fmt.Sprintf("target.%d@atelier.test", w.emails)
		u, err := w.env.DB.CreateUser(ctx, nil, models.NewUser{Email: email, Name: "Tess Target", Password: apitest.Password, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := w.env.DB.Login(ctx, email, apitest.Password, "192.0.2.200", models.TokenBearer, models.DefaultLoginLimits())
		if err != nil {
			t.Fatal(err)
		}
		return authzFixture{target: u.ID, targetToken: tok}
	}
}

type accountView struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Active bool   `json:"active"`
}

func (w *authzWorld) account(t *testing.T, id int64) accountView {
	var u accountView
	w.env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/members/%d", id), w.ws.Admin.Token, nil).Decode(t, &u)
	return u
}

func (w *authzWorld) bookingStatus(t *testing.T, id int64) string {
	var b struct{ Status string }
	w.env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d", id), w.ws.Admin.Token, nil).Decode(t, &b)
	return b.Status
}

// tokenWorks reports whether a bearer token still signs in.
func (w *authzWorld) tokenWorks(t *testing.T, token string) bool {
	t.Helper()
	switch r := w.env.Do("GET", "/api/v1/me", token, nil); {
	case r.Code == 200:
		return true
	case r.Code == 401 && r.ErrorCode() == "unauthorized":
		return false
	default:
		t.Fatalf("GET /api/v1/me: want 200 or 401, got %s", r)
		return false
	}
}

// adminListLen counts the array named key in an admin's GET of path.
func adminListLen(path, key string) func(t *testing.T, w *authzWorld) int {
	return func(t *testing.T, w *authzWorld) int {
		var v map[string]any
		w.env.Must(t, 200, "GET", w.fill(path, authzFixture{}, apitest.User{}), w.ws.Admin.Token, nil).Decode(t, &v)
		list, isList := v[key].([]any)
		if !isList {
			t.Fatalf("GET %s: no %s list in %v", path, key, v)
		}
		return len(list)
	}
}

// adminListTotal reads the total of an admin's GET of path.
func adminListTotal(path string) func(t *testing.T, w *authzWorld) int {
	return func(t *testing.T, w *authzWorld) int {
		var v struct{ Total int }
		w.env.Must(t, 200, "GET", path, w.ws.Admin.Token, nil).Decode(t, &v)
		return v.Total
	}
}

type bookingOwner struct {
	ID       int64 `json:"id"`
	MemberID int64 `json:"member_id"`
}

// checkBookingVisibility asserts what each actor's list of bookings holds: a
// member's only their own, a host's everyone's.
func checkBookingVisibility(t *testing.T, w *authzWorld, a authzActor, r *apitest.Response, filteredTo int64) {
	var list struct {
		Bookings []bookingOwner `json:"bookings"`
		Total    int            `json:"total"`
	}
	r.Decode(t, &list)
	if len(list.Bookings) == 0 || list.Total != len(list.Bookings) {
		t.Fatalf("want a complete, non-empty list, got %s", r)
	}
	ids := map[int64]bool{}
	for _, b := range list.Bookings {
		ids[b.ID] = true
	}
	switch a {
	case actMember, actOther:
		me := w.user(a).ID
		for _, b := range list.Bookings {
			if b.MemberID != me {
				t.Errorf("%s sees booking %d of member %d", a, b.ID, b.MemberID)
			}
		}
		own, foreign := w.ownBooking, w.otherBooking
		if a == actOther {
			own, foreign = foreign, own
		}
		if !ids[own] || ids[foreign] {
			t.Errorf("%s: want own booking %d and not %d, got %v", a, own, foreign, ids)
		}
	case actManager, actAdmin:
		if filteredTo != 0 {
			for _, b := range list.Bookings {
				if b.MemberID != filteredTo {
					t.Errorf("filter member_id=%d ignored: booking %d of member %d", filteredTo, b.ID, b.MemberID)
				}
			}
			return
		}
		if !ids[w.ownBooking] || !ids[w.otherBooking] {
			t.Errorf("%s: want both members' bookings %d and %d, got %v", a, w.ownBooking, w.otherBooking, ids)
		}
	}
}

func newSiteBody(*authzWorld, authzFixture) any {
	return map[string]any{"name": "Annexe", "timezone": "Europe/Brussels", "floor_area_m2": 100}
}

func newMemberBody(role string) func(w *authzWorld, f authzFixture) any {
	return func(w *authzWorld, f authzFixture) any {
		w.emails++
		return map[string]any{"email": fmt.Sprintf("new.%d@atelier.test", w.emails), "name": "Nina New",
			"password": "a long enough password", "role": role}
	}
}

// isCalendar checks that an allowed answer is an iCalendar document.
func isCalendar(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
	if r.Code == 200 && (!strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") || !strings.HasPrefix(string(r.Body), "BEGIN:VCALENDAR")) {
		t.Errorf("want an iCalendar document, got %s %q", r.Header.Get("Content-Type"), r.Body)
	}
}

func fixedBody(v any) func(*authzWorld, authzFixture) any {
	return func(*authzWorld, authzFixture) any { return v }
}

// authzMatrix lists every route of handlers/routes.go, some more than once
// with a different target or body, and the answer each actor gets.
func authzMatrix() []authzRoute {
	bookingsTotal := adminListTotal("/api/v1/bookings?limit=1")
	membersTotal := adminListTotal("/api/v1/members?limit=1")
	unchangedAccount := func(field string) func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
		return func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
			u := w.account(t, f.target)
			if r.Code >= 300 {
				if u.Name != "Tess Target" || !u.Active || !w.tokenWorks(t, f.targetToken) {
					t.Errorf("a refused change touched the account: %+v", u)
				}
				return
			}
			switch field {
			case "name":
				if u.Name != "Renamed" {
					t.Errorf("name not changed: %+v", u)
				}
			case "role":
				if u.Role != "manager" {
					t.Errorf("role not changed: %+v", u)
				}
			case "active", "password":
				if w.tokenWorks(t, f.targetToken) {
					t.Errorf("%s changed but the account's token still works", field)
				}
			}
		}
	}
	// patchAccount is the row of PATCH /api/v1/members/:id that sets field
	// to value on a fresh account of role, named for the variant.
	patchAccount := func(variant string, role models.Role, field string, value any, want wantByActor) authzRoute {
		return authzRoute{name: "PATCH /api/v1/members/:id " + variant, path: "/api/v1/members/{target}",
			setup: freshAccount(role), body: fixedBody(map[string]any{field: value}),
			want: want, check: unchangedAccount(field)}
	}
	decided := func(status string) func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
		return func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
			want := "pending"
			if r.Code == 200 {
				want = status
			}
			if got := w.bookingStatus(t, f.booking); got != want {
				t.Errorf("booking %d: want status %s, got %s", f.booking, want, got)
			}
		}
	}
	return []authzRoute{
		{name: "GET /healthz", want: allowEveryone(wantOK)},
		{name: "GET /api/v1/openapi.yaml", want: allowEveryone(wantOK)},
		{name: "GET /metrics", want: allowEveryone(wantOK)},
		{name: "GET /calendar/:token", path: "{feed}", want: allowEveryone(wantOK), check: isCalendar},
		{name: "GET /calendar/:token unknown", path: "/calendar/" + strings.Repeat("x", 43) + ".ics", want: allowEveryone(wantNotFound)},
		{name: "POST /api/v1/auth/login", want: allowEveryone(wantOK),
			body: func(w *authzWorld, f authzFixture) any {
				return map[string]any{"email": w.member.Email, "password": apitest.Password}
			},
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				var v struct {
					Token string
					User  struct{ ID int64 }
				}
				r.Decode(t, &v)
				if v.Token == "" || v.User.ID != w.member.ID {
					t.Errorf("login answered %s", r)
				}
			}},
		{name: "POST /api/v1/auth/session", want: allowEveryone(wantOK),
			body: func(w *authzWorld, f authzFixture) any {
				return map[string]any{"email": w.member.Email, "password": apitest.Password}
			}},
		{name: "POST /api/v1/auth/logout", want: allowSignedIn(wantNoContent), fresh: true},
		{name: "GET /api/v1/me", want: allowSignedIn(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a != actAnon && r.ID() != w.user(a).ID {
					t.Errorf("%s got someone else: %s", a, r)
				}
			}},
		{name: "PATCH /api/v1/me", want: allowSignedIn(wantOK), body: fixedBody(map[string]any{"language": "en"})},
		// Unknown fields of PATCH /me: 422 validation since the contract
		// refuses them (they were ignored with 200 before).
		{name: "PATCH /api/v1/me role and active are not the caller's to set",
			want: allowSignedIn(authzWant{http.StatusUnprocessableEntity, "validation"}),
			body: fixedBody(map[string]any{"role": "admin", "active": false}),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a == actAnon {
					return
				}
				u := w.account(t, w.user(a).ID)
				if u.Role != string(w.user(a).Role) || !u.Active {
					t.Errorf("PATCH /me changed role or active: %+v", u)
				}
			}},

		{name: "GET /api/v1/me/calendar", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/me/calendar/rotate", want: allowSignedIn(wantOK)},
		{name: "GET /api/v1/me/certifications", want: allowSignedIn(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a == actAnon {
					return
				}
				var got struct {
					Certifications []struct {
						ResourceID int64 `json:"resource_id"`
					}
				}
				r.Decode(t, &got)
				own, err := w.env.DB.Certifications(context.Background(), w.user(a).ID)
				if err != nil {
					t.Fatal(err)
				}
				var seen, held []int64
				for _, c := range got.Certifications {
					seen = append(seen, c.ResourceID)
				}
				for _, c := range own {
					held = append(held, c.ResourceID)
				}
				slices.Sort(seen)
				if !slices.Equal(seen, held) { // Certifications lists by resource id
					t.Errorf("%s sees certifications on %v, holds %v", a, seen, held)
				}
			}},

		{name: "POST /api/v1/members role member", want: allowHosts(wantCreated), body: newMemberBody("member"),
			count: membersTotal, delta: 1},
		{name: "POST /api/v1/members role manager", want: allowAdmins(wantCreated), body: newMemberBody("manager"),
			count: membersTotal, delta: 1},
		{name: "POST /api/v1/members role admin", want: allowAdmins(wantCreated), body: newMemberBody("admin"),
			count: membersTotal, delta: 1},
		{name: "GET /api/v1/members", want: allowHosts(wantOK)},
		{name: "GET /api/v1/members/:id", path: "/api/v1/members/{member}", want: allowHosts(wantOK)},
		patchAccount("name of a member", models.RoleMember, "name", "Renamed", allowHosts(wantOK)),
		patchAccount("name of a manager", models.RoleManager, "name", "Renamed", allowAdmins(wantOK)),
		patchAccount("name of an admin", models.RoleAdmin, "name", "Renamed", allowAdmins(wantOK)),
		patchAccount("password of an admin", models.RoleAdmin, "password", "a brand new password", allowAdmins(wantOK)),
		patchAccount("password of a member", models.RoleMember, "password", "a brand new password", allowHosts(wantOK)),
		patchAccount("deactivate a member", models.RoleMember, "active", false, allowAdmins(wantOK)),
		patchAccount("promote a member", models.RoleMember, "role", "manager", allowAdmins(wantOK)),
		{name: "PATCH /api/v1/members/:id promote oneself", path: "/api/v1/members/{self}",
			body: fixedBody(map[string]any{"role": "admin"}), want: allowAdmins(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a == actAnon {
					return
				}
				if u := w.account(t, w.user(a).ID); u.Role != string(w.user(a).Role) {
					t.Errorf("%s promoted themselves: %+v", a, u)
				}
			}},
		{name: "GET /api/v1/members/:id/certifications", path: "/api/v1/members/{member}/certifications", want: allowHosts(wantOK)},
		{name: "POST /api/v1/members/:id/certifications", path: "/api/v1/members/{member}/certifications",
			body: func(w *authzWorld, f authzFixture) any { return map[string]any{"resource_id": w.approval} },
			setup: func(t *testing.T, w *authzWorld) authzFixture {
				if err := w.env.DB.Uncertify(context.Background(), w.stored(t, w.ws.Admin.ID), w.member.ID, w.approval); err != nil && models.ErrorCode(err) != models.CodeNotFound {
					t.Fatal(err)
				}
				return authzFixture{}
			},
			want: allowHosts(wantCreated), count: adminListLen("/api/v1/members/{member}/certifications", "certifications"), delta: 1},
		{name: "DELETE /api/v1/members/:id/certifications/:resource_id",
			path: "/api/v1/members/{member}/certifications/{machine}",
			setup: func(t *testing.T, w *authzWorld) authzFixture {
				if _, err := w.env.DB.Certify(context.Background(), w.stored(t, w.ws.Manager.ID), w.member.ID, w.ws.Machine, nil); err != nil {
					t.Fatal(err)
				}
				return authzFixture{}
			},
			want: allowHosts(wantNoContent), count: adminListLen("/api/v1/members/{member}/certifications", "certifications"), delta: -1},

		{name: "GET /api/v1/sites", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/sites", want: allowAdmins(wantCreated), body: newSiteBody,
			count: adminListLen("/api/v1/sites", "sites"), delta: 1},
		{name: "GET /api/v1/sites/:id", path: "/api/v1/sites/{site}", want: allowSignedIn(wantOK)},
		{name: "PATCH /api/v1/sites/:id", path: "/api/v1/sites/{site}", want: allowAdmins(wantOK),
			body: fixedBody(map[string]any{"name": "Atelier Test"})},
		{name: "GET /api/v1/zones", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/zones", want: allowHosts(wantCreated),
			body: func(w *authzWorld, f authzFixture) any {
				return map[string]any{"site_id": w.ws.SiteID, "name": "Store", "use": "storage", "area_m2": 1}
			},
			count: adminListLen("/api/v1/zones", "zones"), delta: 1},
		{name: "GET /api/v1/zones/:id", path: "/api/v1/zones/{zone}", want: allowSignedIn(wantOK)},
		{name: "PATCH /api/v1/zones/:id", path: "/api/v1/zones/{zone}", want: allowHosts(wantOK),
			body: fixedBody(map[string]any{"name": "Production"})},
		{name: "GET /api/v1/resources", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/resources", want: allowHosts(wantCreated),
			body: func(w *authzWorld, f authzFixture) any {
				return map[string]any{"zone_id": w.ws.ZoneID, "name": "Drill press", "kind": "machine"}
			},
			count: adminListLen("/api/v1/resources", "resources"), delta: 1},
		{name: "GET /api/v1/resources/:id", path: "/api/v1/resources/{machine}", want: allowSignedIn(wantOK)},
		{name: "PATCH /api/v1/resources/:id", path: "/api/v1/resources/{kiln}", want: allowHosts(wantOK),
			body: fixedBody(map[string]any{"name": "Kiln"})},
		{name: "GET /api/v1/resources/:id/availability",
			path: "/api/v1/resources/{machine}/availability?from=" + url.QueryEscape(apitest.At(2027, 1, 5, 0, 0)) +
				"&to=" + url.QueryEscape(apitest.At(2027, 1, 6, 0, 0)),
			want: allowSignedIn(wantOK)},
		{name: "GET /api/v1/resources/:id/closures", path: "/api/v1/resources/{kiln}/closures", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/resources/:id/closures", path: "/api/v1/resources/{kiln}/closures", want: allowHosts(wantCreated),
			body: func(w *authzWorld, f authzFixture) any {
				start, end := w.nextSlot()
				return map[string]any{"start": start, "end": end, "reason": "Maintenance"}
			},
			count: adminListLen("/api/v1/resources/{kiln}/closures", "closures"), delta: 1},
		{name: "DELETE /api/v1/resources/:id/closures/:closure_id", path: "/api/v1/resources/{kiln}/closures/{closure}",
			setup: func(t *testing.T, w *authzWorld) authzFixture {
				start, end := w.nextSlot()
				r := w.env.Must(t, 201, "POST", fmt.Sprintf("/api/v1/resources/%d/closures", w.kiln), w.ws.Manager.Token,
					map[string]any{"start": start, "end": end, "reason": "Maintenance"})
				var v struct{ Closure struct{ ID int64 } }
				r.Decode(t, &v)
				return authzFixture{closure: v.Closure.ID}
			},
			want: allowHosts(wantNoContent), count: adminListLen("/api/v1/resources/{kiln}/closures", "closures"), delta: -1},

		{name: "GET /api/v1/resources/:id/calendar.ics", path: "/api/v1/resources/{machine}/calendar.ics",
			want: allowSignedIn(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				isCalendar(t, w, f, a, r)
				if a == actOther && (strings.Contains(string(r.Body), "Mina") || strings.Contains(string(r.Body), "private note")) {
					t.Errorf("another member reads the member's name or note:\n%s", r.Body)
				}
			}},
		{name: "GET /api/v1/resources/:id/feed", path: "/api/v1/resources/{machine}/feed", want: allowHosts(wantOK)},
		{name: "POST /api/v1/resources/:id/feed/rotate", path: "/api/v1/resources/{machine}/feed/rotate", want: allowHosts(wantOK)},
		{name: "GET /api/v1/audit", want: allowAdmins(wantOK)},

		{name: "POST /api/v1/bookings", want: allowSignedIn(wantCreated),
			body: func(w *authzWorld, f authzFixture) any {
				start, end := w.nextSlot()
				return apitest.Slot(w.ws.Machine, start, end)
			},
			count: bookingsTotal, delta: 1},
		{name: "POST /api/v1/bookings for the member", want: wantByActor{wantUnauthorized, wantCreated, wantForbidden, wantCreated, wantCreated},
			body: func(w *authzWorld, f authzFixture) any {
				start, end := w.nextSlot()
				b := apitest.Slot(w.ws.Machine, start, end)
				b["member_id"] = w.member.ID
				return b
			},
			count: bookingsTotal, delta: 1,
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				var b bookingOwner
				if r.Code == 201 {
					if r.Decode(t, &b); b.MemberID != w.member.ID {
						t.Errorf("booked for member %d, want %d", b.MemberID, w.member.ID)
					}
				}
			}},
		{name: "GET /api/v1/bookings", path: "/api/v1/bookings?limit=1000", want: allowSignedIn(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a != actAnon {
					checkBookingVisibility(t, w, a, r, 0)
				}
			}},
		{name: "GET /api/v1/bookings filtered to another member", path: "/api/v1/bookings?limit=1000&member_id={other}",
			want: allowSignedIn(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if a != actAnon {
					checkBookingVisibility(t, w, a, r, w.other.ID)
				}
			}},
		{name: "GET /api/v1/bookings/:id", path: "/api/v1/bookings/{own}", want: allowOwnerOrHosts(wantOK),
			check: func(t *testing.T, w *authzWorld, f authzFixture, a authzActor, r *apitest.Response) {
				if r.Code == 200 && r.ID() != w.ownBooking {
					t.Errorf("got another booking: %s", r)
				}
			}},
		{name: "GET /api/v1/bookings/:id/ics", path: "/api/v1/bookings/{own}/ics", want: allowOwnerOrHosts(wantOK),
			check: isCalendar},
		{name: "POST /api/v1/bookings/:id/approve", path: "/api/v1/bookings/{booking}/approve", setup: freshPendingBooking,
			want: wantByActor{wantUnauthorized, wantForbidden, wantNotFound, wantOK, wantOK}, check: decided("approved")},
		{name: "POST /api/v1/bookings/:id/reject", path: "/api/v1/bookings/{booking}/reject", setup: freshPendingBooking,
			body: fixedBody(map[string]any{"reason": "The machine is promised to a course."}),
			want: wantByActor{wantUnauthorized, wantForbidden, wantNotFound, wantOK, wantOK}, check: decided("rejected")},
		{name: "POST /api/v1/bookings/:id/cancel", path: "/api/v1/bookings/{booking}/cancel", setup: freshPendingBooking,
			body: fixedBody(map[string]any{"reason": "Plans changed."}),
			want: allowOwnerOrHosts(wantOK), check: decided("cancelled")},

		{name: "POST /api/v1/series", want: allowSignedIn(wantCreated),
			body: func(w *authzWorld, f authzFixture) any {
				start, end := w.nextSlot()
				b := apitest.Slot(w.ws.Machine, start, end)
				b["rrule"] = "FREQ=DAILY;COUNT=1"
				return b
			}},
		{name: "POST /api/v1/series/preview", want: allowSignedIn(wantOK),
			body: func(w *authzWorld, f authzFixture) any {
				start, end := w.nextSlot()
				b := apitest.Slot(w.ws.Machine, start, end)
				b["rrule"] = "FREQ=WEEKLY;COUNT=3"
				return b
			}},
		{name: "GET /api/v1/series", want: allowSignedIn(wantOK)},
		{name: "GET /api/v1/series/:id", path: "/api/v1/series/{series}", setup: freshPendingSeries, want: allowOwnerOrHosts(wantOK)},
		{name: "POST /api/v1/series/:id/approve", path: "/api/v1/series/{series}/approve", setup: freshPendingSeries,
			want: wantByActor{wantUnauthorized, wantForbidden, wantNotFound, wantOK, wantOK}},
		{name: "POST /api/v1/series/:id/reject", path: "/api/v1/series/{series}/reject", setup: freshPendingSeries,
			body: fixedBody(map[string]any{"reason": "The router is promised to a course."}),
			want: wantByActor{wantUnauthorized, wantForbidden, wantNotFound, wantOK, wantOK}},
		{name: "POST /api/v1/series/:id/cancel", path: "/api/v1/series/{series}/cancel", setup: freshPendingSeries,
			want: allowOwnerOrHosts(wantOK)},
		{name: "POST /api/v1/waitlist", setup: takenSlot, want: allowSignedIn(wantCreated),
			body: func(w *authzWorld, f authzFixture) any { return f.slot }},
		{name: "GET /api/v1/waitlist", want: allowSignedIn(wantOK)},
		{name: "DELETE /api/v1/waitlist/:id", path: "/api/v1/waitlist/{entry}", setup: freshWaitEntry,
			want: allowOwnerOrHosts(wantNoContent)},
		{name: "GET /api/v1/me/notifications", want: allowSignedIn(wantOK)},
		{name: "POST /api/v1/me/notifications/read", want: allowSignedIn(wantNoContent)},
		{name: "POST /api/v1/me/notifications/:id/read", path: "/api/v1/me/notifications/{notice}/read", setup: freshNotice,
			want: wantByActor{wantUnauthorized, wantNoContent, wantNotFound, wantNotFound, wantNotFound}},
		{name: "GET /api/v1/reports/usage", path: "/api/v1/reports/usage?site_id={site}&from=2027-01-04T00:00:00Z&to=2027-01-11T00:00:00Z",
			want: allowHosts(wantOK)},
	}
}

// stored loads an account as models has it, for calls straight to models.
func (w *authzWorld) stored(t *testing.T, id int64) *models.User {
	u, err := w.env.DB.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fill puts a row's ids into a path.
func (w *authzWorld) fill(path string, f authzFixture, self apitest.User) string {
	id := func(v int64) string { return fmt.Sprint(v) }
	return strings.NewReplacer(
		"{member}", id(w.member.ID), "{other}", id(w.other.ID), "{self}", id(self.ID), "{target}", id(f.target),
		"{site}", id(w.ws.SiteID), "{zone}", id(w.ws.ZoneID), "{machine}", id(w.ws.Machine), "{kiln}", id(w.kiln),
		"{closure}", id(f.closure), "{booking}", id(f.booking), "{own}", id(w.ownBooking), "{feed}", w.feed,
		"{series}", id(f.series), "{entry}", id(f.entry), "{notice}", id(f.notice),
	).Replace(path)
}

// TestAuthorizationMatrix sends every route of the API as each actor and
// asserts the exact answer: allowed, unauthorized, forbidden, or not found
// as if it did not exist. Refused changes must leave everything as it was.
func TestAuthorizationMatrix(t *testing.T) {
	w := newAuthzWorld(t)
	rows := 0
	for _, rt := range authzMatrix() {
		method, pattern := rt.split()
		path := rt.path
		if path == "" {
			path = pattern
		}
		for _, a := range allActors {
			rows++
			want := rt.want.of(a)
			t.Run(rt.name+"/"+a.String(), func(t *testing.T) {
				var f authzFixture
				if rt.setup != nil {
					f = rt.setup(t, w)
				}
				u := w.user(a)
				token := u.Token
				if rt.fresh && a != actAnon {
					var err error
					token, _, err = w.env.DB.Login(context.Background(), u.Email, apitest.Password, "192.0.2.200",
						models.TokenBearer, models.DefaultLoginLimits())
					if err != nil {
						t.Fatal(err)
					}
				}
				if rt.count != nil {
					f.before = rt.count(t, w)
				}
				var body any
				if rt.body != nil {
					body = rt.body(w, f)
				}
				r := w.env.Do(method, w.fill(path, f, u), token, body)
				if r.Code != want.status || r.ErrorCode() != want.code {
					t.Fatalf("want %d %q, got %s", want.status, want.code, r)
				}
				if rt.count != nil {
					wantCount := f.before
					if r.Code < 300 {
						wantCount += rt.delta
					}
					if got := rt.count(t, w); got != wantCount {
						t.Errorf("count after the request: want %d, got %d", wantCount, got)
					}
				}
				if rt.fresh && a != actAnon && w.tokenWorks(t, token) {
					t.Errorf("the token still works after %s", rt.name)
				}
				if rt.check != nil {
					rt.check(t, w, f, a, r)
				}
			})
		}
	}
	t.Logf("%d rows", rows)
}

// TestMatrixCoversEveryRoute fails when a route is added without its rows
// in the authorization matrix.
func TestMatrixCoversEveryRoute(t *testing.T) {
	env := apitest.New(t)
	covered := map[string]bool{}
	for _, rt := range authzMatrix() {
		method, pattern := rt.split()
		covered[method+" "+pattern] = true
	}
	var missing []string
	for _, r := range env.E.Routes() {
		if r.Method == "echo_route_not_found" {
			continue
		}
		if !covered[r.Method+" "+r.Path] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("routes without rows in the authorization matrix:\n%s", strings.Join(missing, "\n"))
	}
}

// loginToken signs in through the API and returns the bearer token.
func loginToken(t *testing.T, env *apitest.Env, email, password string) string {
	t.Helper()
	var v struct{ Token string }
	env.Must(t, 200, "POST", "/api/v1/auth/login", "", map[string]any{"email": email, "password": password}).Decode(t, &v)
	if v.Token == "" {
		t.Fatal("login answered no token")
	}
	return v.Token
}

// assertTokenWorks fails unless the token signs in (works) or is refused
// with 401 unauthorized.
func assertTokenWorks(t *testing.T, env *apitest.Env, token string, works bool) {
	t.Helper()
	r := env.Do("GET", "/api/v1/me", token, nil)
	switch {
	case works && r.Code != 200:
		t.Fatalf("the token should work: %s", r)
	case !works && (r.Code != 401 || r.ErrorCode() != "unauthorized"):
		t.Fatalf("the token should be refused with 401 unauthorized: %s", r)
	}
}

// TestLogoutRevokesToken: the token a logout was sent with stops working,
// everywhere and at once; the account's other tokens do not.
func TestLogoutRevokesToken(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	tok := loginToken(t, env, m.Email, apitest.Password)
	assertTokenWorks(t, env, tok, true)
	env.Must(t, 204, "POST", "/api/v1/auth/logout", tok, nil)
	assertTokenWorks(t, env, tok, false)
	if r := env.Do("POST", "/api/v1/auth/logout", tok, nil); r.Code != 401 || r.ErrorCode() != "unauthorized" {
		t.Fatalf("logout with a revoked token: want 401 unauthorized, got %s", r)
	}
	if r := env.Do("POST", "/api/v1/bookings", tok, apitest.Slot(1, apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0))); r.Code != 401 {
		t.Fatalf("booking with a revoked token: want 401, got %s", r)
	}
	assertTokenWorks(t, env, m.Token, true)

	// A second server on the same database refuses it too.
	other := apitest.OpenDSN(t, env.DSN)
	assertTokenWorks(t, other, tok, false)
	assertTokenWorks(t, other, m.Token, true)
}

// TestAdminPasswordResetRevokesTokens: when an admin (or a manager, for a
// member) sets a new password, every token and session of the account ends
// and only the new password signs in.
func TestAdminPasswordResetRevokesTokens(t *testing.T) {
	for _, by := range []models.Role{models.RoleAdmin, models.RoleManager} {
		t.Run(string(by), func(t *testing.T) {
			env := apitest.New(t)
			host := env.NewUser(t, by, "Hana Host")
			m := env.NewUser(t, models.RoleMember, "Mina Member")
			second := loginToken(t, env, m.Email, apitest.Password)
			env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), host.Token,
				map[string]any{"password": "a brand new password"})
			assertTokenWorks(t, env, m.Token, false)
			assertTokenWorks(t, env, second, false)
			assertTokenWorks(t, env, host.Token, true)
			if r := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": m.Email, "password": apitest.Password}); r.Code != 401 {
				t.Fatalf("old password: want 401, got %s", r)
			}
			assertTokenWorks(t, env, loginToken(t, env, m.Email, "a brand new password"), true)
		})
	}
}

// TestPatchMePasswordRevokesTokens: a new password needs the current one;
// once changed, every token of the account ends, the one that changed it
// included.
func TestPatchMePasswordRevokesTokens(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	second := loginToken(t, env, m.Email, apitest.Password)

	for _, body := range []map[string]any{
		{"password": "a brand new password"},
		{"password": "a brand new password", "current_password": "not the password"},
	} {
		r := env.Do("PATCH", "/api/v1/me", m.Token, body)
		if r.Code != 422 || r.ErrorCode() != "validation" {
			t.Fatalf("PATCH /me %v: want 422 validation, got %s", body, r)
		}
		assertTokenWorks(t, env, m.Token, true)
		assertTokenWorks(t, env, second, true)
	}
	if r := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": m.Email, "password": "a brand new password"}); r.Code != 401 {
		t.Fatalf("a refused change set the password: %s", r)
	}

	env.Must(t, 200, "PATCH", "/api/v1/me", m.Token,
		map[string]any{"password": "a brand new password", "current_password": apitest.Password})
	assertTokenWorks(t, env, m.Token, false)
	assertTokenWorks(t, env, second, false)
	if r := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": m.Email, "password": apitest.Password}); r.Code != 401 {
		t.Fatalf("old password: want 401, got %s", r)
	}
	assertTokenWorks(t, env, loginToken(t, env, m.Email, "a brand new password"), true)
}

// TestDeactivatedAccount: an admin deactivates an account; its tokens stop
// working and its right password is answered like a wrong one. Reactivated,
// it signs in again, but the old tokens stay dead.
func TestDeactivatedAccount(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	wrong := env.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": m.Email, "password": "not the password"})
	if wrong.Code != 401 {
		t.Fatalf("wrong password: want 401, got %s", wrong)
	}

	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"active": false})
	assertTokenWorks(t, env, m.Token, false)
	for _, route := range []string{"/api/v1/auth/login", "/api/v1/auth/session"} {
		r := env.Do("POST", route, "", map[string]any{"email": m.Email, "password": apitest.Password})
		if r.Code != 401 || string(r.Body) != string(wrong.Body) {
			t.Fatalf("%s of a deactivated account: want the wrong-password answer %s, got %s", route, wrong, r)
		}
		if len(r.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("%s of a deactivated account set a cookie: %v", route, r.Header.Values("Set-Cookie"))
		}
	}
	start, end := apitest.At(2027, 1, 5, 9, 0), apitest.At(2027, 1, 5, 10, 0)
	if r := env.Do("POST", "/api/v1/bookings", w.Manager.Token, map[string]any{
		"resource_id": w.Machine, "start": start, "end": end, "member_id": m.ID}); r.Code != 422 || r.ErrorCode() != "validation" {
		t.Fatalf("booking for a deactivated member: want 422 validation, got %s", r)
	}

	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"active": true})
	assertTokenWorks(t, env, m.Token, false)
	assertTokenWorks(t, env, loginToken(t, env, m.Email, apitest.Password), true)
}

// TestTokenLifetime: a token and a session end after models.TokenLifetime.
func TestTokenLifetime(t *testing.T) {
	env := apitest.New(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	b := browserSignIn(t, env, m.Email)
	env.Clock.Set(testclock.Start.Add(models.TokenLifetime - time.Second))
	assertTokenWorks(t, env, m.Token, true)
	if r := b.do("GET", "/api/v1/me", nil, ""); r.Code != 200 {
		t.Fatalf("session before its end: %s", r)
	}
	env.Clock.Set(testclock.Start.Add(models.TokenLifetime + time.Second))
	assertTokenWorks(t, env, m.Token, false)
	if r := b.do("GET", "/api/v1/me", nil, ""); r.Code != 401 || r.ErrorCode() != "unauthorized" {
		t.Fatalf("session after its end: want 401 unauthorized, got %s", r)
	}
}

// TestRoleChangeTakesEffect: rights follow the account's role at each
// request, not the role it had when the token was made.
func TestRoleChangeTakesEffect(t *testing.T) {
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Mina Member")
	if r := env.Do("GET", "/api/v1/members", m.Token, nil); r.Code != 403 || r.ErrorCode() != "forbidden" {
		t.Fatalf("member lists members: want 403 forbidden, got %s", r)
	}
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), w.Admin.Token, map[string]any{"role": "manager"})
	env.Must(t, 200, "GET", "/api/v1/members", m.Token, nil)

	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/members/%d", w.Manager.ID), w.Admin.Token, map[string]any{"role": "member"})
	for _, req := range []struct{ method, path string }{{"GET", "/api/v1/members"}, {"POST", "/api/v1/zones"}} {
		if r := env.Do(req.method, req.path, w.Manager.Token, map[string]any{}); r.Code != 403 || r.ErrorCode() != "forbidden" {
			t.Fatalf("demoted manager %s %s: want 403 forbidden, got %s", req.method, req.path, r)
		}
	}
}
