package handlers

import (
	"atelier/schedule"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type sliceJSON struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Available int       `json:"available"`
	State     string    `json:"state"`
}

type availabilityResponse struct {
	ResourceID int64       `json:"resource_id"`
	Capacity   int         `json:"capacity"`
	Unit       string      `json:"unit"`
	Intervals  []sliceJSON `json:"intervals"`
}

func (s *server) handleAvailability(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := newQuery(c)
	from, to := q.time("from"), q.time("to")
	if from.IsZero() {
		q.fe.Add("from", "Required.")
	}
	if to.IsZero() {
		q.fe.Add("to", "Required.")
	}
	if err := q.err(); err != nil {
		return err
	}
	r, site, slices, err := s.db.Availability(c.Request().Context(), id, schedule.Interval{Start: from, End: to})
	if err != nil {
		return err
	}
	loc := site.Location()
	out := availabilityResponse{ResourceID: r.ID, Capacity: r.Capacity, Unit: r.Unit, Intervals: make([]sliceJSON, len(slices))}
	for i, sl := range slices {
		out.Intervals[i] = sliceJSON{Start: sl.Start.In(loc), End: sl.End.In(loc), Available: sl.Available, State: sl.State}
	}
	return c.JSON(http.StatusOK, out)
}
