package models

import (
	"testing"
	"time"
)

// TestUnpackFeedRow reads the text FeedBookings packs a row's numbers and
// status in, and refuses a text it does not understand.
func TestUnpackFeedRow(t *testing.T) {
	var b Booking
	if err := unpackFeedRow("42 7 3 1799136000 1799139600 1798000000 1798000001 2 5 approved", &b); err != nil {
		t.Fatal(err)
	}
	want := Booking{ID: 42, ResourceID: 7, MemberID: 3, Quantity: 2, Sequence: 5, Status: StatusApproved,
		StartAt: time.Unix(1799136000, 0).UTC(), EndAt: time.Unix(1799139600, 0).UTC(),
		CreatedAt: time.Unix(1798000000, 0).UTC(), UpdatedAt: time.Unix(1798000001, 0).UTC()}
	if b != want {
		t.Fatalf("got %+v\nwant %+v", b, want)
	}
	for _, row := range []string{"", "42 7 3", "42 7 3 x 1799139600 1798000000 1798000001 2 5 approved", "42 7 3 1.5 1799139600 1798000000 1798000001 2 5 approved"} {
		if err := unpackFeedRow(row, &b); err == nil {
			t.Errorf("unpackFeedRow(%q) took it", row)
		}
	}
}
