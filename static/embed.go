// Package static holds Atelier's frontend: plain HTML, CSS and JavaScript
// modules embedded in the binary and served at /.
package static

import "embed"

// Files is the frontend, rooted at this folder.
//
//go:embed *.html *.css *.svg js i18n
var Files embed.FS
