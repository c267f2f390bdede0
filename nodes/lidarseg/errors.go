package lidarsegnode

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinel errors of the node; an invalid parameter value is the shared
// *configerr.Error naming the ROS parameter (paramErr).
var (
	// ErrModel marks a model that does not follow the RangeNet++ contract.
	ErrModel = errors.New("lidarseg node: model outside the RangeNet++ contract")
	// ErrCloud marks a cloud the node cannot label.
	ErrCloud = errors.New("lidarseg node: invalid cloud")
)

// paramErr reports the ROS parameter name given value as the shared
// *configerr.Error (errors.Is(err, configerr.ErrInvalid)), in the node's
// context.
func paramErr(name string, value any, format string, args ...any) error {
	return fmt.Errorf("lidarseg node: %w", configerr.New(name, value, format, args...))
}
