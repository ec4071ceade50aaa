// Package i18n gives the server the words the frontend speaks: it reads the
// same translation files (static/i18n/*.json), so a calendar feed, a
// notification and an email say what the screen says, in French, Dutch or
// English.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"atelier/models"
	"atelier/static"
)

// Languages are the languages Atelier speaks; the first is the fallback.
var languages = []string{"en", "fr", "nl"}

// Catalog holds the translations of every language.
type Catalog struct {
	words map[string]map[string]string
}

// Load reads i18n/<lang>.json for every language from fsys. It fails when
// a file is missing or is not a JSON object of strings.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{words: map[string]map[string]string{}}
	for _, lang := range languages {
		b, err := fs.ReadFile(fsys, "i18n/"+lang+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n/%s.json: %w", lang, err)
		}
		c.words[lang] = m
	}
	return c, nil
}

// Default is the catalog of the embedded frontend.
func Default() *Catalog {
	c, err := Load(static.Files)
	if err != nil {
		panic("the embedded translations do not load: " + err.Error())
	}
	return c
}

// T returns the text of key in lang (English when lang lacks it, the key
// itself when no language has it) with each {name} replaced by args[name].
func (c *Catalog) T(lang, key string, args map[string]string) string {
	s, ok := c.words[lang][key]
	if !ok {
		if s, ok = c.words["en"][key]; !ok {
			s = key
		}
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(args))
	for k, v := range args {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Lang returns lang when Atelier speaks it, else the fallback.
func Lang(lang string) string {
	for _, l := range languages {
		if l == lang {
			return l
		}
	}
	return languages[0]
}

// When writes an instant on the site's wall clock in lang's layout
// (day first in French and Dutch, as a Belgian reads it).
func (c *Catalog) When(lang string, t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(c.T(lang, "notify.date_layout", nil))
}

// Notice returns the subject and the sentence of a notification in lang.
func (c *Catalog) Notice(lang string, n *models.Notification) (subject, message string) {
	lang = Lang(lang)
	p := n.Params
	args := map[string]string{
		"resource": p.Resource, "when": c.When(lang, p.Start, p.Timezone), "member": p.Member,
		"reason": p.Reason, "count": strconv.Itoa(p.Count),
	}
	key := "notify." + n.Kind
	if p.Count > 1 {
		key += "_series"
	}
	if (n.Kind == models.KindBookingCancelled || n.Kind == models.KindBookingRejected) && p.Reason == "" {
		key += "_noreason"
	}
	return c.T(lang, "notify.subject."+n.Kind, args), c.T(lang, key, args)
}
