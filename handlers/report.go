package handlers

import (
	"atelier/models"
	"bytes"
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// hoursJSON is what the report measures of a resource, over the whole
// report or over one period.
type hoursJSON struct {
	OpenHours           float64 `json:"open_hours"`
	BookedHours         float64 `json:"booked_hours"`
	BookedCapacityHours float64 `json:"booked_capacity_hours"`
	Utilization         float64 `json:"utilization"`
	Bookings            int64   `json:"bookings"`
}

func toHours(u models.Usage) hoursJSON {
	return hoursJSON{OpenHours: u.OpenHours, BookedHours: u.BookedHours, BookedCapacityHours: u.BookedCapacityHours,
		Utilization: u.Utilization, Bookings: u.Bookings}
}

type usageJSON struct {
	hoursJSON
	Members int64 `json:"members"`
}

type resourceUsageJSON struct {
	ResourceID int64  `json:"resource_id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Unit       string `json:"unit"`
	Capacity   int    `json:"capacity"`
	usageJSON
}

type useUsageJSON struct {
	Use          string   `json:"use"`
	AreaM2       float64  `json:"area_m2"`
	ShareOfFloor float64  `json:"share_of_floor"`
	Utilization  *float64 `json:"utilization"`
}

// periodResourceJSON has no members: a period does not count them per
// resource.
type periodResourceJSON struct {
	ResourceID int64 `json:"resource_id"`
	hoursJSON
}

type periodUseJSON struct {
	Use         string   `json:"use"`
	Utilization *float64 `json:"utilization"`
}

type periodJSON struct {
	Start         time.Time            `json:"start"`
	End           time.Time            `json:"end"`
	MembersActive int64                `json:"members_active"`
	Resources     []periodResourceJSON `json:"resources"`
	Uses          []periodUseJSON      `json:"uses"`
}

type hourJSON struct {
	Weekday             int     `json:"weekday"`
	Hour                int     `json:"hour"`
	BookedHours         float64 `json:"booked_hours"`
	BookedCapacityHours float64 `json:"booked_capacity_hours"`
	Share               float64 `json:"share"`
}

type usageReportJSON struct {
	SiteID        int64               `json:"site_id"`
	From          time.Time           `json:"from"`
	To            time.Time           `json:"to"`
	Resources     []resourceUsageJSON `json:"resources"`
	Uses          []useUsageJSON      `json:"uses"`
	MembersActive int64               `json:"members_active"`
	Period        string              `json:"period"`
	Periods       []periodJSON        `json:"periods"`
	BusiestHours  []hourJSON          `json:"busiest_hours"`
	// PeakKWDays is present when the site has a power budget.
	PeakKWDays []powerDayJSON `json:"peak_kw_days,omitempty"`
}

type powerDayJSON struct {
	Date         string  `json:"date"`
	PeakKW       float64 `json:"peak_kw"`
	HoursAtLimit float64 `json:"hours_at_limit"`
}

func toUsageReport(r *models.UsageReport) usageReportJSON {
	loc := r.Site.Location()
	out := usageReportJSON{SiteID: r.Site.ID, From: r.From.In(loc), To: r.To.In(loc), MembersActive: r.MembersActive,
		Period: r.Period, Resources: make([]resourceUsageJSON, len(r.Resources)), Uses: make([]useUsageJSON, len(r.Uses)),
		Periods: make([]periodJSON, len(r.Periods)), BusiestHours: make([]hourJSON, len(r.BusiestHours))}
	for i, ru := range r.Resources {
		out.Resources[i] = resourceUsageJSON{ResourceID: ru.ResourceID, Name: ru.Name, Kind: ru.Kind, Unit: ru.Unit,
			Capacity: ru.Capacity, usageJSON: usageJSON{toHours(ru.Usage), ru.Members}}
	}
	for i, u := range r.Uses {
		out.Uses[i] = useUsageJSON{Use: u.Use, AreaM2: u.AreaM2, ShareOfFloor: u.ShareOfFloor, Utilization: u.Utilization}
	}
	for i, p := range r.Periods {
		pj := periodJSON{Start: p.Start.In(loc), End: p.End.In(loc), MembersActive: p.MembersActive,
			Resources: make([]periodResourceJSON, len(p.Resources)), Uses: make([]periodUseJSON, len(p.Uses))}
		for j, pr := range p.Resources {
			pj.Resources[j] = periodResourceJSON{ResourceID: pr.ResourceID, hoursJSON: toHours(pr.Usage)}
		}
		for j, pu := range p.Uses {
			pj.Uses[j] = periodUseJSON{Use: pu.Use, Utilization: pu.Utilization}
		}
		out.Periods[i] = pj
	}
	for _, d := range r.PowerDays {
		out.PeakKWDays = append(out.PeakKWDays, powerDayJSON{Date: d.Date, PeakKW: d.PeakKW, HoursAtLimit: d.HoursAtLimit})
	}
	for i, h := range r.BusiestHours {
		out.BusiestHours[i] = hourJSON{Weekday: h.Weekday, Hour: h.Hour, BookedHours: h.BookedHours,
			BookedCapacityHours: h.BookedCapacityHours, Share: h.Share}
	}
	return out
}

// usageCSVHeader is the contract's per-resource field names, in its order.
var usageCSVHeader = []string{"resource_id", "name", "kind", "unit", "capacity", "open_hours", "booked_hours",
	"booked_capacity_hours", "utilization", "bookings", "members"}

// usageCSV writes the per-resource rows under a header row: RFC 4180
// (quoted where needed, CRLF), numbers in plain decimal form, as a
// spreadsheet or a script reads them without settings.
func usageCSV(r *models.UsageReport) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	w.Write(usageCSVHeader)
	for _, ru := range r.Resources {
		w.Write([]string{strconv.FormatInt(ru.ResourceID, 10), ru.Name, ru.Kind, ru.Unit, strconv.Itoa(ru.Capacity),
			num(ru.OpenHours), num(ru.BookedHours), num(ru.BookedCapacityHours), num(ru.Utilization),
			strconv.FormatInt(ru.Bookings, 10), strconv.FormatInt(ru.Members, 10)})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// wantsCSV reports whether an Accept header prefers text/csv to JSON.
func wantsCSV(accept string) bool {
	quality := map[string]float64{}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		quality[mt] = max(quality[mt], q)
	}
	return quality["text/csv"] > 0 && quality["text/csv"] > quality["application/json"]
}

func (s *server) handleUsageReport(c echo.Context) error {
	q := newQuery(c)
	siteID, from, to := q.int64("site_id"), q.time("from"), q.time("to")
	for name, missing := range map[string]bool{"site_id": c.QueryParam("site_id") == "", "from": from.IsZero(), "to": to.IsZero()} {
		if missing {
			q.fe.Add(name, "Required.")
		}
	}
	format := q.oneOf("format", "json", "csv")
	if err := q.err(); err != nil {
		return err
	}
	r, err := s.db.UsageReport(c.Request().Context(), siteID, from, to)
	if err != nil {
		return err
	}
	c.Response().Header().Add(echo.HeaderVary, echo.HeaderAccept)
	if format == "csv" || format == "" && wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		body, err := usageCSV(r)
		if err != nil {
			return err
		}
		loc := r.Site.Location()
		c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="usage-site%d-%s-%s.csv"`,
			r.Site.ID, r.From.In(loc).Format("20060102"), r.To.In(loc).Format("20060102")))
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
	}
	return c.JSON(http.StatusOK, toUsageReport(r))
}
