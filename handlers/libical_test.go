package handlers_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"atelier/internal/apitest"
)

// libicalCheck runs libical's RFC 5546 restriction check (the parser of
// Evolution and GNOME Calendar, through Debian's python3-gi) on a calendar
// and returns the errors it reports. It skips when libical is missing, and
// fails in CI, where .ci/run installs it.
func libicalCheck(t *testing.T, cal []byte) []string {
	t.Helper()
	const script = `
import sys, gi
gi.require_version('ICalGLib', '3.0')
from gi.repository import ICalGLib
comp = ICalGLib.Component.new_from_string(sys.stdin.read())
if comp is None:
    print("X-LIC-ERROR: does not parse"); sys.exit(0)
ICalGLib.restriction_check(comp)
def walk(c):
    p = c.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while p is not None:
        print("X-LIC-ERROR: " + p.get_xlicerror()); p = c.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    s = c.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while s is not None:
        walk(s); s = c.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
walk(comp)
`
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import gi; gi.require_version('ICalGLib','3.0')").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libical is required in CI (apt-get install -y gir1.2-ical-3.0 python3-gi)")
		}
		t.Skip("skipped: no libical for /usr/bin/python3 (apt-get install -y gir1.2-ical-3.0 python3-gi)")
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(cal))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libical: %v\n%s", err, out)
	}
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "X-LIC-ERROR") {
			errs = append(errs, l)
		}
	}
	return errs
}

// TestCalendarsPassLibical: a member's feed, the busy view of a resource
// and a single booking's .ics all pass libical's restriction check for the
// METHOD they declare.
func TestCalendarsPassLibical(t *testing.T) {
	env, w, m := apitest.NewWithMember(t, "Member")
	id := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 6, 9, 0), apitest.At(2027, 1, 6, 10, 0))).ID()
	cancelled := env.Must(t, 201, "POST", "/api/v1/bookings", m.Token, apitest.Slot(w.Machine, apitest.At(2027, 1, 7, 9, 0), apitest.At(2027, 1, 7, 10, 0))).ID()
	env.Must(t, 200, "POST", fmt.Sprintf("/api/v1/bookings/%d/cancel", cancelled), m.Token, nil)
	for name, body := range map[string][]byte{
		"member feed": env.Must(t, 200, "GET", myFeed(t, env, m.Token), "", nil).Body,
		"busy view":   env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), m.Token, nil).Body,
		"host view":   env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/resources/%d/calendar.ics", w.Machine), w.Manager.Token, nil).Body,
		"one booking": env.Must(t, 200, "GET", fmt.Sprintf("/api/v1/bookings/%d/ics", id), m.Token, nil).Body,
	} {
		if !strings.Contains(string(body), "BEGIN:VEVENT") {
			t.Fatalf("%s: no event in %s", name, body)
		}
		if errs := libicalCheck(t, body); len(errs) > 0 {
			t.Errorf("%s: libical refuses it: %v", name, errs)
		}
	}
}
