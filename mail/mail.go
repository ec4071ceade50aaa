// Package mail delivers notifications by email and reminds members of
// their bookings: background loops inside the server (no cron), working
// from what the database holds, so that a request never waits for a mail
// server and several servers on one database send each message once.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"atelier/feeds"
	"atelier/i18n"
	"atelier/models"

	gomail "github.com/wneessen/go-mail"
)

// Config says where mail goes and how.
type Config struct {
	// URL is smtp://[user:password@]host:port (STARTTLS when the server
	// offers it) or smtps://... (TLS from the start).
	URL string
	// From is the sender address.
	From string
	// PublicURL is Atelier's address, for the link in each message.
	PublicURL string
	// TLS overrides the TLS settings (tests trust their own server).
	TLS *tls.Config
	// Poll is how often the outbox is read (default 2 s).
	Poll time.Duration
}

// Sender empties the outbox over SMTP.
type Sender struct {
	db    *models.DB
	cfg   Config
	log   *slog.Logger
	words *i18n.Catalog
	feeds *feeds.Feeds
	opts  []gomail.Option
	host  string
}

// New checks cfg and returns a sender over db. A URL that is not smtp://
// or smtps:// with a host and a port is an error.
func New(db *models.DB, cfg Config, log *slog.Logger) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("ATELIER_SMTP_URL must be smtp://[user:password@]host:port or smtps://...")
	}
	port := 25
	if u.Scheme == "smtps" {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("ATELIER_SMTP_URL: bad port %q", p)
		}
	}
	if cfg.Poll == 0 {
		cfg.Poll = 2 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(20 * time.Second)}
	if u.Scheme == "smtps" {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	}
	if cfg.TLS != nil {
		opts = append(opts, gomail.WithTLSConfig(cfg.TLS))
	} else {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}))
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{db: db, cfg: cfg, log: log, words: i18n.Default(), feeds: feeds.New(db, cfg.PublicURL, -1),
		opts: opts, host: u.Hostname()}, nil
}

// Run sends what the outbox holds until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		for s.SendDue(ctx) > 0 && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue sends one batch of due messages and returns how many it tried.
func (s *Sender) SendDue(ctx context.Context) int {
	// The lease outlives a slow server's timeout: no other sender takes
	// a message while this one may still be delivering it.
	batch, err := s.db.ClaimMail(ctx, 20, 2*time.Minute)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("outbox: claim", "err", err)
		}
		return 0
	}
	if len(batch) == 0 {
		return 0
	}
	msgs := make([]*gomail.Msg, 0, len(batch))
	ready := batch[:0:0]
	for i := range batch {
		m, err := s.message(ctx, &batch[i])
		if err != nil {
			// An address the mail library refuses will never go out.
			s.record(ctx, &batch[i], err, false)
			continue
		}
		msgs, ready = append(msgs, m), append(ready, batch[i])
	}
	if len(msgs) == 0 {
		return len(batch)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msgs...)
	}
	for i := range ready {
		var one error
		if err != nil {
			one = errFor(err, s.messageID(ready[i].OutboxID))
		}
		if one == nil {
			if e := s.db.MailSent(ctx, ready[i].OutboxID); e != nil {
				s.log.Warn("outbox: mark sent", "err", e)
			}
			continue
		}
		var se *gomail.SendError
		permanent := errors.As(one, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600
		s.record(ctx, &ready[i], one, !permanent)
	}
	return len(batch)
}

// errFor picks the error of the message of outbox id out of a send's
// joined errors: nil when that message went out.
func errFor(err error, want string) error {
	var joined interface{ Unwrap() []error }
	list := []error{err}
	if errors.As(err, &joined) {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var se *gomail.SendError
		if errors.As(e, &se) {
			if mid := se.MessageID(); mid != "" {
				if strings.Trim(mid, "<>") == strings.Trim(want, "<>") {
					return e
				}
				continue
			}
		}
		return e // not tied to one message (the server is down): all failed
	}
	return nil
}

// backoff is how long to wait after the n-th failed attempt: 30 s,
// doubling, at most an hour.
func backoff(n int) time.Duration {
	d := 30 * time.Second << min(n-1, 7)
	return min(d, time.Hour)
}

func (s *Sender) record(ctx context.Context, m *models.Mail, err error, retry bool) {
	var at time.Time
	if retry {
		at = s.db.Now().Add(backoff(m.Attempts))
	}
	s.log.Warn("outbox: not sent", "outbox_id", m.OutboxID, "attempt", m.Attempts, "retry", retry, "err", err)
	if e := s.db.MailFailed(ctx, m.OutboxID, err.Error(), at); e != nil {
		s.log.Warn("outbox: mark failed", "err", e)
	}
}

// messageID is the Message-ID of outbox row id: one per row, so a message
// sent again after a crash is the same message to the receiving server and
// to the reader's client.
func (s *Sender) messageID(id int64) string {
	host := "atelier.local"
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return fmt.Sprintf("notification-%d@%s", id, host)
}

// message makes the email of a claimed notification, in its recipient's
// language: UTF-8 plain text, the subject encoded as MIME requires.
func (s *Sender) message(ctx context.Context, m *models.Mail) (*gomail.Msg, error) {
	lang := i18n.Lang(m.Language)
	subject, text := s.words.Notice(lang, &m.Notification)
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.cfg.From); err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(m.Name, m.To); err != nil {
		return nil, err
	}
	msg.Subject("Atelier: " + subject)
	msg.SetMessageIDWithValue(s.messageID(m.OutboxID))
	msg.SetDateWithValue(m.Notification.CreatedAt)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	// The booking on its member's screen (which brings it into view), or
	// the requests waiting, for a host.
	link := s.cfg.PublicURL + "/#/bookings"
	switch {
	case m.Notification.Kind == models.KindApprovalRequested:
		link = s.cfg.PublicURL + "/#/approvals"
	case m.Notification.BookingID != nil:
		link += fmt.Sprintf("?booking=%d", *m.Notification.BookingID)
	}
	msg.SetBodyString(gomail.TypeTextPlain, text+"\n\n"+s.words.T(lang, "notify.mail.open", nil)+" "+link+"\n\n"+
		s.words.T(lang, "notify.mail.footer", nil)+"\n")
	if err := s.attachEvent(ctx, msg, m); err != nil {
		return nil, err
	}
	return msg, nil
}

// attachable are the kinds whose email carries the booking as an .ics
// file, so the member's calendar takes it (or drops it) in one click.
var attachable = map[string]bool{models.KindBookingApproved: true, models.KindWaitlistBooked: true,
	models.KindBookingReminder: true, models.KindBookingCancelled: true, models.KindBookingRejected: true}

// attachEvent attaches the booking of a member's notification as it is
// now, with the same UID and sequence as in the member's feed.
func (s *Sender) attachEvent(ctx context.Context, msg *gomail.Msg, m *models.Mail) error {
	n := &m.Notification
	if !attachable[n.Kind] || n.BookingID == nil || n.Params.Count > 1 {
		return nil
	}
	reader := &models.User{ID: n.UserID, Role: models.RoleMember, Language: m.Language}
	b, err := s.db.Booking(ctx, reader, *n.BookingID)
	if err != nil {
		if models.ErrorCode(err) == models.CodeNotFound {
			return nil // not the recipient's booking any more: no attachment
		}
		return err
	}
	cal, err := s.feeds.Booking(b, reader)
	if err != nil {
		return err
	}
	return msg.AttachReader(fmt.Sprintf("booking-%d.ics", b.ID), bytes.NewReader(cal.Body),
		gomail.WithFileContentType(gomail.ContentType("text/calendar; charset=utf-8")))
}

// Reminders notifies members ahead of their approved bookings, once a
// minute, until ctx ends. ahead 0 turns reminders off.
func Reminders(ctx context.Context, db *models.DB, ahead time.Duration, log *slog.Logger) {
	if ahead <= 0 {
		return
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := db.SendReminders(ctx, ahead); err != nil && ctx.Err() == nil {
			log.Warn("reminders", "err", err)
		} else if n > 0 {
			log.Info("reminders sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DefaultFrom is the sender when ATELIER_MAIL_FROM is not set: atelier@
// and the host of the public URL.
func DefaultFrom(publicURL string) string {
	host := "localhost"
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "atelier@" + host
}
