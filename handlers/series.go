package handlers

import (
	"context"
	"net/http"
	"time"

	"atelier/models"

	"github.com/labstack/echo/v4"
)

type seriesJSON struct {
	ID         int64         `json:"id"`
	ResourceID int64         `json:"resource_id"`
	MemberID   int64         `json:"member_id"`
	RRule      string        `json:"rrule"`
	Quantity   int           `json:"quantity"`
	Note       string        `json:"note"`
	CreatedAt  time.Time     `json:"created_at"`
	Bookings   []bookingJSON `json:"bookings"`
	Skipped    []skippedJSON `json:"skipped"`
}

type skippedJSON struct {
	Start   time.Time   `json:"start"`
	End     time.Time   `json:"end"`
	Code    models.Code `json:"code"`
	Message string      `json:"message"`
}

func toSkipped(list []models.Skipped, loc *time.Location) []skippedJSON {
	out := make([]skippedJSON, len(list))
	for i, k := range list {
		out[i] = skippedJSON{Start: k.Start.In(loc), End: k.End.In(loc), Code: k.Code, Message: k.Message}
	}
	return out
}

// toSeries renders a series at its site's offset.
func toSeries(se *models.Series) seriesJSON {
	loc := se.Location()
	return seriesJSON{ID: se.ID, ResourceID: se.ResourceID, MemberID: se.MemberID, RRule: se.RRule,
		Quantity: se.Quantity, Note: se.Note, CreatedAt: se.CreatedAt.In(loc),
		Bookings: renderAll(se.Bookings, toBooking), Skipped: toSkipped(se.Skipped, loc)}
}

type seriesRequest struct {
	bookingRequest
	RRule      string `json:"rrule"`
	OnConflict string `json:"on_conflict"`
}

// seriesFromBody reads the body shared by a series and its preview and
// hands it, as the caller, to run: the database's create or preview.
func seriesFromBody(c echo.Context, run func(context.Context, *models.User, models.SeriesRequest) (*models.Series, error)) (*models.Series, error) {
	var req seriesRequest
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	br, err := req.booking()
	if err != nil {
		return nil, err
	}
	return run(c.Request().Context(), actor(c), models.SeriesRequest{BookingRequest: br, RRule: req.RRule, OnConflict: req.OnConflict})
}

func (s *server) handleCreateSeries(c echo.Context) error {
	se, err := seriesFromBody(c, s.db.CreateSeries)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSeries(se))
}

type previewResponse struct {
	Bookings []bookingJSON `json:"bookings"`
	Skipped  []skippedJSON `json:"skipped"`
}

func (s *server) handlePreviewSeries(c echo.Context) error {
	se, err := seriesFromBody(c, s.db.PreviewSeries)
	if err != nil {
		return err
	}
	out := toSeries(se)
	return c.JSON(http.StatusOK, previewResponse{Bookings: out.Bookings, Skipped: out.Skipped})
}

type seriesListResponse struct {
	Series []seriesJSON `json:"series"`
	Total  int64        `json:"total"`
}

func (s *server) handleListSeries(c echo.Context) error {
	q := newQuery(c)
	memberID, resourceID, page := q.int64("member_id"), q.int64("resource_id"), q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.db.ListSeries(c.Request().Context(), actor(c), memberID, resourceID, page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, seriesListResponse{Series: renderAll(list, toSeries), Total: total})
}

func (s *server) handleGetSeries(c echo.Context) error {
	return getByID(c, func(ctx context.Context, id int64) (*models.Series, error) {
		return s.db.Series(ctx, actor(c), id)
	}, toSeries)
}

type seriesDecisionRequest struct {
	decisionRequest
	From *string `json:"from"`
	To   *string `json:"to"`
}

// handleDecideSeries answers approve, reject and cancel of a whole series;
// the body is optional, as for a single booking. Only a cancellation takes
// a range: approve and reject read the body of a single decision, so that
// a from or to there is an unknown field, not a range silently ignored.
func (s *server) handleDecideSeries(move models.Transition) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req seriesDecisionRequest
		var body any = &req
		if move != models.Cancel {
			body = &req.decisionRequest
		}
		id, err := pathIDAndBody(c, decodeOptional, body)
		if err != nil {
			return err
		}
		fe := models.FieldErrors{}
		var rng models.SeriesRange
		if req.From != nil {
			rng.From = timeField(fe, "from", req.From)
		}
		if req.To != nil {
			rng.To = timeField(fe, "to", req.To)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		se, err := s.db.DecideSeries(c.Request().Context(), actor(c), id, move, req.Reason, rng)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toSeries(se))
	}
}
