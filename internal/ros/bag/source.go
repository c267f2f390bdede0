package bag

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Skip reasons reported in Skipped.Reason. They are fixed strings so that
// callers can count skips per reason.
const (
	// ReasonTruncated: a record or the file itself ends early.
	ReasonTruncated = "truncated"
	// ReasonMalformed: a record's fields are inconsistent or its opcode invalid.
	ReasonMalformed = "malformed record"
	// ReasonCRC: a chunk's CRC does not match its records.
	ReasonCRC = "chunk crc mismatch"
	// ReasonDecompress: a chunk failed to decompress to its declared size.
	ReasonDecompress = "chunk decompression failed"
	// ReasonTooLarge: a record exceeds ReaderConfig.MaxChunkBytes.
	ReasonTooLarge = "record too large"
	// ReasonUnsupported: a chunk uses a compression this package lacks.
	ReasonUnsupported = "unsupported compression"
	// ReasonUnknownChannel: a message names a channel never defined.
	ReasonUnknownChannel = "unknown channel"
	// ReasonBadSummary: the footer or summary section is unreadable; messages
	// are still read from the data section.
	ReasonBadSummary = "bad summary"
	// ReasonBadRow: a db3 row could not be decoded.
	ReasonBadRow = "bad db3 row"
	// ReasonMissingFile: metadata.yaml lists a file that does not exist.
	ReasonMissingFile = "missing file"
)

// Record kinds reported in Skipped.Kind.
const (
	KindChunk   = "chunk"
	KindMessage = "message"
	KindSchema  = "schema"
	KindChannel = "channel"
	// KindRecord: a record whose opcode is unknown or unreadable.
	KindRecord = "record"
	// KindSummary: the summary section or footer.
	KindSummary = "summary"
	// KindFile: the file as a whole (cut short, missing).
	KindFile = "file"
	// KindRow: a db3 message row.
	KindRow = "row"
)

// Skipped records one damaged region that a Reader skipped: where it is,
// what kind of record it was and, where the file still tells, which
// messages it held.
type Skipped struct {
	// File is the path of the bag file.
	File string `json:"file"`
	// Offset is the byte offset of the damaged record in File (for db3, the
	// message row id).
	Offset int64 `json:"offset"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Reason is one of the Reason constants.
	Reason string `json:"reason"`
	// Detail says more, for logs.
	Detail string `json:"detail,omitempty"`
	// Topic is the topic of a damaged message, when known.
	Topic string `json:"topic,omitempty"`
	// LogTime is a damaged message's log time or a damaged chunk's message
	// start time (ns since the epoch), valid when HasLogTime.
	LogTime int64 `json:"log_time_ns,omitempty"`
	// EndTime is a damaged chunk's message end time, valid when HasLogTime.
	EndTime int64 `json:"end_time_ns,omitempty"`
	// HasLogTime tells whether LogTime (and for chunks EndTime) are known.
	HasLogTime bool `json:"has_log_time"`
	// Lost lists the messages of a damaged chunk, by log time, as the
	// message index records after it give them (none when they are lost
	// too).
	Lost []LostMessage `json:"lost,omitempty"`
}

// Damage is the name the replay and info commands use for a Skipped.
type Damage = Skipped

// LostMessage is one message of a damaged chunk that could not be read.
type LostMessage struct {
	// Topic is the message's topic, "" when its channel is unknown.
	Topic string `json:"topic"`
	// LogTime is its log time in nanoseconds since the Unix epoch.
	LogTime int64 `json:"log_time_ns"`
}

// String formats the damage for a log line: file, offset, kind, reason and
// the message's topic and time where known.
func (s Skipped) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s at offset %d: %s: %s", s.File, s.Offset, s.Kind, s.Reason)
	if s.Topic != "" {
		fmt.Fprintf(&b, " topic %s", s.Topic)
	}
	if s.HasLogTime {
		if s.Kind == KindChunk {
			fmt.Fprintf(&b, " log time %d..%d ns", s.LogTime, s.EndTime)
		} else {
			fmt.Fprintf(&b, " log time %d ns", s.LogTime)
		}
	}
	if len(s.Lost) > 0 {
		fmt.Fprintf(&b, ", %d messages lost", len(s.Lost))
	}
	if s.Detail != "" {
		fmt.Fprintf(&b, " (%s)", s.Detail)
	}
	return b.String()
}

// TopicInfo describes one topic of a bag.
type TopicInfo struct {
	// Name is the topic name, e.g. "/lidar/points".
	Name string
	// Type is the ROS type name, e.g. "sensor_msgs/msg/PointCloud2".
	Type string
	// SchemaText is the ros2msg definition where the bag stores one.
	SchemaText string
	// SerializationFormat is the message encoding, normally "cdr".
	SerializationFormat string
	// QoS is the offered_qos_profiles YAML as stored in the bag.
	QoS string
	// TypeHash is the type_description_hash (RIHS01_...) where stored.
	TypeHash string
	// MessageCount is the number of messages from the bag's statistics; for
	// files without statistics (cut short) it counts the messages read so far.
	MessageCount uint64
}

// topicEntry is a reader-wide topic record shared by the files that hold it.
type topicEntry struct {
	info TopicInfo
	// filtered is set when ReaderConfig.Topics excludes the topic.
	filtered bool
}

// topicSet is the reader's registry of topics by name.
type topicSet struct {
	byName map[string]*topicEntry
	want   map[string]bool // nil: every topic
}

func newTopicSet(want []string) *topicSet {
	s := &topicSet{byName: map[string]*topicEntry{}}
	if len(want) > 0 {
		s.want = map[string]bool{}
		for _, t := range want {
			s.want[t] = true
		}
	}
	return s
}

// get returns the entry for name, creating it and filling empty fields from
// info.
func (s *topicSet) get(info TopicInfo) *topicEntry {
	e, ok := s.byName[info.Name]
	if !ok {
		info.MessageCount = 0
		e = &topicEntry{info: info, filtered: s.want != nil && !s.want[info.Name]}
		s.byName[info.Name] = e
		return e
	}
	if e.info.Type == "" {
		e.info.Type = info.Type
	}
	if e.info.SchemaText == "" {
		e.info.SchemaText = info.SchemaText
	}
	if e.info.SerializationFormat == "" {
		e.info.SerializationFormat = info.SerializationFormat
	}
	if e.info.QoS == "" {
		e.info.QoS = info.QoS
	}
	if e.info.TypeHash == "" {
		e.info.TypeHash = info.TypeHash
	}
	return e
}

func (s *topicSet) list() []TopicInfo {
	out := make([]TopicInfo, 0, len(s.byName))
	for _, e := range s.byName {
		out = append(out, e.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// msgRef is one message as a source yields it. Data is only valid until the
// source's next call to next.
type msgRef struct {
	logTime, pubTime int64
	seq              uint32
	topic            *topicEntry
	data             []byte
	// off is the file offset of the record holding the message (its
	// chunk's, for a chunked message), for damage reports.
	off int64
}

// source is one storage file yielding messages.
type source interface {
	// next returns the next message, or io.EOF. The previous message's Data
	// becomes invalid.
	next() (*msgRef, error)
	// liveCounts reports whether topic counts must be accumulated as
	// messages are read, because the file holds no statistics.
	liveCounts() bool
	// startTime returns a lower bound of the file's log times, from its
	// statistics, when known without reading messages.
	startTime() (int64, bool)
	// summary returns the file's message count and time range from its
	// statistics, and whether it has them without reading its messages.
	summary() (fileStats, bool)
	close() error
}

// fileStats is what a storage file's statistics say about it.
type fileStats struct {
	storage    string // rosbag2 storage id: "mcap" or "sqlite3"
	count      uint64
	start, end int64
	timesOK    bool
	msgComp    string // per-message compression, msgCompUnknown if not known
	distro     string // ros_distro from metadata embedded in the file
}

// reasonErr maps each skip reason to the sentinel its error wraps.
var reasonErr = map[string]error{
	ReasonTruncated:      ErrTruncated,
	ReasonMalformed:      ErrMalformed,
	ReasonCRC:            ErrCRC,
	ReasonDecompress:     ErrDecompress,
	ReasonTooLarge:       ErrTooLarge,
	ReasonUnsupported:    ErrUnsupported,
	ReasonUnknownChannel: ErrMalformed,
	ReasonBadSummary:     ErrMalformed,
	ReasonBadRow:         ErrMalformed,
	ReasonMissingFile:    os.ErrNotExist,
}

// Err returns the skip as a *RecordError whose cause wraps the sentinel for
// its reason (ErrTruncated, ErrCRC, ...), for errors.Is and logging.
func (s Skipped) Err() error {
	base, ok := reasonErr[s.Reason]
	if !ok {
		base = ErrMalformed
	}
	return &RecordError{File: s.File, Offset: s.Offset, Err: fmt.Errorf("%w: %s", base, s.Detail)}
}
