package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// renderAll renders every item of a list, in order, as its response type.
// An empty list renders as [] (make, never a nil slice that would be null).
func renderAll[T, J any](list []T, render func(*T) J) []J {
	out := make([]J, len(list))
	for i := range list {
		out[i] = render(&list[i])
	}
	return out
}

// getByID answers a GET of what the path's :id names: load reads it (its
// error, not_found for an unknown id, is the answer), render gives its
// response type.
func getByID[T, J any](c echo.Context, load func(context.Context, int64) (*T, error), render func(*T) J) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := load(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, render(v))
}
