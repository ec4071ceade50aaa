package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Role is what a user may do.
type Role string

// The roles, from least to most rights.
const (
	RoleMember  Role = "member"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleMember || r == RoleManager || r == RoleAdmin }

// IsHost reports whether r manages the workshop (manager or admin).
func (r Role) IsHost() bool { return r == RoleManager || r == RoleAdmin }

// Languages the interface and feeds speak.
var languages = map[string]bool{"fr": true, "nl": true, "en": true}

// User is a person with an account: a member, a manager or an admin.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	Language     string
	PasswordHash string
	Active       bool
	// EmailNotifications sends each notification by email too (when the
	// server has a mail server); on unless the user turns it off.
	EmailNotifications bool
	PasswordChangedAt  time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// NewUser holds what it takes to create an account.
type NewUser struct {
	Email, Name, Password string
	Role                  Role
	Language              string
}

// CreateUser stores a new account by actor. A manager may create members
// only (forbidden otherwise); an email already used is a conflict.
func (db *DB) CreateUser(ctx context.Context, actor *User, in NewUser) (*User, error) {
	in.Email = normalizeEmail(in.Email)
	if in.Role == "" {
		in.Role = RoleMember
	}
	if in.Language == "" {
		in.Language = "fr"
	}
	fe := FieldErrors{}
	if !validEmail(in.Email) {
		fe.Add("email", "An email address like name@example.org is required.")
	}
	checkName(fe, "name", in.Name)
	checkPassword(fe, "password", in.Password)
	if !in.Role.Valid() {
		fe.Add("role", "The role must be member, manager or admin.")
	}
	if !languages[in.Language] {
		fe.Add("language", "The language must be fr, nl or en.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if actor != nil && actor.Role != RoleAdmin && in.Role != RoleMember {
		return nil, Errorf(CodeForbidden, "Only an admin may create a %s.", in.Role)
	}
	hash, err := db.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := db.now()
	u := &User{Email: in.Email, Name: strings.TrimSpace(in.Name), Role: in.Role, Language: in.Language,
		PasswordHash: hash, Active: true, EmailNotifications: true, PasswordChangedAt: now}
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		return audit(tx, actor, "member.create", "user", u.ID, map[string]any{"role": u.Role, "email": u.Email})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, Errorf(CodeConflict, "An account with this email already exists.").With("fields", map[string]string{"email": "already used"})
	}
	return u, translate(err)
}

// CountUsers returns how many accounts exist.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := db.r(ctx).Model(&User{}).Count(&n).Error
	return n, translate(err)
}

// User returns the account with id, or a not_found *Error.
func (db *DB) User(ctx context.Context, id int64) (*User, error) {
	return first[User](db.r(ctx), id, "Member")
}

// ListUsers returns a page of accounts ordered by name, and their total.
func (db *DB) ListUsers(ctx context.Context, role Role, page Page) ([]User, int64, error) {
	q := narrow(db.r(ctx).Model(&User{}), "role = ?", role)
	q = q.Session(&gorm.Session{}) // reused for the count and the page
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate(err)
	}
	users := []User{}
	err := q.Order("name, id").Limit(page.Limit).Offset(page.Offset).Find(&users).Error
	return users, total, translate(err)
}

// UserPatch lists the changes to an account; nil fields stay as they are.
type UserPatch struct {
	Name, Language, Password *string
	Role                     *Role
	Active                   *bool
	EmailNotifications       *bool
}

// UpdateUser applies p to the account id. Only an admin changes roles or
// deactivates accounts, and a manager may change members only. A new
// password or a deactivation signs the account out everywhere; a password
// set by someone else or a deactivation also revokes the feed URL. The
// change reaches this server's sessions of the account at once, other
// servers' within SessionCacheTTL.
func (db *DB) UpdateUser(ctx context.Context, actor *User, id int64, p UserPatch) (*User, error) {
	u, err := db.User(ctx, id)
	if err != nil {
		return nil, err
	}
	self := actor.ID == u.ID
	if !self && !(actor.Role == RoleAdmin || (actor.Role == RoleManager && u.Role == RoleMember)) {
		if actor.Role.IsHost() {
			return nil, Errorf(CodeForbidden, "Only an admin may change a %s's account.", u.Role)
		}
		return nil, notFound("Member")
	}
	if (p.Role != nil || p.Active != nil) && actor.Role != RoleAdmin {
		return nil, Errorf(CodeForbidden, "Only an admin may change roles or deactivate accounts.")
	}
	fe := FieldErrors{}
	if p.Name != nil {
		checkName(fe, "name", *p.Name)
	}
	if p.Language != nil && !languages[*p.Language] {
		fe.Add("language", "The language must be fr, nl or en.")
	}
	if p.Password != nil {
		checkPassword(fe, "password", *p.Password)
	}
	if p.Role != nil && !p.Role.Valid() {
		fe.Add("role", "The role must be member, manager or admin.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var hash string
	if p.Password != nil {
		// argon2 takes tens of milliseconds: not while holding the lock.
		if hash, err = db.hashPassword(ctx, *p.Password); err != nil {
			return nil, err
		}
	}
	now := db.now()
	// Whatever changes, this server's cached sessions of the account must
	// not outlive it: a new password or a deactivation ends them, and the
	// others carry the account's old role, name or language.
	defer db.forgetUser(id)
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// Read again under the row lock and write only what changes, so
		// two changes at once cannot undo each other.
		cur, err := first[User](forUpdate(tx), id, "Member")
		if err != nil {
			return err
		}
		u = cur
		wasAdmin := u.Role == RoleAdmin && u.Active
		set := map[string]any{"updated_at": now}
		type change struct {
			action  string
			details map[string]any
		}
		var changes []change
		if p.Name != nil {
			u.Name = strings.TrimSpace(*p.Name)
			set["name"] = u.Name
		}
		if p.Language != nil {
			u.Language = *p.Language
			set["language"] = u.Language
		}
		if p.Role != nil && *p.Role != u.Role {
			changes = append(changes, change{"member.role", map[string]any{"from": u.Role, "to": *p.Role}})
			u.Role = *p.Role
			set["role"] = u.Role
		}
		if p.EmailNotifications != nil {
			u.EmailNotifications = *p.EmailNotifications
			set["email_notifications"] = u.EmailNotifications
		}
		if p.Active != nil && *p.Active != u.Active {
			changes = append(changes, change{"member.active", map[string]any{"active": *p.Active}})
			u.Active = *p.Active
			set["active"] = u.Active
		}
		if p.Password != nil {
			changes = append(changes, change{"member.password", nil})
			u.PasswordHash, u.PasswordChangedAt = hash, now
			set["password_hash"], set["password_changed_at"] = hash, now
		}
		if wasAdmin && (u.Role != RoleAdmin || !u.Active) {
			// Lock every admin row, so two admins demoting each other at
			// once cannot both see the other one still there.
			var admins []int64
			if err := forUpdate(tx.Model(&User{}).Where("role = ? AND active AND id <> ?", RoleAdmin, u.ID)).Pluck("id", &admins).Error; err != nil {
				return err
			}
			if len(admins) == 0 {
				return Errorf(CodeConflict, "This is the last active admin: make another admin first.")
			}
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(set).Error; err != nil {
			return err
		}
		for _, ch := range changes {
			if err := audit(tx, actor, ch.action, "user", u.ID, ch.details); err != nil {
				return err
			}
		}
		if !u.Active || p.Password != nil {
			if err := tx.Model(&Token{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		if !u.Active || (p.Password != nil && !self) {
			// A reset by a host or a deactivation is for an account that
			// may be in someone else's hands: its feed URL goes too, for
			// good (a reactivated account gets a new one on asking).
			return tx.Model(&Feed{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error
		}
		return nil
	})
	if err != nil {
		return nil, translate(err)
	}
	return u, nil
}

// EnsureAdmin creates the first admin when the database has no user yet.
// It returns the password it generated, or "" when none was needed.
func (db *DB) EnsureAdmin(ctx context.Context, email, password string) (generated string, err error) {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if email == "" {
		email = "admin@atelier.local"
	}
	if password == "" {
		password = RandomSecret(15)
		generated = password
	}
	_, err = db.CreateUser(ctx, nil, NewUser{Email: email, Name: "Admin", Password: password, Role: RoleAdmin, Language: "en"})
	if ErrorCode(err) == CodeConflict {
		return "", nil // another server starting on the same database made it
	}
	return generated, err
}
