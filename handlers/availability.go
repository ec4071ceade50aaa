package handlers

import (
	"atelier/models"
	"atelier/schedule"
	"bytes"
	"encoding/json"
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
	// Encoded once, then served from the cache until a write touches the
	// resource or its site.
	body, err := s.db.AvailabilityEncoded(c.Request().Context(), id, schedule.Interval{Start: from, End: to},
		func(r *models.Resource, site *models.Site, slices []models.Slice) ([]byte, error) {
			loc := site.Location()
			out := availabilityResponse{ResourceID: r.ID, Capacity: r.Capacity, Unit: r.Unit, Intervals: make([]sliceJSON, len(slices))}
			for i, sl := range slices {
				out.Intervals[i] = sliceJSON{Start: sl.Start.In(loc), End: sl.End.In(loc), Available: sl.Available, State: sl.State}
			}
			var buf bytes.Buffer
			err := json.NewEncoder(&buf).Encode(out)
			return buf.Bytes(), err
		})
	if err != nil {
		return err
	}
	if _, pretty := c.QueryParams()["pretty"]; pretty {
		// As echo's c.JSON indents for ?pretty.
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err == nil {
			body = buf.Bytes()
		}
	}
	return c.JSONBlob(http.StatusOK, body)
}
