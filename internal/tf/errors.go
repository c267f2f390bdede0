package tf

import (
	"errors"
	"strconv"

	"github.com/gopercept/gopercept/internal/configerr"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, or configerr.ErrInvalid for a bad Config (see configError), so
// callers can branch with errors.Is.
var (
	// ErrUnknownFrame reports a lookup naming a frame the buffer has never
	// seen, or an empty frame name.
	ErrUnknownFrame = errors.New("unknown frame")
	// ErrNotConnected reports two known frames in different trees.
	ErrNotConnected = errors.New("frames not connected")
	// ErrExtrapolation reports a lookup at a stamp outside the data of a
	// dynamic edge on the path, into the past or into the future.
	ErrExtrapolation = errors.New("extrapolation")
	// ErrInvalidTransform reports a SetTransform call with an empty or equal
	// frame pair, a non-finite value, a zero quaternion, a negative stamp or
	// an edge that would close a loop in the tree.
	ErrInvalidTransform = errors.New("invalid transform")
	// ErrOldData reports a dynamic sample older than the cache duration behind
	// the newest sample of its edge; tf2 drops such data with a warning.
	ErrOldData = errors.New("data older than the cache")
	// ErrTooManyFrames reports a new frame beyond Config.MaxFrames.
	ErrTooManyFrames = errors.New("too many frames")
	// ErrInvalidMatrix reports a 4×4 matrix that is not a rigid transform.
	ErrInvalidMatrix = errors.New("not a rigid transform matrix")
)

// ErrorKind classifies a LookupError.
type ErrorKind int

// Lookup error kinds.
const (
	// KindUnknownFrame means Frame names a frame the buffer does not know.
	KindUnknownFrame ErrorKind = iota + 1
	// KindNotConnected means Frame and Other have no common ancestor.
	KindNotConnected
	// KindExtrapolationPast means the edge Parent->Child has no data as old
	// as Stamp; its data covers [Earliest, Latest].
	KindExtrapolationPast
	// KindExtrapolationFuture means the edge Parent->Child has no data as
	// recent as Stamp; its data covers [Earliest, Latest].
	KindExtrapolationFuture
)

// String returns the kind as it appears in error messages.
func (k ErrorKind) String() string {
	switch k {
	case KindUnknownFrame:
		return "unknown frame"
	case KindNotConnected:
		return "frames not connected"
	case KindExtrapolationPast:
		return "extrapolation into the past"
	case KindExtrapolationFuture:
		return "extrapolation into the future"
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// LookupError is the error of Lookup, LookupFull and LatestCommonTime.
// Its message reads like
//
//	tf: lookup base_link <- lidar_top at 1700000000.123456789: extrapolation into the future: data for "odom"->"base_link" covers [1699999990.000000000, 1700000000.100000000]
type LookupError struct {
	// Kind classifies the failure.
	Kind ErrorKind
	// Target and Source are the frames of the lookup (target←source).
	Target, Source string
	// Fixed is the fixed frame of a LookupFull, empty for Lookup.
	Fixed string
	// TargetStamp and SourceStamp are the requested stamps in ns since the
	// epoch; they are equal for Lookup, and 0 means Latest.
	TargetStamp, SourceStamp int64
	// Frame is the unknown frame (KindUnknownFrame) or the first of the two
	// unconnected frames (KindNotConnected).
	Frame string
	// Other is the frame Frame is not connected to (KindNotConnected).
	Other string
	// Parent and Child name the edge without data (extrapolation kinds).
	Parent, Child string
	// Stamp is the stamp the edge was evaluated at, in ns since the epoch
	// (extrapolation kinds); for a Latest lookup it is the resolved latest
	// common time.
	Stamp int64
	// Earliest and Latest bound the edge's data in ns since the epoch
	// (extrapolation kinds); they are equal for a single-sample edge.
	Earliest, Latest int64

	frameRoot, otherRoot string
}

// Error implements error.
func (e *LookupError) Error() string {
	var b []byte
	b = append(b, "tf: lookup "...)
	full := e.Fixed != ""
	if full {
		b = append(b, e.Target...)
		b = append(b, " at "...)
		b = appendStampOrLatest(b, e.TargetStamp)
		b = append(b, " <- "...)
		b = append(b, e.Source...)
		b = append(b, " at "...)
		b = appendStampOrLatest(b, e.SourceStamp)
		b = append(b, " via "...)
		b = append(b, e.Fixed...)
	} else {
		b = append(b, e.Target...)
		b = append(b, " <- "...)
		b = append(b, e.Source...)
		b = append(b, " at "...)
		b = appendStampOrLatest(b, e.SourceStamp)
	}
	b = append(b, ": "...)
	b = append(b, e.Kind.String()...)
	switch e.Kind {
	case KindUnknownFrame:
		b = append(b, ' ')
		b = strconv.AppendQuote(b, e.Frame)
	case KindNotConnected:
		b = append(b, ": "...)
		b = strconv.AppendQuote(b, e.Frame)
		b = append(b, " (tree root "...)
		b = strconv.AppendQuote(b, e.frameRoot)
		b = append(b, ") and "...)
		b = strconv.AppendQuote(b, e.Other)
		b = append(b, " (tree root "...)
		b = strconv.AppendQuote(b, e.otherRoot)
		b = append(b, ") have no common ancestor"...)
	case KindExtrapolationPast, KindExtrapolationFuture:
		if full || e.SourceStamp == Latest {
			b = append(b, " at "...)
			b = AppendStamp(b, e.Stamp)
		}
		b = append(b, ": data for "...)
		b = strconv.AppendQuote(b, e.Parent)
		b = append(b, "->"...)
		b = strconv.AppendQuote(b, e.Child)
		b = append(b, " covers ["...)
		b = AppendStamp(b, e.Earliest)
		b = append(b, ", "...)
		b = AppendStamp(b, e.Latest)
		b = append(b, ']')
	}
	return string(b)
}

// Unwrap returns the sentinel matching Kind: ErrUnknownFrame,
// ErrNotConnected or ErrExtrapolation.
func (e *LookupError) Unwrap() error {
	switch e.Kind {
	case KindUnknownFrame:
		return ErrUnknownFrame
	case KindNotConnected:
		return ErrNotConnected
	case KindExtrapolationPast, KindExtrapolationFuture:
		return ErrExtrapolation
	}
	return nil
}

// SetError is the error of SetTransform.
type SetError struct {
	// Parent and Child are the frames of the rejected edge.
	Parent, Child string
	// Stamp is the rejected sample's stamp in ns since the epoch.
	Stamp int64
	// Reason says what is wrong, e.g. "rotation is the zero quaternion".
	Reason string
	// Err is the sentinel: ErrInvalidTransform, ErrOldData or
	// ErrTooManyFrames.
	Err error
}

// Error implements error.
func (e *SetError) Error() string {
	b := []byte("tf: set ")
	b = strconv.AppendQuote(b, e.Parent)
	b = append(b, "->"...)
	b = strconv.AppendQuote(b, e.Child)
	b = append(b, " at "...)
	b = AppendStamp(b, e.Stamp)
	if e.Err != nil {
		b = append(b, ": "...)
		b = append(b, e.Err.Error()...)
	}
	if e.Reason != "" {
		b = append(b, ": "...)
		b = append(b, e.Reason...)
	}
	return string(b)
}

// Unwrap returns the sentinel Err.
func (e *SetError) Unwrap() error { return e.Err }

// configError reports a bad Config field as the shared *configerr.Error
// (errors.Is(err, configerr.ErrInvalid)), named "tf.Config.<field>".
func configError(field string, value any, format string, args ...any) error {
	return configerr.New("tf.Config."+field, value, format, args...)
}

// AppendStamp appends stamp (ns since the epoch) to b as seconds with nine
// decimals, e.g. 1700000000.123456789, and returns the extended buffer.
func AppendStamp(b []byte, stamp int64) []byte {
	u := uint64(stamp)
	if stamp < 0 {
		b = append(b, '-')
		u = uint64(-stamp) // two's complement also covers math.MinInt64
	}
	b = strconv.AppendUint(b, u/1e9, 10)
	b = append(b, '.')
	frac := u % 1e9
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, digits[:]...)
}

// FormatStamp returns stamp (ns since the epoch) as seconds with nine
// decimals, e.g. "1700000000.123456789".
func FormatStamp(stamp int64) string { return string(AppendStamp(nil, stamp)) }

func appendStampOrLatest(b []byte, stamp int64) []byte {
	if stamp == Latest {
		return append(b, "latest"...)
	}
	return AppendStamp(b, stamp)
}
