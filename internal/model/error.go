// Package model holds Ratify's entities, their validation and the coded error
// type that every layer returns and that the server maps to HTTP in one place.
package model

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients; the server maps each code to one status.
type Code string

const (
	CodeInvalid          Code = "invalid"
	CodeInvalidJSON      Code = "invalid_json"
	CodeUnauthorized     Code = "unauthorized"
	CodeInvalidCreds     Code = "invalid_credentials"
	CodeForbidden        Code = "forbidden"
	CodeNotFound         Code = "not_found"
	CodeConflict         Code = "conflict"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeTooLarge         Code = "too_large"
	CodeUnprocessable    Code = "unprocessable"
	CodeTooManyAttempts  Code = "too_many_attempts"
	CodeInternal         Code = "internal"
)

// Error is the one error type that crosses layer boundaries with a meaning.
// Fields carries a message per input field for forms and API clients.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	// RetryAfterSeconds is set on too_many_attempts answers.
	RetryAfterSeconds int
	// Err is the wrapped cause, kept for logs and never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a coded error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the answer for missing records and for records the actor may not see.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Forbidden is the answer for an action the actor's role does not allow.
func Forbidden() *Error {
	return &Error{Code: CodeForbidden, Message: "your role does not allow this"}
}

// ErrorCode returns the code of err, or CodeInternal when err carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// AsError returns err as *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records the first message for a field.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when there are no messages, else an invalid-input error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "please correct the highlighted fields", Fields: map[string]string(f)}
}
