package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type bookingJSON struct {
	ID           int64      `json:"id"`
	ResourceID   int64      `json:"resource_id"`
	ResourceName string     `json:"resource_name"`
	MemberID     int64      `json:"member_id"`
	MemberName   string     `json:"member_name"`
	SeriesID     *int64     `json:"series_id"`
	Start        time.Time  `json:"start"`
	End          time.Time  `json:"end"`
	Quantity     int        `json:"quantity"`
	Status       string     `json:"status"`
	Note         string     `json:"note"`
	Reason       string     `json:"reason"`
	Sequence     int        `json:"sequence"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	DecidedBy    *int64     `json:"decided_by"`
	DecidedAt    *time.Time `json:"decided_at"`
	CancelledBy  *int64     `json:"cancelled_by"`
	CancelledAt  *time.Time `json:"cancelled_at"`
}

// toBooking renders a booking with its times at the site's offset.
func toBooking(b *models.Booking) bookingJSON {
	loc := b.Location()
	local := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		l := t.In(loc)
		return &l
	}
	return bookingJSON{ID: b.ID, ResourceID: b.ResourceID, ResourceName: b.ResourceName, MemberID: b.MemberID,
		MemberName: b.MemberName, SeriesID: b.SeriesID, Start: b.StartAt.In(loc), End: b.EndAt.In(loc), Quantity: b.Quantity,
		Status: b.Status, Note: b.Note, Reason: b.Reason, Sequence: b.Sequence, CreatedAt: b.CreatedAt.In(loc),
		UpdatedAt: b.UpdatedAt.In(loc), DecidedBy: b.DecidedBy, DecidedAt: local(b.DecidedAt),
		CancelledBy: b.CancelledBy, CancelledAt: local(b.CancelledAt)}
}

type bookingRequest struct {
	ResourceID int64   `json:"resource_id"`
	MemberID   int64   `json:"member_id"`
	Start      *string `json:"start"`
	End        *string `json:"end"`
	Quantity   *int    `json:"quantity"`
	Note       string  `json:"note"`
}

// booking checks the fields every booking-shaped body shares (a booking,
// a series, a waiting-list entry) and returns the request they make.
func (req *bookingRequest) booking() (models.BookingRequest, error) {
	fe := models.FieldErrors{}
	start := timeField(fe, "start", req.Start)
	end := timeField(fe, "end", req.End)
	if req.ResourceID <= 0 {
		fe.Add("resource_id", "No resource has this id.")
	}
	qty := 1
	if req.Quantity != nil {
		qty = *req.Quantity
		if qty < 1 {
			fe.Add("quantity", "The quantity must be at least 1.")
		}
	}
	return models.BookingRequest{ResourceID: req.ResourceID, MemberID: req.MemberID, Start: start, End: end,
		Quantity: qty, Note: req.Note}, fe.Err()
}

func (s *server) handleCreateBooking(c echo.Context) error {
	var req bookingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	br, err := req.booking()
	if err != nil {
		return err
	}
	b, err := s.db.CreateBooking(c.Request().Context(), actor(c), br)
	if err != nil {
		if code := models.ErrorCode(err); code != "" && code != models.CodeUnavailable {
			s.metrics.refused.WithLabelValues(string(code)).Inc()
		}
		return err
	}
	s.metrics.created.WithLabelValues(b.Status).Inc()
	return c.JSON(http.StatusCreated, toBooking(b))
}

type bookingsResponse struct {
	Bookings []bookingJSON `json:"bookings"`
	Total    int64         `json:"total"`
}

func (s *server) handleListBookings(c echo.Context) error {
	q := newQuery(c)
	f := models.BookingFilter{
		ResourceID: q.int64("resource_id"), MemberID: q.int64("member_id"), SiteID: q.int64("site_id"),
		Status: q.oneOf("status", models.StatusPending, models.StatusApproved, models.StatusRejected, models.StatusCancelled),
		From:   q.time("from"), To: q.time("to"),
		OrderByCreated: q.oneOf("order", "start", "created") == "created",
		Page:           q.page(),
	}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.db.ListBookings(c.Request().Context(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, bookingsResponse{Bookings: renderAll(list, toBooking), Total: total})
}

// pathBooking reads the booking the path's :id names, as the caller may see
// it: a malformed or an unknown id (or another member's) is not_found.
func (s *server) pathBooking(c echo.Context) (*models.Booking, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.db.Booking(c.Request().Context(), actor(c), id)
}

func (s *server) handleGetBooking(c echo.Context) error {
	b, err := s.pathBooking(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBooking(b))
}

type decisionRequest struct {
	Reason string `json:"reason"`
}

// handleDecide answers approve, reject and cancel. The body is optional
// (a rejection without one is refused for its missing reason).
func (s *server) handleDecide(move models.Transition) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req decisionRequest
		id, err := pathIDAndBody(c, decodeOptional, &req)
		if err != nil {
			return err
		}
		b, err := s.db.Decide(c.Request().Context(), actor(c), id, move, req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toBooking(b))
	}
}
