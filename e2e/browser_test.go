// Package e2e drives Atelier's frontend in a real browser (Debian's
// chromium, through the DevTools protocol) against the real server.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/internal/apitest/testclock"
	"atelier/models"
	"atelier/static"

	"github.com/chromedp/chromedp"
)

// browser starts a headless chromium for the test, or skips (fails in CI)
// when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(p); err == nil {
			path = found
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is required in CI (apt-get install -y chromium)")
		}
		t.Skip("skipped: no chromium on this machine (apt-get install -y chromium to run the browser tests)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// page is one browser tab on one Atelier.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// serve starts an Atelier over env's database with the embedded frontend,
// closed when the test ends.
func serve(t *testing.T, env *apitest.Env) *httptest.Server {
	srv := httptest.NewServer(handlers.New(env.DB, handlers.Config{PublicURL: "http://atelier.test", Static: static.Files}))
	t.Cleanup(srv.Close)
	return srv
}

// newPage serves env (see serve) to the browser of ctx.
func newPage(t *testing.T, ctx context.Context, env *apitest.Env) *page {
	return &page{t: t, ctx: ctx, base: serve(t, env).URL}
}

// liveEnv is a test database on the real clock: the browser lives in real
// time.
func liveEnv(t *testing.T) *apitest.Env {
	env := apitest.New(t)
	env.DB.Now = time.Now
	return env
}

// do runs actions with a timeout, failing the test on error.
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.shot("failure-" + strings.ReplaceAll(what, " ", "-"))
		p.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it is true.
func waitFor(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))
}

// setValue types a value into a form field the way the page listens to.
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, value)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}

// shot saves a full-page screenshot under testdata/screenshots.
func (p *page) shot(name string) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("testdata", "screenshots")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
	}
}

func (p *page) signIn(email string) {
	p.t.Helper()
	p.do("open the sign-in page "+email,
		chromedp.Navigate(p.base+"/#/book"),
		waitFor(`document.querySelector('#email') !== null`),
		setValue("#email", email), setValue("#password", apitest.Password),
		chromedp.Click(chromedp.ID("signin-submit")),
		waitFor(`document.querySelector('#nav-book') !== null && document.querySelector('#email') === null`))
}

func (p *page) signOut() {
	p.t.Helper()
	p.do("sign out", chromedp.Click(chromedp.ID("signout")), waitFor(`document.querySelector('#email') !== null`))
}

// TestBrowserBookingFlow is the life of a request, in a browser: a member
// books a free slot and sees it pending, a refused request shows its
// message, a host approves it, the member sees it approved; the language
// switches to Dutch; the layout holds at 390 px. Screenshots of each
// screen land in e2e/testdata/screenshots.
func TestBrowserBookingFlow(t *testing.T) {
	ctx := browser(t)
	env := apitest.New(t)
	w := env.NewWorkshop(t)
	env.Must(t, 200, "PATCH", fmt.Sprintf("/api/v1/resources/%d", w.Machine), w.Manager.Token, map[string]any{"requires_approval": true})
	member := env.NewUser(t, models.RoleMember, "Camille Dubois")
	env.DB.Now = time.Now // the browser lives in real time
	p := newPage(t, ctx, env)

	p.do("open the app", chromedp.Navigate(p.base), waitFor(`document.querySelector('#email') !== null`))
	p.shot("01-sign-in")
	p.signIn(member.Email)

	tomorrow := time.Now().In(testclock.Brussels).AddDate(0, 0, 1).Format(time.DateOnly)
	book := func() {
		p.do("fill the booking form",
			chromedp.Navigate(fmt.Sprintf("%s/#/book?resource=%d", p.base, w.Machine)),
			waitFor(`document.querySelector('#book-date') !== null && document.querySelector('#week-grid .cell') !== null`),
			setValue("#book-date", tomorrow), setValue("#book-start", "10:00"), setValue("#book-end", "11:00"),
			setValue("#book-note", "Panneaux de contreplaqué"),
			chromedp.Click(chromedp.ID("book-submit")),
			waitFor(`(document.querySelector('#book-result [data-status]') || document.querySelector('#book-error[data-code]')) !== null`))
	}
	book()
	if got := eval[string](p, `document.querySelector('#book-result [data-status]')?.dataset.status || ''`); got != "pending" {
		t.Fatalf("the new booking shows %q, want pending", got)
	}
	id := eval[string](p, `document.querySelector('#book-result [data-booking-id]').dataset.bookingId`)
	p.shot("02-book-pending")

	// The same slot again: refused, with the contract's message in place.
	book()
	if code := eval[string](p, `document.querySelector('#book-error')?.dataset.code || ''`); code != "conflict" {
		t.Fatalf("a taken slot shows error code %q, want conflict", code)
	}
	if msg := eval[string](p, `document.querySelector('#book-error').innerText`); strings.TrimSpace(msg) == "" {
		t.Fatal("the refusal shows no message")
	}
	p.shot("03-book-refused")
	p.signOut()

	p.signIn(w.Manager.Email)
	p.do("see the pending count", waitFor(`document.querySelector('#pending-count')?.textContent.trim() === '1'`))
	p.do("open approvals", chromedp.Navigate(p.base+"/#/approvals"),
		waitFor(fmt.Sprintf(`document.querySelector('#approvals-list li[data-booking-id="%s"]') !== null`, id)))
	p.shot("04-approvals")
	p.do("approve", chromedp.Click(chromedp.CSS(fmt.Sprintf(`li[data-booking-id="%s"] [data-action="approve"]`, id))),
		waitFor(fmt.Sprintf(`document.querySelector('#approvals-list li[data-booking-id="%s"]') === null`, id)),
		waitFor(`['0', ''].includes(document.querySelector('#pending-count')?.textContent.trim() ?? '')`))
	p.do("open the workshop", chromedp.Navigate(p.base+"/#/workshop"), waitFor(`document.querySelector('.floor-bar') !== null`))
	p.shot("05-workshop")
	p.do("open members", chromedp.Navigate(p.base+"/#/members"), waitFor(`document.body.innerText.includes('Camille Dubois')`))
	p.shot("06-members")
	p.signOut()

	p.signIn(member.Email)
	p.do("see it approved", chromedp.Navigate(p.base+"/#/bookings"),
		waitFor(fmt.Sprintf(`document.querySelector('li[data-booking-id="%s"] [data-testid="booking-status"]')?.dataset.status === 'approved'`, id)))
	p.shot("07-my-bookings-approved")

	// Dutch: the labels change to the translations of nl.json.
	var nl map[string]string
	raw, err := static.Files.ReadFile("i18n/nl.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &nl); err != nil {
		t.Fatal(err)
	}
	p.do("switch to Dutch", setValue("#lang", "nl"),
		waitFor(fmt.Sprintf(`document.querySelector('#nav-book').textContent.trim() === %q`, nl["nav.book"])))
	if lang := eval[string](p, `document.documentElement.lang`); lang != "nl" {
		t.Fatalf("html lang is %q after switching to Dutch", lang)
	}
	p.shot("08-bookings-nl")

	// A phone: 390 px wide, nothing wider than the screen.
	for _, screen := range []string{"book", "bookings"} {
		p.do("phone "+screen, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(fmt.Sprintf("%s/#/%s?resource=%d", p.base, screen, w.Machine)),
			waitFor(`document.querySelector('#nav-book') !== null`), chromedp.Sleep(300*time.Millisecond))
		if width := eval[int](p, `document.documentElement.scrollWidth`); width > 390 {
			t.Errorf("at 390 px the %s page is %d px wide", screen, width)
		}
		p.shot("09-phone-" + screen)
	}
}
