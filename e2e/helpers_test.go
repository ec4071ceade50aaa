package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/internal/apitest"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// langs are the interface's languages, in the order screenshots take them.
var langs = []string{"fr", "nl", "en"}

// widths are the screen widths every new screen is drawn and checked at.
var widths = []int64{1280, 390}

// catalog holds the frontend's translations, by language then key.
type catalog map[string]map[string]string

func loadCatalog(t *testing.T) catalog {
	t.Helper()
	c := catalog{}
	for _, l := range langs {
		c[l] = apitest.Translations(t, l)
	}
	return c
}

// tf is the text of key in lang with its {params} filled from kv (name, value, ...).
func (c catalog) tf(t *testing.T, lang, key string, kv ...any) string {
	t.Helper()
	s, ok := c[lang][key]
	if !ok {
		t.Fatalf("no %q in i18n/%s.json", key, lang)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(kv[i])+"}", fmt.Sprint(kv[i+1]))
	}
	return s
}

// norm folds every run of white space (no-break ones included) into one space.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// press focuses the element sel and types keys on it, as a keyboard user would.
func press(sel, keys string) chromedp.Action[chromedp.Void] {
	focus := fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false; el.focus(); return document.activeElement === el })()`, js(sel))
	return chromedp.Steps(
		waitFor(fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && !el.disabled })()`, js(sel))),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			ok, err := chromedp.Evaluate[bool](focus)(ctx, t)
			if err == nil && !ok {
				err = fmt.Errorf("%s cannot take the focus", sel)
			}
			return err
		}),
		chromedp.KeyEvent(keys))
}

// enter activates the button sel from the keyboard.
func enter(sel string) chromedp.Action[chromedp.Void] { return press(sel, kb.Enter) }

// setLang picks lang in the header's language menu and waits for the screen
// drawn anew in it (the old view is marked stale first).
func (p *page) setLang(c catalog, lang string) {
	p.t.Helper()
	p.do("switch to "+lang,
		run(`const v = document.querySelector('#main .view'); if (v) v.dataset.stale = '1'`),
		setValue("#lang", lang),
		waitFor(fmt.Sprintf(`document.documentElement.lang === %s && (document.querySelector('#nav-book') === null || document.querySelector('#nav-book').textContent.trim() === %s)
			&& document.querySelector('#main .view') !== null && !document.querySelector('#main .view').dataset.stale`, js(lang), js(c[lang]["nav.book"]))))
}

// run evaluates a JavaScript statement on the page.
func run(stmt string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("(() => { "+stmt+"; return true })()")(ctx, t)
		return err
	})
}

// viewport sets the screen width (390 px is a phone).
func viewport(w int64) chromedp.Action[chromedp.Void] {
	if w < 600 {
		return chromedp.EmulateViewport(w, 844, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(w, 900)
}

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	return string(b), err
})

// axeViolation is what axe-core says of one broken rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core's WCAG 2.1 A and AA rules on the page as it is and
// fails the test for each violation.
func (p *page) axe(screen string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatalf("axe-core: %v (e2e/testdata/axe/axe.min.js ships with the tests)", err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if has, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`)); !has {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;true")); err != nil {
			p.t.Fatalf("loading axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations'],
	}).then((r) => JSON.stringify({passes: r.passes.length, violations: r.violations}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("axe on %s: %v", screen, err)
	}
	var res struct {
		Passes     int
		Violations []axeViolation
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		p.t.Fatalf("axe on %s: %v", screen, err)
	}
	if res.Passes == 0 {
		p.t.Errorf("axe on %s checked nothing", screen)
	}
	for _, v := range res.Violations {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("and %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprintf("%v: %s", n.Target, norm(n.Summary)))
		}
		p.t.Errorf("axe on %s: %s (%s) %s; %s", screen, v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
}

// capture draws the screen as it is at each width: nothing wider than the
// screen, no WCAG 2.1 AA violation, a screenshot named name-lang-width.
func (p *page) capture(name, lang string) {
	p.t.Helper()
	for _, w := range widths {
		p.do(fmt.Sprintf("resize to %d", w), viewport(w), chromedp.Sleep(150*time.Millisecond))
		if got := eval[int](p, `document.documentElement.scrollWidth`); got > int(w) {
			wide := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > %d
				&& ![...el.children].some((c) => c.getBoundingClientRect().right > %d)).slice(0, 3)
				.map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')`, w, w))
			p.t.Errorf("%s in %s at %d px is %d px wide; past the edge: %s", name, lang, w, got, strings.Join(wide, ", "))
		}
		shot := fmt.Sprintf("%s-%s-%d", name, lang, w)
		p.axe(shot)
		p.shot(shot)
	}
	p.do("back to 1280 px", viewport(1280))
}

// everyLanguage draws a screen in French, Dutch and English: prepare(lang)
// brings the screen into the state to show after the language changed (the
// view is drawn anew), and may assert on it. The language ends as back.
func (p *page) everyLanguage(c catalog, name, back string, prepare func(lang string)) {
	p.t.Helper()
	for _, l := range langs {
		p.setLang(c, l)
		prepare(l)
		p.capture(name, l)
		p.do("close any dialog", run(`for (const d of document.querySelectorAll('dialog[open]')) d.close('cancel')`),
			waitFor(`document.querySelector('dialog') === null`))
	}
	p.setLang(c, back)
}
