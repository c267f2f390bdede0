package lidarseg

import (
	"fmt"
	"os"
	"sort"

	"gopkg.in/yaml.v3"
)

// MaxLabelMapSize caps the size of a label-map file in bytes.
const MaxLabelMapSize = 1 << 20

// LabelMap is a SemanticKITTI-style label configuration: raw dataset label
// ids (as in SemanticKITTI's .label files, lower 16 bits), their names and
// colours, and the learning map between raw ids and a model's class
// indices.
type LabelMap struct {
	// Names maps raw ids to names ("car").
	Names map[int]string
	// Colours maps raw ids to RGB colours (the file holds BGR).
	Colours map[int][3]uint8
	// Learning maps raw ids to class indices; raw ids it lacks map to 0.
	Learning map[int]int
	// Inverse maps class indices to the raw id written for them.
	Inverse []uint16
	// Ignore marks classes left out of training and metrics (class 0).
	Ignore []bool

	toClass []uint16 // dense Learning, indexed by raw id
}

// labelFile is the YAML layout of SemanticKITTI's semantic-kitti.yaml.
type labelFile struct {
	Labels         map[int]string `yaml:"labels"`
	ColorMap       map[int][]int  `yaml:"color_map"`
	LearningMap    map[int]int    `yaml:"learning_map"`
	LearningMapInv map[int]int    `yaml:"learning_map_inv"`
	LearningIgnore map[int]bool   `yaml:"learning_ignore"`
	Extra          map[string]any `yaml:",inline"`
}

// LoadLabelMap reads a label map from a YAML file.
func LoadLabelMap(path string) (*LabelMap, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLabelMap, err)
	}
	if st.Size() > MaxLabelMapSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, limit %d", ErrLabelMap, path, st.Size(), MaxLabelMapSize)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLabelMap, err)
	}
	m, err := ParseLabelMap(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseLabelMap reads a label map from YAML: labels, color_map (BGR),
// learning_map, learning_map_inv (classes 0..C−1, each present) and the
// optional learning_ignore. Other keys (SemanticKITTI's content ratios) are
// allowed and ignored.
func ParseLabelMap(raw []byte) (*LabelMap, error) {
	var f labelFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLabelMap, err)
	}
	n := len(f.LearningMapInv)
	if n < 2 {
		return nil, fmt.Errorf("%w: learning_map_inv has %d classes, want at least 2", ErrLabelMap, n)
	}
	m := &LabelMap{Names: f.Labels, Colours: map[int][3]uint8{}, Learning: f.LearningMap,
		Inverse: make([]uint16, n), Ignore: make([]bool, n)}
	for c := range n {
		rawID, ok := f.LearningMapInv[c]
		if !ok {
			return nil, fmt.Errorf("%w: learning_map_inv lacks class %d of 0..%d", ErrLabelMap, c, n-1)
		}
		if rawID < 0 || rawID > 0xffff {
			return nil, fmt.Errorf("%w: learning_map_inv: class %d maps to raw id %d outside 0..65535", ErrLabelMap, c, rawID)
		}
		m.Inverse[c] = uint16(rawID)
		m.Ignore[c] = f.LearningIgnore[c]
	}
	maxRaw := 0
	for rawID, c := range f.LearningMap {
		if rawID < 0 || rawID > 0xffff {
			return nil, fmt.Errorf("%w: learning_map: raw id %d outside 0..65535", ErrLabelMap, rawID)
		}
		if c < 0 || c >= n {
			return nil, fmt.Errorf("%w: learning_map: raw id %d maps to class %d, have 0..%d", ErrLabelMap, rawID, c, n-1)
		}
		maxRaw = max(maxRaw, rawID)
	}
	for rawID, bgr := range f.ColorMap {
		if len(bgr) != 3 {
			return nil, fmt.Errorf("%w: color_map: raw id %d has %d components, want 3 (BGR)", ErrLabelMap, rawID, len(bgr))
		}
		for _, v := range bgr {
			if v < 0 || v > 255 {
				return nil, fmt.Errorf("%w: color_map: raw id %d: component %d outside 0..255", ErrLabelMap, rawID, v)
			}
		}
		m.Colours[rawID] = [3]uint8{uint8(bgr[2]), uint8(bgr[1]), uint8(bgr[0])}
	}
	m.toClass = make([]uint16, maxRaw+1)
	for rawID, c := range f.LearningMap {
		m.toClass[rawID] = uint16(c)
	}
	return m, nil
}

// NumClasses returns the number of class indices.
func (m *LabelMap) NumClasses() int { return len(m.Inverse) }

// Class returns the class index of a raw label (its upper 16 bits, the
// instance in SemanticKITTI's .label files, are dropped); unknown ids map
// to 0.
func (m *LabelMap) Class(rawLabel uint32) uint16 {
	id := int(rawLabel & 0xffff)
	if id >= len(m.toClass) {
		return 0
	}
	return m.toClass[id]
}

// RawID returns the raw id written for class c; 0 for classes out of range.
func (m *LabelMap) RawID(c uint16) uint16 {
	if int(c) >= len(m.Inverse) {
		return 0
	}
	return m.Inverse[c]
}

// ClassName returns the name of class c (the name of its raw id).
func (m *LabelMap) ClassName(c uint16) string { return m.Names[int(m.RawID(c))] }

// ClassColour returns the RGB colour of class c (black when unknown).
func (m *LabelMap) ClassColour(c uint16) [3]uint8 { return m.Colours[int(m.RawID(c))] }

// ClassColours returns the RGB colour of every class, indexed by class.
func (m *LabelMap) ClassColours() [][3]uint8 {
	out := make([][3]uint8, len(m.Inverse))
	for c := range out {
		out[c] = m.ClassColour(uint16(c))
	}
	return out
}

// RawIDs returns the raw ids the map names, ascending.
func (m *LabelMap) RawIDs() []int {
	ids := make([]int, 0, len(m.Names))
	for id := range m.Names {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
