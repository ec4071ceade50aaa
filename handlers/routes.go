package handlers

import (
	"atelier/models"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists every route of Atelier in one place.
func (s *server) routes(e *echo.Echo) {
	e.GET("/healthz", s.handleHealth)
	e.GET("/api/v1/openapi.yaml", s.handleOpenAPI)
	e.GET("/metrics", s.metrics.handler())

	api := e.Group("/api/v1")
	api.POST("/auth/login", s.handleLogin)
	api.POST("/auth/session", s.handleSession)

	a := api.Group("", s.authenticate)
	a.POST("/auth/logout", s.handleLogout)
	a.GET("/me", s.handleMe)
	a.PATCH("/me", s.handlePatchMe)
	a.GET("/me/calendar", s.handleMyCalendar(false))
	a.POST("/me/calendar/rotate", s.handleMyCalendar(true))
	a.GET("/me/certifications", s.handleMyCertifications)

	a.POST("/members", s.handleCreateMember, hostsOnly)
	a.GET("/members", s.handleListMembers, hostsOnly)
	a.GET("/members/:id", s.handleGetMember, hostsOnly)
	a.PATCH("/members/:id", s.handlePatchMember, hostsOnly)
	a.GET("/members/:id/certifications", s.handleListCertifications, hostsOnly)
	a.POST("/members/:id/certifications", s.handleCertify, hostsOnly)
	a.DELETE("/members/:id/certifications/:resource_id", s.handleUncertify, hostsOnly)

	a.GET("/sites", s.handleListSites)
	a.POST("/sites", s.handleCreateSite, adminsOnly)
	a.GET("/sites/:id", s.handleGetSite)
	a.PATCH("/sites/:id", s.handlePatchSite, adminsOnly)
	a.GET("/zones", s.handleListZones)
	a.POST("/zones", s.handleCreateZone, hostsOnly)
	a.GET("/zones/:id", s.handleGetZone)
	a.PATCH("/zones/:id", s.handlePatchZone, hostsOnly)
	a.GET("/resources", s.handleListResources)
	a.POST("/resources", s.handleCreateResource, hostsOnly)
	a.GET("/resources/:id", s.handleGetResource)
	a.PATCH("/resources/:id", s.handlePatchResource, hostsOnly)
	a.GET("/resources/:id/availability", s.handleAvailability)
	a.GET("/resources/:id/closures", s.handleListClosures)
	a.POST("/resources/:id/closures", s.handleCreateClosure, hostsOnly)
	a.DELETE("/resources/:id/closures/:closure_id", s.handleDeleteClosure, hostsOnly)
	a.GET("/resources/:id/calendar.ics", s.handleResourceCalendar)
	a.GET("/resources/:id/feed", s.handleResourceFeed(false), hostsOnly)
	a.POST("/resources/:id/feed/rotate", s.handleResourceFeed(true), hostsOnly)

	a.GET("/audit", s.handleAudit, adminsOnly)

	a.POST("/bookings", s.handleCreateBooking)
	a.GET("/bookings", s.handleListBookings)
	a.GET("/bookings/:id", s.handleGetBooking)
	a.POST("/bookings/:id/approve", s.handleDecide(models.Approve))
	a.POST("/bookings/:id/reject", s.handleDecide(models.Reject))
	a.POST("/bookings/:id/cancel", s.handleDecide(models.Cancel))
	a.GET("/bookings/:id/ics", s.handleBookingICS)

	a.POST("/series", s.handleCreateSeries)
	a.POST("/series/preview", s.handlePreviewSeries)
	a.GET("/series", s.handleListSeries)
	a.GET("/series/:id", s.handleGetSeries)
	a.POST("/series/:id/approve", s.handleDecideSeries(models.Approve))
	a.POST("/series/:id/reject", s.handleDecideSeries(models.Reject))
	a.POST("/series/:id/cancel", s.handleDecideSeries(models.Cancel))

	a.POST("/waitlist", s.handleJoinWaitlist)
	a.GET("/waitlist", s.handleListWaitlist)
	a.DELETE("/waitlist/:id", s.handleLeaveWaitlist)

	a.GET("/me/notifications", s.handleNotifications)
	a.POST("/me/notifications/read", s.handleReadAllNotifications)
	a.POST("/me/notifications/:id/read", s.handleReadNotification)
	a.GET("/reports/usage", s.handleUsageReport, hostsOnly)

	e.GET("/calendar/:token", s.handleFeed, feedLimiter())

	if s.cfg.Static != nil {
		files, err := assets(s.cfg.Static)
		if err != nil {
			panic("the embedded frontend cannot be read: " + err.Error()) // a broken build, not a runtime state
		}
		e.GET("/*", handleStatic(files))
		e.HEAD("/*", handleStatic(files))
	}
}

// feedLimiter bounds how often one address may fetch feeds: calendar
// clients poll every few minutes, so a burst of 60 and one a second more is
// generous for a household and stops a scraper guessing tokens.
func feedLimiter() echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: 1, Burst: 60, ExpiresIn: 3 * time.Minute}),
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return models.Errorf(models.CodeRateLimited, "Too many calendar requests from this address: try again in a minute.").
				With("retry_after", 60)
		},
	})
}

func (s *server) handleHealth(c echo.Context) error {
	if err := s.db.Ping(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
