package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Certification states that a member may use a machine that requires it,
// until ExpiresOn (a local date, inclusive) when set.
type Certification struct {
	MemberID   int64
	ResourceID int64
	ExpiresOn  *string
	GrantedBy  int64
	GrantedAt  time.Time
	Timezone   string `gorm:"->;column:timezone"` // the resource's site's, read with it
}

// Location returns the time zone of the certification's resource's site.
func (c *Certification) Location() *time.Location { return location(c.Timezone) }

// Certify grants (or renews) a member's certification on a resource. An
// unknown resource or a malformed date is a validation *Error; an unknown
// member is not_found.
func (db *DB) Certify(ctx context.Context, actor *User, memberID, resourceID int64, expiresOn *string) (*Certification, error) {
	if expiresOn != nil {
		if _, err := time.Parse(time.DateOnly, *expiresOn); err != nil {
			return nil, Invalid("expires_on", "The expiry is a date like 2027-06-30.")
		}
	}
	c := &Certification{MemberID: memberID, ResourceID: resourceID, ExpiresOn: expiresOn, GrantedBy: actor.ID, GrantedAt: db.now()}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := first[User](tx, memberID, "Member"); err != nil {
			return err
		}
		r, err := first[Resource](resources(tx), resourceID, "Resource")
		if err != nil {
			if ErrorCode(err) == CodeNotFound {
				return Invalid("resource_id", "No resource has this id.")
			}
			return err
		}
		c.Timezone = r.Timezone
		// An upsert, so two hosts certifying at once both succeed.
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "member_id"}, {Name: "resource_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"expires_on", "granted_by", "granted_at"}),
		}).Create(c).Error; err != nil {
			return err
		}
		return audit(tx, actor, "certification.grant", "user", memberID,
			map[string]any{"resource_id": resourceID, "expires_on": expiresOn})
	})
	return c, translate(err)
}

// Uncertify revokes a certification; a missing one is not_found.
func (db *DB) Uncertify(ctx context.Context, actor *User, memberID, resourceID int64) error {
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("member_id = ? AND resource_id = ?", memberID, resourceID).Delete(&Certification{})
		if res.Error == nil && res.RowsAffected == 0 {
			return notFound("Certification")
		}
		if res.Error != nil {
			return res.Error
		}
		return audit(tx, actor, "certification.revoke", "user", memberID, map[string]any{"resource_id": resourceID})
	}))
}

// Certifications lists a member's certifications.
func (db *DB) Certifications(ctx context.Context, memberID int64) ([]Certification, error) {
	list := []Certification{}
	err := db.r(ctx).Table("certifications").Select("certifications.*, sites.timezone AS timezone").
		Joins("JOIN resources ON resources.id = certifications.resource_id").
		Joins("JOIN zones ON zones.id = resources.zone_id").
		Joins("JOIN sites ON sites.id = zones.site_id").
		Where("certifications.member_id = ?", memberID).Order("certifications.resource_id").Find(&list).Error
	return list, translate(err)
}

// HeldCertification is a certification as its member reads it: the
// machine by name, and the last day it is valid (nil: no end).
type HeldCertification struct {
	ResourceID   int64
	ResourceName string
	ExpiresOn    *string
}

// CertificationsHeld lists memberID's own certifications by machine name,
// expired ones too: whether one still holds on a day is the reader's to
// judge from ExpiresOn, as the booking rules do (the site's local date).
func (db *DB) CertificationsHeld(ctx context.Context, memberID int64) ([]HeldCertification, error) {
	list := []HeldCertification{}
	err := db.r(ctx).Table("certifications").
		Select("certifications.resource_id, resources.name AS resource_name, certifications.expires_on").
		Joins("JOIN resources ON resources.id = certifications.resource_id").
		Where("certifications.member_id = ?", memberID).
		Order("resources.name, certifications.resource_id").
		Scan(&list).Error
	return list, translate(err)
}
