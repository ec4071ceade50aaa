// Package handlers is Atelier's HTTP layer: the routes, the request and
// response types, authentication, and the one place where domain errors
// become the contract's statuses and error shape.
package handlers

import (
	"atelier/feeds"
	"atelier/i18n"
	"atelier/models"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Config is what the HTTP layer needs from the server's configuration.
type Config struct {
	// PublicURL is where people reach Atelier, for links in feeds.
	PublicURL string
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	LoginLimits   models.LoginLimits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed: the client address is the nearest hop not among them. None:
	// the address is the connection's, whatever the headers say.
	TrustedProxies []netip.Prefix
	// FeedCacheSize is how many rendered feeds a server keeps (default 64;
	// -1 renders every request, as the benchmarks compare).
	FeedCacheSize int
	// Static is the frontend, served at /.
	Static fs.FS
	Logger *slog.Logger
}

type server struct {
	db      *models.DB
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	feeds   *feeds.Feeds
	words   *i18n.Catalog
}

// New returns the HTTP handler of Atelier over db.
func New(db *models.DB, cfg Config) *echo.Echo {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginLimits == (models.LoginLimits{}) {
		cfg.LoginLimits = models.DefaultLoginLimits()
	}
	s := &server{db: db, cfg: cfg, log: cfg.Logger, metrics: newMetrics(db), feeds: feeds.New(db, cfg.PublicURL, cfg.FeedCacheSize),
		words: i18n.Default()}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		// echo trusts loopback, link-local and private addresses unless told
		// otherwise: anyone on the LAN could then choose their own address.
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range cfg.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(),
				Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	e.Use(requestID)
	e.Use(s.metrics.middleware)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError: true, LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			path := v.URIPath
			if strings.HasPrefix(path, "/calendar/") {
				path = "/calendar/(secret)" // a feed's address is its password
			}
			attrs := append(make([]slog.Attr, 0, 6), slog.String("method", methodLabel(v.Method)),
				slog.String("path", path), slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID))
			if id, ok := c.Get(clientRequestIDKey).(string); ok {
				attrs = append(attrs, slog.String("client_request_id", id))
			}
			s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request", attrs...)
			return nil
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
	}))
	hsts := strings.HasPrefix(cfg.PublicURL, "https://")
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if hsts {
				// On every answer, whatever scheme a proxy reports: people
				// reach Atelier over https, and a browser must never try
				// plain http again (it ignores the header over http).
				c.Response().Header().Set("Strict-Transport-Security", "max-age=31536000")
			}
			if strings.HasPrefix(c.Request().URL.Path, "/api/") {
				// Personal data: no shared cache keeps it.
				c.Response().Header().Set("Cache-Control", "no-store")
			}
			return next(c)
		}
	})
	// "1M" would be 1 000 000 bytes in echo's notation: the contract says 1 MiB.
	e.Use(middleware.BodyLimit("1MiB"))
	s.routes(e)
	return e
}

const clientRequestIDKey = "client_request_id"

// requestID gives every request an id of the server's own, in the
// X-Request-Id header of the answer and in the logs: an id the client
// chose could pose as another request's, or flood the logs. A client's own
// id is kept beside it in the log (shortened), so a trace still joins up.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if got := req.Header.Get(echo.HeaderXRequestID); got != "" {
			if len(got) > 64 {
				got = got[:64]
			}
			c.Set(clientRequestIDKey, strings.ToValidUTF8(got, ""))
		}
		id := models.RandomSecret(12)
		req.Header.Set(echo.HeaderXRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// handleError renders every error in the contract's shape. Domain errors
// carry their own code; echo's own errors (unknown route, body too large)
// get the matching general code; anything else is logged once and shown
// as a plain 500 with nothing internal.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		de   *models.Error
		he   *echo.HTTPError
		body errorJSON
		code int
	)
	switch {
	case errors.As(err, &de):
		code = statusOf(de.Code)
		body = errorJSON{Code: string(de.Code), Message: de.Message, Details: withFieldCodes(de.Details)}
	case errors.As(err, &he):
		code = he.Code
		if ec, ok := echoCodes[code]; ok {
			body = errorJSON{Code: string(ec.code), Message: ec.message}
		} else if code >= 500 {
			s.log.Error("http error", "err", err, "path", c.Path())
			code, body = http.StatusInternalServerError, internalError
		} else {
			body = errorJSON{Code: string(models.CodeBadRequest), Message: http.StatusText(code)}
		}
	case errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil:
		// The client went away: nobody is left to answer.
		s.log.Debug("client gone", "path", c.Path())
		return
	default:
		s.log.Error("internal error", "err", err, "method", c.Request().Method, "path", c.Path(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		code, body = http.StatusInternalServerError, internalError
	}
	if ra, ok := body.Details["retry_after"].(int); ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(ra))
	}
	if code == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(code)
	} else {
		err = c.JSON(code, errorBody{body})
	}
	if err != nil {
		s.log.Warn("writing error response", "err", err)
	}
}
