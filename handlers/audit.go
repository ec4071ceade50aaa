package handlers

import (
	"atelier/models"
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"
)

var auditAction = regexp.MustCompile(`^[a-z._]{0,64}$`)

type auditJSON struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorID     int64           `json:"actor_id"`
	Action      string          `json:"action"`
	SubjectType string          `json:"subject_type"`
	SubjectID   int64           `json:"subject_id"`
	Details     json.RawMessage `json:"details"`
}

type auditResponse struct {
	Entries []auditJSON `json:"entries"`
	Total   int64       `json:"total"`
}

func (s *server) handleAudit(c echo.Context) error {
	q := newQuery(c)
	f := models.AuditFilter{Action: c.QueryParam("action"), ActorID: q.int64("actor_id"), Page: q.page()}
	if !auditAction.MatchString(f.Action) {
		q.fe.Add("action", "An action is a name like booking.approve.")
	}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.db.ListAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := auditResponse{Entries: make([]auditJSON, len(list)), Total: total}
	for i, a := range list {
		out.Entries[i] = auditJSON{ID: a.ID, At: a.At, ActorID: a.ActorID, Action: a.Action,
			SubjectType: a.SubjectType, SubjectID: a.SubjectID, Details: json.RawMessage(a.Details)}
	}
	return c.JSON(http.StatusOK, out)
}
