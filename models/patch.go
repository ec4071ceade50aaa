package models

import "reflect"

// applyPatch copies every non-nil pointer field of patch (a pointer to a
// change type such as *ResourcePatch) onto the field of the same name of
// dst (a pointer to the entity). Change types hold only fields their
// entity has; TestPatchFieldsExist keeps it so.
func applyPatch(patch, dst any) {
	pv, dv := reflect.ValueOf(patch).Elem(), reflect.ValueOf(dst).Elem()
	for i := range pv.NumField() {
		if f := pv.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			dv.FieldByName(pv.Type().Field(i).Name).Set(f.Elem())
		}
	}
}
