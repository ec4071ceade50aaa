package mail_test

import (
	"context"
	"testing"

	"atelier/internal/apitest"
)

// BenchmarkSender empties an outbox into a local SMTP server: one op is
// one message delivered and marked sent (the target: 100 a second).
func BenchmarkSender(b *testing.B) {
	env := apitest.New(b)
	in := startInbox(b)
	_, m, kiln := mailEnv(b, env, "en")
	s := sender(b, env.DB, in.addr)
	// Each request notifies the two hosts: two messages.
	for i := 0; i < (b.N+1)/2; i++ {
		day, hour := 5+i/12, 8+i%12
		env.Must(b, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(kiln, apitest.At(2027, 1, day, hour, 0), apitest.At(2027, 1, day, hour+1, 0)))
	}
	b.ResetTimer()
	for s.SendDue(context.Background()) > 0 {
	}
	b.StopTimer()
	if got := len(in.got()); got < b.N {
		b.Fatalf("delivered %d of %d", got, b.N)
	}
}
