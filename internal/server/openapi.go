package server

import (
	_ "embed" // the OpenAPI document
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument describes the /api/v1 JSON API in OpenAPI 3.1. It is
// embedded so that a binary serves the description of the routes it was
// built with; openapi_test.go holds the router and real responses to it.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the document without a login: it holds the API's shape and
// no data, and a client needs it before it has a token.
func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDocument)
}
