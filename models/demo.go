package models

import (
	"context"
	"fmt"
	"time"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "atelier-demo"

// DemoSignIn tells how to sign in to the demo workshop.
const DemoSignIn = "host sofie.claes@demo.atelier.brussels or member camille.dubois@demo.atelier.brussels, password " + DemoPassword

// SeedDemo fills a database that has no site yet with a believable
// Brussels workshop: zones by use, machines and spaces with French names,
// members and a week of bookings in several states. It reports whether it
// did anything.
func (db *DB) SeedDemo(ctx context.Context) (bool, error) {
	sites, err := db.ListSites(ctx)
	if err != nil || len(sites) > 0 {
		return false, err
	}
	weekdays := []int{1, 2, 3, 4, 5}
	site := &Site{Name: "Atelier partagé de Cureghem", Timezone: "Europe/Brussels", FloorAreaM2: 620,
		OpeningHours: Hours{{Days: weekdays, From: "08:00", To: "20:00"}, {Days: []int{6}, From: "10:00", To: "18:00"}},
		QuietHours:   Hours{{Days: []int{1, 2, 3, 4, 5, 6, 7}, From: "19:00", To: "08:00"}, {Days: []int{6}, From: "12:00", To: "14:00"}},
	}
	if err := db.CreateSite(ctx, site); err != nil {
		return false, err
	}
	zones := map[string]*Zone{}
	for _, z := range []Zone{
		{Name: "Atelier bois et métal", Use: "production", AreaM2: 240},
		{Name: "Atelier textile et céramique", Use: "production", AreaM2: 110},
		{Name: "Stock de matériaux de réemploi", Use: "storage", AreaM2: 90},
		{Name: "Boutique", Use: "sales", AreaM2: 55},
		{Name: "Salle polyvalente", Use: "events", AreaM2: 70},
		{Name: "Bureau partagé", Use: "office", AreaM2: 20},
		{Name: "Couloirs et quai", Use: "circulation", AreaM2: 35},
	} {
		z.SiteID = site.ID
		if err := db.CreateZone(ctx, &z); err != nil {
			return false, err
		}
		zones[z.Name] = &z
	}
	wood, textile := zones["Atelier bois et métal"].ID, zones["Atelier textile et céramique"].ID
	res := map[string]*Resource{}
	for _, r := range []Resource{
		{ZoneID: wood, Name: "Découpeuse laser CO2", Kind: KindMachine, Nuisance: NuisanceModerate, RequiresApproval: true,
			RequiresCertification: true, SlotMinutes: 30, MinMinutes: 30, MaxMinutes: 240, BufferMinutes: 15, MaxHoursPerWeek: 8, MaxAdvanceDays: 30},
		{ZoneID: wood, Name: "Fraiseuse CNC", Kind: KindMachine, Nuisance: NuisanceLoud, RequiresApproval: true,
			RequiresCertification: true, SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 480, BufferMinutes: 30, MaxHoursPerWeek: 12, MaxAdvanceDays: 30},
		{ZoneID: wood, Name: "Scie à format", Kind: KindMachine, Nuisance: NuisanceLoud, RequiresCertification: true,
			SlotMinutes: 30, MaxMinutes: 180, MaxAdvanceDays: 21},
		{ZoneID: wood, Name: "Cabine de peinture", Kind: KindMachine, Nuisance: NuisanceModerate, RequiresApproval: true,
			SlotMinutes: 60, MinMinutes: 60, BufferMinutes: 60, MaxAdvanceDays: 30},
		{ZoneID: wood, Name: "Établis partagés", Kind: KindSpace, Unit: UnitM2, Capacity: 60, SlotMinutes: 60, MaxAdvanceDays: 60},
		{ZoneID: textile, Name: "Four céramique", Kind: KindMachine, Nuisance: NuisanceQuiet, RequiresApproval: true,
			RequiresCertification: true, SlotMinutes: 60, MinMinutes: 120, MaxMinutes: 720, BufferMinutes: 120},
		{ZoneID: textile, Name: "Machine à coudre industrielle", Kind: KindMachine, SlotMinutes: 30, MaxMinutes: 240},
		{ZoneID: textile, Name: "Surjeteuse", Kind: KindMachine, SlotMinutes: 30, MaxMinutes: 240},
		{ZoneID: zones["Salle polyvalente"].ID, Name: "Salle polyvalente", Kind: KindSpace, Unit: UnitSeat, Capacity: 40,
			RequiresApproval: true, SlotMinutes: 60},
		// Hour slots and at most one weekday of opening (08:00-20:00): a
		// member can book any of it, which whole days from midnight never were.
		{ZoneID: zones["Stock de matériaux de réemploi"].ID, Name: "Racks de stockage", Kind: KindSpace, Unit: UnitM2, Capacity: 80,
			SlotMinutes: 60, MinMinutes: 60, MaxMinutes: 720, MaxAdvanceDays: 60},
	} {
		if err := db.CreateResource(ctx, &r); err != nil {
			return false, fmt.Errorf("%s: %w", r.Name, err)
		}
		res[r.Name] = &r
	}
	host, err := db.CreateUser(ctx, nil, NewUser{Email: "sofie.claes@demo.atelier.brussels", Name: "Sofie Claes",
		Password: DemoPassword, Role: RoleManager, Language: "nl"})
	if err != nil {
		return false, err
	}
	var members []*User
	for _, m := range []struct{ email, name, lang string }{
		{"camille.dubois", "Camille Dubois", "fr"}, {"youssef.elamrani", "Youssef El Amrani", "fr"},
		{"pieter.janssens", "Pieter Janssens", "nl"}, {"ines.moreau", "Inès Moreau", "fr"},
		{"lotte.peeters", "Lotte Peeters", "nl"}, {"amara.diallo", "Amara Diallo", "en"},
	} {
		u, err := db.CreateUser(ctx, nil, NewUser{Email: m.email + "@demo.atelier.brussels", Name: m.name,
			Password: DemoPassword, Role: RoleMember, Language: m.lang})
		if err != nil {
			return false, err
		}
		members = append(members, u)
	}
	for _, c := range []struct {
		m int
		r string
	}{{0, "Découpeuse laser CO2"}, {1, "Fraiseuse CNC"}, {1, "Scie à format"}, {2, "Découpeuse laser CO2"},
		{3, "Four céramique"}, {4, "Scie à format"}, {5, "Découpeuse laser CO2"}} {
		if _, err := db.Certify(ctx, host, members[c.m].ID, res[c.r].ID, nil); err != nil {
			return false, err
		}
	}
	// A week of bookings from tomorrow, skipping Sundays; a booking the
	// rules refuse (a holiday closure, say) is simply left out.
	loc := site.Location()
	day := db.Now().In(loc)
	type plan struct {
		m          int
		r          string
		from, to   int // local hours
		qty        int
		note, then string // then: approve, reject or cancel
	}
	plans := [][]plan{
		{{0, "Découpeuse laser CO2", 9, 11, 1, "Panneaux en contreplaqué de réemploi", "approve"},
			{1, "Fraiseuse CNC", 13, 16, 1, "Plateaux de table en chêne récupéré", ""},
			{2, "Établis partagés", 9, 17, 20, "Assemblage de chaises", ""},
			{3, "Four céramique", 10, 16, 1, "Cuisson biscuit", "approve"}},
		{{5, "Découpeuse laser CO2", 14, 16, 1, "Enseignes en bois", ""},
			{4, "Scie à format", 10, 12, 1, "", ""},
			{0, "Machine à coudre industrielle", 9, 12, 1, "Housses de coussins", ""},
			{1, "Établis partagés", 9, 13, 30, "", ""},
			{4, "Racks de stockage", 8, 20, 30, "Palettes de bois de réemploi", ""}},
		{{2, "Découpeuse laser CO2", 9, 10, 1, "Test de gravure", "reject"},
			{3, "Salle polyvalente", 18, 20, 25, "Atelier réparation ouvert au quartier", ""},
			{4, "Surjeteuse", 13, 17, 1, "", "cancel"}},
		{{1, "Cabine de peinture", 9, 12, 1, "Vernis à l'eau", "approve"},
			{0, "Découpeuse laser CO2", 13, 15, 1, "", ""},
			{5, "Établis partagés", 10, 16, 25, "", ""}},
		{{3, "Four céramique", 8, 18, 1, "Cuisson émail", ""},
			{2, "Machine à coudre industrielle", 14, 18, 1, "Sacs en bâches recyclées", "approve"}},
	}
	for i, d := 0, 1; i < len(plans); d++ {
		date := time.Date(day.Year(), day.Month(), day.Day()+d, 0, 0, 0, 0, loc)
		if date.Weekday() == time.Sunday || date.Weekday() == time.Saturday {
			continue
		}
		for _, p := range plans[i] {
			b, err := db.CreateBooking(ctx, members[p.m], BookingRequest{ResourceID: res[p.r].ID,
				Start: time.Date(date.Year(), date.Month(), date.Day(), p.from, 0, 0, 0, loc),
				End:   time.Date(date.Year(), date.Month(), date.Day(), p.to, 0, 0, 0, loc), Quantity: p.qty, Note: p.note})
			if ErrorCode(err) != "" {
				continue // refused by a rule (a closure, today's past hours): left out
			}
			if err != nil {
				return false, err
			}
			switch {
			case p.then == "approve" && b.Status == StatusPending:
				_, err = db.Decide(ctx, host, b.ID, Approve, "")
			case p.then == "reject" && b.Status == StatusPending:
				_, err = db.Decide(ctx, host, b.ID, Reject, "La découpeuse est réservée ce jour-là pour un entretien imprévu.")
			case p.then == "cancel":
				_, err = db.Decide(ctx, members[p.m], b.ID, Cancel, "Commande reportée")
			}
			if err != nil {
				return false, err
			}
		}
		i++
	}
	return true, nil
}
