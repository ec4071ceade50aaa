package models

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"
)

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

// Resource is something bookable in a zone: a machine, booked whole, or a
// space shared up to its capacity.
type Resource struct {
	ID                    int64
	ZoneID                int64
	SiteID                int64  `gorm:"->;column:site_id"`
	Timezone              string `gorm:"->;column:timezone"` // the site's, read with the resource
	ZoneName              string `gorm:"->;column:zone_name"`
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
	PowerKW               float64 `gorm:"column:power_kw"` // what a machine draws; 0: not counted
	// LongestMinutes is the longest busy time (start to end plus buffer)
	// of any booking the resource ever held, in minutes: how far back the
	// queries for what overlaps a range must look. It only grows.
	LongestMinutes int `gorm:"column:longest_minutes"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Location is the time zone of the resource's site.
func (r *Resource) Location() *time.Location { return location(r.Timezone) }

// lookBack is how long before a range a booking overlapping it may start.
func (r *Resource) lookBack() time.Duration { return time.Duration(r.LongestMinutes) * time.Minute }

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
	switch {
	case math.IsNaN(r.PowerKW) || r.PowerKW < 0 || r.PowerKW > 10000:
		fe.Add("power_kw", "The power is a number of kW from 0 (not counted) to 10000.")
	case r.PowerKW > 0 && r.Kind == KindSpace:
		fe.Add("power_kw", "Only a machine draws power: a space has none.")
	}
	if r.MinMinutes > 0 && r.MaxMinutes > 0 && r.MinMinutes > r.MaxMinutes {
		fe.Add("max_minutes", "The longest booking cannot be shorter than the shortest.")
	}
	return fe.Err()
}

func resources(q *gorm.DB) *gorm.DB {
	return q.Table("resources").Select("resources.*, zones.site_id AS site_id, zones.name AS zone_name, sites.timezone AS timezone").
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
	q = narrow(q, "zones.site_id = ?", f.SiteID)
	q = narrow(q, "resources.zone_id = ?", f.ZoneID)
	q = narrow(q, "resources.kind = ?", f.Kind)
	list := []Resource{}
	return list, translate(q.Order("resources.zone_id, resources.name, resources.id").Find(&list).Error)
}

// ResourcePatch is the one change type of a resource: what a create sets
// and a PATCH changes (nil fields stay). A new field of a resource is
// added here, to Resource and to a migration; nothing else copies fields.
type ResourcePatch struct {
	ZoneID                *int64   `json:"zone_id"`
	Name                  *string  `json:"name"`
	Kind                  *string  `json:"kind"` // on create only
	Capacity              *int     `json:"capacity"`
	Unit                  *string  `json:"unit"`
	Nuisance              *string  `json:"nuisance"`
	RequiresApproval      *bool    `json:"requires_approval"`
	RequiresCertification *bool    `json:"requires_certification"`
	MinMinutes            *int     `json:"min_minutes"`
	MaxMinutes            *int     `json:"max_minutes"`
	SlotMinutes           *int     `json:"slot_minutes"`
	BufferMinutes         *int     `json:"buffer_minutes"`
	MaxHoursPerWeek       *int     `json:"max_hours_per_week"`
	MaxAdvanceDays        *int     `json:"max_advance_days"`
	PowerKW               *float64 `json:"power_kw"`
}

// ApplyTo sets the fields p carries on r.
func (p *ResourcePatch) ApplyTo(r *Resource) { applyPatch(p, r) }

// UpdateResource applies p under the same rules as CreateResource. The
// kind cannot change: bookings were made under it. Existing bookings keep
// their time; new rules apply to new bookings.
func (db *DB) UpdateResource(ctx context.Context, id int64, p ResourcePatch) (*Resource, error) {
	if p.Kind != nil {
		return nil, Invalid("kind", "A resource's kind cannot change: create another resource.")
	}
	var r *Resource
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if err := lockResource(tx, id); err != nil {
			return err
		}
		if r, err = first[Resource](resources(tx), id, "Resource"); err != nil {
			return err
		}
		// Its power, noise or zone may change what the other machines of
		// its site (old and new) may still take under the site's limits.
		if err := touchSiteAll(tx, r.SiteID); err != nil {
			return err
		}
		p.ApplyTo(r)
		if err := placeResource(tx, r); err != nil {
			return err
		}
		if err := touchSiteAll(tx, r.SiteID); err != nil {
			return err
		}
		r.UpdatedAt = db.now()
		// Every column the patch can reach, zero values included.
		return tx.Model(&Resource{ID: r.ID}).Select("*").Omit("id", "kind", "created_at").Updates(r).Error
	})
	return r, translate(err)
}
