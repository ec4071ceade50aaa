package models

import (
	"atelier/schedule"
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strings"
	"time"

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
	if err := json.Unmarshal(b, h); err != nil {
		return err
	}
	// Windows stored before repeated days were refused are read without
	// the repeats, so that nobody is sent them again.
	for i := range *h {
		(*h)[i].Days = dedupDays((*h)[i].Days)
	}
	return nil
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
		if len(hw.Days) > 7 {
			// Every member is sent the windows: a list of thousands of
			// days would be stored and sent for nothing.
			fe.Add(fmt.Sprintf("%s[%d].days", field, i), "Each day at most once: at most 7 days.")
		} else if _, err := schedule.NewWindow(hw.Days, hw.From, hw.To); err != nil {
			fe.Add(fmt.Sprintf("%s[%d]", field, i), err.Error()+".")
		} else if len(dedupDays(hw.Days)) != len(hw.Days) {
			fe.Add(fmt.Sprintf("%s[%d].days", field, i), "Each day at most once.")
		}
	}
}

// dedupDays returns days without repeats, in their first order.
func dedupDays(days []int) []int {
	seen := map[int]bool{}
	out := make([]int, 0, len(days))
	for _, d := range days {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// Site is one workshop building.
type Site struct {
	ID           int64
	Name         string
	Timezone     string
	FloorAreaM2  float64 `gorm:"column:floor_area_m2"`
	OpeningHours Hours
	QuietHours   Hours
	// PowerKW is the building's electrical budget for its machines, and
	// LoudAtOnce how many loud machines may run together; 0: no limit.
	PowerKW    float64 `gorm:"column:power_kw"`
	LoudAtOnce int
	CreatedAt  time.Time
	UpdatedAt  time.Time
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
	if math.IsNaN(s.PowerKW) || s.PowerKW < 0 || s.PowerKW > 100000 {
		fe.Add("power_kw", "The power budget is a number of kW from 0 (no limit) to 100000.")
	}
	if s.LoudAtOnce < 0 || s.LoudAtOnce > 1000 {
		fe.Add("loud_at_once", "How many loud machines may run at once: from 0 (no limit) to 1000.")
	}
	return fe.Err()
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

// SitePatch is the one change type of a site: the fields a create sets
// and a PATCH changes; nil fields stay as they are.
type SitePatch struct {
	Name         *string  `json:"name"`
	Timezone     *string  `json:"timezone"`
	FloorAreaM2  *float64 `json:"floor_area_m2"`
	OpeningHours *Hours   `json:"opening_hours"`
	QuietHours   *Hours   `json:"quiet_hours"`
	PowerKW      *float64 `json:"power_kw"`
	LoudAtOnce   *int     `json:"loud_at_once"`
}

// ApplyTo sets the fields p carries on s.
func (p *SitePatch) ApplyTo(s *Site) { applyPatch(p, s) }

// UpdateSite applies p for actor. Shrinking the floor below its zones is a
// floor_area_exceeded *Error. Lowering a power or noise limit below what is
// booked is a conflict *Error listing the bookings in the way, unless force
// (with a reason) cancels them as a closure does, telling their members.
func (db *DB) UpdateSite(ctx context.Context, actor *User, id int64, p SitePatch, force bool, reason string) (*Site, error) {
	reason = strings.TrimSpace(reason)
	if force {
		fe := FieldErrors{}
		if reason == "" {
			fe.Add("reason", "Say why: the members whose bookings are cancelled will read it.")
		}
		checkText(fe, "reason", reason, MaxText)
		if err := fe.Err(); err != nil {
			return nil, err
		}
	}
	var s *Site
	now := db.now()
	err := db.tx(ctx, func(tx *gorm.DB) error {
		limits := p.PowerKW != nil || p.LoudAtOnce != nil
		if !limits {
			// Its hours and time zone shape every resource's availability
			// (lockSiteResources records as much when limits change).
			if err := touchSiteAll(tx, id); err != nil {
				return err
			}
		}
		if limits {
			// Resources before the site, the order every booking takes.
			if err := lockSiteResources(tx, id); err != nil {
				return err
			}
		}
		var err error
		if s, err = patchLocked[Site](tx, id, "Site", &p); err != nil {
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
		var freed map[int64][]schedule.Interval
		if limits {
			if freed, err = db.enforceLimits(tx, now, actor, s, force, reason); err != nil {
				return err
			}
		}
		if err := tx.Save(s).Error; err != nil {
			return err
		}
		// The time the new limits freed goes to the waiting list as a
		// closure's does, judged by the limits just saved.
		return db.promoteAll(tx, now, freed)
	})
	return s, translate(err)
}
