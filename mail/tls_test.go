package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"atelier/internal/apitest"
	atmail "atelier/mail"
	"atelier/models"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// selfSigned makes a certificate for 127.0.0.1 and a client config that
// trusts it and nothing else.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// secureInbox is an SMTP server that requires authentication and records,
// for each message, whether it came over TLS.
type secureInbox struct {
	mu       sync.Mutex
	overTLS  []bool
	user, pw string
}

func (in *secureInbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &secureSession{in: in, conn: c}, nil
}

type secureSession struct {
	in     *secureInbox
	conn   *smtp.Conn
	authed bool
}

func (s *secureSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *secureSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pw string) error {
		if user != s.in.user || pw != s.in.pw {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}
func (s *secureSession) Reset()        {}
func (s *secureSession) Logout() error { return nil }
func (s *secureSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, Message: "authentication required"}
	}
	return nil
}
func (s *secureSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *secureSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	_, ok := s.conn.TLSConnectionState()
	s.in.mu.Lock()
	s.in.overTLS = append(s.in.overTLS, ok)
	s.in.mu.Unlock()
	return nil
}

// TestMailOverTLSWithAuthentication: smtp:// upgrades with STARTTLS when
// the server offers it and smtps:// speaks TLS from the start; both sign in
// with the user and password of the URL.
func TestMailOverTLSWithAuthentication(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	for _, scheme := range []string{"smtp", "smtps"} {
		t.Run(scheme, func(t *testing.T) {
			in := &secureInbox{user: "atelier", pw: "s3cret:with@chars"}
			var ln net.Listener
			var err error
			if scheme == "smtps" {
				ln, err = tls.Listen("tcp", "127.0.0.1:0", serverTLS)
			} else {
				ln, err = net.Listen("tcp", "127.0.0.1:0")
			}
			if err != nil {
				t.Fatal(err)
			}
			serveSMTP(t, in, ln, serverTLS)

			env := apitest.New(t)
			w, m, kiln := mailEnv(t, env, "en")
			id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0))).ID()
			env.Must(t, 200, "POST", "/api/v1/bookings/"+itoa(id)+"/approve", w.Manager.Token, nil)
			url := scheme + "://atelier:s3cret%3Awith%40chars@" + ln.Addr().String()
			s, err := atmail.New(env.DB, atmail.Config{URL: url, From: "atelier@atelier.test", PublicURL: "http://atelier.test", TLS: clientTLS}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for s.SendDue(context.Background()) > 0 {
			}
			box, _ := env.DB.Outbox(context.Background())
			for _, o := range box {
				if o.Status != models.OutboxSent {
					t.Fatalf("over %s: %+v", scheme, o)
				}
			}
			in.mu.Lock()
			defer in.mu.Unlock()
			if len(in.overTLS) != 3 {
				t.Fatalf("over %s: %d messages, want 3", scheme, len(in.overTLS))
			}
			for _, ok := range in.overTLS {
				if !ok {
					t.Fatalf("over %s a message travelled in the clear", scheme)
				}
			}
		})
	}
}

func itoa(n int64) string { return big.NewInt(n).String() }
