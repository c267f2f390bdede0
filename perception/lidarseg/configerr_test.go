package lidarseg

import (
	"errors"
	"testing"

	"github.com/gopercept/gopercept/internal/configerr"
)

// wantConfigErr fails t unless err is the shared configuration error naming
// param with reason.
func wantConfigErr(t *testing.T, what string, err error, param, reason string) {
	t.Helper()
	var ce *configerr.Error
	if !errors.Is(err, configerr.ErrInvalid) || !errors.As(err, &ce) || ce.Param != param || ce.Reason != reason {
		t.Errorf("%s: error %v, want %s: %s", what, err, param, reason)
	}
}
