package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium, headless, through the Chrome
// DevTools Protocol (chromedp). Nothing is downloaded: the browser is the
// one installed on the machine, and axe-core (the accessibility checker)
// is a file .ci/run fetched from the npm registry beforehand.

const (
	// chromiumEnv names the browser to run; defaultChromium is Debian's.
	chromiumEnv     = "GATEHOUSE_CHROMIUM"
	defaultChromium = "/usr/bin/chromium"
	// axeEnv names axe-core's axe.min.js. Without it the tests look where
	// .ci/run installs it: defaultAxe under the user's cache folder.
	axeEnv     = "GATEHOUSE_AXE_JS"
	defaultAxe = "gatehouse/axe-core/node_modules/axe-core/axe.min.js"

	// stepTimeout bounds one step of a flow: a click and the pages it
	// leads through, or one check.
	stepTimeout = 30 * time.Second
)

// inCI reports whether the tests run under CI (.ci/run sets CI=true),
// where what the browser tests need must be there: missing is a failure,
// not a skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// chromiumPath returns the browser to run, skipping the test (failing it
// under CI) when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv(chromiumEnv)
	if path == "" {
		path = defaultChromium
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (%v): install it with `apt-get install chromium` (.ci/run does), or point %s at a Chromium or Chrome",
			path, err, chromiumEnv)
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// axeSource returns axe-core's script, or "" (after saying why) when it is
// missing locally: the flows then run without the accessibility checks.
// Under CI a missing axe-core fails the test.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv(axeEnv)
	if path == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = filepath.Join(os.TempDir(), "cache")
		}
		path = filepath.Join(cache, defaultAxe)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("no axe-core at %s (%v): the accessibility checks need it; .ci/run installs it, or set %s to an axe.min.js", path, err, axeEnv)
		if inCI() {
			t.Fatal(msg)
		}
		t.Log(msg + "; the pages are not checked")
		return ""
	}
	return string(b)
}

// chrome is one headless Chromium shared by a test's flows, each flow in
// a browser context of its own (its own cookies, as a fresh profile).
type chrome struct {
	browser context.Context // a chromedp context holding the running browser
	axe     string          // axe-core's source; "" skips the accessibility checks
}

// startChrome starts Chromium for t; it ends when t's cleanup runs.
func startChrome(t *testing.T) *chrome {
	t.Helper()
	path := chromiumPath(t)
	c := &chrome{axe: axeSource(t)}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these Chromium reaches out to Google's services at start,
		// and on a closed network its own connections are then refused.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	// The first action on the first context starts the browser (and opens
	// a blank tab), on that context itself, whose end stops the browser:
	// never on a context with a timeout.
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	c.browser = ctx
	return c
}

// tab is a person's browser in one flow: a tab in a browser context of its
// own, which names the screenshots it takes after flow.
type tab struct {
	c     *chrome
	ctx   context.Context
	flow  string
	pages int // screenshots taken, numbering the next
}

// newTab opens a tab in a fresh browser context; it closes at t's cleanup.
func (c *chrome) newTab(t *testing.T, flow string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(c.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// As for the browser: the first action opens the tab, on the tab's own
	// context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &tab{c: c, ctx: ctx, flow: flow}
}

// do runs steps in the tab within stepTimeout.
func (b *tab) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates the JavaScript expression js in the page.
func eval[T any](t *testing.T, b *tab, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %.80q: %v", js, err)
	}
	return v
}

// open loads url, then looks at the page as step (see page).
func (b *tab) open(t *testing.T, step, url string) *network.Response {
	t.Helper()
	return b.follow(t, step, "open "+url, func(ctx context.Context) (*network.Response, error) {
		return chromedp.Run(ctx, chromedp.NavigateResponse(url))
	})
}

// click clicks the element sel (CSS) and follows the navigation it starts
// (through any redirects) to the page it ends on, looked at as step.
func (b *tab) click(t *testing.T, step, sel string) *network.Response {
	t.Helper()
	b.must(t, sel)
	click := chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)
	return b.follow(t, step, "click "+sel, func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, click)
	})
}

// follow runs navigate, which ends when a page has loaded, and looks at
// that page as step: the document's response.
func (b *tab) follow(t *testing.T, step, what string, navigate func(context.Context) (*network.Response, error)) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := navigate(ctx)
	if err != nil {
		t.Fatalf("%s (step %s): %v", what, step, err)
	}
	if resp == nil {
		t.Fatalf("%s (step %s): no response", what, step)
	}
	b.page(t, step)
	return resp
}

// page looks at the page the tab shows, as step of the flow: a screenshot,
// and axe-core's accessibility check.
func (b *tab) page(t *testing.T, step string) {
	t.Helper()
	eval[bool](t, b, `new Promise(r => document.readyState === "complete" ? r(true) : addEventListener("load", () => r(true)))`)
	b.screenshot(t, step)
	b.checkAccessibility(t, step)
}

// screenshot saves the whole page as <flow>-<nn>-<step>.png in the test's
// artifact directory (t.ArtifactDir). With `go test -artifacts` (the
// README's test command, which .ci/run runs) it is kept under _artifacts/
// in the directory go test runs in: Go 1.26 gives each subtest a folder
// _artifacts/<number>/, which `go test -v` prints as
// "=== ARTIFACTS TestBrowser/<Subtest> <folder>", and this logs each file.
// Without -artifacts it is a temporary folder, removed after the test.
func (b *tab) screenshot(t *testing.T, step string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot of %s: %v", step, err)
	}
	b.pages++
	name := fmt.Sprintf("%s-%02d-%s.png", b.flow, b.pages, step)
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// axeViolation is one rule axe-core found broken, and where.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

func (v axeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s [%s] at %s", v.ID, v.Impact, v.Help, v.HelpURL, strings.Join(v.Targets, ", "))
}

// axeTags are the rules run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}

// checkAccessibility runs axe-core in the page and fails the test on every
// serious or critical violation; lesser ones are logged. The pages follow
// the system's colour scheme, so contrast is checked again in dark mode.
//
// The script goes in through the DevTools protocol (Runtime.evaluate),
// which the page's Content-Security-Policy does not govern: the pages keep
// their real policy, and what the screenshots show is what a person's
// browser shows.
func (b *tab) checkAccessibility(t *testing.T, step string) {
	t.Helper()
	if b.c.axe == "" {
		return
	}
	if eval[bool](t, b, `typeof axe === "undefined"`) {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](b.c.axe)); err != nil {
			t.Fatalf("loading axe-core into %s: %v", step, err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	b.reportAxe(t, step, "", `{runOnly: {type: "tag", values: `+string(tags)+`}}`)

	b.colorScheme(t, "dark")
	defer b.colorScheme(t, "")
	b.reportAxe(t, step, " in dark mode", `{runOnly: {type: "rule", values: ["color-contrast", "link-in-text-block"]}}`)
}

// reportAxe runs axe-core with options (a JavaScript object) and reports
// what it finds, as checkAccessibility says.
func (b *tab) reportAxe(t *testing.T, step, mode, options string) {
	t.Helper()
	found := eval[[]axeViolation](t, b, `axe.run(document, `+options+`).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
			targets: v.nodes.map(n => JSON.stringify(n.target))})))`)
	where := fmt.Sprintf("%s (%s, %s)%s", b.path(t), b.flow, step, mode)
	for _, v := range found {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("accessibility of %s: %s", where, v)
		} else {
			t.Logf("accessibility of %s, not failing: %s", where, v)
		}
	}
}

// colorScheme makes the page's prefers-color-scheme scheme ("dark"), or
// the browser's own again ("").
func (b *tab) colorScheme(t *testing.T, scheme string) {
	t.Helper()
	params := emulation.SetEmulatedMediaParams{}
	if scheme != "" {
		params.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, params); err != nil {
		t.Fatalf("colour scheme %q: %v", scheme, err)
	}
}

// must fails the test unless the page has an element sel (CSS): a missing
// element fails at once rather than after a query's timeout.
func (b *tab) must(t *testing.T, sel string) {
	t.Helper()
	if !b.has(t, sel) {
		t.Fatalf("%s: no %s on %s: %.600s", b.flow, sel, b.location(t), b.text(t, "body"))
	}
}

// has reports whether the page has an element sel (CSS).
func (b *tab) has(t *testing.T, sel string) bool {
	t.Helper()
	q, _ := json.Marshal(sel)
	return eval[bool](t, b, `document.querySelector(`+string(q)+`) !== null`)
}

// text returns the text of the first element sel (CSS), "" if none.
func (b *tab) text(t *testing.T, sel string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	return eval[string](t, b, `(document.querySelector(`+string(q)+`) || {innerText: ""}).innerText`)
}

// attr returns the attribute name of the first element sel (CSS).
func (b *tab) attr(t *testing.T, sel, name string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	n, _ := json.Marshal(name)
	return eval[string](t, b, `(document.querySelector(`+string(q)+`) || {getAttribute: () => ""}).getAttribute(`+string(n)+`) || ""`)
}

// location returns the page's URL.
func (b *tab) location(t *testing.T) string {
	t.Helper()
	return eval[string](t, b, `location.href`)
}

// path returns the page's URL path.
func (b *tab) path(t *testing.T) string {
	t.Helper()
	return eval[string](t, b, `location.pathname`)
}

// typeInto types s into the field sel (CSS), after clearing what it held.
func (b *tab) typeInto(t *testing.T, sel, s string) {
	t.Helper()
	b.must(t, sel)
	eval[string](t, b, `document.querySelector(`+mustJSON(sel)+`).value = ""`)
	b.do(t, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), s))
	if got := eval[string](t, b, `document.querySelector(`+mustJSON(sel)+`).value`); got != s {
		t.Fatalf("typed %q into %s, it holds %q", s, sel, got)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// wantText fails the test unless the page's element sel (CSS) contains
// each of wants.
func (b *tab) wantText(t *testing.T, sel string, wants ...string) {
	t.Helper()
	got := b.text(t, sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s at %s: %s lacks %q: %.600s", b.flow, b.location(t), sel, w, got)
		}
	}
}
