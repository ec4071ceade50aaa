package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"sync"
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

// LoginLimits bound failed password checks (sign-ins, and the current
// password asked for a change of password) in a sliding window.
type LoginLimits struct {
	Window time.Duration
	// PerAccount is how many failures one account may have from one client
	// address: a stranger's failures from elsewhere never lock the owner out.
	PerAccount int
	// PerAddress is how many failures one address may have, all accounts
	// together.
	PerAddress int
	// AccountCeiling is how many failures one account may have from every
	// address together (a distributed guess). Past it, an address that
	// failed for the account already is refused, while one that never did
	// still gets its check: the owner, from their usual address, gets in.
	AccountCeiling int
}

// DefaultLoginLimits allow, in 15 minutes, 5 failures per account from one
// address, 30 per address and 100 per account from everywhere.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{Window: 15 * time.Minute, PerAccount: 5, PerAddress: 30, AccountCeiling: 100}
}

// Login checks email and password and opens a token of kind. Any wrong
// pair is the same unauthorized *Error; repeated failures for one account
// from one address, or from one address in all, are a rate_limited *Error
// with details.retry_after (seconds); a server too busy checking passwords
// answers an unavailable *Error. The counts live in the database so every
// server shares them.
func (db *DB) Login(ctx context.Context, email, password, addr, kind string, lim LoginLimits) (string, *Session, error) {
	email = normalizeEmail(email)
	if len(email) > 254 || !visibleEmail(email) {
		// No account has such an address, and PostgreSQL could neither
		// look it up (NUL) nor keep it in a failure record (too long).
		return "", nil, Errorf(CodeUnauthorized, "The email or the password is wrong.")
	}
	var (
		u      User
		secret string
		sess   *Session
	)
	err := db.passwordAttempt(ctx, email, addr, lim, func(ctx context.Context) (bool, error) {
		err := db.r(ctx).Where("email = ?", email).First(&u).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return false, translate(err)
		}
		found := err == nil
		hash := u.PasswordHash
		if !found {
			hash = dummyHash()
		}
		ok, err := db.checkPassword(ctx, hash, password)
		return ok && found && u.Active, err
	}, func(tx *gorm.DB) error {
		now := db.now()
		secret = RandomSecret(32)
		t := Token{UserID: u.ID, Hash: HashSecret(secret), Kind: kind, CreatedAt: now, ExpiresAt: now.Add(TokenLifetime)}
		if kind == TokenSession {
			t.CSRF = RandomSecret(24)
		}
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		sess = &Session{User: &u, TokenID: t.ID, Kind: kind, CSRF: t.CSRF}
		return nil
	})
	if errors.Is(err, errWrongPassword) {
		return "", nil, Errorf(CodeUnauthorized, "The email or the password is wrong.")
	}
	if err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// CheckCurrentPassword checks the password u gives to change it, counted
// like a sign-in from addr: a wrong one is a validation *Error on
// current_password, and repeated wrong ones a rate_limited *Error, so that
// a stolen token cannot guess its way to the password.
func (db *DB) CheckCurrentPassword(ctx context.Context, u *User, password, addr string, lim LoginLimits) error {
	if password == "" {
		return Invalid("current_password", "Give your current password to set a new one.")
	}
	err := db.passwordAttempt(ctx, u.Email, addr, lim, func(ctx context.Context) (bool, error) {
		return db.checkPassword(ctx, u.PasswordHash, password)
	}, nil)
	if errors.Is(err, errWrongPassword) {
		return Invalid("current_password", "The current password is wrong.")
	}
	return err
}

// errWrongPassword is passwordAttempt's answer to a failed check.
var errWrongPassword = errors.New("wrong password")

// staleAttempt is when an attempt still marked in progress is taken for a
// failure: its server must have stopped during the check.
const staleAttempt = time.Minute

// attemptWait bounds how long an attempt waits for earlier ones to finish.
const attemptWait = 10 * time.Second

// passwordAttempt runs check, one password check for account from addr,
// within lim. The attempt is recorded before its check, so that of guesses
// sent all at once no more than the limit are checked: an attempt that
// finds the limit taken by attempts still being checked waits for them,
// and is refused only once they turned out to be failures. A right
// password takes its record back (and clears the failures of that account
// from that address) and runs onSuccess in the same transaction; a wrong
// one leaves it as a failure and returns errWrongPassword.
func (db *DB) passwordAttempt(ctx context.Context, account, addr string, lim LoginLimits, check func(context.Context) (bool, error), onSuccess func(tx *gorm.DB) error) error {
	now := db.now()
	b := attemptBuckets{account: account, addr: addr, lim: lim, now: now}
	// A flood of refused attempts costs reads only.
	if err := b.judge(db.r(ctx), math.MaxInt64, false); err != nil {
		return translate(err)
	}
	claim := loginAttempt{Account: account, Address: addr, At: now, Pending: true}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if db.Dialect == Postgres {
			// Claims are counted in the order they are made: on SQLite the
			// single writer orders them, here the table lock does.
			if err := tx.Exec("LOCK TABLE login_attempts IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		if err := tx.Where("at < ?", now.Add(-24*time.Hour)).Delete(&loginAttempt{}).Error; err != nil {
			return err
		}
		if err := b.judge(tx, math.MaxInt64, false); err != nil {
			return err
		}
		return tx.Create(&claim).Error
	})
	if err != nil {
		return translate(err)
	}
	drop := func() error {
		// Not under ctx: a client gone mid-check must not leave its claim
		// behind to count as a failure.
		return translate(db.tx(context.WithoutCancel(ctx), func(tx *gorm.DB) error {
			return tx.Delete(&loginAttempt{}, claim.ID).Error
		}))
	}
	wait, cancel := context.WithTimeout(ctx, attemptWait)
	defer cancel()
	for {
		err := b.judge(db.r(wait), claim.ID, true)
		if err == nil {
			break
		}
		if !errors.Is(err, errAttemptsInFlight) {
			if derr := drop(); derr != nil {
				return derr
			}
			if wait.Err() != nil && ctx.Err() == nil {
				return Errorf(CodeUnavailable, "The server is busy checking passwords: try again in a few seconds.")
			}
			return translate(err)
		}
		select {
		case <-wait.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	ok, err := check(ctx)
	if err != nil || !ok {
		if err == nil {
			err = errWrongPassword
			// The failure is recorded whatever became of the request.
			if serr := db.tx(context.WithoutCancel(ctx), func(tx *gorm.DB) error {
				return tx.Model(&loginAttempt{}).Where("id = ?", claim.ID).Update("pending", false).Error
			}); serr != nil {
				return translate(serr)
			}
			return err
		}
		if derr := drop(); derr != nil {
			return derr
		}
		return err
	}
	// Not under ctx either: a client gone now would leave its claim to
	// count as a failure; the token it does not receive is harmless.
	return translate(db.tx(context.WithoutCancel(ctx), func(tx *gorm.DB) error {
		// Attempts of the same pair still being checked keep their records.
		if err := tx.Where("id = ? OR (account = ? AND address = ? AND NOT pending)", claim.ID, account, addr).Delete(&loginAttempt{}).Error; err != nil {
			return err
		}
		if onSuccess != nil {
			return onSuccess(tx)
		}
		return nil
	}))
}

// loginAttempt is one password check: in progress (Pending) or failed. A
// right password removes its record.
type loginAttempt struct {
	ID      int64
	Account string
	Address string
	At      time.Time
	Pending bool
}

// attemptBuckets are the counts one attempt is judged by: its account from
// its address, its address, its account from everywhere.
type attemptBuckets struct {
	account, addr string
	lim           LoginLimits
	now           time.Time
}

// errAttemptsInFlight says the limit would be reached only if attempts
// still being checked fail: wait for them.
var errAttemptsInFlight = errors.New("earlier attempts still being checked")

// judge returns a rate_limited *Error when the failures recorded reach a
// limit, errAttemptsInFlight when they would with the attempts before own
// (by id) that are still being checked, and nil otherwise. Before a claim
// exists, own is MaxInt64 and inFlight false: attempts in progress then
// count only for the wait that follows.
func (b attemptBuckets) judge(q *gorm.DB, own int64, inFlight bool) error {
	since, stale := b.now.Add(-b.lim.Window), b.now.Add(-staleAttempt)
	count := func(where string, args ...any) (failed, pending int64, err error) {
		var c struct{ Failed, Pending int64 }
		err = q.Session(&gorm.Session{NewDB: true}).Model(&loginAttempt{}).
			Select("COALESCE(SUM(CASE WHEN pending AND at > ? THEN 0 ELSE 1 END), 0) AS failed, "+
				"COALESCE(SUM(CASE WHEN pending AND at > ? AND id < ? THEN 1 ELSE 0 END), 0) AS pending", stale, stale, own).
			Where(where, args...).Where("at > ?", since).Scan(&c).Error
		return c.Failed, c.Pending, err
	}
	limited := func(where string, args ...any) error {
		var first []time.Time
		if err := q.Session(&gorm.Session{NewDB: true}).Model(&loginAttempt{}).Where(where, args...).
			Where("at > ?", since).Order("at").Limit(1).Pluck("at", &first).Error; err != nil {
			return err
		}
		retry := 1
		if len(first) > 0 {
			retry = max(int(first[0].Add(b.lim.Window).Sub(b.now).Seconds())+1, 1)
		}
		return Errorf(CodeRateLimited, "Too many failed sign-ins. Try again in %d minutes.", (retry+59)/60).
			With("retry_after", retry)
	}
	wait := false
	pairFailed := int64(0)
	for _, bk := range []struct {
		where string
		args  []any
		max   int
		pair  bool
	}{
		{"account = ? AND address = ?", []any{b.account, b.addr}, b.lim.PerAccount, true},
		{"address = ?", []any{b.addr}, b.lim.PerAddress, false},
	} {
		failed, pending, err := count(bk.where, bk.args...)
		if err != nil {
			return err
		}
		if bk.pair {
			pairFailed = failed
		}
		if bk.max <= 0 {
			continue
		}
		if failed >= int64(bk.max) {
			return limited(bk.where, bk.args...)
		}
		if inFlight && failed+pending >= int64(bk.max) {
			wait = true
		}
	}
	if b.lim.AccountCeiling > 0 && pairFailed > 0 {
		if failed, _, err := count("account = ?", b.account); err != nil {
			return err
		} else if failed >= int64(b.lim.AccountCeiling) {
			return limited("account = ?", b.account)
		}
	}
	if wait {
		return errAttemptsInFlight
	}
	return nil
}

// SessionCacheTTL is how long a server keeps a token it has checked
// before asking the database again. A token revoked, or an account changed
// or deactivated, is dropped at once on the server that did it; another
// server sharing the database may still accept it for this long.
const SessionCacheTTL = 5 * time.Second

// sessionCacheSize bounds how many checked tokens a server keeps (a few
// megabytes at most): past it, one is evicted for each new one.
const sessionCacheSize = 10_000

// Authenticate returns the session of a token or session secret. An
// unknown, expired or revoked one, or a deactivated account, is an
// unauthorized *Error. A secret checked in the last SessionCacheTTL is
// answered from this server's memory, never past its token's expiry.
func (db *DB) Authenticate(ctx context.Context, secret string) (*Session, error) {
	if secret == "" {
		return nil, Errorf(CodeUnauthorized, "Sign in first.")
	}
	key := sha256.Sum256([]byte(secret))
	now := db.now()
	if sess, ok := db.sessions.get(key, now); ok {
		return sess, nil
	}
	gen := db.sessions.generation()
	// One query for the token and its account: every request the cache
	// does not answer runs it.
	var row struct {
		User
		TokenID        int64
		TokenKind      string
		TokenCSRF      string
		TokenExpiresAt time.Time
	}
	err := db.r(ctx).Table("tokens").
		Select("users.*, tokens.id AS token_id, tokens.kind AS token_kind, tokens.csrf AS token_csrf, tokens.expires_at AS token_expires_at").
		Joins("JOIN users ON users.id = tokens.user_id").
		Where("tokens.hash = ? AND tokens.revoked_at IS NULL AND tokens.expires_at > ? AND users.active", hex.EncodeToString(key[:]), now).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, Errorf(CodeUnauthorized, "This token or session is not valid any more: sign in again.")
	}
	if err != nil {
		return nil, translate(err)
	}
	u := row.User
	sess := &Session{User: &u, TokenID: row.TokenID, Kind: row.TokenKind, CSRF: row.TokenCSRF}
	db.sessions.put(key, sess, gen, now, row.TokenExpiresAt)
	return sess, nil
}

// Revoke ends one token or session, on this server at once.
func (db *DB) Revoke(ctx context.Context, tokenID int64) error {
	defer db.sessions.drop(func(s *Session) bool { return s.TokenID == tokenID })
	return translate(db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&Token{}).Where("id = ? AND revoked_at IS NULL", tokenID).Update("revoked_at", db.now()).Error
	}))
}

// forgetUser drops the cached sessions of an account, whose row a write
// is changing. Call it deferred around the write's transaction: see drop.
func (db *DB) forgetUser(userID int64) {
	db.sessions.drop(func(s *Session) bool { return s.User.ID == userID })
}

// sessionCache keeps the sessions of recently checked secrets, keyed by
// the secret's SHA-256 so that a memory dump holds no credential. Its zero
// value is an empty cache; it is safe for concurrent use.
type sessionCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]cachedSession
	// gen counts drops: a lookup that started before one may have read
	// what the dropping write replaced, so its answer is not kept.
	gen uint64
	// size bounds entries; sessionCacheSize when 0.
	size int
}

type cachedSession struct {
	sess *Session
	// from and until bound when the entry answers: until is the earlier
	// of the TTL's end and the token's expiry.
	from, until time.Time
}

// get returns a copy of the session cached under key, if it is still
// fresh at now.
func (c *sessionCache) get(key [sha256.Size]byte, now time.Time) (*Session, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok && (now.Before(e.from) || !now.Before(e.until)) {
		// Expired, or a clock set back: either way, ask the database.
		delete(c.entries, key)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	// Callers may change what they get: each gets its own.
	sess, u := *e.sess, *e.sess.User
	sess.User = &u
	return &sess, true
}

func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps sess, read from the database at now when the cache was at
// generation gen, until the TTL passes or the token expires; it keeps
// nothing when a drop happened since.
func (c *sessionCache) put(key [sha256.Size]byte, sess *Session, gen uint64, now, expires time.Time) {
	until := now.Add(SessionCacheTTL)
	if expires.Before(until) {
		until = expires
	}
	u := *sess.User
	e := cachedSession{sess: &Session{User: &u, TokenID: sess.TokenID, Kind: sess.Kind, CSRF: sess.CSRF}, from: now, until: until}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.entries == nil {
		c.entries = make(map[[sha256.Size]byte]cachedSession)
	}
	size := c.size
	if size <= 0 {
		size = sessionCacheSize
	}
	if _, ok := c.entries[key]; !ok {
		// Evict arbitrary entries (map order is random): whatever arrives,
		// the cache stays this size.
		for k := range c.entries {
			if len(c.entries) < size {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = e
}

// drop forgets the sessions that match and turns away the answers of
// lookups still in flight. Writes call it deferred around their
// transaction, whatever its outcome: a lookup that starts after it reads
// what the transaction committed, and one that started before is not
// kept. Called inside the transaction instead, it would let a lookup read
// the old rows before the commit and keep them.
func (c *sessionCache) drop(match func(*Session) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if match(e.sess) {
			delete(c.entries, k)
		}
	}
}
