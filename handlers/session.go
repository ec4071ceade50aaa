package handlers

import (
	"atelier/models"
	"crypto/subtle"
	"mime"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// SessionCookie is the browser session's cookie name.
const SessionCookie = "atelier_session"

// CSRFHeader carries the session's CSRF token on unsafe browser requests.
const CSRFHeader = "X-CSRF-Token"

const sessionKey = "session"

// authenticate signs the request in from a bearer token or the session
// cookie. A request signed in by cookie that changes something must also
// carry the session's CSRF token: a cookie alone is sent by any page.
func (s *server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, byCookie := "", false
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
				return models.Errorf(models.CodeUnauthorized, "Use Authorization: Bearer <token>.")
			}
			secret = strings.TrimSpace(tok)
		} else if ck, err := c.Cookie(SessionCookie); err == nil {
			secret, byCookie = ck.Value, true
		}
		sess, err := s.db.Authenticate(c.Request().Context(), secret)
		if err != nil {
			return err
		}
		if byCookie && sess.Kind != models.TokenSession {
			return models.Errorf(models.CodeUnauthorized, "Sign in first.")
		}
		if byCookie && !safeMethod(c.Request().Method) {
			got := c.Request().Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
				return models.Errorf(models.CodeForbidden, "This change lacks the page's CSRF token: reload the page and try again.")
			}
		}
		c.Set(sessionKey, sess)
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func session(c echo.Context) *models.Session { return c.Get(sessionKey).(*models.Session) }

func actor(c echo.Context) *models.User { return session(c).User }

// hostsOnly lets managers and admins through, and answers forbidden to
// members.
func hostsOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !actor(c).Role.IsHost() {
			return models.Errorf(models.CodeForbidden, "Only a workshop host may do this.")
		}
		return next(c)
	}
}

// adminsOnly lets admins through.
func adminsOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if actor(c).Role != models.RoleAdmin {
			return models.Errorf(models.CodeForbidden, "Only an admin may do this.")
		}
		return next(c)
	}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token string   `json:"token"`
	User  userJSON `json:"user"`
}

// login signs in from a body that must be declared JSON, on both routes:
// a form on another site can post a text/plain body that reads as JSON
// and would sign the visitor in to the sender's account (a session), or
// spend the visitor's address's sign-in attempts (a token); it cannot
// declare JSON without a CORS preflight, which Atelier never grants.
func (s *server) login(c echo.Context, kind string) (string, *models.Session, error) {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return "", nil, models.Errorf(models.CodeBadRequest, "Send the sign-in as application/json.")
	}
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return "", nil, err
	}
	if req.Email == "" || req.Password == "" || len(req.Password) > 1024 {
		return "", nil, models.Errorf(models.CodeUnauthorized, "The email or the password is wrong.")
	}
	return s.db.Login(c.Request().Context(), req.Email, req.Password, clientAddr(c), kind, s.cfg.LoginLimits)
}

// clientAddr is the client's address as the sign-in limits count it: an
// IPv6 client is its /64, which one household or one server holds whole
// and could otherwise walk through an address at a time.
func clientAddr(c echo.Context) string {
	a, err := netip.ParseAddr(c.RealIP())
	if err != nil {
		return c.RealIP()
	}
	a = a.Unmap()
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// handleLogin opens a bearer token for scripts.
func (s *server) handleLogin(c echo.Context) error {
	secret, sess, err := s.login(c, models.TokenBearer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Token: secret, User: toUser(sess.User)})
}

type sessionResponse struct {
	User      userJSON `json:"user"`
	CSRFToken string   `json:"csrf_token"`
}

// handleSession opens a browser session: an HttpOnly, SameSite=Strict
// cookie that scripts on the page cannot read, plus the CSRF token the
// page sends back on every change.
func (s *server) handleSession(c echo.Context) error {
	secret, sess, err := s.login(c, models.TokenSession)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteStrictMode, Expires: s.db.Now().Add(models.TokenLifetime),
	})
	return c.JSON(http.StatusOK, sessionResponse{User: toUser(sess.User), CSRFToken: sess.CSRF})
}

func (s *server) handleLogout(c echo.Context) error {
	sess := session(c)
	if err := s.db.Revoke(c.Request().Context(), sess.TokenID); err != nil {
		return err
	}
	if sess.Kind == models.TokenSession {
		c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
			Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	}
	return c.NoContent(http.StatusNoContent)
}
