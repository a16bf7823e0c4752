package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/web"
)

// assets serves the embedded static files under content-hashed URLs, so they
// can be cached for a year and still change with every release.
type assets struct {
	files  map[string][]byte
	hashes map[string]string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hashes: map[string]string{}}
	err := fs.WalkDir(web.Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.Static, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		a.files[name] = b
		a.hashes[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	return a, nil
}

// url is the template function that names an asset by its content.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hashes[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + h + "/" + name, nil
}

func (s *Server) static(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("path")), "/")
	b, ok := s.assets.files[name]
	if !ok {
		s.fail(c, notFoundRoute())
		return
	}
	if c.Param("hash") == s.assets.hashes[name] {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Data(http.StatusOK, ct, b)
}

func (s *Server) favicon(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/svg+xml", s.assets.files["favicon.svg"])
}
