package models

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"atelier/schedule"

	"gorm.io/gorm"
)

// HoursWindow is one weekly window of a site's opening or quiet hours, as
// the contract writes it: ISO weekdays and local "HH:MM" bounds.
type HoursWindow struct {
	Days []int  `json:"days"`
	From string `json:"from"`
	To   string `json:"to"`
}

// Hours is a list of weekly windows, stored as JSON text.
type Hours []HoursWindow

// Value stores the windows as JSON.
func (h Hours) Value() (driver.Value, error) {
	if h == nil {
		h = Hours{}
	}
	b, err := json.Marshal(h)
	return string(b), err
}

// Scan reads windows stored as JSON.
func (h *Hours) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	case nil:
		*h = Hours{}
		return nil
	default:
		return fmt.Errorf("hours: cannot scan %T", v)
	}
	return json.Unmarshal(b, h)
}

// Week parses the windows; they were validated when stored.
func (h Hours) Week() schedule.Week {
	w := make(schedule.Week, 0, len(h))
	for _, hw := range h {
		if win, err := schedule.NewWindow(hw.Days, hw.From, hw.To); err == nil {
			w = append(w, win)
		}
	}
	return w
}

func (h Hours) check(fe FieldErrors, field string) {
	if len(h) > 50 {
		fe.Add(field, "At most 50 windows.")
		return
	}
	for i, hw := range h {
		if _, err := schedule.NewWindow(hw.Days, hw.From, hw.To); err != nil {
			fe.Add(fmt.Sprintf("%s[%d]", field, i), err.Error()+".")
		}
	}
}

// Site is one workshop building.
type Site struct {
	ID           int64
	Name         string
	Timezone     string
	FloorAreaM2  float64 `gorm:"column:floor_area_m2"`
	OpeningHours Hours
	QuietHours   Hours
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Location returns the site's time zone (validated when stored).
func (s *Site) Location() *time.Location { return location(s.Timezone) }

// Opening returns the site's opening hours. No window at all means the
// site never closes: a workshop that set none has not restricted itself.
func (s *Site) Opening() schedule.Week {
	if len(s.OpeningHours) == 0 {
		w, _ := schedule.NewWindow([]int{1, 2, 3, 4, 5, 6, 7}, "00:00", "24:00")
		return schedule.Week{w}
	}
	return s.OpeningHours.Week()
}

func (s *Site) validate() error {
	fe := FieldErrors{}
	checkName(fe, "name", s.Name)
	if s.Timezone == "" {
		s.Timezone = "Europe/Brussels"
	}
	// LoadLocation opens files: it also takes "Europe//Brussels" or
	// "Europe/./Brussels", which are not names and may outgrow the column.
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" ||
		path.Clean(s.Timezone) != s.Timezone || len(s.Timezone) > 64 {
		fe.Add("timezone", "The time zone must be an IANA name such as Europe/Brussels.")
	}
	checkArea(fe, "floor_area_m2", s.FloorAreaM2)
	s.OpeningHours.check(fe, "opening_hours")
	s.QuietHours.check(fe, "quiet_hours")
	return fe.Err()
}

func checkArea(fe FieldErrors, field string, a float64) {
	if math.IsNaN(a) || a <= 0 || a > 1e7 {
		fe.Add(field, "The area must be a positive number of square metres.")
	}
}

// CreateSite stores a new site.
func (db *DB) CreateSite(ctx context.Context, s *Site) error {
	if err := s.validate(); err != nil {
		return err
	}
	return translate(db.tx(ctx, func(tx *gorm.DB) error { return tx.Create(s).Error }))
}

// Site returns the site with id, or a not_found *Error.
func (db *DB) Site(ctx context.Context, id int64) (*Site, error) {
	return first[Site](db.r(ctx), id, "Site")
}

// ListSites returns every site by name.
func (db *DB) ListSites(ctx context.Context) ([]Site, error) {
	sites := []Site{}
	return sites, translate(db.r(ctx).Order("name, id").Find(&sites).Error)
}

// SitePatch lists the changes to a site; nil fields stay as they are.
type SitePatch struct {
	Name, Timezone           *string
	FloorAreaM2              *float64
	OpeningHours, QuietHours *Hours
}

// UpdateSite applies p. Shrinking the floor below its zones is a
// floor_area_exceeded *Error.
func (db *DB) UpdateSite(ctx context.Context, id int64, p SitePatch) (*Site, error) {
	var s *Site
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if s, err = first[Site](forUpdate(tx), id, "Site"); err != nil {
			return err
		}
		setIf(&s.Name, p.Name)
		setIf(&s.Timezone, p.Timezone)
		setIf(&s.FloorAreaM2, p.FloorAreaM2)
		setIf(&s.OpeningHours, p.OpeningHours)
		setIf(&s.QuietHours, p.QuietHours)
		if err := s.validate(); err != nil {
			return err
		}
		used, err := zonesArea(tx, id, 0)
		if err != nil {
			return err
		}
		if used > s.FloorAreaM2+1e-9 {
			return Errorf(CodeFloorAreaExceeded, "The zones already take %.1f m²: the floor cannot be smaller.", used).
				With("zones_m2", used)
		}
		return tx.Save(s).Error
	})
	return s, translate(err)
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Uses of the floor a zone may have.
var zoneUses = []string{"production", "storage", "sales", "events", "office", "circulation"}

// Zone is a part of a site's floor with one use.
type Zone struct {
	ID        int64
	SiteID    int64
	Name      string
	Use       string
	AreaM2    float64 `gorm:"column:area_m2"`
	CreatedAt time.Time
	UpdatedAt time.Time
	Timezone  string `gorm:"->;column:timezone"` // the site's, read with the zone
}

// Location is the time zone of the zone's site.
func (z *Zone) Location() *time.Location { return location(z.Timezone) }

func zones(q *gorm.DB) *gorm.DB {
	return q.Table("zones").Select("zones.*, sites.timezone AS timezone").Joins("JOIN sites ON sites.id = zones.site_id")
}

func (z *Zone) validate() error {
	fe := FieldErrors{}
	checkName(fe, "name", z.Name)
	if !contains(zoneUses, z.Use) {
		fe.Add("use", "The use must be one of "+strings.Join(zoneUses, ", ")+".")
	}
	checkArea(fe, "area_m2", z.AreaM2)
	return fe.Err()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func zonesArea(tx *gorm.DB, siteID, except int64) (float64, error) {
	var sum float64
	err := tx.Model(&Zone{}).Where("site_id = ? AND id <> ?", siteID, except).
		Select("COALESCE(SUM(area_m2), 0)").Scan(&sum).Error
	return sum, err
}

// saveZone checks the floor rule with the site row locked, so two zones
// created at once cannot together pass the floor.
func saveZone(tx *gorm.DB, z *Zone) error {
	site, err := first[Site](forUpdate(tx), z.SiteID, "Site")
	if err != nil {
		if ErrorCode(err) == CodeNotFound {
			return Invalid("site_id", "No site has this id.")
		}
		return err
	}
	used, err := zonesArea(tx, z.SiteID, z.ID)
	if err != nil {
		return err
	}
	z.Timezone = site.Timezone
	if used+z.AreaM2 > site.FloorAreaM2+1e-9 {
		left := math.Max(0, site.FloorAreaM2-used)
		return Errorf(CodeFloorAreaExceeded, "Only %.1f m² of the %.1f m² floor are left for this zone.", left, site.FloorAreaM2).
			With("floor_area_m2", site.FloorAreaM2).With("used_m2", used).With("left_m2", left)
	}
	var spaces int
	if z.ID != 0 {
		if err := tx.Model(&Resource{}).Where("zone_id = ? AND unit = ?", z.ID, UnitM2).
			Select("COALESCE(MAX(capacity), 0)").Scan(&spaces).Error; err != nil {
			return err
		}
	}
	if float64(spaces) > z.AreaM2+1e-9 {
		return Invalid("area_m2", fmt.Sprintf("A space of %d m² lies in this zone: it cannot be smaller.", spaces))
	}
	return tx.Save(z).Error
}

// CreateZone stores a new zone. A site_id that does not exist is a
// validation *Error; passing the site's floor is floor_area_exceeded.
func (db *DB) CreateZone(ctx context.Context, z *Zone) error {
	if err := z.validate(); err != nil {
		return err
	}
	return translate(db.tx(ctx, func(tx *gorm.DB) error { return saveZone(tx, z) }))
}

// Zone returns the zone with id, or a not_found *Error.
func (db *DB) Zone(ctx context.Context, id int64) (*Zone, error) {
	return first[Zone](zones(db.r(ctx)), id, "Zone")
}

// ListZones returns the zones, of one site when siteID is not 0.
func (db *DB) ListZones(ctx context.Context, siteID int64) ([]Zone, error) {
	q := zones(db.r(ctx))
	if siteID != 0 {
		q = q.Where("zones.site_id = ?", siteID)
	}
	list := []Zone{}
	return list, translate(q.Order("zones.site_id, zones.name, zones.id").Find(&list).Error)
}

// ZonePatch lists the changes to a zone.
type ZonePatch struct {
	Name, Use *string
	AreaM2    *float64
}

// UpdateZone applies p under the same rules as CreateZone.
func (db *DB) UpdateZone(ctx context.Context, id int64, p ZonePatch) (*Zone, error) {
	var z *Zone
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if z, err = first[Zone](forUpdate(tx), id, "Zone"); err != nil {
			return err
		}
		setIf(&z.Name, p.Name)
		setIf(&z.Use, p.Use)
		setIf(&z.AreaM2, p.AreaM2)
		if err := z.validate(); err != nil {
			return err
		}
		return saveZone(tx, z)
	})
	return z, translate(err)
}

// Kinds, units and nuisance levels of resources.
const (
	KindMachine = "machine"
	KindSpace   = "space"
	UnitMachine = "machine"
	UnitM2      = "m2"
	UnitSeat    = "seat"

	NuisanceQuiet    = "quiet"
	NuisanceModerate = "moderate"
	NuisanceLoud     = "loud"
)

// MaxBookingMinutes bounds any booking (31 days), so that the bookings
// overlapping a range are found by an index range on their start.
const MaxBookingMinutes = 31 * 24 * 60

// Resource is something bookable in a zone: a machine, booked whole, or a
// space shared up to its capacity.
type Resource struct {
	ID                    int64
	ZoneID                int64
	SiteID                int64  `gorm:"->;column:site_id"`
	Timezone              string `gorm:"->;column:timezone"` // the site's, read with the resource
	Name                  string
	Kind                  string
	Capacity              int
	Unit                  string
	Nuisance              string
	RequiresApproval      bool
	RequiresCertification bool
	MinMinutes            int
	MaxMinutes            int
	SlotMinutes           int
	BufferMinutes         int
	MaxHoursPerWeek       int
	MaxAdvanceDays        int
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Location is the time zone of the resource's site.
func (r *Resource) Location() *time.Location { return location(r.Timezone) }

// Buffer is the free time kept after each booking.
func (r *Resource) Buffer() time.Duration { return time.Duration(r.BufferMinutes) * time.Minute }

func (r *Resource) defaults() {
	if r.Kind == KindMachine {
		if r.Unit == "" {
			r.Unit = UnitMachine
		}
		if r.Capacity == 0 {
			r.Capacity = 1
		}
	}
	if r.Kind == KindSpace && r.Unit == "" {
		r.Unit = UnitM2
	}
	if r.Nuisance == "" {
		r.Nuisance = NuisanceQuiet
	}
}

func (r *Resource) validate(zone *Zone) error {
	fe := FieldErrors{}
	checkName(fe, "name", r.Name)
	switch r.Kind {
	case KindMachine:
		if r.Unit != UnitMachine {
			fe.Add("unit", "A machine's unit is machine.")
		}
		if r.Capacity != 1 {
			fe.Add("capacity", "A machine is booked whole: its capacity is 1.")
		}
	case KindSpace:
		if r.Unit != UnitM2 && r.Unit != UnitSeat {
			fe.Add("unit", "A space's unit is m2 or seat.")
		}
		if r.Capacity < 1 || r.Capacity > 1_000_000 {
			fe.Add("capacity", "A space's capacity is a whole number of at least 1.")
		} else if r.Unit == UnitM2 && zone != nil && float64(r.Capacity) > zone.AreaM2+1e-9 {
			fe.Add("capacity", fmt.Sprintf("A space cannot be larger than its zone (%.1f m²).", zone.AreaM2))
		}
	default:
		fe.Add("kind", "The kind must be machine or space.")
	}
	if !contains([]string{NuisanceQuiet, NuisanceModerate, NuisanceLoud}, r.Nuisance) {
		fe.Add("nuisance", "The nuisance must be quiet, moderate or loud.")
	}
	limit := func(field string, v, max int) {
		if v < 0 || v > max {
			fe.Add(field, fmt.Sprintf("Must be between 0 (no limit) and %d.", max))
		}
	}
	limit("min_minutes", r.MinMinutes, MaxBookingMinutes)
	limit("max_minutes", r.MaxMinutes, MaxBookingMinutes)
	limit("slot_minutes", r.SlotMinutes, 1440)
	limit("buffer_minutes", r.BufferMinutes, 1440)
	limit("max_hours_per_week", r.MaxHoursPerWeek, 168)
	limit("max_advance_days", r.MaxAdvanceDays, 3650)
	if r.MinMinutes > 0 && r.MaxMinutes > 0 && r.MinMinutes > r.MaxMinutes {
		fe.Add("max_minutes", "The longest booking cannot be shorter than the shortest.")
	}
	return fe.Err()
}

func resources(q *gorm.DB) *gorm.DB {
	return q.Table("resources").Select("resources.*, zones.site_id AS site_id, sites.timezone AS timezone").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Joins("JOIN sites ON sites.id = zones.site_id")
}

// placeResource checks r against the rules and its zone (a zone_id that
// does not exist is a validation *Error) and fills in its site.
func placeResource(tx *gorm.DB, r *Resource) error {
	zone, err := first[Zone](tx, r.ZoneID, "Zone")
	if err != nil {
		if ErrorCode(err) == CodeNotFound {
			return Invalid("zone_id", "No zone has this id.")
		}
		return err
	}
	if err := r.validate(zone); err != nil {
		return err
	}
	r.SiteID = zone.SiteID
	return tx.Table("sites").Where("id = ?", zone.SiteID).Select("timezone").Scan(&r.Timezone).Error
}

// CreateResource stores a new resource. A zone_id that does not exist is a
// validation *Error.
func (db *DB) CreateResource(ctx context.Context, r *Resource) error {
	r.defaults()
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := placeResource(tx, r); err != nil {
			return err
		}
		return tx.Create(r).Error
	})
	return translate(err)
}

// Resource returns the resource with id, or a not_found *Error.
func (db *DB) Resource(ctx context.Context, id int64) (*Resource, error) {
	return first[Resource](resources(db.r(ctx)), id, "Resource")
}

// ResourceFilter narrows a list of resources.
type ResourceFilter struct {
	SiteID, ZoneID int64
	Kind           string
}

// ListResources returns the resources matching f by zone and name.
func (db *DB) ListResources(ctx context.Context, f ResourceFilter) ([]Resource, error) {
	q := resources(db.r(ctx))
	if f.SiteID != 0 {
		q = q.Where("zones.site_id = ?", f.SiteID)
	}
	if f.ZoneID != 0 {
		q = q.Where("resources.zone_id = ?", f.ZoneID)
	}
	if f.Kind != "" {
		q = q.Where("resources.kind = ?", f.Kind)
	}
	list := []Resource{}
	return list, translate(q.Order("resources.zone_id, resources.name, resources.id").Find(&list).Error)
}

// ResourcePatch lists the changes to a resource; nil fields stay.
type ResourcePatch struct {
	ZoneID                                             *int64
	Name, Unit, Nuisance                               *string
	Capacity                                           *int
	RequiresApproval, RequiresCertification            *bool
	MinMinutes, MaxMinutes, SlotMinutes, BufferMinutes *int
	MaxHoursPerWeek, MaxAdvanceDays                    *int
}

// UpdateResource applies p under the same rules as CreateResource. The
// kind cannot change: bookings were made under it. Existing bookings keep
// their time; new rules apply to new bookings.
func (db *DB) UpdateResource(ctx context.Context, id int64, p ResourcePatch) (*Resource, error) {
	var r *Resource
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if err := lockResource(tx, id); err != nil {
			return err
		}
		if r, err = first[Resource](resources(tx), id, "Resource"); err != nil {
			return err
		}
		setIf(&r.ZoneID, p.ZoneID)
		setIf(&r.Name, p.Name)
		setIf(&r.Unit, p.Unit)
		setIf(&r.Nuisance, p.Nuisance)
		setIf(&r.Capacity, p.Capacity)
		setIf(&r.RequiresApproval, p.RequiresApproval)
		setIf(&r.RequiresCertification, p.RequiresCertification)
		setIf(&r.MinMinutes, p.MinMinutes)
		setIf(&r.MaxMinutes, p.MaxMinutes)
		setIf(&r.SlotMinutes, p.SlotMinutes)
		setIf(&r.BufferMinutes, p.BufferMinutes)
		setIf(&r.MaxHoursPerWeek, p.MaxHoursPerWeek)
		setIf(&r.MaxAdvanceDays, p.MaxAdvanceDays)
		if err := placeResource(tx, r); err != nil {
			return err
		}
		r.UpdatedAt = db.now()
		return tx.Table("resources").Where("id = ?", r.ID).Updates(map[string]any{
			"zone_id": r.ZoneID, "name": r.Name, "unit": r.Unit, "nuisance": r.Nuisance, "capacity": r.Capacity,
			"requires_approval": r.RequiresApproval, "requires_certification": r.RequiresCertification,
			"min_minutes": r.MinMinutes, "max_minutes": r.MaxMinutes, "slot_minutes": r.SlotMinutes,
			"buffer_minutes": r.BufferMinutes, "max_hours_per_week": r.MaxHoursPerWeek,
			"max_advance_days": r.MaxAdvanceDays, "updated_at": r.UpdatedAt,
		}).Error
	})
	return r, translate(err)
}

// lockResource takes the resource's row lock on PostgreSQL, which orders
// every booking, closure and change of one resource across servers; on
// SQLite the immediate transaction already holds the write lock. It
// returns a not_found *Error when there is no such resource.
func lockResource(tx *gorm.DB, id int64) error {
	var ids []int64
	if err := forUpdate(tx.Table("resources").Where("id = ?", id)).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return notFound("Resource")
	}
	return nil
}
