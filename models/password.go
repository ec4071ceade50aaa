package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's second recommended set (19 MiB, 2 passes,
// one lane), about 30 ms on the workshop's small server. Each check holds
// its 19 MiB for that long, which is why checks go through a passwordPool.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format. It is
// not bounded: the server hashes through its DB, whose pool bounds the
// memory argon2 takes.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches the PHC-encoded hash. A
// hash asking for other parameters than Atelier's is refused rather than
// computed: its memory is what the pool's bound counts on.
func verifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > argonMemory || t > 10 || p != argonThreads {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) != argonKeyLen {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an email is unknown, so that a wrong
// email costs as long as a wrong password and timing tells nothing.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such user, no such password")
	return h
})

// passwordPool bounds how many argon2 computations run at once, so that the
// memory they take (19 MiB each) stays bounded whatever arrives: a few
// run, a short queue waits its turn, and the rest are refused at once as
// unavailable (503 with Retry-After) rather than queued without end.
type passwordPool struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

// newPasswordPool sizes the pool from the CPUs: argon2 with one lane is
// one core's work, so more slots than cores only add memory, not speed;
// at most 4 slots (76 MiB) and a queue of 32 per slot (about a second of
// work at 30 ms a check).
func newPasswordPool() *passwordPool {
	n := min(max(runtime.GOMAXPROCS(0), 1), 4)
	return &passwordPool{slots: make(chan struct{}, n), queue: int64(32 * n)}
}

// do runs f in a slot. When the queue is full it returns an unavailable
// *Error without running f; when ctx ends while waiting, ctx's error.
func (p *passwordPool) do(ctx context.Context, f func()) error {
	select {
	case p.slots <- struct{}{}:
	default:
		if p.waiting.Add(1) > p.queue {
			p.waiting.Add(-1)
			return Errorf(CodeUnavailable, "The server is busy checking passwords: try again in a few seconds.")
		}
		select {
		case p.slots <- struct{}{}:
			p.waiting.Add(-1)
		case <-ctx.Done():
			p.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-p.slots }()
	f()
	return nil
}

// hashPassword hashes password in the pool.
func (db *DB) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if perr := db.passwords.do(ctx, func() { hash, err = HashPassword(password) }); perr != nil {
		return "", perr
	}
	return hash, err
}

// checkPassword reports, in the pool, whether password matches hash.
func (db *DB) checkPassword(ctx context.Context, hash, password string) (ok bool, err error) {
	err = db.passwords.do(ctx, func() { ok = verifyPassword(hash, password) })
	return ok, err
}
