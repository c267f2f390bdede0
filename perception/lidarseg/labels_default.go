package lidarseg

import (
	_ "embed"
	"sync"
)

// semanticKITTI is the same file as params/semantic-kitti.yaml (a test
// keeps them equal), built in so that nodes work without a params tree.
//
//go:embed semantic_kitti.yaml
var semanticKITTI []byte

var (
	skOnce sync.Once
	skMap  *LabelMap
)

// SemanticKITTI returns the built-in SemanticKITTI label map: 20 classes
// (0 unlabeled, 1 car raw 10, ..., 9 road raw 40, ..., 19 traffic-sign raw
// 81), moving classes folded into static ones. The map is shared: do not
// modify it.
func SemanticKITTI() *LabelMap {
	skOnce.Do(func() {
		m, err := ParseLabelMap(semanticKITTI)
		if err != nil {
			panic("lidarseg: built-in label map: " + err.Error())
		}
		skMap = m
	})
	return skMap
}
