package handlers

import (
	"bytes"
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the contract's complete description, as served: a copy,
// so that no caller can change what the server answers.
func OpenAPI() []byte { return bytes.Clone(openAPI) }

func (s *server) handleOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", openAPI)
}
