package configerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorNamesParamValueReason(t *testing.T) {
	err := fmt.Errorf("lidarseg: %w", New("projection.height", 0, "must be at least %d", 1))
	if got, want := err.Error(), "lidarseg: invalid configuration: projection.height = 0: must be at least 1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Param != "projection.height" || ce.Value != 0 || !errors.Is(err, ErrInvalid) {
		t.Errorf("errors.As/Is lost the parameter: %#v", ce)
	}
	if got := New("head.Config.Tasks", nil, "empty").Error(); got != "invalid configuration: head.Config.Tasks: empty" {
		t.Errorf("without a value: %q", got)
	}
}
