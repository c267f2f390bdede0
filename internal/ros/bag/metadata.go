package bag

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MetadataVersion is the rosbag2_bagfile_information version this package
// writes, the one ROS 2 Jazzy writes.
const MetadataVersion = 9

// MetadataFile is the name of the rosbag2 metadata file in a bag directory.
const MetadataFile = "metadata.yaml"

// bagInfo is the content of a metadata.yaml, as far as this package writes
// or reads it. Times are nanoseconds.
type bagInfo struct {
	Version           int
	StorageID         string
	Start, Duration   int64
	MessageCount      uint64
	Topics            []bagTopic
	CompressionFormat string
	CompressionMode   string
	RelativePaths     []string
	Files             []bagFile
	RosDistro         string
}

type bagTopic struct {
	Name, Type, Format, QoS, TypeHash string
	Count                             uint64
}

type bagFile struct {
	Path            string
	Start, Duration int64
	Count           uint64
}

var plainScalar = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_/.\-]*$`)

// yamlString renders s as a YAML scalar, quoting it where a plain scalar
// would change meaning.
func yamlString(s string) string {
	if plainScalar.MatchString(s) {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		default:
			return s
		}
	}
	return strconv.Quote(s)
}

// indentBlock indents every line of s by pad.
func indentBlock(s, pad string) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// render writes the metadata the way yaml-cpp dumps rosbag2's BagMetadata
// node, each line prefixed by pad. It ends without a newline.
func (b *bagInfo) render(pad string) string {
	var w strings.Builder
	line := func(indent int, format string, args ...any) {
		w.WriteString(pad)
		w.WriteString(strings.Repeat(" ", indent))
		fmt.Fprintf(&w, format, args...)
		w.WriteByte('\n')
	}
	line(0, "version: %d", b.Version)
	line(0, "storage_identifier: %s", yamlString(b.StorageID))
	line(0, "duration:")
	line(2, "nanoseconds: %d", b.Duration)
	line(0, "starting_time:")
	line(2, "nanoseconds_since_epoch: %d", b.Start)
	line(0, "message_count: %d", b.MessageCount)
	if len(b.Topics) == 0 {
		line(0, "topics_with_message_count: []")
	} else {
		line(0, "topics_with_message_count:")
	}
	for _, t := range b.Topics {
		line(2, "- topic_metadata:")
		line(6, "name: %s", yamlString(t.Name))
		line(6, "type: %s", yamlString(t.Type))
		line(6, "serialization_format: %s", yamlString(t.Format))
		if q := strings.TrimSpace(t.QoS); q == "" || q == "[]" {
			line(6, "offered_qos_profiles: []")
		} else {
			line(6, "offered_qos_profiles:")
			w.WriteString(indentBlock(t.QoS, pad+strings.Repeat(" ", 8)))
			w.WriteByte('\n')
		}
		line(6, "type_description_hash: %s", yamlString(t.TypeHash))
		line(4, "message_count: %d", t.Count)
	}
	line(0, "compression_format: %s", yamlString(b.CompressionFormat))
	line(0, "compression_mode: %s", yamlString(b.CompressionMode))
	if len(b.RelativePaths) == 0 {
		line(0, "relative_file_paths: []")
	} else {
		line(0, "relative_file_paths:")
	}
	for _, p := range b.RelativePaths {
		line(2, "- %s", yamlString(p))
	}
	if len(b.Files) == 0 {
		line(0, "files: []")
	} else {
		line(0, "files:")
	}
	for _, f := range b.Files {
		line(2, "- path: %s", yamlString(f.Path))
		line(4, "starting_time:")
		line(6, "nanoseconds_since_epoch: %d", f.Start)
		line(4, "duration:")
		line(6, "nanoseconds: %d", f.Duration)
		line(4, "message_count: %d", f.Count)
	}
	line(0, "custom_data: ~")
	w.WriteString(pad)
	w.WriteString("ros_distro: " + yamlString(b.RosDistro))
	return w.String()
}

// metadataYAML renders b as a complete metadata.yaml.
func (b *bagInfo) metadataYAML() string {
	return "rosbag2_bagfile_information:\n" + b.render("  ")
}

// Raw shapes of metadata.yaml for decoding; every version from 1 to 9 fits.
type rawMetadata struct {
	Info rawBagInfo `yaml:"rosbag2_bagfile_information"`
}

type rawBagInfo struct {
	Version           int    `yaml:"version"`
	StorageIdentifier string `yaml:"storage_identifier"`
	Duration          struct {
		Nanoseconds int64 `yaml:"nanoseconds"`
	} `yaml:"duration"`
	StartingTime struct {
		Nanoseconds int64 `yaml:"nanoseconds_since_epoch"`
	} `yaml:"starting_time"`
	MessageCount uint64 `yaml:"message_count"`
	Topics       []struct {
		Meta struct {
			Name                string    `yaml:"name"`
			Type                string    `yaml:"type"`
			SerializationFormat string    `yaml:"serialization_format"`
			QoS                 yaml.Node `yaml:"offered_qos_profiles"`
			TypeHash            string    `yaml:"type_description_hash"`
		} `yaml:"topic_metadata"`
		Count uint64 `yaml:"message_count"`
	} `yaml:"topics_with_message_count"`
	CompressionFormat string   `yaml:"compression_format"`
	CompressionMode   string   `yaml:"compression_mode"`
	RelativeFilePaths []string `yaml:"relative_file_paths"`
	RosDistro         string   `yaml:"ros_distro"`
}

// maxMetadataBytes caps the size of a metadata.yaml this package reads.
const maxMetadataBytes = 64 << 20

// readMetadata parses the metadata.yaml at path.
func readMetadata(path string) (*bagInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxMetadataBytes {
		return nil, fmt.Errorf("%w: %s is %d bytes", ErrMetadata, path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw rawMetadata
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMetadata, path, err)
	}
	return raw.Info.info(), nil
}

// info converts the decoded YAML into a bagInfo.
func (r *rawBagInfo) info() *bagInfo {
	b := &bagInfo{
		Version:           r.Version,
		StorageID:         r.StorageIdentifier,
		Start:             r.StartingTime.Nanoseconds,
		Duration:          r.Duration.Nanoseconds,
		MessageCount:      r.MessageCount,
		CompressionFormat: r.CompressionFormat,
		CompressionMode:   r.CompressionMode,
		RelativePaths:     r.RelativeFilePaths,
		RosDistro:         r.RosDistro,
	}
	for _, t := range r.Topics {
		qos := ""
		switch t.Meta.QoS.Kind {
		case yaml.ScalarNode:
			qos = t.Meta.QoS.Value
		case yaml.SequenceNode:
			out, err := yaml.Marshal(&t.Meta.QoS)
			if err == nil {
				qos = strings.TrimRight(string(out), "\n")
			}
		}
		b.Topics = append(b.Topics, bagTopic{
			Name: t.Meta.Name, Type: t.Meta.Type, Format: t.Meta.SerializationFormat,
			QoS: qos, TypeHash: t.Meta.TypeHash, Count: t.Count,
		})
	}
	return b
}

// msgCompUnknown is the per-message compression of an MCAP file whose bag
// metadata is not known yet: the file's own "rosbag2" metadata record
// decides, else each message is checked for a compressed frame's magic.
const msgCompUnknown = "?"

// messageCompression returns the per-message compression the metadata
// declares: "" for none, "zstd" or "lz4". File compression is refused
// earlier (bagFiles).
func (b *bagInfo) messageCompression() (string, error) {
	switch strings.ToLower(b.CompressionMode) {
	case "", "none":
		return "", nil
	case "message":
		switch f := strings.ToLower(b.CompressionFormat); f {
		case "zstd", "lz4":
			return f, nil
		}
		return "", fmt.Errorf("%w: per-message compression format %q", ErrUnsupported, b.CompressionFormat)
	}
	return "", fmt.Errorf("%w: compression mode %q format %q", ErrUnsupported, b.CompressionMode, b.CompressionFormat)
}

// parseMetadataBody parses metadata YAML without the
// rosbag2_bagfile_information wrapper, as rosbag2 embeds it in the MCAP
// "rosbag2" metadata record's serialized_metadata.
func parseMetadataBody(data []byte) (*bagInfo, error) {
	var r rawBagInfo
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: embedded serialized_metadata: %v", ErrMetadata, err)
	}
	return r.info(), nil
}
