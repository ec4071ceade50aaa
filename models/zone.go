package models

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"
)

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
	q := narrow(zones(db.r(ctx)), "zones.site_id = ?", siteID)
	list := []Zone{}
	return list, translate(q.Order("zones.site_id, zones.name, zones.id").Find(&list).Error)
}

// ZonePatch is the one change type of a zone, for create and PATCH; a
// zone cannot move to another site once created.
type ZonePatch struct {
	SiteID *int64   `json:"site_id"`
	Name   *string  `json:"name"`
	Use    *string  `json:"use"`
	AreaM2 *float64 `json:"area_m2"`
}

// ApplyTo sets the fields p carries on z.
func (p *ZonePatch) ApplyTo(z *Zone) { applyPatch(p, z) }

// UpdateZone applies p under the same rules as CreateZone.
func (db *DB) UpdateZone(ctx context.Context, id int64, p ZonePatch) (*Zone, error) {
	if p.SiteID != nil {
		return nil, Invalid("site_id", "A zone cannot move to another site.")
	}
	var z *Zone
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if z, err = patchLocked[Zone](tx, id, "Zone", &p); err != nil {
			return err
		}
		return saveZone(tx, z)
	})
	return z, translate(err)
}
