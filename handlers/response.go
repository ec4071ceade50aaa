package handlers

import (
	"atelier/models"
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

// patchByID answers a PATCH of what the path's :id names: save applies the
// body, read as a P, and returns what it made, which render gives as its
// response type.
func patchByID[P, T, J any](c echo.Context, save func(context.Context, int64, P) (*T, error), render func(*T) J) error {
	var req P
	id, err := pathIDAndBody(c, decode, &req)
	if err != nil {
		return err
	}
	v, err := save(c.Request().Context(), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, render(v))
}

// createFromPatch answers a POST that makes a new T from a body read as P,
// the entity's one change type (PATCH reads the same), applied to a zero T:
// save stores it, and the answer is 201 with what render makes of it.
func createFromPatch[P, T any, PP interface {
	*P
	ApplyTo(*T)
}, J any](c echo.Context, save func(context.Context, *T) error, render func(*T) J) error {
	var req P
	if err := decode(c, &req); err != nil {
		return err
	}
	v := new(T)
	PP(&req).ApplyTo(v)
	if err := save(c.Request().Context(), v); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, render(v))
}

// deleteChild answers a DELETE of what the path's :id and its child
// parameter name together (a member's certification, a resource's
// closure): remove deletes it as the caller, and the answer is 204.
func deleteChild(c echo.Context, child string, remove func(context.Context, *models.User, int64, int64) error) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(c, child)
	if err != nil {
		return err
	}
	if err := remove(c.Request().Context(), actor(c), id, cid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
