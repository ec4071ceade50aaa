package models

import (
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestBookableColumnsReadEverySiteField: bookable's statement names the
// site's columns one by one; a field added to Site must be read there too,
// or every booking would judge by its zero value.
func TestBookableColumnsReadEverySiteField(t *testing.T) {
	s, err := schema.Parse(&Site{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Fields {
		if f.DBName == "" {
			continue
		}
		if want := "sites." + f.DBName + " AS site__" + f.DBName; !strings.Contains(bookableColumns, want) {
			t.Errorf("bookableColumns lacks %q (Site.%s)", want, f.Name)
		}
	}
}
