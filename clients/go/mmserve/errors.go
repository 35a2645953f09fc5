package mmserve

import (
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is what every call returns when the server (or gRPC on the way) answers with a status
// other than OK: the gRPC code, the server's message and the field violations of the
// google.rpc.BadRequest the server puts in the status details for an error about one field.
// Find it with errors.As. Errors found before anything is sent (an unreadable image file, an
// option a call does not take) are plain errors, not *Error.
type Error struct {
	// Code is the gRPC status code: INVALID_ARGUMENT for bad input, UNAVAILABLE for overload
	// (retryable), DEADLINE_EXCEEDED when the context's deadline passed, and so on.
	Code codes.Code
	// Message is the server's description, naming the item and the rule.
	Message string
	// Violations are the google.rpc.BadRequest field violations; empty when the status has none.
	Violations []FieldViolation

	status *status.Status
}

// FieldViolation names a field of the request ("images[2]", "pairs[1].image", "labels") and the
// rule it broke.
type FieldViolation struct {
	Field       string
	Description string
}

func (e *Error) Error() string {
	return fmt.Sprintf("mmserve: %s: %s", e.Code, e.Message)
}

// GRPCStatus is the status the error came from, so status.FromError and status.Code see through it.
func (e *Error) GRPCStatus() *status.Status {
	return e.status
}

// Violation returns the violation of field, if the error has one.
func (e *Error) Violation(field string) (FieldViolation, bool) {
	for _, v := range e.Violations {
		if v.Field == field {
			return v, true
		}
	}
	return FieldViolation{}, false
}

// AsError turns an error of a gRPC call (for example of Client.API's stub) into an *Error; an
// error that carries no gRPC status is returned as it is, and nil stays nil.
func AsError(err error) error {
	if err == nil {
		return nil
	}
	var mapped *Error
	if errors.As(err, &mapped) {
		return mapped
	}
	s, ok := status.FromError(err)
	if !ok {
		return err
	}
	result := &Error{Code: s.Code(), Message: s.Message(), status: s}
	for _, detail := range s.Details() {
		if badRequest, ok := detail.(*errdetails.BadRequest); ok {
			for _, v := range badRequest.GetFieldViolations() {
				result.Violations = append(result.Violations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		}
	}
	return result
}
