package bag

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/foxglove/mcap/go/mcap"
	"github.com/klauspost/compress/zstd"
)

// Compression selects the MCAP chunk compression.
type Compression string

// Chunk compressions.
const (
	CompressionZstd Compression = "zstd"
	CompressionLZ4  Compression = "lz4"
	CompressionNone Compression = "none"
)

// Library is the MCAP header library string this package writes.
const Library = "gopercept"

// WriterConfig configures NewMCAPWriter. The zero value is ready to use.
type WriterConfig struct {
	// Compression is the chunk compression. Default CompressionZstd.
	Compression Compression
	// ChunkSize is the uncompressed size in bytes at which a chunk is
	// closed; a single larger message makes a larger chunk. Default 4 MiB.
	ChunkSize int64
	// RosDistro is written as ros_distro in the embedded rosbag2 metadata.
	// Default "jazzy".
	RosDistro string
	// FileName is the file's name relative to its bag directory, written
	// into the embedded rosbag2 metadata. Default empty.
	FileName string
	// OmitRosbagMetadata leaves out the "rosbag2" metadata record that
	// rosbag2 (Jazzy and later) writes into every MCAP file; without it
	// `ros2 bag play` of a lone .mcap cannot parse version 9 QoS strings.
	// Default false: the record is written.
	OmitRosbagMetadata bool
	// MessageCompression compresses each message's data on its own, as
	// `ros2 bag record --compression-mode message --compression-format zstd`
	// does, and records compression_mode MESSAGE in the bag metadata.
	// CompressionZstd is the one rosbag2 ships; "" or CompressionNone:
	// off (default). It adds to the chunk Compression.
	MessageCompression Compression
}

func (c WriterConfig) withDefaults() (WriterConfig, error) {
	switch c.Compression {
	case "":
		c.Compression = CompressionZstd
	case CompressionZstd, CompressionLZ4, CompressionNone:
	default:
		return c, configErr("WriterConfig.Compression", c.Compression, "not zstd, lz4 or none")
	}
	if c.ChunkSize < 0 {
		return c, configErr("WriterConfig.ChunkSize", c.ChunkSize, "negative")
	}
	if c.ChunkSize == 0 {
		c.ChunkSize = 4 << 20
	}
	switch c.MessageCompression {
	case "", CompressionNone:
		c.MessageCompression = ""
	case CompressionZstd:
	default:
		return c, configErr("WriterConfig.MessageCompression", c.MessageCompression, "not zstd or none")
	}
	if c.RosDistro == "" {
		c.RosDistro = "jazzy"
	}
	return c, nil
}

// Topic describes a topic to record.
type Topic struct {
	// Name is the topic name, e.g. "/lidar/points". Required.
	Name string
	// Type is the ROS type name, e.g. "sensor_msgs/msg/PointCloud2".
	// Required.
	Type string
	// SchemaText is the ros2msg definition of Type, with its dependencies
	// appended after "=====" separator lines as rosbag2 stores them. It may
	// be empty, but then Foxglove cannot decode the messages.
	SchemaText string
	// QoS is the offered_qos_profiles YAML sequence (see QoSYAML). Default
	// DefaultQoS(Name).
	QoS string
	// TypeHash is the type description hash ("RIHS01_..."). Default: computed
	// from SchemaText by TypeHash, or empty when SchemaText does not hold
	// every definition the type uses.
	TypeHash string
}

// topicStats accumulates per-topic statistics for metadata.
type topicStats struct {
	topic Topic
	count uint64
	seq   uint32
}

// MCAPWriter writes a rosbag2-compatible MCAP file: profile "ros2", ros2msg
// schemas, cdr channels with offered_qos_profiles metadata, chunked and
// indexed, with a summary section. Output depends only on the calls made:
// identical calls give identical bytes. An MCAPWriter is not safe for
// concurrent use.
type MCAPWriter struct {
	cfg      WriterConfig
	w        *mcap.Writer
	schemas  map[string]uint16
	channels map[uint16]*topicStats
	order    []uint16
	byName   map[string]uint16
	count    uint64
	start    int64
	end      int64
	closed   bool
	closer   func() error
	// msgEnc and msgBuf compress messages for MessageCompression.
	msgEnc *zstd.Encoder
	msgBuf []byte
}

// NewMCAPWriter starts an MCAP file on w. Close finishes the file but does
// not close w.
func NewMCAPWriter(w io.Writer, cfg WriterConfig) (*MCAPWriter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := &mcap.WriterOptions{
		IncludeCRC:      true,
		Chunked:         true,
		ChunkSize:       cfg.ChunkSize,
		OverrideLibrary: true,
	}
	switch cfg.Compression {
	case CompressionZstd:
		// One encoder goroutine keeps the output independent of GOMAXPROCS.
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		opts.Compressor = mcap.NewCustomCompressor(mcap.CompressionZSTD, enc)
	case CompressionLZ4:
		// The library's default lz4 level is the slow HC mode (~40 MB/s);
		// the fast mode writes several hundred MB/s.
		opts.Compression = mcap.CompressionLZ4
		opts.CompressionLevel = mcap.CompressionLevelFastest
	case CompressionNone:
		opts.Compression = mcap.CompressionNone
	}
	mw, err := mcap.NewWriter(w, opts)
	if err != nil {
		return nil, err
	}
	if err := mw.WriteHeader(&mcap.Header{Profile: "ros2", Library: Library}); err != nil {
		return nil, err
	}
	mcw := &MCAPWriter{
		cfg: cfg, w: mw,
		schemas: map[string]uint16{}, channels: map[uint16]*topicStats{}, byName: map[string]uint16{},
		start: math.MaxInt64, end: math.MinInt64,
	}
	if cfg.MessageCompression == CompressionZstd {
		// One encoder goroutine and no dictionary: each message is a
		// complete zstd frame, as rosbag2's zstd compressor writes it.
		if mcw.msgEnc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)); err != nil {
			return nil, err
		}
	}
	return mcw, nil
}

// CreateMCAP creates the file at path and starts an MCAP file in it; Close
// also flushes and closes the file.
func CreateMCAP(path string, cfg WriterConfig) (*MCAPWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if cfg.FileName == "" {
		cfg.FileName = filepath.Base(path)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := NewMCAPWriter(bw, cfg)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.closer = func() error { return errors.Join(bw.Flush(), f.Close()) }
	return w, nil
}

// AddTopic adds a topic and returns its channel ID for Write. Topics of the
// same Type share one schema.
func (w *MCAPWriter) AddTopic(t Topic) (uint16, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if t.Name == "" {
		return 0, configErr("Topic.Name", nil, "empty")
	}
	if t.Type == "" {
		return 0, configErr("Topic.Type", nil, "empty for topic %s", t.Name)
	}
	if _, ok := w.byName[t.Name]; ok {
		return 0, fmt.Errorf("%w: %s", ErrTopicExists, t.Name)
	}
	if t.QoS == "" {
		t.QoS = DefaultQoS(t.Name)
	}
	if t.TypeHash == "" && t.SchemaText != "" {
		// As rosbag2 Jazzy records it; a schema that lacks a definition it
		// uses leaves the hash empty, as bags from older distros have it.
		t.TypeHash, _ = TypeHash(t.Type, t.SchemaText)
	}
	if err := validateQoS(t.QoS); err != nil {
		return 0, fmt.Errorf("topic %s: %w", t.Name, err)
	}
	if len(w.channels) >= math.MaxUint16-1 {
		return 0, configErr("Topic.Name", t.Name, "too many topics (%d)", len(w.channels))
	}
	sid, ok := w.schemas[t.Type]
	if !ok {
		sid = uint16(len(w.schemas) + 1)
		err := w.w.WriteSchema(&mcap.Schema{ID: sid, Name: t.Type, Encoding: "ros2msg", Data: []byte(t.SchemaText)})
		if err != nil {
			return 0, err
		}
		w.schemas[t.Type] = sid
	}
	id := uint16(len(w.channels) + 1)
	err := w.w.WriteChannel(&mcap.Channel{
		ID: id, SchemaID: sid, Topic: t.Name, MessageEncoding: "cdr",
		Metadata: map[string]string{"offered_qos_profiles": t.QoS, "topic_type_hash": t.TypeHash},
	})
	if err != nil {
		return 0, err
	}
	w.channels[id] = &topicStats{topic: t}
	w.order = append(w.order, id)
	w.byName[t.Name] = id
	return id, nil
}

// Write appends one message. logTime (receive time) and publishTime are
// nanoseconds since the Unix epoch and must not be negative. data is the
// serialized CDR message; it is copied before Write returns.
func (w *MCAPWriter) Write(channelID uint16, logTime, publishTime int64, data []byte) error {
	if w.closed {
		return ErrClosed
	}
	ts := w.channels[channelID]
	if ts == nil {
		return fmt.Errorf("%w: %d", ErrUnknownChannel, channelID)
	}
	if logTime < 0 || publishTime < 0 {
		return fmt.Errorf("%w: topic %s log %d publish %d", ErrNegativeTime, ts.topic.Name, logTime, publishTime)
	}
	ts.seq++
	if w.msgEnc != nil {
		w.msgBuf = w.msgEnc.EncodeAll(data, w.msgBuf[:0])
		data = w.msgBuf
	}
	err := w.w.WriteMessage(&mcap.Message{
		ChannelID: channelID, Sequence: ts.seq,
		LogTime: uint64(logTime), PublishTime: uint64(publishTime), Data: data,
	})
	if err != nil {
		return fmt.Errorf("bag: write %s: %w", ts.topic.Name, err)
	}
	ts.count++
	w.count++
	w.start = min(w.start, logTime)
	w.end = max(w.end, logTime)
	return nil
}

// info returns the rosbag2 metadata describing what was written so far.
func (w *MCAPWriter) info(relPath string) *bagInfo {
	b := &bagInfo{
		Version: MetadataVersion, StorageID: "mcap", MessageCount: w.count,
		RosDistro: w.cfg.RosDistro,
	}
	if w.cfg.MessageCompression != "" {
		// rosbag2's compression_mode_to_string spelling.
		b.CompressionFormat, b.CompressionMode = string(w.cfg.MessageCompression), "MESSAGE"
	}
	if w.count > 0 {
		b.Start, b.Duration = w.start, w.end-w.start
	}
	for _, id := range w.order {
		ts := w.channels[id]
		b.Topics = append(b.Topics, bagTopic{
			Name: ts.topic.Name, Type: ts.topic.Type, Format: "cdr",
			QoS: ts.topic.QoS, TypeHash: ts.topic.TypeHash, Count: ts.count,
		})
	}
	if relPath != "" {
		b.RelativePaths = []string{relPath}
		b.Files = []bagFile{{Path: relPath, Start: b.Start, Duration: b.Duration, Count: w.count}}
	}
	return b
}

// MessageCount returns the number of messages written.
func (w *MCAPWriter) MessageCount() uint64 { return w.count }

// Close writes the rosbag2 metadata record, the last chunk, the indexes and
// the summary. For a writer from CreateMCAP it also closes the file.
func (w *MCAPWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	var err error
	if !w.cfg.OmitRosbagMetadata {
		err = w.w.WriteMetadata(&mcap.Metadata{
			Name:     "rosbag2",
			Metadata: map[string]string{"serialized_metadata": w.info(w.cfg.FileName).render("")},
		})
	}
	if err == nil {
		err = w.w.Close()
	}
	if w.closer != nil {
		err = errors.Join(err, w.closer())
	}
	return err
}

// BagWriterConfig configures NewBagWriter.
type BagWriterConfig struct {
	// WriterConfig configures the MCAP file; its FileName is set by the
	// BagWriter.
	WriterConfig
	// Name is the storage file's base name; the file is <dir>/<Name>_0.mcap.
	// Default the directory's base name, as `ros2 bag record -o` does.
	Name string
}

// BagWriter writes a rosbag2 bag directory like `ros2 bag record -s mcap`:
// <dir>/<name>_0.mcap and <dir>/metadata.yaml (version 9). AddTopic and
// Write come from the embedded MCAPWriter; BagWriter.Close must be called
// (not MCAPWriter.Close) so that metadata.yaml is written.
type BagWriter struct {
	*MCAPWriter
	dir, rel string
}

// NewBagWriter creates the bag directory dir (which must not already hold a
// metadata.yaml) and starts its MCAP file.
func NewBagWriter(dir string, cfg BagWriterConfig) (*BagWriter, error) {
	if _, err := os.Stat(filepath.Join(dir, MetadataFile)); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrBagExists, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	name := cfg.Name
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		name = filepath.Base(abs)
	}
	rel := name + "_0.mcap"
	wc := cfg.WriterConfig
	wc.FileName = rel
	w, err := CreateMCAP(filepath.Join(dir, rel), wc)
	if err != nil {
		return nil, err
	}
	return &BagWriter{MCAPWriter: w, dir: dir, rel: rel}, nil
}

// Close finishes the MCAP file and writes metadata.yaml.
func (b *BagWriter) Close() error {
	if err := b.MCAPWriter.Close(); err != nil {
		return err
	}
	meta := b.info(b.rel).metadataYAML()
	return os.WriteFile(filepath.Join(b.dir, MetadataFile), []byte(meta), 0o644)
}
