package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

type ctxKey int

const loggerKey ctxKey = iota

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Request.Context().Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// requestLog gives every request an id, a logger that carries it, and one
// log line when it ends. Query strings are left out: they can hold tokens.
func (s *Server) requestLog(c *gin.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Header("X-Request-ID", id)
	l := s.opts.Log.With("request_id", id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), loggerKey, l))
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	l.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", status, "bytes", c.Writer.Size(), "duration_ms", time.Since(start).Milliseconds(), "ip", c.ClientIP())
}

func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.fail(c, fmt.Errorf("panic: %v", r))
			}
		}
	}()
	c.Next()
}

const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.opts.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// uploadRoutes take files, so they get the larger upload limit.
var uploadRoutes = map[string]bool{
	"/ratifications/import":            true,
	"/api/v1/instruments/:code/import": true,
	"/api/v1/contacts/import":          true,
	"/contacts/import":                 true,
}

func (s *Server) limitBody(c *gin.Context) {
	limit := s.opts.BodyLimit
	if uploadRoutes[c.FullPath()] {
		limit = s.opts.UploadLimit
	}
	if c.Request.ContentLength > limit {
		s.fail(c, &http.MaxBytesError{Limit: limit})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

// crossOrigin refuses cross-site state changes from browsers. Requests that
// carry a Bearer token are exempt: they never read the cookie, so a forged
// request has nothing to ride on.
func (s *Server) crossOrigin(c *gin.Context) {
	if bearerToken(c.Request) != "" || c.FullPath() == "/u/:token" {
		// The unsubscribe endpoint is POSTed by mail providers from anywhere;
		// its signed token is the credential and it reads no cookie.
		c.Next()
		return
	}
	if err := s.csrf.Check(c.Request); err != nil {
		s.fail(c, &model.Error{Code: model.CodeForbidden, Message: "this request came from another site and was refused"})
		return
	}
	c.Next()
}

func notFoundRoute() error {
	return &model.Error{Code: model.CodeNotFound, Message: "there is no page at this address"}
}
