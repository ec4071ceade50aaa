package handlers

import (
	"atelier/models"
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type siteJSON struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Timezone     string       `json:"timezone"`
	FloorAreaM2  float64      `json:"floor_area_m2"`
	OpeningHours models.Hours `json:"opening_hours"`
	QuietHours   models.Hours `json:"quiet_hours"`
	PowerKW      float64      `json:"power_kw"`
	LoudAtOnce   int          `json:"loud_at_once"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

func toSite(s *models.Site) siteJSON {
	loc := s.Location()
	out := siteJSON{ID: s.ID, Name: s.Name, Timezone: s.Timezone, FloorAreaM2: s.FloorAreaM2,
		OpeningHours: s.OpeningHours, QuietHours: s.QuietHours, PowerKW: s.PowerKW, LoudAtOnce: s.LoudAtOnce, CreatedAt: s.CreatedAt.In(loc), UpdatedAt: s.UpdatedAt.In(loc)}
	if out.OpeningHours == nil {
		out.OpeningHours = models.Hours{}
	}
	if out.QuietHours == nil {
		out.QuietHours = models.Hours{}
	}
	return out
}

func (s *server) handleCreateSite(c echo.Context) error {
	return createFromPatch[models.SitePatch](c, s.db.CreateSite, toSite)
}

type sitesResponse struct {
	Sites []siteJSON `json:"sites"`
}

func (s *server) handleListSites(c echo.Context) error {
	sites, err := s.db.ListSites(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sitesResponse{Sites: renderAll(sites, toSite)})
}

func (s *server) handleGetSite(c echo.Context) error {
	return getByID(c, s.db.Site, toSite)
}

// sitePatchRequest is a site's change, with what lowering a limit below
// what is booked needs: force, and the reason the members will read.
type sitePatchRequest struct {
	models.SitePatch
	Force  bool   `json:"force"`
	Reason string `json:"reason"`
}

func (s *server) handlePatchSite(c echo.Context) error {
	return patchByID(c, func(ctx context.Context, id int64, req sitePatchRequest) (*models.Site, error) {
		return s.db.UpdateSite(ctx, actor(c), id, req.SitePatch, req.Force, req.Reason)
	}, toSite)
}
