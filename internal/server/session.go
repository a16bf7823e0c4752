package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

const (
	sessionCookie = "ratify_session"
	actorKey      = "ratify.actor"
)

// bearerToken returns the token of an Authorization: Bearer header.
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate identifies the user from a Bearer token or, for browsers, the
// session cookie. A request with an Authorization header never reads the
// cookie. A bad token leaves the request anonymous; requireUser answers 401.
func (s *Server) authenticate(c *gin.Context) {
	a := service.Actor{IP: c.ClientIP()}
	var tok string
	if c.GetHeader("Authorization") != "" {
		tok = bearerToken(c.Request)
		if tok == "" {
			c.Set("ratify.badauth", true)
		}
	} else if ck, err := c.Cookie(sessionCookie); err == nil {
		tok = ck
	}
	if tok != "" {
		u, err := s.svc.Authenticate(c.Request.Context(), tok)
		switch {
		case err == nil:
			a.User = u
		case model.ErrorCode(err) == model.CodeUnauthorized:
			c.Set("ratify.badauth", true)
		default:
			s.fail(c, err)
			return
		}
	}
	c.Set(actorKey, a)
	c.Next()
}

func actor(c *gin.Context) service.Actor {
	a, _ := c.Get(actorKey)
	act, _ := a.(service.Actor)
	return act
}

func (s *Server) requireUser(c *gin.Context) {
	if actor(c).User == nil {
		s.fail(c, &model.Error{Code: model.CodeUnauthorized, Message: "sign in first"})
		return
	}
	c.Next()
}

func (s *Server) redirectToLogin(c *gin.Context) {
	if c.Request.Method == http.MethodGet {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	} else {
		c.Redirect(http.StatusSeeOther, "/login")
	}
	c.Abort()
}

func (s *Server) setSessionCookie(c *gin.Context, sess *service.Session) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: sess.Token, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(time.Until(sess.ExpiresAt).Seconds()), HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

type loginView struct {
	Email   string
	Next    string
	Message string
}

func (s *Server) loginPage(c *gin.Context) {
	if actor(c).User != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	s.render(c, http.StatusOK, "login.html", "Sign in", loginView{Next: safeNext(c.Query("next"))})
}

func (s *Server) loginSubmit(c *gin.Context) {
	email, pw, next := c.PostForm("email"), c.PostForm("password"), safeNext(c.PostForm("next"))
	sess, err := s.svc.Login(c.Request.Context(), email, pw, c.ClientIP())
	if err != nil {
		e := s.classify(c, err)
		if e.RetryAfterSeconds > 0 {
			c.Header("Retry-After", itoa(e.RetryAfterSeconds))
		}
		s.render(c, statusFor(e.Code), "login.html", "Sign in", loginView{Email: email, Next: next, Message: e.Message})
		return
	}
	s.setSessionCookie(c, sess)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logoutSubmit(c *gin.Context) {
	if err := s.svc.Logout(c.Request.Context(), actor(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.clearSessionCookie(c)
	s.flash(c, "You are signed out.")
	c.Redirect(http.StatusSeeOther, "/login")
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
}

func (s *Server) apiLogin(c *gin.Context) {
	var in loginRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	fe := model.FieldErrors{}
	if strings.TrimSpace(in.Email) == "" {
		fe.Add("email", "required")
	}
	if in.Password == "" {
		fe.Add("password", "required")
	}
	if err := fe.Err(); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.svc.Login(c.Request.Context(), in.Email, in.Password, c.ClientIP())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, loginResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt.UTC(), User: toUserJSON(sess.User)})
}

func (s *Server) apiLogout(c *gin.Context) {
	if err := s.svc.Logout(c.Request.Context(), actor(c)); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiMe(c *gin.Context) {
	c.JSON(http.StatusOK, toUserJSON(actor(c).User))
}
