package handlers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// asset is one file of the frontend, read once at start-up: its bytes,
// their gzip form when that is smaller, and a validator derived from the
// bytes, so every server of one build answers the same ETag. The tag is
// weak: the gzip and identity forms are the same file, not the same bytes.
type asset struct {
	body, gzipped []byte
	etag, ctype   string
}

// assets reads every file of fsys.
func assets(fsys fs.FS) (map[string]*asset, error) {
	out := map[string]*asset{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := &asset{body: b, etag: `W/"` + hex.EncodeToString(sum[:12]) + `"`,
			ctype: mime.TypeByExtension(path.Ext(p))}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		if z.Len() < len(b) {
			a.gzipped = z.Bytes()
		}
		out["/"+p] = a
		return nil
	})
	return out, err
}

// handleStatic serves the frontend: compressed where the client takes
// gzip, revalidated with its ETag on every visit (no-cache: file names
// carry no version, so a new release must be seen at once). Revalidation
// and HEAD are net/http's; ranges and preconditions are ignored (as HTTP
// allows), since their refusals (416, 412) would be net/http's plain text
// rather than the contract's error shape, and no screen needs part of a
// file.
func handleStatic(files map[string]*asset) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		if p == "/" {
			p = "/index.html"
		}
		a, ok := files[p]
		if !ok {
			return echo.ErrNotFound
		}
		h := c.Response().Header()
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		h.Set("Content-Type", a.ctype)
		body := a.body
		if a.gzipped != nil && acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		req := c.Request()
		for _, name := range []string{"Range", "If-Range", "If-Match", "If-Unmodified-Since"} {
			req.Header.Del(name)
		}
		http.ServeContent(c.Response(), req, p, time.Time{}, bytes.NewReader(body))
		return nil
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip, unless given q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
