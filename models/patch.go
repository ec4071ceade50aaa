package models

import (
	"reflect"

	"gorm.io/gorm"
)

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

// patchLocked reads row id of T under its row lock (what names it in a
// not_found *Error), applies patch and checks the result by the rules of
// a create, so that a PATCH cannot store what a create would refuse.
func patchLocked[T any, PT interface {
	*T
	validate() error
}, P interface{ ApplyTo(*T) }](tx *gorm.DB, id int64, what string, patch P) (*T, error) {
	v, err := first[T](forUpdate(tx), id, what)
	if err != nil {
		return nil, err
	}
	patch.ApplyTo(v)
	if err := PT(v).validate(); err != nil {
		return nil, err
	}
	return v, nil
}
