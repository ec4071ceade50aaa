package mail_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	atmail "atelier/mail"
	"atelier/models"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-smtp"
)

// inbox is a real SMTP server on a loopback port that keeps what it
// receives, or refuses it with refuse (a 4xx or 5xx code) when set.
type inbox struct {
	mu       sync.Mutex
	messages []string
	refuse   int
	srv      *smtp.Server
	addr     string
}

// startInbox serves an inbox on a free loopback port until the test ends.
func startInbox(t testing.TB) *inbox {
	t.Helper()
	in := &inbox{}
	in.listen(t, "127.0.0.1:0")
	return in
}

func (in *inbox) stop() { in.srv.Close() }

// restart serves again on the same address, as a mail server back up.
func (in *inbox) restart(t testing.TB) {
	t.Helper()
	in.listen(t, in.addr)
}

func (in *inbox) listen(t testing.TB, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	in.addr = ln.Addr().String()
	in.srv = serveSMTP(t, in, ln, nil)
}

// serveSMTP serves an SMTP server of backend on ln until the test ends,
// speaking TLS with config when it is not nil (STARTTLS, unless ln is a TLS
// listener already).
func serveSMTP(t testing.TB, backend smtp.Backend, ln net.Listener, config *tls.Config) *smtp.Server {
	srv := smtp.NewServer(backend)
	srv.Domain, srv.TLSConfig = "mail.test", config
	srv.AllowInsecureAuth = config == nil
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func (in *inbox) got() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.messages...)
}

func (in *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }

type session struct{ in *inbox }

func (s *session) Reset()                                    {}
func (s *session) Logout() error                             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if s.in.refuse != 0 {
		return &smtp.SMTPError{Code: s.in.refuse, Message: "refused by the test"}
	}
	s.in.messages = append(s.in.messages, string(b))
	return nil
}

// mailEnv is an Atelier whose notifications go out by mail, with a member
// whose pending request a host rejects: one notification for the member.
func mailEnv(t testing.TB, env *apitest.Env, lang string) (apitest.Workshop, apitest.User, int64) {
	t.Helper()
	env.DB.Mail = true
	w := env.NewWorkshop(t)
	m := env.NewUser(t, models.RoleMember, "Léa Dupont")
	env.Must(t, 200, "PATCH", "/api/v1/me", m.Token, map[string]any{"language": lang})
	kiln := env.Must(t, 201, "POST", "/api/v1/resources", w.Manager.Token, map[string]any{"zone_id": w.ZoneID,
		"name": "Four céramique", "kind": "machine", "requires_approval": true}).ID()
	return w, m, kiln
}

func sender(t testing.TB, db *models.DB, addr string) *atmail.Sender {
	t.Helper()
	s, err := atmail.New(db, atmail.Config{URL: "smtp://" + addr, From: "atelier@atelier.test", PublicURL: "http://atelier.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMailIsProperMIMEInTheRecipientsLanguage: a rejection reaches the
// member by mail in French: UTF-8, an encoded subject, the reason.
func TestMailIsProperMIMEInTheRecipientsLanguage(t *testing.T) {
	env := apitest.New(t)
	in := startInbox(t)
	w, m, kiln := mailEnv(t, env, "fr")
	id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0))).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/reject", id), w.Manager.Token, map[string]string{"reason": "cuisson réservée à un stage"})
	s := sender(t, env.DB, in.addr)
	for s.SendDue(context.Background()) > 0 {
	}
	got := in.got()
	// The two hosts were asked to approve; the member was told of the rejection.
	if len(got) != 3 {
		t.Fatalf("want 3 messages (2 hosts, 1 member), got %d", len(got))
	}
	var found bool
	for _, raw := range got {
		msg, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("not a mail message: %v\n%s", err, raw)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Header.Get("To"), m.Email) {
			continue
		}
		found = true
		if !strings.HasPrefix(msg.Header.Get("Subject"), "=?") || subject != "Atelier: Refusée : Four céramique" {
			t.Errorf("subject %q (raw %q)", subject, msg.Header.Get("Subject"))
		}
		text, event := readParts(t, msg)
		if !strings.Contains(text, "Votre demande de Four céramique le 06/01/2027 à 09:00 est refusée : cuisson réservée à un stage") ||
			!strings.Contains(text, fmt.Sprintf("http://atelier.test/#/bookings?booking=%d\r\n", id)) {
			t.Errorf("body %q", text)
		}
		cal, err := ical.NewDecoder(strings.NewReader(event)).Decode()
		if err != nil {
			t.Fatalf("the attached .ics does not parse: %v\n%s", err, event)
		}
		if ev := cal.Events(); len(ev) != 1 || ev[0].Props.Get(ical.PropStatus).Value != "CANCELLED" ||
			ev[0].Props.Get(ical.PropUID).Value != fmt.Sprintf("booking-%d@atelier.test", id) {
			t.Errorf("the attached event: %s", event)
		}
		if msg.Header.Get("Message-Id") == "" {
			t.Errorf("no Message-Id")
		}
	}
	if !found {
		t.Fatalf("no message to the member among %d", len(got))
	}
	metrics := string(env.Must(t, 200, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{`atelier_outbox_messages{status="sent"} 3`, `atelier_outbox_messages{status="failed"} 0`,
		`atelier_notifications{kind="approval_requested"} 2`, `atelier_notifications{kind="booking_rejected"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// readParts returns the plain-text part of a message (UTF-8, decoded) and
// its text/calendar attachment, failing when either is missing.
func readParts(t *testing.T, msg *mail.Message) (text, event string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("want multipart/mixed, got %q", msg.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		ct := p.Header.Get("Content-Type")
		switch enc := p.Header.Get("Content-Transfer-Encoding"); {
		case enc == "base64":
			d, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", ""), "\n", ""))
			if err != nil {
				t.Fatal(err)
			}
			b = d
		case enc == "quoted-printable":
			d, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(b))))
			if err != nil {
				t.Fatal(err)
			}
			b = d
		}
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			if !strings.Contains(strings.ToLower(ct), "utf-8") {
				t.Errorf("the text part is %q", ct)
			}
			text = string(b)
		case strings.HasPrefix(ct, "text/calendar"):
			event = string(b)
		}
	}
	if text == "" || event == "" {
		t.Fatalf("want a text part and an .ics attachment")
	}
	return text, event
}

// TestMailWaitsWhileTheServerIsDownAndGivesUpOn5xx: a request never fails
// for the mail server; mail waits and is retried with backoff, then sent
// once; a permanent refusal is given up with its reason kept.
func TestMailWaitsWhileTheServerIsDownAndGivesUpOn5xx(t *testing.T) {
	env := apitest.New(t)
	in := startInbox(t)
	w, m, kiln := mailEnv(t, env, "nl")
	in.stop()
	id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 11, 0))).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", id), w.Manager.Token, nil)
	s := sender(t, env.DB, in.addr)
	ctx := context.Background()
	if n := s.SendDue(ctx); n != 3 {
		t.Fatalf("want 3 messages tried, got %d", n)
	}
	box, _ := env.DB.Outbox(ctx)
	for _, o := range box {
		if o.Status != models.OutboxPending || o.Attempts != 1 || !o.NextAttemptAt.After(env.Clock.Now()) || o.LastError == "" {
			t.Fatalf("after an outage: %+v", o)
		}
	}
	if n := s.SendDue(ctx); n != 0 {
		t.Fatalf("retried before the backoff: %d", n)
	}
	in.restart(t)
	env.Clock.Set(env.Clock.Now().Add(time.Minute))
	for s.SendDue(ctx) > 0 {
	}
	if got := len(in.got()); got != 3 {
		t.Fatalf("after the server came back: %d messages, want 3", got)
	}
	// 4xx: retried later; 5xx: given up with the reason.
	in.mu.Lock()
	in.refuse = 550
	in.mu.Unlock()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", id), w.Manager.Token, map[string]string{"reason": "panne"})
	for s.SendDue(ctx) > 0 {
	}
	box, _ = env.DB.Outbox(ctx)
	last := box[len(box)-1]
	if last.Status != models.OutboxFailed || !strings.Contains(last.LastError, "550") {
		t.Fatalf("after a 550: %+v", last)
	}
}

// TestMailSentOnceBySeveralServers: two servers empty one outbox at once
// (on every database): every message arrives exactly once. A member who
// turned email off gets none.
func TestMailSentOnceBySeveralServers(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		one, two := apitest.TwoServers(t, d)
		two.DB.Mail = true
		in := startInbox(t)
		w, m, kiln := mailEnv(t, one, "en")
		quiet := one.NewUser(t, models.RoleMember, "Quiet")
		one.Must(t, 200, "PATCH", "/api/v1/me", quiet.Token, map[string]any{"email_notifications": false})
		for day := range 10 {
			id := one.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln,
				apitest.At(2027, 1, 6+day, 9, 0), apitest.At(2027, 1, 6+day, 10, 0))).ID()
			one.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", id), w.Manager.Token, nil)
			q := one.Must(t, 201, "POST", "/api/v1/bookings", quiet.Token, apitest.Slot(kiln,
				apitest.At(2027, 1, 6+day, 11, 0), apitest.At(2027, 1, 6+day, 12, 0))).ID()
			one.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/approve", q), w.Manager.Token, nil)
		}
		// 20 requests to 2 hosts, 10 approvals to m; none to quiet.
		senders := []*atmail.Sender{sender(t, one.DB, in.addr), sender(t, two.DB, in.addr)}
		apitest.Burst(2, func(i int) int {
			n := 0
			for k := senders[i].SendDue(context.Background()); k > 0; k = senders[i].SendDue(context.Background()) {
				n += k
			}
			return n
		})
		got := in.got()
		ids := map[string]int{}
		for _, raw := range got {
			msg, err := mail.ReadMessage(strings.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			ids[msg.Header.Get("Message-Id")]++
			if strings.Contains(msg.Header.Get("To"), quiet.Email) {
				t.Fatalf("a member who turned email off got %s", msg.Header.Get("Subject"))
			}
		}
		if len(got) != 50 || len(ids) != 50 {
			t.Fatalf("want 50 distinct messages, got %d (%d distinct)", len(got), len(ids))
		}
	})
}

// TestRemindersOnceBeforeTheStart: a reminder goes out once, 24 hours
// before an approved booking, from whichever server runs first, never for
// a booking cancelled meanwhile nor for one booked within the lead time.
func TestRemindersOnceBeforeTheStart(t *testing.T) {
	apitest.EachDialect(t, func(t *testing.T, d models.Dialect) {
		one, two := apitest.TwoServers(t, d)
		w := one.NewWorkshop(t)
		m := one.NewUser(t, models.RoleMember, "Member")
		keep := one.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 8, 9, 0), apitest.At(2027, 1, 8, 10, 0))).ID()
		drop := one.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 8, 11, 0), apitest.At(2027, 1, 8, 12, 0))).ID()
		one.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", drop), m.Token, nil)
		count := func() int {
			n := apitest.Burst(2, func(i int) int {
				k, err := []*apitest.Env{one, two}[i].DB.SendReminders(context.Background(), 24*time.Hour)
				if err != nil {
					return -1000
				}
				return k
			})
			return n[0] + n[1]
		}
		if n := count(); n != 0 {
			t.Fatalf("three days ahead: %d reminders", n)
		}
		at := time.Date(2027, 1, 7, 9, 30, 0, 0, testclock.Brussels)
		one.Clock.Set(at)
		two.Clock.Set(at)
		// Booked within the lead time: no reminder for it.
		one.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 8, 14, 0), apitest.At(2027, 1, 8, 15, 0)))
		if n := count(); n != 1 {
			t.Fatalf("23.5 hours before: %d reminders, want 1", n)
		}
		if n := count(); n != 0 {
			t.Fatalf("a second round sent %d more", n)
		}
		var notes struct {
			Notifications []struct {
				Kind      string
				BookingID int64 `json:"booking_id"`
			}
		}
		one.Must(t, 200, "GET", "/api/v1/me/notifications", m.Token, nil).Decode(t, &notes)
		if len(notes.Notifications) != 1 || notes.Notifications[0].Kind != "booking_reminder" || notes.Notifications[0].BookingID != keep {
			t.Fatalf("the member's notifications: %+v", notes)
		}
	})
}
