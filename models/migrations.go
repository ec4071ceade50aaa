package models

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// migrations are frozen: each one declares the tables as they were at its
// version, so the schema never drifts with today's structs. Add new ones at
// the end; never edit a released one.
func migrations(dialect Dialect) []*gormigrate.Migration {
	return []*gormigrate.Migration{
		{
			ID: "0001_core",
			Migrate: func(tx *gorm.DB) error {
				type user struct {
					ID                int64  `gorm:"primaryKey"`
					Email             string `gorm:"size:254;not null;uniqueIndex"`
					Name              string `gorm:"size:200;not null"`
					Role              string `gorm:"size:16;not null"`
					Language          string `gorm:"size:2;not null;default:fr"`
					PasswordHash      string `gorm:"size:200;not null"`
					Active            bool   `gorm:"not null;default:true"`
					PasswordChangedAt time.Time
					CreatedAt         time.Time
					UpdatedAt         time.Time
				}
				type token struct {
					ID        int64     `gorm:"primaryKey"`
					UserID    int64     `gorm:"not null;index"`
					Hash      string    `gorm:"size:64;not null;uniqueIndex"`
					Kind      string    `gorm:"size:16;not null"`
					CSRF      string    `gorm:"column:csrf;size:64;not null;default:''"`
					CreatedAt time.Time `gorm:"not null"`
					ExpiresAt time.Time `gorm:"not null"`
					RevokedAt *time.Time
					User      *user `gorm:"constraint:OnDelete:CASCADE"`
				}
				type loginFailure struct {
					ID     int64     `gorm:"primaryKey"`
					Bucket string    `gorm:"size:300;not null;index:idx_login_failures_bucket_at,priority:1"`
					At     time.Time `gorm:"not null;index:idx_login_failures_bucket_at,priority:2"`
				}
				type site struct {
					ID           int64   `gorm:"primaryKey"`
					Name         string  `gorm:"size:200;not null"`
					Timezone     string  `gorm:"size:64;not null"`
					FloorAreaM2  float64 `gorm:"column:floor_area_m2;not null"`
					OpeningHours string  `gorm:"type:text;not null"`
					QuietHours   string  `gorm:"type:text;not null"`
					CreatedAt    time.Time
					UpdatedAt    time.Time
				}
				type zone struct {
					ID        int64   `gorm:"primaryKey"`
					SiteID    int64   `gorm:"not null;index"`
					Name      string  `gorm:"size:200;not null"`
					Use       string  `gorm:"size:16;not null"`
					AreaM2    float64 `gorm:"column:area_m2;not null"`
					CreatedAt time.Time
					UpdatedAt time.Time
					Site      *site `gorm:"constraint:OnDelete:RESTRICT"`
				}
				type resource struct {
					ID                    int64  `gorm:"primaryKey"`
					ZoneID                int64  `gorm:"not null;index"`
					Name                  string `gorm:"size:200;not null"`
					Kind                  string `gorm:"size:16;not null"`
					Capacity              int    `gorm:"not null"`
					Unit                  string `gorm:"size:16;not null"`
					Nuisance              string `gorm:"size:16;not null"`
					RequiresApproval      bool   `gorm:"not null"`
					RequiresCertification bool   `gorm:"not null"`
					MinMinutes            int    `gorm:"not null"`
					MaxMinutes            int    `gorm:"not null"`
					SlotMinutes           int    `gorm:"not null"`
					BufferMinutes         int    `gorm:"not null"`
					MaxHoursPerWeek       int    `gorm:"not null"`
					MaxAdvanceDays        int    `gorm:"not null"`
					CreatedAt             time.Time
					UpdatedAt             time.Time
					Zone                  *zone `gorm:"constraint:OnDelete:RESTRICT"`
				}
				type booking struct {
					ID          int64     `gorm:"primaryKey"`
					ResourceID  int64     `gorm:"not null;index:idx_bookings_resource_start,priority:1"`
					MemberID    int64     `gorm:"not null;index:idx_bookings_member_start,priority:1"`
					StartAt     time.Time `gorm:"not null;index:idx_bookings_resource_start,priority:2;index:idx_bookings_member_start,priority:2"`
					EndAt       time.Time `gorm:"not null"`
					BusyUntil   time.Time `gorm:"not null"`
					Quantity    int       `gorm:"not null"`
					Exclusive   bool      `gorm:"not null"`
					Status      string    `gorm:"size:16;not null;index:idx_bookings_status_created,priority:1"`
					Note        string    `gorm:"size:2000;not null;default:''"`
					Reason      string    `gorm:"size:2000;not null;default:''"`
					CreatedBy   int64     `gorm:"not null"`
					DecidedBy   *int64
					DecidedAt   *time.Time
					CancelledBy *int64
					CancelledAt *time.Time
					Sequence    int       `gorm:"not null;default:0"`
					CreatedAt   time.Time `gorm:"not null;index:idx_bookings_status_created,priority:2"`
					UpdatedAt   time.Time `gorm:"not null"`
					Resource    *resource `gorm:"constraint:OnDelete:RESTRICT"`
					Member      *user     `gorm:"foreignKey:MemberID;constraint:OnDelete:RESTRICT"`
				}
				type closure struct {
					ID         int64     `gorm:"primaryKey"`
					ResourceID int64     `gorm:"not null;index:idx_closures_resource_start,priority:1"`
					StartAt    time.Time `gorm:"not null;index:idx_closures_resource_start,priority:2"`
					EndAt      time.Time `gorm:"not null"`
					Reason     string    `gorm:"size:2000;not null"`
					CreatedBy  int64     `gorm:"not null"`
					CreatedAt  time.Time `gorm:"not null"`
					Resource   *resource `gorm:"constraint:OnDelete:CASCADE"`
				}
				type certification struct {
					MemberID   int64     `gorm:"primaryKey;autoIncrement:false"`
					ResourceID int64     `gorm:"primaryKey;autoIncrement:false;index"`
					ExpiresOn  *string   `gorm:"size:10"`
					GrantedBy  int64     `gorm:"not null"`
					GrantedAt  time.Time `gorm:"not null"`
					Member     *user     `gorm:"foreignKey:MemberID;constraint:OnDelete:CASCADE"`
					Resource   *resource `gorm:"constraint:OnDelete:CASCADE"`
				}
				return tx.Migrator().CreateTable(&user{}, &token{}, &loginFailure{}, &site{}, &zone{},
					&resource{}, &booking{}, &closure{}, &certification{})
			},
			Rollback: func(tx *gorm.DB) error {
				return tx.Migrator().DropTable("certifications", "closures", "bookings", "resources",
					"zones", "sites", "login_failures", "tokens", "users")
			},
		},
		{
			// On PostgreSQL, a machine's bookings are kept apart by the
			// database itself too: even a bug in the check could not store
			// two live bookings of one exclusive resource over the same time.
			ID: "0002_exclusive_bookings",
			Migrate: func(tx *gorm.DB) error {
				if dialect != Postgres {
					return nil
				}
				if err := tx.Exec(`CREATE EXTENSION IF NOT EXISTS btree_gist`).Error; err != nil {
					return err
				}
				return tx.Exec(`ALTER TABLE bookings ADD CONSTRAINT bookings_exclusive_no_overlap
					EXCLUDE USING gist (resource_id WITH =, tstzrange(start_at, busy_until, '[)') WITH &&)
					WHERE (exclusive AND status IN ('pending', 'approved'))`).Error
			},
			Rollback: func(tx *gorm.DB) error {
				if dialect != Postgres {
					return nil
				}
				return tx.Exec(`ALTER TABLE bookings DROP CONSTRAINT bookings_exclusive_no_overlap`).Error
			},
		},
		{
			// Calendar feeds: one live secret URL per member, or per
			// resource for a public busy-only feed. Only the secret's hash is
			// looked up; the secret itself is derived from the nonce with the
			// installation key, so the member's URL can be shown again.
			ID: "0003_feeds",
			Migrate: func(tx *gorm.DB) error {
				type setting struct {
					Name  string `gorm:"primaryKey;size:64"`
					Value string `gorm:"type:text;not null"`
				}
				type feed struct {
					ID         int64     `gorm:"primaryKey"`
					UserID     *int64    `gorm:"index"`
					ResourceID *int64    `gorm:"index"`
					Nonce      string    `gorm:"size:64;not null"`
					Hash       string    `gorm:"size:64;not null;uniqueIndex"`
					CreatedAt  time.Time `gorm:"not null"`
					RevokedAt  *time.Time
				}
				return tx.Migrator().CreateTable(&setting{}, &feed{})
			},
			Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("feeds", "settings") },
		},
		{
			// The audit log: who decided what, when. Written in the same
			// transaction as the change it records.
			ID: "0004_audit",
			Migrate: func(tx *gorm.DB) error {
				type auditEntry struct {
					ID          int64     `gorm:"primaryKey"`
					At          time.Time `gorm:"not null;index"`
					ActorID     int64     `gorm:"not null;index"`
					Action      string    `gorm:"size:64;not null;index"`
					SubjectType string    `gorm:"size:32;not null"`
					SubjectID   int64     `gorm:"not null"`
					Details     string    `gorm:"type:text;not null"`
				}
				return tx.Migrator().CreateTable(&auditEntry{})
			},
			Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("audit_entries") },
		},
		{
			// Recurring series, their occurrences' link, and the waiting list.
			ID: "0005_series_waitlist",
			Migrate: func(tx *gorm.DB) error {
				type series struct {
					ID         int64     `gorm:"primaryKey"`
					ResourceID int64     `gorm:"not null;index"`
					MemberID   int64     `gorm:"not null;index"`
					RRule      string    `gorm:"column:rrule;size:500;not null"`
					StartAt    time.Time `gorm:"not null"`
					EndAt      time.Time `gorm:"not null"`
					Quantity   int       `gorm:"not null"`
					Note       string    `gorm:"size:2000;not null;default:''"`
					CreatedBy  int64     `gorm:"not null"`
					CreatedAt  time.Time `gorm:"not null"`
				}
				type booking struct {
					SeriesID *int64 `gorm:"index"`
				}
				type waitlistEntry struct {
					ID         int64     `gorm:"primaryKey"`
					ResourceID int64     `gorm:"not null;index:idx_waitlist_resource_status_start,priority:1"`
					MemberID   int64     `gorm:"not null;index"`
					StartAt    time.Time `gorm:"not null;index:idx_waitlist_resource_status_start,priority:3"`
					EndAt      time.Time `gorm:"not null"`
					Quantity   int       `gorm:"not null"`
					Status     string    `gorm:"size:16;not null;index:idx_waitlist_resource_status_start,priority:2"`
					BookingID  *int64
					CreatedAt  time.Time `gorm:"not null"`
				}
				if err := tx.Migrator().CreateTable(&series{}, &waitlistEntry{}); err != nil {
					return err
				}
				if err := tx.Table("bookings").Migrator().AddColumn(&booking{}, "SeriesID"); err != nil {
					return err
				}
				return tx.Exec("CREATE INDEX idx_bookings_series_id ON bookings (series_id)").Error
			},
			Rollback: func(tx *gorm.DB) error {
				if err := tx.Exec("DROP INDEX idx_bookings_series_id").Error; err != nil {
					return err
				}
				if err := tx.Exec("ALTER TABLE bookings DROP COLUMN series_id").Error; err != nil {
					return err
				}
				return tx.Migrator().DropTable("waitlist_entries", "series")
			},
		},
		{
			// Notifications, the mail outbox, reminders, and each user's
			// choice of email.
			ID: "0006_notifications",
			Migrate: func(tx *gorm.DB) error {
				type notification struct {
					ID        int64  `gorm:"primaryKey"`
					UserID    int64  `gorm:"not null;index:idx_notifications_user_created,priority:1"`
					Kind      string `gorm:"size:32;not null"`
					BookingID *int64 `gorm:"index"`
					SeriesID  *int64
					Params    string `gorm:"type:text;not null"`
					ReadAt    *time.Time
					CreatedAt time.Time `gorm:"not null;index:idx_notifications_user_created,priority:2"`
				}
				type outboxMessage struct {
					ID             int64     `gorm:"primaryKey"`
					NotificationID int64     `gorm:"not null;uniqueIndex"`
					Status         string    `gorm:"size:16;not null;index:idx_outbox_status_next,priority:1"`
					Attempts       int       `gorm:"not null;default:0"`
					NextAttemptAt  time.Time `gorm:"not null;index:idx_outbox_status_next,priority:2"`
					LastError      string    `gorm:"size:2000;not null;default:''"`
					SentAt         *time.Time
					CreatedAt      time.Time `gorm:"not null"`
				}
				type user struct {
					EmailNotifications bool `gorm:"not null;default:true"`
				}
				type booking struct {
					RemindedAt *time.Time
				}
				if err := tx.Migrator().CreateTable(&notification{}, &outboxMessage{}); err != nil {
					return err
				}
				if err := tx.Migrator().AddColumn(&user{}, "EmailNotifications"); err != nil {
					return err
				}
				if err := tx.Migrator().AddColumn(&booking{}, "RemindedAt"); err != nil {
					return err
				}
				return tx.Exec("CREATE INDEX idx_bookings_status_start ON bookings (status, start_at)").Error
			},
			Rollback: func(tx *gorm.DB) error {
				return tx.Migrator().DropTable("outbox_messages", "notifications")
			},
		},
		{
			// The limits of a building: its power budget, how many loud
			// machines may run at once, and what each machine draws.
			ID: "0007_site_limits",
			Migrate: func(tx *gorm.DB) error {
				type site struct {
					PowerKW    float64 `gorm:"column:power_kw;not null;default:0"`
					LoudAtOnce int     `gorm:"not null;default:0"`
				}
				type resource struct {
					PowerKW float64 `gorm:"column:power_kw;not null;default:0"`
				}
				if err := tx.Migrator().AddColumn(&site{}, "PowerKW"); err != nil {
					return err
				}
				if err := tx.Migrator().AddColumn(&site{}, "LoudAtOnce"); err != nil {
					return err
				}
				return tx.Migrator().AddColumn(&resource{}, "PowerKW")
			},
			Rollback: func(tx *gorm.DB) error {
				for _, c := range [][2]string{{"sites", "power_kw"}, {"sites", "loud_at_once"}, {"resources", "power_kw"}} {
					if err := tx.Exec("ALTER TABLE " + c[0] + " DROP COLUMN " + c[1]).Error; err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			// How far back an overlap query must look, per resource: the
			// longest busy time it ever held, filled in from the bookings.
			ID: "0008_longest_booking",
			Migrate: func(tx *gorm.DB) error {
				type resource struct {
					LongestMinutes int `gorm:"column:longest_minutes;not null;default:0"`
				}
				if err := tx.Migrator().AddColumn(&resource{}, "LongestMinutes"); err != nil {
					return err
				}
				rows, err := tx.Table("bookings").Select("resource_id", "start_at", "busy_until").Rows()
				if err != nil {
					return err
				}
				longest := map[int64]int{}
				for rows.Next() {
					var id int64
					var start, until time.Time
					if err := rows.Scan(&id, &start, &until); err != nil {
						rows.Close()
						return err
					}
					if m := int(math.Ceil(until.Sub(start).Minutes())); m > longest[id] {
						longest[id] = m
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				for id, m := range longest {
					if err := tx.Table("resources").Where("id = ?", id).Update("longest_minutes", m).Error; err != nil {
						return err
					}
				}
				return nil
			},
			Rollback: func(tx *gorm.DB) error { return tx.Exec("ALTER TABLE resources DROP COLUMN longest_minutes").Error },
		},
		{
			// Password checks counted per account and address, in progress
			// or failed (login_failures counted one bucket per row); emails
			// in their normalised form (NFKC, case folded), where that
			// makes no twin of another account's.
			ID: "0009_login_attempts",
			Migrate: func(tx *gorm.DB) error {
				type loginAttempt struct {
					ID      int64     `gorm:"primaryKey"`
					Account string    `gorm:"size:254;not null;index:idx_login_attempts_account_address,priority:1;index:idx_login_attempts_account_at,priority:1"`
					Address string    `gorm:"size:64;not null;index:idx_login_attempts_account_address,priority:2;index:idx_login_attempts_address_at,priority:1"`
					At      time.Time `gorm:"not null;index:idx_login_attempts_account_address,priority:3;index:idx_login_attempts_address_at,priority:2;index:idx_login_attempts_account_at,priority:2;index"`
					Pending bool      `gorm:"not null;default:false"`
				}
				if err := tx.Migrator().CreateTable(&loginAttempt{}); err != nil {
					return err
				}
				if err := tx.Migrator().DropTable("login_failures"); err != nil {
					return err
				}
				var users []struct {
					ID    int64
					Email string
				}
				if err := tx.Table("users").Select("id, email").Find(&users).Error; err != nil {
					return err
				}
				taken := map[string]bool{}
				for _, u := range users {
					taken[u.Email] = true
				}
				for _, u := range users {
					e := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(u.Email))))
					if e == u.Email || taken[e] {
						continue
					}
					if err := tx.Table("users").Where("id = ?", u.ID).Update("email", e).Error; err != nil {
						return err
					}
					taken[e] = true
				}
				return nil
			},
			Rollback: func(tx *gorm.DB) error {
				type loginFailure struct {
					ID     int64     `gorm:"primaryKey"`
					Bucket string    `gorm:"size:300;not null;index:idx_login_failures_bucket_at,priority:1"`
					At     time.Time `gorm:"not null;index:idx_login_failures_bucket_at,priority:2"`
				}
				if err := tx.Migrator().DropTable("login_attempts"); err != nil {
					return err
				}
				return tx.Migrator().CreateTable(&loginFailure{})
			},
		},
		{
			// The busy time of a resource read from the index alone: its
			// key answers the range on start_at and holds every column the
			// query returns or filters on, and it replaces the index on
			// (resource_id, start_at), which is its prefix.
			ID: "0010_busy_index",
			Migrate: func(tx *gorm.DB) error {
				if err := tx.Exec("CREATE INDEX idx_bookings_busy ON bookings (resource_id, start_at, busy_until, status, quantity)").Error; err != nil {
					return err
				}
				return tx.Exec("DROP INDEX idx_bookings_resource_start").Error
			},
			Rollback: func(tx *gorm.DB) error {
				if err := tx.Exec("CREATE INDEX idx_bookings_resource_start ON bookings (resource_id, start_at)").Error; err != nil {
					return err
				}
				return tx.Exec("DROP INDEX idx_bookings_busy").Error
			},
		},
	}
}

func migrate(ctx context.Context, db *DB) error {
	g := db.write.WithContext(ctx)
	if db.Dialect == Postgres {
		// Several servers may start at once on one database: let one
		// migrate while the others wait, for the length of a transaction.
		return g.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(727274)`).Error; err != nil {
				return err
			}
			return gormigrate.New(tx, &gormigrate.Options{UseTransaction: false}, migrations(db.Dialect)).Migrate()
		})
	}
	return gormigrate.New(g, &gormigrate.Options{UseTransaction: true}, migrations(db.Dialect)).Migrate()
}
