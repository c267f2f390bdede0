package lidarsegnode

import "errors"

// Sentinel errors of the node.
var (
	// ErrModel marks a model that does not follow the RangeNet++ contract.
	ErrModel = errors.New("lidarseg node: model outside the RangeNet++ contract")
	// ErrParam marks an invalid parameter value.
	ErrParam = errors.New("lidarseg node: invalid parameter")
	// ErrCloud marks a cloud the node cannot label.
	ErrCloud = errors.New("lidarseg node: invalid cloud")
)
