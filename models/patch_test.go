package models

import (
	"reflect"
	"testing"
)

// TestPatchFieldsExist checks that each change type names only fields of
// its entity, of the same type, so applyPatch can never panic.
func TestPatchFieldsExist(t *testing.T) {
	for _, c := range []struct{ patch, entity any }{
		{SitePatch{}, Site{}}, {ZonePatch{}, Zone{}}, {ResourcePatch{}, Resource{}},
	} {
		pt, et := reflect.TypeOf(c.patch), reflect.TypeOf(c.entity)
		for i := range pt.NumField() {
			f := pt.Field(i)
			ef, ok := et.FieldByName(f.Name)
			if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Elem() != ef.Type {
				t.Errorf("%s.%s has no field of type %s in %s", pt.Name(), f.Name, f.Type, et.Name())
			}
		}
	}
}

func TestApplyPatch(t *testing.T) {
	name, slot := "Laser", 30
	r := Resource{Name: "old", SlotMinutes: 15, Capacity: 1}
	p := ResourcePatch{Name: &name, SlotMinutes: &slot}
	p.ApplyTo(&r)
	if r.Name != "Laser" || r.SlotMinutes != 30 || r.Capacity != 1 {
		t.Fatalf("applied: %+v", r)
	}
}
