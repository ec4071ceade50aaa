package handlers

import (
	"atelier/feeds"
	"atelier/models"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// serveCalendar answers with a rendered feed, or 304 to a client that
// holds it already.
func serveCalendar(c echo.Context, f *feeds.Calendar) error {
	etag, stamp := f.ETag, f.LastModified
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Last-Modified", stamp.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "private, max-age=0, must-revalidate")
	if match := c.Request().Header.Get("If-None-Match"); match != "" {
		for _, m := range strings.Split(match, ",") {
			if m = strings.TrimSpace(m); m == etag || m == "*" || m == "W/"+etag {
				return c.NoContent(http.StatusNotModified)
			}
		}
	} else if since, err := http.ParseTime(c.Request().Header.Get("If-Modified-Since")); err == nil && !stamp.Truncate(time.Second).After(since) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", f.Body)
}

type calendarURL struct {
	URL string `json:"url"`
}

func (s *server) feedURL(secret string) calendarURL {
	return calendarURL{URL: s.cfg.PublicURL + "/calendar/" + secret + ".ics"}
}

func (s *server) handleMyCalendar(rotate bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret, err := s.db.FeedSecret(c.Request().Context(), actor(c).ID, 0, rotate)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.feedURL(secret))
	}
}

func (s *server) handleResourceFeed(rotate bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := s.pathResource(c)
		if err != nil {
			return err
		}
		secret, err := s.db.FeedSecret(c.Request().Context(), 0, r.ID, rotate)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s.feedURL(secret))
	}
}

// handleFeed serves a secret feed URL. Anything but a live secret is the
// same 404, so a probe learns nothing.
func (s *server) handleFeed(c echo.Context) error {
	secret, ok := strings.CutSuffix(c.Param("token"), ".ics")
	if !ok || len(secret) < 20 || len(secret) > 100 {
		return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
	}
	ctx := c.Request().Context()
	f, err := s.db.FeedBySecret(ctx, secret)
	if err != nil {
		if models.ErrorCode(err) == models.CodeNotFound {
			return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
		}
		return err
	}
	if f.UserID != nil {
		u, err := s.db.User(ctx, *f.UserID)
		if err != nil || !u.Active {
			return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
		}
		cal, err := s.feeds.Member(ctx, u)
		if err != nil {
			return err
		}
		return serveCalendar(c, cal)
	}
	r, err := s.db.Resource(ctx, *f.ResourceID)
	if err != nil {
		return models.Errorf(models.CodeNotFound, "There is nothing at this address.")
	}
	cal, err := s.feeds.Resource(ctx, r, true, nil)
	if err != nil {
		return err
	}
	return serveCalendar(c, cal)
}

func (s *server) handleResourceCalendar(c echo.Context) error {
	r, err := s.pathResource(c)
	if err != nil {
		return err
	}
	me := actor(c)
	cal, err := s.feeds.Resource(c.Request().Context(), r, !me.Role.IsHost(), me)
	if err != nil {
		return err
	}
	return serveCalendar(c, cal)
}

func (s *server) handleBookingICS(c echo.Context) error {
	b, err := s.pathBooking(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="booking-%d.ics"`, b.ID))
	cal, err := s.feeds.Booking(b, actor(c))
	if err != nil {
		return err
	}
	return serveCalendar(c, cal)
}
