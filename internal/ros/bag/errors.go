package bag

import (
	"errors"
	"fmt"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinel errors returned by the package. Callers test them with errors.Is.
var (
	// ErrNotMCAP reports a file that does not start with the MCAP magic bytes.
	ErrNotMCAP = errors.New("bag: not an MCAP file")
	// ErrUnknownFormat reports a path that is neither an MCAP file, a rosbag2
	// sqlite3 file nor a bag directory.
	ErrUnknownFormat = errors.New("bag: unknown bag format")
	// ErrNoBagFiles reports a bag directory holding no readable storage files.
	ErrNoBagFiles = errors.New("bag: no bag files found")
	// ErrUnsupported reports a bag feature this package does not read, such as
	// rosbag2 file-level compression.
	ErrUnsupported = errors.New("bag: unsupported bag feature")
	// ErrClosed reports use of a writer or reader after Close.
	ErrClosed = errors.New("bag: closed")
	// ErrTopicExists reports a second AddTopic call for the same topic name.
	ErrTopicExists = errors.New("bag: topic already added")
	// ErrUnknownChannel reports a Write to a channel ID that AddTopic did not
	// return.
	ErrUnknownChannel = errors.New("bag: unknown channel")
	// ErrNegativeTime reports a negative log or publish time.
	ErrNegativeTime = errors.New("bag: negative timestamp")
	// ErrInvalidQoS reports an offered_qos_profiles string that is not a YAML
	// sequence.
	ErrInvalidQoS = errors.New("bag: invalid offered_qos_profiles YAML")
	// ErrBagExists reports a bag directory that already holds a metadata.yaml.
	ErrBagExists = errors.New("bag: bag directory already exists")
	// ErrMetadata reports an unreadable metadata.yaml.
	ErrMetadata = errors.New("bag: invalid metadata.yaml")

	// ErrEmpty reports a bag from which no message was read (Reader.Status).
	ErrEmpty = errors.New("bag: no messages read")
	// ErrDamaged reports a bag read with damaged records skipped
	// (Reader.Status).
	ErrDamaged = errors.New("bag: damaged records skipped")

	// ErrTruncated marks a record cut short by the end of the file.
	ErrTruncated = errors.New("bag: truncated record")
	// ErrMalformed marks a record whose fields are inconsistent.
	ErrMalformed = errors.New("bag: malformed record")
	// ErrCRC marks a chunk whose CRC does not match its content.
	ErrCRC = errors.New("bag: chunk CRC mismatch")
	// ErrDecompress marks a chunk that failed to decompress.
	ErrDecompress = errors.New("bag: chunk decompression failed")
	// ErrTooLarge marks a record larger than the configured cap.
	ErrTooLarge = errors.New("bag: record too large")
)

// configErr reports a bad configuration field as the shared
// *configerr.Error (errors.Is(err, configerr.ErrInvalid)), named
// "bag.<field>", e.g. "bag.WriterConfig.Compression".
func configErr(field string, value any, format string, args ...any) error {
	return configerr.New("bag."+field, value, format, args...)
}

// RecordError locates a damaged record in a bag file. Its Err wraps one of
// ErrTruncated, ErrMalformed, ErrCRC, ErrDecompress or ErrTooLarge.
type RecordError struct {
	// File is the path of the bag file.
	File string
	// Offset is the byte offset of the record's opcode in the file.
	Offset int64
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("bag: %s at offset %d: %v", e.File, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }
