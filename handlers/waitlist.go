package handlers

import (
	"net/http"
	"time"

	"atelier/models"

	"github.com/labstack/echo/v4"
)

type waitEntryJSON struct {
	ID         int64     `json:"id"`
	ResourceID int64     `json:"resource_id"`
	MemberID   int64     `json:"member_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Quantity   int       `json:"quantity"`
	Status     string    `json:"status"`
	BookingID  *int64    `json:"booking_id"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *server) toWaitEntry(w *models.WaitEntry) waitEntryJSON {
	loc := w.Location()
	return waitEntryJSON{ID: w.ID, ResourceID: w.ResourceID, MemberID: w.MemberID, Start: w.StartAt.In(loc),
		End: w.EndAt.In(loc), Quantity: w.Quantity, Status: w.StatusAt(s.db.Now()), BookingID: w.BookingID,
		CreatedAt: w.CreatedAt.In(loc)}
}

func (s *server) handleJoinWaitlist(c echo.Context) error {
	var req bookingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.MemberID != 0 || req.Note != "" {
		field := "member_id"
		if req.Note != "" {
			field = "note"
		}
		return models.Invalid(field, "A waiting-list entry takes resource_id, start, end and quantity only.")
	}
	br, err := req.booking()
	if err != nil {
		return err
	}
	w, err := s.db.JoinWaitlist(c.Request().Context(), actor(c), br)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.toWaitEntry(w))
}

type waitlistResponse struct {
	Waitlist []waitEntryJSON `json:"waitlist"`
	Total    int64           `json:"total"`
}

func (s *server) handleListWaitlist(c echo.Context) error {
	q := newQuery(c)
	resourceID, page := q.int64("resource_id"), q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.db.Waitlist(c.Request().Context(), actor(c), resourceID, page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, waitlistResponse{Waitlist: renderAll(list, s.toWaitEntry), Total: total})
}

func (s *server) handleLeaveWaitlist(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.db.LeaveWaitlist(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
