package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type notificationJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	BookingID *int64    `json:"booking_id"`
	SeriesID  *int64    `json:"series_id"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

type notificationsResponse struct {
	Notifications []notificationJSON `json:"notifications"`
	Unread        int64              `json:"unread"`
	Total         int64              `json:"total"`
}

func (s *server) handleNotifications(c echo.Context) error {
	q := newQuery(c)
	unread := q.oneOf("unread", "true", "false", "1", "0")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	me := actor(c)
	res, err := s.db.Notifications(c.Request().Context(), me.ID, unread == "true" || unread == "1", page)
	if err != nil {
		return err
	}
	out := notificationsResponse{Notifications: make([]notificationJSON, len(res.Notifications)),
		Unread: res.Unread, Total: res.Total}
	for i := range res.Notifications {
		n := &res.Notifications[i]
		_, msg := s.words.Notice(me.Language, n)
		loc := n.Params.Location()
		out.Notifications[i] = notificationJSON{ID: n.ID, Kind: n.Kind, BookingID: n.BookingID, SeriesID: n.SeriesID,
			Message: msg, CreatedAt: n.CreatedAt.In(loc), Read: n.ReadAt != nil}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) handleReadNotification(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.db.MarkRead(c.Request().Context(), actor(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) handleReadAllNotifications(c echo.Context) error {
	if err := s.db.MarkRead(c.Request().Context(), actor(c).ID, 0); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
