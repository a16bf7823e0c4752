package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
)

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields,
// wrong types and trailing data, each with a message that names the problem.
func decodeJSON(c *gin.Context, dst any) error {
	if ct := c.ContentType(); ct != "application/json" {
		return &model.Error{Code: model.CodeInvalidJSON, Message: "send a JSON body with Content-Type: application/json"}
	}
	body := bufio.NewReader(c.Request.Body)
	if err := expectObject(body); err != nil {
		return err
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &model.Error{Code: model.CodeInvalidJSON, Message: "the body holds more than one JSON value"}
	}
	return nil
}

// expectObject skips leading white space and refuses a body that does not
// start an object: decoding null into a struct would otherwise succeed and
// leave it empty, so a PATCH with body null answered 200.
func expectObject(r *bufio.Reader) error {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return jsonError(err)
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return r.UnreadByte()
		}
		return &model.Error{Code: model.CodeInvalidJSON, Message: "send a JSON object"}
	}
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return &model.Error{Code: model.CodeInvalidJSON, Message: "the request body is empty; send a JSON object"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return &model.Error{Code: model.CodeInvalidJSON, Message: "the body is not valid JSON"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return &model.Error{Code: model.CodeInvalidJSON, Message: "send a JSON object"}
		}
		return &model.Error{Code: model.CodeInvalid, Message: "a field has the wrong type",
			Fields: map[string]string{field: fmt.Sprintf("must be a %s", jsonKind(typ.Type.Kind().String()))}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &model.Error{Code: model.CodeInvalid, Message: "the body has a field this endpoint does not take",
			Fields: map[string]string{name: "unknown field"}}
	}
	return &model.Error{Code: model.CodeInvalidJSON, Message: "the body could not be read as JSON"}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return k
}

// listBody is the shape of every list answer.
type listBody[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func newList[T any](items []T, total int64, p model.Page) listBody[T] {
	p = p.Normalize()
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, Total: total, Page: p.Number, PerPage: p.PerPage}
}

// pageParams reads page and per_page; bad numbers are a 400 that names them.
func pageParams(c *gin.Context) (model.Page, error) {
	fe := model.FieldErrors{}
	num := func(name string) int {
		v := c.Query(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			fe.Add(name, "must be a whole number from 1")
			return 0
		}
		return n
	}
	p := model.Page{Number: num("page"), PerPage: num("per_page")}
	return p.Normalize(), fe.Err()
}

// idParam reads a positive integer path parameter; anything else is not found.
func idParam(c *gin.Context, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.NotFound(what)
	}
	return id, nil
}
