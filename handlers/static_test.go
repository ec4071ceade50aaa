package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"atelier/handlers"
	"atelier/internal/apitest"
	"atelier/models"
	"atelier/static"
)

// staticServer serves the embedded frontend; its func sends one request
// with header's name-value pairs and answers the recording.
func staticServer(t *testing.T) func(method, path string, header ...string) *httptest.ResponseRecorder {
	db, err := models.Open(context.Background(), apitest.SQLiteDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := handlers.New(db, handlers.Config{PublicURL: "http://atelier.test", Static: static.Files})
	return func(method, path string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
}

// TestStaticFilesAreCompressedAndRevalidated: the frontend is sent
// compressed to clients that take gzip, with an ETag that a revisit
// revalidates (304), and an unknown file is the contract's 404.
func TestStaticFilesAreCompressedAndRevalidated(t *testing.T) {
	serve := staticServer(t)
	get := func(path string, header ...string) *httptest.ResponseRecorder { return serve("GET", path, header...) }
	want, _ := static.Files.ReadFile("js/main.js")
	r := get("/js/main.js", "Accept-Encoding", "br, gzip")
	if r.Code != 200 || r.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/javascript") ||
		r.Header().Get("Cache-Control") != "no-cache" || r.Header().Get("ETag") == "" || r.Body.Len() >= len(want) {
		t.Fatalf("main.js with gzip: %d %v (%d bytes of %d)", r.Code, r.Header(), r.Body.Len(), len(want))
	}
	z, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(z)
	if !bytes.Equal(got, want) {
		t.Fatalf("the compressed body is not the file")
	}
	plain := get("/js/main.js", "Accept-Encoding", "gzip;q=0")
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), want) {
		t.Fatalf("a client refusing gzip got %v", plain.Header())
	}
	if again := get("/js/main.js", "If-None-Match", r.Header().Get("ETag")); again.Code != 304 || again.Body.Len() != 0 {
		t.Fatalf("revalidation: %d", again.Code)
	}
	if index := get("/"); index.Code != 200 || !strings.HasPrefix(index.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("/: %d %v", index.Code, index.Header())
	}
	for _, p := range []string{"/nope.js", "/js/../index.html", "/embed.go"} {
		if r := get(p); r.Code != 404 || !strings.Contains(r.Body.String(), `"not_found"`) {
			t.Fatalf("%s: %d %s", p, r.Code, r.Body)
		}
	}
}

// TestStaticFilesAnswerHeadAndIgnoreRanges: the frontend answers HEAD
// with the headers of GET and no body; a byte range or a precondition is
// ignored (the whole file, never net/http's plain-text 416 or 412); the
// weak validator revalidates either encoding.
func TestStaticFilesAnswerHeadAndIgnoreRanges(t *testing.T) {
	do := staticServer(t)
	want, _ := static.Files.ReadFile("index.html")
	head := do("HEAD", "/")
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(len(want)) ||
		!strings.HasPrefix(head.Header().Get("Content-Type"), "text/html") || head.Header().Get("ETag") == "" {
		t.Fatalf("HEAD /: %d %v (%d bytes)", head.Code, head.Header(), head.Body.Len())
	}
	for _, h := range [][]string{{"Range", "bytes=0-9"}, {"Range", fmt.Sprintf("bytes=%d-", len(want)+10)},
		{"If-Match", `"something-else"`}, {"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}} {
		if r := do("GET", "/index.html", h...); r.Code != 200 || !bytes.Equal(r.Body.Bytes(), want) {
			t.Fatalf("%s: %s: want the whole file, got %d %v", h[0], h[1], r.Code, r.Header())
		}
	}
	tag := head.Header().Get("ETag")
	if !strings.HasPrefix(tag, `W/"`) {
		t.Fatalf("the gzip and identity forms share a tag, so it must be weak: %s", tag)
	}
	for _, enc := range []string{"gzip", "identity"} {
		if r := do("GET", "/", "If-None-Match", tag, "Accept-Encoding", enc); r.Code != 304 {
			t.Fatalf("revalidating with %s: %d", enc, r.Code)
		}
	}
	if r := do("GET", "/", "If-None-Match", `"something-else"`); r.Code != 200 || !bytes.Equal(r.Body.Bytes(), want) {
		t.Fatalf("another tag: %d", r.Code)
	}
}
