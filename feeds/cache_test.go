package feeds

import "testing"

func TestCache(t *testing.T) {
	c := newCache(1)
	c.put("a", &Calendar{version: "1"})
	if _, ok := c.get("a", "1"); !ok {
		t.Fatal("a rendering just stored is not found")
	}
	if cal, ok := c.get("a", "2"); ok || cal == nil {
		t.Fatal("a rendering of another version counts as current")
	}
	c.put("b", &Calendar{version: "1"})
	if _, ok := c.get("a", "1"); ok {
		t.Fatal("a full cache kept every entry")
	}
	off := newCache(-1)
	off.put("a", &Calendar{version: "1"})
	if _, ok := off.get("a", "1"); ok {
		t.Fatal("a cache of size -1 kept a rendering")
	}
}
