package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

// statusFor is the one place where error codes become HTTP statuses.
func statusFor(code model.Code) int {
	switch code {
	case model.CodeInvalid, model.CodeInvalidJSON:
		return http.StatusBadRequest
	case model.CodeUnauthorized, model.CodeInvalidCreds:
		return http.StatusUnauthorized
	case model.CodeForbidden:
		return http.StatusForbidden
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case model.CodeConflict:
		return http.StatusConflict
	case model.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case model.CodeUnprocessable:
		return http.StatusUnprocessableEntity
	case model.CodeTooManyAttempts:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    model.Code        `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify turns any error into a coded one; unknown errors become an
// internal error whose cause is logged and never shown.
func (s *Server) classify(c *gin.Context, err error) *model.Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &model.Error{Code: model.CodeTooLarge, Message: "the request body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	}
	e, ok := model.AsError(err)
	if !ok || statusFor(e.Code) == http.StatusInternalServerError {
		logger(c).ErrorContext(c.Request.Context(), "request failed", "err", err)
		return &model.Error{Code: model.CodeInternal, Message: "something went wrong on our side; it has been logged"}
	}
	return e
}

// fail answers an error as JSON under /api and as a page elsewhere.
func (s *Server) fail(c *gin.Context, err error) {
	e := s.classify(c, err)
	status := statusFor(e.Code)
	if e.RetryAfterSeconds > 0 {
		c.Header("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	if isAPI(c) {
		c.AbortWithStatusJSON(status, errorBody{errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}})
		return
	}
	if status == http.StatusUnauthorized && e.Code == model.CodeUnauthorized {
		s.redirectToLogin(c)
		return
	}
	c.Abort()
	s.render(c, status, "error.html", "Error", errorPage{Status: status, Message: e.Message, Fields: e.Fields})
}

type errorPage struct {
	Status  int
	Message string
	Fields  map[string]string
}

func isAPI(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/")
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }
