package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"atelier/models"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// gridClock notes, in every new document, when the Book grid is first on
// the screen: the first animation frame after a cell of #week-grid is laid
// out with a size, in ms from the start of the navigation.
const gridClock = `(() => {
	const seen = () => { const c = document.querySelector('#week-grid .cell'); return !!c && c.getBoundingClientRect().height > 0 };
	const tick = () => { if (seen()) window.__gridAt = performance.now(); else requestAnimationFrame(tick) };
	requestAnimationFrame(tick);
})()`

// netTally counts what the tab fetches: requests, those answered from
// the browser's cache, 304s, and the bytes received (headers included).
type netTally struct {
	mu                     sync.Mutex
	requests, cached, busy int
	bytes                  float64
	last                   time.Time
	urls                   []string
	ids                    map[network.RequestID]bool // the requests counted
	status                 map[string]int64           // by URL, the last answer's
	urlOf                  map[network.RequestID]string
	revalidated            map[network.RequestID]bool // answered 304
}

func (n *netTally) event(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if strings.HasPrefix(ev.Request.URL, "data:") {
			return // an image inlined in the CSS: nothing fetched
		}
		if n.ids == nil {
			n.ids, n.status = map[network.RequestID]bool{}, map[string]int64{}
			n.urlOf, n.revalidated = map[network.RequestID]string{}, map[network.RequestID]bool{}
		}
		n.ids[ev.RequestID] = true
		n.requests++
		n.busy++
		n.urls = append(n.urls, ev.Request.URL)
	case *network.EventRequestServedFromCache:
		if n.ids[ev.RequestID] {
			n.cached++
		}
	case *network.EventResponseReceived:
		if n.ids[ev.RequestID] {
			n.status[ev.Response.URL] = ev.Response.Status
			n.urlOf[ev.RequestID] = ev.Response.URL
			if ev.Response.Status == 304 {
				n.revalidated[ev.RequestID] = true
			}
		}
	case *network.EventResponseReceivedExtraInfo:
		// The status on the wire: a 304 that revalidated a cached copy is
		// told as 200 to a document or a fetch(), not here.
		if n.ids[ev.RequestID] && ev.StatusCode == 304 {
			n.revalidated[ev.RequestID] = true
		}
	case *network.EventLoadingFinished:
		if n.ids[ev.RequestID] {
			n.bytes += ev.EncodedDataLength
			n.busy--
		}
	case *network.EventLoadingFailed:
		if n.ids[ev.RequestID] {
			n.busy--
		}
	default:
		return
	}
	n.last = time.Now()
}

func (n *netTally) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.requests, n.cached, n.busy, n.bytes, n.urls, n.ids, n.status = 0, 0, 0, 0, nil, nil, nil
	n.urlOf, n.revalidated = nil, nil
	n.last = time.Now()
}

// quiet tells whether nothing is in flight and nothing happened for d.
func (n *netTally) quiet(d time.Duration) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.busy <= 0 && time.Since(n.last) > d
}

// loadFigures is one load of the Book screen.
type loadFigures struct {
	gridMs           float64
	requests, cached int
	notModified      int
	kb               float64
	modules, langs   int
	paths            []string
	waterfall        string // each resource's path, start and end in ms
}

// TestFrontendLoad measures loads of the Book screen, the demo member
// signed in, at 390 px with the CPU slowed 4x (Emulation.setCPUThrottlingRate):
// cold (browser cache emptied) and warm (a reload), each several times;
// it reports the medians and asserts nothing on times. It runs only with
// ATELIER_LOADBENCH set: to "1" for this tree served in the test, or to
// name=URL pairs of running Atelier servers started with --demo, e.g.
//
//	ATELIER_LOADBENCH="before=http://127.0.0.1:18081 after=http://127.0.0.1:18082" go test -run TestFrontendLoad -v ./e2e/
//
// ATELIER_LOADBENCH_RUNS sets the number of loads of each kind (5);
// ATELIER_LOADBENCH_NET="latency_ms,down_kbit_s" slows the network too
// (Network.emulateNetworkConditions; 750 kbit/s up), e.g. "150,1600" for
// DevTools' "Slow 4G".
func TestFrontendLoad(t *testing.T) {
	spec := os.Getenv("ATELIER_LOADBENCH")
	if spec == "" {
		t.Skip("a benchmark: set ATELIER_LOADBENCH=1 (this tree) or name=URL pairs of demo servers")
	}
	runs := 5
	if v := os.Getenv("ATELIER_LOADBENCH_RUNS"); v != "" {
		fmt.Sscan(v, &runs)
	}
	type target struct{ name, url string }
	var targets []target
	if spec == "1" {
		env := liveEnv(t)
		if _, err := env.DB.SeedDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, target{"this tree", serve(t, env).URL})
	} else {
		for _, f := range strings.Fields(spec) {
			name, url, ok := strings.Cut(f, "=")
			if !ok {
				t.Fatalf("ATELIER_LOADBENCH: %q is not name=URL", f)
			}
			targets = append(targets, target{name, strings.TrimRight(url, "/")})
		}
	}
	// The targets take turns, load by load, so that what else the machine
	// does weighs on each alike.
	loaders := make([]func() (loadFigures, loadFigures), len(targets))
	for i, tg := range targets {
		loaders[i] = newLoader(t, tg.url)
	}
	colds, warms := make([][]loadFigures, len(targets)), make([][]loadFigures, len(targets))
	for range runs {
		for i := range targets {
			c, w := loaders[i]()
			colds[i], warms[i] = append(colds[i], c), append(warms[i], w)
		}
	}
	for i, tg := range targets {
		cold, warm := colds[i], warms[i]
		t.Logf("%s: a cold load asks for %s", tg.name, strings.Join(cold[0].paths, ", "))
		t.Logf("%s: a warm load asks for %s", tg.name, strings.Join(warm[0].paths, ", "))
		t.Logf("%s: its waterfall until the grid shows (ms from the navigation): %s", tg.name, cold[0].waterfall)
		for _, k := range []struct {
			kind string
			figs []loadFigures
		}{{"cold", cold}, {"warm", warm}} {
			m := medianFigures(k.figs)
			var times []string
			for _, f := range k.figs {
				times = append(times, fmt.Sprintf("%.0f", f.gridMs))
			}
			t.Logf("%s %s: grid visible %.0f ms (median of %s), %d requests (%d from cache, %d answered 304), %.1f kB received, %d JS modules, %d language files",
				tg.name, k.kind, m.gridMs, strings.Join(times, ", "), m.requests, m.cached, m.notModified, m.kb, m.modules, m.langs)
		}
	}
}

// newLoader opens a browser on the Atelier at base, signs the demo member
// in, and answers a func that loads Book cold and then warm.
func newLoader(t *testing.T, base string) func() (cold, warm loadFigures) {
	ctx := browser(t)
	p := &page{t: t, ctx: ctx, base: base}
	tally := &netTally{}
	if err := chromedp.Listen(ctx, tally.event); err != nil {
		t.Fatal(err)
	}
	p.do("sign in the demo member", viewport(390),
		chromedp.Navigate(base+"/"), waitFor(`document.querySelector('#email') !== null`),
		setValue("#email", "camille.dubois@demo.atelier.brussels"), setValue("#password", models.DemoPassword),
		chromedp.Click(chromedp.ID("signin-submit")),
		waitFor(`document.querySelector('#nav-book') !== null && document.querySelector('#email') === null`))
	id, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/v1/resources').then((r) => r.json()).then((b) => (b.resources || b).find((r) => r.name === 'Découpeuse laser CO2').id)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("the demo's laser: %v", err)
	}
	book := fmt.Sprintf("%s/#/book?resource=%d", base, id)
	p.do("slow the CPU 4x and clock the grid", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 4}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: gridClock}); err != nil {
			return err
		}
		if net := os.Getenv("ATELIER_LOADBENCH_NET"); net != "" {
			var latency, kbit float64
			if _, err := fmt.Sscanf(net, "%g,%g", &latency, &kbit); err != nil {
				return fmt.Errorf("ATELIER_LOADBENCH_NET %q: %v", net, err)
			}
			return tg.Call(ctx, "Network.emulateNetworkConditions", map[string]any{
				"offline": false, "latency": latency, "downloadThroughput": kbit * 1000 / 8, "uploadThroughput": 750 * 1000 / 8}, nil)
		}
		return nil
	}))
	load := func(what string, act chromedp.Action[chromedp.Void]) loadFigures {
		t.Helper()
		tally.reset()
		p.do(what, act, chromedp.Poll[chromedp.Void](`typeof window.__gridAt === 'number'`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
		f := loadFigures{gridMs: eval[float64](p, `window.__gridAt`),
			waterfall: eval[string](p, `performance.getEntriesByType('resource').filter((e) => !e.name.startsWith('data:'))
				.map((e) => new URL(e.name).pathname.replace(/^\/api\/v1/, 'api') + ' ' + Math.round(e.startTime) + '-' + Math.round(e.responseEnd)).join(', ')`)}
		deadline := time.Now().Add(10 * time.Second)
		for !tally.quiet(700*time.Millisecond) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		tally.mu.Lock()
		defer tally.mu.Unlock()
		f.requests, f.cached, f.notModified, f.kb = tally.requests, tally.cached, len(tally.revalidated), tally.bytes/1000
		wire := map[string]int64{}
		for id, u := range tally.urlOf {
			wire[u] = tally.status[u]
			if tally.revalidated[id] {
				wire[u] = 304
			}
		}
		for _, u := range tally.urls {
			f.paths = append(f.paths, fmt.Sprintf("%s %d", strings.TrimPrefix(u, base), wire[u]))
			if strings.Contains(u, "/js/") {
				f.modules++
			}
			if strings.Contains(u, "/i18n/") {
				f.langs++
			}
		}
		return f
	}
	return func() (cold, warm loadFigures) {
		cold = load("cold load", chromedp.Steps(
			chromedp.Navigate("about:blank"),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, network.ClearBrowserCache, cdp.Empty{})
				return err
			}),
			chromedp.Navigate(book)))
		return cold, load("warm load", chromedp.Reload())
	}
}

// medianFigures is the median of each figure over the loads.
func medianFigures(fs []loadFigures) loadFigures {
	med := func(get func(loadFigures) float64) float64 {
		var v []float64
		for _, f := range fs {
			v = append(v, get(f))
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return loadFigures{
		gridMs:      med(func(f loadFigures) float64 { return f.gridMs }),
		requests:    int(med(func(f loadFigures) float64 { return float64(f.requests) })),
		cached:      int(med(func(f loadFigures) float64 { return float64(f.cached) })),
		notModified: int(med(func(f loadFigures) float64 { return float64(f.notModified) })),
		kb:          med(func(f loadFigures) float64 { return f.kb }),
		modules:     int(med(func(f loadFigures) float64 { return float64(f.modules) })),
		langs:       int(med(func(f loadFigures) float64 { return float64(f.langs) })),
	}
}
