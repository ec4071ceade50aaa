package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

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
	ID                int64
	Email             string
	Name              string
	Role              Role
	Language          string
	PasswordHash      string
	Active            bool
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// NewUser holds what it takes to create an account.
type NewUser struct {
	Email, Name, Password string
	Role                  Role
	Language              string
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

func checkPassword(fe FieldErrors, field, pw string) {
	switch n := utf8.RuneCountInString(pw); {
	case n < 10:
		fe.Add(field, "A password needs at least 10 characters.")
	case len(pw) > 256:
		fe.Add(field, "A password may have at most 256 bytes.")
	}
}

func checkName(fe FieldErrors, field, name string) {
	if strings.TrimSpace(name) == "" {
		fe.Add(field, "A name is required.")
	} else if utf8.RuneCountInString(name) > 200 {
		fe.Add(field, "A name may have at most 200 characters.")
	} else if hasNUL(name) {
		fe.Add(field, "A name cannot contain a NUL character.")
	}
}

// hasNUL reports whether s holds a NUL character, which PostgreSQL cannot
// store in a text column: refusing it here keeps both databases alike.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

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
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := db.now()
	u := &User{Email: in.Email, Name: strings.TrimSpace(in.Name), Role: in.Role, Language: in.Language,
		PasswordHash: hash, Active: true, PasswordChangedAt: now}
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
	var u User
	if err := db.r(ctx).First(&u, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, notFound("Member")
		}
		return nil, translate(err)
	}
	return &u, nil
}

// ListUsers returns a page of accounts ordered by name, and their total.
func (db *DB) ListUsers(ctx context.Context, role Role, page Page) ([]User, int64, error) {
	q := db.r(ctx).Model(&User{})
	if role != "" {
		q = q.Where("role = ?", role)
	}
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
}

// UpdateUser applies p to the account id. Only an admin changes roles or
// deactivates accounts, and a manager may change members only. A new
// password or a deactivation signs the account out everywhere.
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
		if hash, err = HashPassword(*p.Password); err != nil {
			return nil, err
		}
	}
	now := db.now()
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
			return tx.Model(&Token{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now).Error
		}
		return nil
	})
	if err != nil {
		return nil, translate(err)
	}
	return u, nil
}

// Token kinds: a bearer token for scripts, a browser session (cookie).
const (
	TokenBearer  = "bearer"
	TokenSession = "session"
)

// TokenLifetime is how long a token or session stays valid.
const TokenLifetime = 30 * 24 * time.Hour

// Token is a credential stored by its SHA-256: the database never holds a
// value that would let someone sign in.
type Token struct {
	ID        int64
	UserID    int64
	Hash      string
	Kind      string
	CSRF      string `gorm:"column:csrf"`
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// RandomSecret returns n random bytes, base64url encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a secret: tokens have 256 random
// bits, so a fast hash is enough to make the stored value useless.
func HashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Session is a signed-in user with the credential they used.
type Session struct {
	User    *User
	TokenID int64
	Kind    string
	CSRF    string
}

// LoginLimits bound failed logins per account and per client address.
type LoginLimits struct {
	Window     time.Duration
	PerAccount int
	PerAddress int
}

// DefaultLoginLimits allow 5 failures per account and 30 per address in
// 15 minutes.
var DefaultLoginLimits = LoginLimits{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30}

// Login checks email and password and opens a token of kind. Any wrong
// pair is the same unauthorized *Error; repeated failures for one account
// or one address are a rate_limited *Error with details.retry_after
// (seconds). The counts live in the database so every server shares them.
func (db *DB) Login(ctx context.Context, email, password, addr, kind string, lim LoginLimits) (string, *Session, error) {
	email = normalizeEmail(email)
	if len(email) > 254 || hasNUL(email) {
		// No account has such an address, and PostgreSQL could neither
		// look it up (NUL) nor keep it in a failure bucket (too long).
		return "", nil, Errorf(CodeUnauthorized, "The email or the password is wrong.")
	}
	now := db.now()
	buckets := []loginBucket{{"account:" + email, lim.PerAccount}, {"address:" + addr, lim.PerAddress}}
	// A flood of refused attempts costs reads only.
	if err := db.loginLimited(ctx, buckets, now, lim.Window, 0); err != nil {
		return "", nil, err
	}
	// The attempt is recorded as a failure before its password is checked,
	// and the buckets are counted once that record is committed: of
	// guesses sent all at once, the last to count sees every other one, so
	// no more than the limit get a password check. Counting first and
	// recording after the check let a burst through whole. A success
	// takes its record back.
	claim := []loginFailure{{Bucket: buckets[0].key, At: now}, {Bucket: buckets[1].key, At: now}}
	if err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("at < ?", now.Add(-24*time.Hour)).Delete(&loginFailure{}).Error; err != nil {
			return err
		}
		return tx.Create(&claim).Error
	}); err != nil {
		return "", nil, translate(err)
	}
	claimIDs := []int64{claim[0].ID, claim[1].ID}
	if err := db.loginLimited(ctx, buckets, now, lim.Window, 1); err != nil {
		if rerr := db.tx(ctx, func(tx *gorm.DB) error { return tx.Delete(&loginFailure{}, claimIDs).Error }); rerr != nil {
			return "", nil, translate(rerr)
		}
		return "", nil, err
	}
	var u User
	err := db.r(ctx).Where("email = ?", email).First(&u).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil, translate(err)
	}
	found := err == nil
	hash := u.PasswordHash
	if !found {
		hash = dummyHash()
	}
	if !CheckPassword(hash, password) || !found || !u.Active {
		return "", nil, Errorf(CodeUnauthorized, "The email or the password is wrong.")
	}
	secret := RandomSecret(32)
	t := Token{UserID: u.ID, Hash: HashSecret(secret), Kind: kind, CreatedAt: now, ExpiresAt: now.Add(TokenLifetime)}
	if kind == TokenSession {
		t.CSRF = RandomSecret(24)
	}
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return tx.Where("id IN ? OR bucket = ?", claimIDs, buckets[0].key).Delete(&loginFailure{}).Error
	})
	if err != nil {
		return "", nil, translate(err)
	}
	return secret, &Session{User: &u, TokenID: t.ID, Kind: kind, CSRF: t.CSRF}, nil
}

// loginBucket counts failed sign-ins of one account or one address.
type loginBucket struct {
	key string
	max int // 0: no limit
}

// loginLimited returns a rate_limited *Error when a bucket holds, besides
// the caller's own records (own of them), its limit of failures in the
// window.
func (db *DB) loginLimited(ctx context.Context, buckets []loginBucket, now time.Time, window time.Duration, own int) error {
	for _, b := range buckets {
		if b.max <= 0 {
			continue
		}
		var fails []time.Time
		if err := db.r(ctx).Model(&loginFailure{}).Where("bucket = ? AND at > ?", b.key, now.Add(-window)).
			Order("at").Limit(b.max+own).Pluck("at", &fails).Error; err != nil {
			return translate(err)
		}
		if len(fails) >= b.max+own {
			retry := int(fails[0].Add(window).Sub(now).Seconds()) + 1
			return Errorf(CodeRateLimited, "Too many failed sign-ins. Try again in %d minutes.", (retry+59)/60).
				With("retry_after", retry)
		}
	}
	return nil
}

type loginFailure struct {
	ID     int64
	Bucket string
	At     time.Time
}

// Authenticate returns the session of a token or session secret. An
// unknown, expired or revoked one, or a deactivated account, is an
// unauthorized *Error.
func (db *DB) Authenticate(ctx context.Context, secret string) (*Session, error) {
	if secret == "" {
		return nil, Errorf(CodeUnauthorized, "Sign in first.")
	}
	// One query for the token and its account: every request runs it.
	var row struct {
		User
		TokenID   int64
		TokenKind string
		TokenCSRF string
	}
	err := db.r(ctx).Table("tokens").
		Select("users.*, tokens.id AS token_id, tokens.kind AS token_kind, tokens.csrf AS token_csrf").
		Joins("JOIN users ON users.id = tokens.user_id").
		Where("tokens.hash = ? AND tokens.revoked_at IS NULL AND tokens.expires_at > ? AND users.active", HashSecret(secret), db.now()).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, Errorf(CodeUnauthorized, "This token or session is not valid any more: sign in again.")
	}
	if err != nil {
		return nil, translate(err)
	}
	u := row.User
	return &Session{User: &u, TokenID: row.TokenID, Kind: row.TokenKind, CSRF: row.TokenCSRF}, nil
}

// Revoke ends one token or session.
func (db *DB) Revoke(ctx context.Context, tokenID int64) error {
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Token{}).Where("id = ? AND revoked_at IS NULL", tokenID).Update("revoked_at", db.now()).Error
	}))
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
