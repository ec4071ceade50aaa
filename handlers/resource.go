package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type resourceJSON struct {
	ID                    int64     `json:"id"`
	ZoneID                int64     `json:"zone_id"`
	SiteID                int64     `json:"site_id"`
	Name                  string    `json:"name"`
	Kind                  string    `json:"kind"`
	Capacity              int       `json:"capacity"`
	Unit                  string    `json:"unit"`
	Nuisance              string    `json:"nuisance"`
	RequiresApproval      bool      `json:"requires_approval"`
	RequiresCertification bool      `json:"requires_certification"`
	MinMinutes            int       `json:"min_minutes"`
	MaxMinutes            int       `json:"max_minutes"`
	SlotMinutes           int       `json:"slot_minutes"`
	BufferMinutes         int       `json:"buffer_minutes"`
	MaxHoursPerWeek       int       `json:"max_hours_per_week"`
	MaxAdvanceDays        int       `json:"max_advance_days"`
	PowerKW               float64   `json:"power_kw"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

func toResource(r *models.Resource) resourceJSON {
	return resourceJSON{ID: r.ID, ZoneID: r.ZoneID, SiteID: r.SiteID, Name: r.Name, Kind: r.Kind, Capacity: r.Capacity,
		Unit: r.Unit, Nuisance: r.Nuisance, RequiresApproval: r.RequiresApproval,
		RequiresCertification: r.RequiresCertification, MinMinutes: r.MinMinutes, MaxMinutes: r.MaxMinutes,
		SlotMinutes: r.SlotMinutes, BufferMinutes: r.BufferMinutes, MaxHoursPerWeek: r.MaxHoursPerWeek,
		MaxAdvanceDays: r.MaxAdvanceDays, PowerKW: r.PowerKW, CreatedAt: r.CreatedAt.In(r.Location()), UpdatedAt: r.UpdatedAt.In(r.Location())}
}

func (s *server) handleCreateResource(c echo.Context) error {
	return createFromPatch[models.ResourcePatch](c, s.db.CreateResource, toResource)
}

type resourcesResponse struct {
	Resources []resourceJSON `json:"resources"`
}

func (s *server) handleListResources(c echo.Context) error {
	q := newQuery(c)
	f := models.ResourceFilter{SiteID: q.int64("site_id"), ZoneID: q.int64("zone_id"), Kind: q.oneOf("kind", "machine", "space")}
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.db.ListResources(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resourcesResponse{Resources: renderAll(list, toResource)})
}

// pathResource reads the resource the path's :id names: a malformed or an
// unknown id is not_found.
func (s *server) pathResource(c echo.Context) (*models.Resource, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.db.Resource(c.Request().Context(), id)
}

func (s *server) handleGetResource(c echo.Context) error {
	return getByID(c, s.db.Resource, toResource)
}

func (s *server) handlePatchResource(c echo.Context) error {
	return patchByID(c, s.db.UpdateResource, toResource)
}
