package handlers

import (
	"net/http"
	"time"

	"atelier/models"

	"github.com/labstack/echo/v4"
)

type siteJSON struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Timezone     string       `json:"timezone"`
	FloorAreaM2  float64      `json:"floor_area_m2"`
	OpeningHours models.Hours `json:"opening_hours"`
	QuietHours   models.Hours `json:"quiet_hours"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

func toSite(s *models.Site) siteJSON {
	loc := s.Location()
	out := siteJSON{ID: s.ID, Name: s.Name, Timezone: s.Timezone, FloorAreaM2: s.FloorAreaM2,
		OpeningHours: s.OpeningHours, QuietHours: s.QuietHours, CreatedAt: s.CreatedAt.In(loc), UpdatedAt: s.UpdatedAt.In(loc)}
	if out.OpeningHours == nil {
		out.OpeningHours = models.Hours{}
	}
	if out.QuietHours == nil {
		out.QuietHours = models.Hours{}
	}
	return out
}

type siteRequest struct {
	Name         *string       `json:"name"`
	Timezone     *string       `json:"timezone"`
	FloorAreaM2  *float64      `json:"floor_area_m2"`
	OpeningHours *models.Hours `json:"opening_hours"`
	QuietHours   *models.Hours `json:"quiet_hours"`
}

func (s *server) handleCreateSite(c echo.Context) error {
	var req siteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	site := &models.Site{}
	deref(&site.Name, req.Name)
	deref(&site.Timezone, req.Timezone)
	deref(&site.FloorAreaM2, req.FloorAreaM2)
	deref(&site.OpeningHours, req.OpeningHours)
	deref(&site.QuietHours, req.QuietHours)
	if err := s.db.CreateSite(c.Request().Context(), site); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSite(site))
}

func deref[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

type sitesResponse struct {
	Sites []siteJSON `json:"sites"`
}

func (s *server) handleListSites(c echo.Context) error {
	sites, err := s.db.ListSites(c.Request().Context())
	if err != nil {
		return err
	}
	out := sitesResponse{Sites: make([]siteJSON, len(sites))}
	for i := range sites {
		out.Sites[i] = toSite(&sites[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) handleGetSite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	site, err := s.db.Site(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSite(site))
}

func (s *server) handlePatchSite(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req siteRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	site, err := s.db.UpdateSite(c.Request().Context(), id, models.SitePatch{Name: req.Name, Timezone: req.Timezone,
		FloorAreaM2: req.FloorAreaM2, OpeningHours: req.OpeningHours, QuietHours: req.QuietHours})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSite(site))
}

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

type zoneRequest struct {
	SiteID *int64   `json:"site_id"`
	Name   *string  `json:"name"`
	Use    *string  `json:"use"`
	AreaM2 *float64 `json:"area_m2"`
}

func (s *server) handleCreateZone(c echo.Context) error {
	var req zoneRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	z := &models.Zone{}
	deref(&z.SiteID, req.SiteID)
	deref(&z.Name, req.Name)
	deref(&z.Use, req.Use)
	deref(&z.AreaM2, req.AreaM2)
	if z.SiteID <= 0 {
		return models.Invalid("site_id", "No site has this id.")
	}
	if err := s.db.CreateZone(c.Request().Context(), z); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toZone(z))
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
	out := zonesResponse{Zones: make([]zoneJSON, len(zones))}
	for i := range zones {
		out.Zones[i] = toZone(&zones[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) handleGetZone(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	z, err := s.db.Zone(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toZone(z))
}

func (s *server) handlePatchZone(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req zoneRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.SiteID != nil {
		return models.Invalid("site_id", "A zone cannot move to another site.")
	}
	z, err := s.db.UpdateZone(c.Request().Context(), id, models.ZonePatch{Name: req.Name, Use: req.Use, AreaM2: req.AreaM2})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toZone(z))
}

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
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

func toResource(r *models.Resource) resourceJSON {
	return resourceJSON{ID: r.ID, ZoneID: r.ZoneID, SiteID: r.SiteID, Name: r.Name, Kind: r.Kind, Capacity: r.Capacity,
		Unit: r.Unit, Nuisance: r.Nuisance, RequiresApproval: r.RequiresApproval,
		RequiresCertification: r.RequiresCertification, MinMinutes: r.MinMinutes, MaxMinutes: r.MaxMinutes,
		SlotMinutes: r.SlotMinutes, BufferMinutes: r.BufferMinutes, MaxHoursPerWeek: r.MaxHoursPerWeek,
		MaxAdvanceDays: r.MaxAdvanceDays, CreatedAt: r.CreatedAt.In(r.Location()), UpdatedAt: r.UpdatedAt.In(r.Location())}
}

type resourceRequest struct {
	ZoneID                *int64  `json:"zone_id"`
	Name                  *string `json:"name"`
	Kind                  *string `json:"kind"`
	Capacity              *int    `json:"capacity"`
	Unit                  *string `json:"unit"`
	Nuisance              *string `json:"nuisance"`
	RequiresApproval      *bool   `json:"requires_approval"`
	RequiresCertification *bool   `json:"requires_certification"`
	MinMinutes            *int    `json:"min_minutes"`
	MaxMinutes            *int    `json:"max_minutes"`
	SlotMinutes           *int    `json:"slot_minutes"`
	BufferMinutes         *int    `json:"buffer_minutes"`
	MaxHoursPerWeek       *int    `json:"max_hours_per_week"`
	MaxAdvanceDays        *int    `json:"max_advance_days"`
}

func (s *server) handleCreateResource(c echo.Context) error {
	var req resourceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r := &models.Resource{}
	deref(&r.ZoneID, req.ZoneID)
	deref(&r.Name, req.Name)
	deref(&r.Kind, req.Kind)
	deref(&r.Capacity, req.Capacity)
	deref(&r.Unit, req.Unit)
	deref(&r.Nuisance, req.Nuisance)
	deref(&r.RequiresApproval, req.RequiresApproval)
	deref(&r.RequiresCertification, req.RequiresCertification)
	deref(&r.MinMinutes, req.MinMinutes)
	deref(&r.MaxMinutes, req.MaxMinutes)
	deref(&r.SlotMinutes, req.SlotMinutes)
	deref(&r.BufferMinutes, req.BufferMinutes)
	deref(&r.MaxHoursPerWeek, req.MaxHoursPerWeek)
	deref(&r.MaxAdvanceDays, req.MaxAdvanceDays)
	if err := s.db.CreateResource(c.Request().Context(), r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toResource(r))
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
	out := resourcesResponse{Resources: make([]resourceJSON, len(list))}
	for i := range list {
		out.Resources[i] = toResource(&list[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) handleGetResource(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.db.Resource(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResource(r))
}

func (s *server) handlePatchResource(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req resourceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Kind != nil {
		return models.Invalid("kind", "A resource's kind cannot change: create another resource.")
	}
	r, err := s.db.UpdateResource(c.Request().Context(), id, models.ResourcePatch{
		ZoneID: req.ZoneID, Name: req.Name, Unit: req.Unit, Nuisance: req.Nuisance, Capacity: req.Capacity,
		RequiresApproval: req.RequiresApproval, RequiresCertification: req.RequiresCertification,
		MinMinutes: req.MinMinutes, MaxMinutes: req.MaxMinutes, SlotMinutes: req.SlotMinutes,
		BufferMinutes: req.BufferMinutes, MaxHoursPerWeek: req.MaxHoursPerWeek, MaxAdvanceDays: req.MaxAdvanceDays})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResource(r))
}
