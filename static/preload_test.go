package static

import (
	"regexp"
	"slices"
	"testing"
)

var (
	preloadLink  = regexp.MustCompile(`<link rel="modulepreload" href="js/([\w-]+\.js)">`)
	staticImport = regexp.MustCompile(`(?m)^import [^;]*? from '\./([\w-]+\.js)';`)
)

// TestBookModulesPreloaded: index.html preloads exactly the modules a Book
// screen runs (main.js's static imports and book.js's, all the way down),
// so that a module added to Book is fetched at once too, and one taken out
// is not fetched for nothing.
func TestBookModulesPreloaded(t *testing.T) {
	html, err := Files.ReadFile("index.html")
	if err != nil {
		t.Fatal(err)
	}
	var preloaded []string
	for _, m := range preloadLink.FindAllStringSubmatch(string(html), -1) {
		preloaded = append(preloaded, m[1])
	}
	need := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if need[name] {
			return
		}
		need[name] = true
		src, err := Files.ReadFile("js/" + name)
		if err != nil {
			t.Fatalf("js/%s: %v", name, err)
		}
		for _, m := range staticImport.FindAllStringSubmatch(string(src), -1) {
			walk(m[1])
		}
	}
	walk("main.js")
	walk("book.js")
	delete(need, "main.js") // the page's own script
	var want []string
	for name := range need {
		want = append(want, name)
	}
	slices.Sort(want)
	slices.Sort(preloaded)
	if !slices.Equal(preloaded, want) {
		t.Errorf("index.html preloads\n  %v\nBook runs\n  %v", preloaded, want)
	}
}
