package pointcloud

import (
	"errors"
	"fmt"
)

// Sentinels for layout problems; LayoutError wraps one of them.
var (
	ErrNoField   = errors.New("missing field")
	ErrDatatype  = errors.New("unknown datatype")
	ErrPointStep = errors.New("point_step smaller than its fields")
	ErrRowStep   = errors.New("row_step smaller than width × point_step")
	ErrShortData = errors.New("data shorter than the layout needs")
	ErrTooLarge  = errors.New("cloud larger than the configured limit")
)

// LayoutError says what is wrong with a cloud's layout.
type LayoutError struct {
	Field  string // the field concerned, if any
	Detail string
	Err    error
}

func (e *LayoutError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("pointcloud: field %q: %v: %s", e.Field, e.Err, e.Detail)
	}
	return fmt.Sprintf("pointcloud: %v: %s", e.Err, e.Detail)
}

func (e *LayoutError) Unwrap() error { return e.Err }
