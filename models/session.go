package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
)

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
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30}
}

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
