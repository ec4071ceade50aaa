package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type closureJSON struct {
	ID         int64     `json:"id"`
	ResourceID int64     `json:"resource_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Reason     string    `json:"reason"`
	CreatedBy  int64     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

func toClosure(c *models.Closure, loc *time.Location) closureJSON {
	return closureJSON{ID: c.ID, ResourceID: c.ResourceID, Start: c.StartAt.In(loc), End: c.EndAt.In(loc),
		Reason: c.Reason, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.In(loc)}
}

type closureRequest struct {
	Start  *string `json:"start"`
	End    *string `json:"end"`
	Reason string  `json:"reason"`
}

type closureResponse struct {
	Closure   closureJSON   `json:"closure"`
	Cancelled []bookingJSON `json:"cancelled"`
}

// resourceLocation returns the time zone of a resource's site.
func (s *server) resourceLocation(c echo.Context, id int64) (*time.Location, error) {
	r, err := s.db.Resource(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	return r.Location(), nil
}

func (s *server) handleCreateClosure(c echo.Context) error {
	var req closureRequest
	id, err := pathIDAndBody(c, decode, &req)
	if err != nil {
		return err
	}
	loc, err := s.resourceLocation(c, id)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	start, end := timeField(fe, "start", req.Start), timeField(fe, "end", req.End)
	if err := fe.Err(); err != nil {
		return err
	}
	cl, cancelled, err := s.db.CreateClosure(c.Request().Context(), actor(c), id, start, end, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, closureResponse{Closure: toClosure(cl, loc), Cancelled: renderAll(cancelled, toBooking)})
}

type closuresResponse struct {
	Closures []closureJSON `json:"closures"`
}

func (s *server) handleListClosures(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := newQuery(c)
	from := q.time("from")
	if err := q.err(); err != nil {
		return err
	}
	loc, err := s.resourceLocation(c, id)
	if err != nil {
		return err
	}
	list, err := s.db.ListClosures(c.Request().Context(), id, from)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, closuresResponse{Closures: renderAll(list, func(cl *models.Closure) closureJSON { return toClosure(cl, loc) })})
}

func (s *server) handleDeleteClosure(c echo.Context) error {
	return deleteChild(c, "closure_id", s.db.DeleteClosure)
}
