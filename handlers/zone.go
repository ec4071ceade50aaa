package handlers

import (
	"atelier/models"
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

type zoneJSON struct {
	ID        int64     `json:"id"`
	SiteID    int64     `json:"site_id"`
	Name      string    `json:"name"`
	Use       string    `json:"use"`
	AreaM2    float64   `json:"area_m2"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toZone(z *models.Zone) zoneJSON {
	loc := z.Location()
	return zoneJSON{ID: z.ID, SiteID: z.SiteID, Name: z.Name, Use: z.Use, AreaM2: z.AreaM2,
		CreatedAt: z.CreatedAt.In(loc), UpdatedAt: z.UpdatedAt.In(loc)}
}

func (s *server) handleCreateZone(c echo.Context) error {
	return createFromPatch[models.ZonePatch](c, func(ctx context.Context, z *models.Zone) error {
		if z.SiteID <= 0 {
			return models.Invalid("site_id", "No site has this id.")
		}
		return s.db.CreateZone(ctx, z)
	}, toZone)
}

type zonesResponse struct {
	Zones []zoneJSON `json:"zones"`
}

func (s *server) handleListZones(c echo.Context) error {
	q := newQuery(c)
	siteID := q.int64("site_id")
	if err := q.err(); err != nil {
		return err
	}
	zones, err := s.db.ListZones(c.Request().Context(), siteID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, zonesResponse{Zones: renderAll(zones, toZone)})
}

func (s *server) handleGetZone(c echo.Context) error {
	return getByID(c, s.db.Zone, toZone)
}

func (s *server) handlePatchZone(c echo.Context) error {
	return patchByID(c, s.db.UpdateZone, toZone)
}
