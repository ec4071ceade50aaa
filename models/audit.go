package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// AuditEntry records one decision: a booking approved, rejected or
// cancelled, a role changed, a certification granted or revoked, a closure
// opened or lifted.
type AuditEntry struct {
	ID          int64
	At          time.Time
	ActorID     int64
	Action      string
	SubjectType string
	SubjectID   int64
	Details     string // JSON object
}

// audit writes an entry inside the transaction of the change it records,
// so the log and the change stand or fall together.
func audit(tx *gorm.DB, actor *User, action, subjectType string, subjectID int64, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var actorID int64
	if actor != nil {
		actorID = actor.ID
	}
	return tx.Create(&AuditEntry{At: tx.NowFunc().UTC(), ActorID: actorID, Action: action,
		SubjectType: subjectType, SubjectID: subjectID, Details: string(b)}).Error
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action  string
	ActorID int64
	Page    Page
}

// ListAudit returns a page of the audit log, newest first, and its total.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error) {
	q := db.r(ctx).Model(&AuditEntry{})
	q = narrow(q, "action = ?", f.Action)
	q = narrow(q, "actor_id = ?", f.ActorID)
	q = q.Session(&gorm.Session{}) // reused for the count and the page
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	list := []AuditEntry{}
	err := q.Order("id DESC").Limit(f.Page.Limit).Offset(f.Page.Offset).Find(&list).Error
	return list, total, translate(err)
}
