package bag

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Info is what `ros2 bag info` shows about a bag, and the damage met while
// finding it out.
type Info struct {
	// Path is the bag as given.
	Path string `json:"path"`
	// Files are its storage files in reading order.
	Files []FileInfo `json:"files"`
	// Size is the total size of the storage files in bytes.
	Size int64 `json:"size_bytes"`
	// StorageID is the rosbag2 storage plugin: "mcap", "sqlite3", or both
	// joined by ", " for a mixed directory.
	StorageID string `json:"storage_id"`
	// RosDistro is the distro that recorded the bag, where the metadata
	// says.
	RosDistro string `json:"ros_distro,omitempty"`
	// CompressionFormat and CompressionMode are rosbag2's compression
	// settings ("zstd", "MESSAGE"); empty for none. MCAP chunk compression
	// is a storage detail and not shown here, as ros2 bag info does not.
	CompressionFormat string `json:"compression_format"`
	CompressionMode   string `json:"compression_mode"`
	// Start and End are the first and last log times (ns since the epoch);
	// zero when the bag holds no message.
	Start int64 `json:"start_ns"`
	End   int64 `json:"end_ns"`
	// Duration is End - Start.
	Duration time.Duration `json:"duration_ns"`
	// MessageCount is the number of messages.
	MessageCount uint64 `json:"message_count"`
	// Topics lists the topics by name with type, count, serialization
	// format, QoS and type hash.
	Topics []TopicSummary `json:"topics"`
	// Counted is set when some file lacks statistics (it was cut short), so
	// the counts and times come from reading every message.
	Counted bool `json:"counted"`
	// Damage lists the damaged records met (all of them when Counted, else
	// those in summaries and metadata).
	Damage []Damage `json:"damage"`
	// Warnings are what Reader.Warnings gives, as text.
	Warnings []string `json:"warnings,omitempty"`
}

// FileInfo describes one storage file.
type FileInfo struct {
	Path         string `json:"path"`
	Size         int64  `json:"size_bytes"`
	StorageID    string `json:"storage_id"`
	MessageCount uint64 `json:"message_count"`
	Start        int64  `json:"start_ns"`
	End          int64  `json:"end_ns"`
}

// TopicSummary is one topic as ros2 bag info lists it.
type TopicSummary struct {
	Name                string `json:"name"`
	Type                string `json:"type"`
	MessageCount        uint64 `json:"message_count"`
	SerializationFormat string `json:"serialization_format"`
	// QoS is the offered_qos_profiles YAML as stored; Profiles is it parsed
	// (nil when it does not parse).
	QoS      string       `json:"offered_qos_profiles"`
	Profiles []QoSProfile `json:"qos_profiles,omitempty"`
	TypeHash string       `json:"type_description_hash,omitempty"`
}

// ReadInfo gathers what ros2 bag info shows about the bag at path (an
// .mcap, a .db3 or a bag directory): from the files' statistics where they
// have them, else by reading every message.
func ReadInfo(path string, cfg ReaderConfig) (*Info, error) {
	cfg.Topics = nil
	r, err := Open(path, cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	info := &Info{Path: path}
	storages := map[string]bool{}
	first, last := int64(0), int64(0)
	haveTimes := false
	for i, src := range r.srcs {
		st, ok := src.summary()
		fi := FileInfo{Path: r.files[i], StorageID: st.storage}
		if fst, err := os.Stat(r.files[i]); err == nil {
			fi.Size = fst.Size()
		}
		info.Size += fi.Size
		storages[st.storage] = true
		if info.RosDistro == "" {
			info.RosDistro = st.distro
		}
		if info.CompressionMode == "" && (st.msgComp == "zstd" || st.msgComp == "lz4") {
			info.CompressionFormat, info.CompressionMode = st.msgComp, "MESSAGE"
		}
		if !ok {
			info.Counted = true
		} else {
			fi.MessageCount = st.count
			if st.timesOK {
				fi.Start, fi.End = st.start, st.end
				if !haveTimes || st.start < first {
					first = st.start
				}
				if !haveTimes || st.end > last {
					last = st.end
				}
				haveTimes = true
			}
		}
		info.Files = append(info.Files, fi)
	}
	if m := r.meta; m != nil {
		if m.RosDistro != "" {
			info.RosDistro = m.RosDistro
		}
		if m.CompressionMode != "" && !strings.EqualFold(m.CompressionMode, "none") {
			info.CompressionFormat, info.CompressionMode = m.CompressionFormat, strings.ToUpper(m.CompressionMode)
		}
	}
	if info.Counted {
		// Read everything: per-file and per-topic counts and times of the
		// files without statistics accumulate as messages are read.
		byFile := map[string]*FileInfo{}
		for i := range info.Files {
			byFile[info.Files[i].Path] = &info.Files[i]
		}
		for m, err := range r.All() {
			if err != nil {
				return nil, err
			}
			if !haveTimes || m.LogTime < first {
				first = m.LogTime
			}
			if !haveTimes || m.LogTime > last {
				last = m.LogTime
			}
			haveTimes = true
		}
		for i, src := range r.srcs {
			if _, ok := src.summary(); !ok && i < len(r.perFile) {
				f := byFile[r.files[i]]
				f.MessageCount, f.Start, f.End = r.perFile[i].count, r.perFile[i].start, r.perFile[i].end
			}
		}
	}
	for _, t := range r.Topics() {
		ts := TopicSummary{Name: t.Name, Type: t.Type, MessageCount: t.MessageCount,
			SerializationFormat: t.SerializationFormat, QoS: t.QoS, TypeHash: t.TypeHash}
		ts.Profiles, _ = ParseQoS(t.QoS)
		info.Topics = append(info.Topics, ts)
		info.MessageCount += t.MessageCount
	}
	if haveTimes {
		info.Start, info.End, info.Duration = first, last, time.Duration(last-first)
	}
	ids := make([]string, 0, len(storages))
	for id := range storages {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	info.StorageID = strings.Join(ids, ", ")
	info.Damage = r.Damage()
	for _, w := range r.Warnings() {
		info.Warnings = append(info.Warnings, w.Error())
	}
	return info, nil
}

// Format writes the info in the layout of ros2 bag info, with the
// compression and, when verbose, each topic's QoS and type hash.
func (i *Info) Format(w io.Writer, verbose bool) error {
	var b strings.Builder
	names := make([]string, len(i.Files))
	for k, f := range i.Files {
		names[k] = f.Path
	}
	stamp := func(ns int64) string {
		t := time.Unix(0, ns).UTC()
		return fmt.Sprintf("%s (%d.%09d)", t.Format("Jan _2 2006 15:04:05.000000000"), ns/1e9, ns%1e9)
	}
	fmt.Fprintf(&b, "Files:             %s\n", strings.Join(names, "\n                   "))
	fmt.Fprintf(&b, "Bag size:          %s\n", humanBytes(i.Size))
	fmt.Fprintf(&b, "Storage id:        %s\n", i.StorageID)
	if i.RosDistro != "" {
		fmt.Fprintf(&b, "ROS Distro:        %s\n", i.RosDistro)
	}
	fmt.Fprintf(&b, "Duration:          %d.%09ds\n", int64(i.Duration)/1e9, int64(i.Duration)%1e9)
	fmt.Fprintf(&b, "Start:             %s\n", stamp(i.Start))
	fmt.Fprintf(&b, "End:               %s\n", stamp(i.End))
	fmt.Fprintf(&b, "Messages:          %d\n", i.MessageCount)
	comp := "none"
	if i.CompressionMode != "" {
		comp = i.CompressionFormat + " (" + i.CompressionMode + ")"
	}
	fmt.Fprintf(&b, "Compression:       %s\n", comp)
	b.WriteString("Topic information: ")
	for k, t := range i.Topics {
		if k > 0 {
			b.WriteString("                   ")
		}
		fmt.Fprintf(&b, "Topic: %s | Type: %s | Count: %d | Serialization Format: %s\n", t.Name, t.Type, t.MessageCount, t.SerializationFormat)
		if verbose {
			for _, p := range t.Profiles {
				fmt.Fprintf(&b, "                     QoS: history %s depth %d, reliability %s, durability %s\n",
					orDefault(p.History, HistoryKeepLast), p.Depth, orDefault(p.Reliability, ReliabilityReliable), orDefault(p.Durability, DurabilityVolatile))
			}
			if t.TypeHash != "" {
				fmt.Fprintf(&b, "                     Type hash: %s\n", t.TypeHash)
			}
		}
	}
	if len(i.Topics) == 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// humanBytes formats n as rosbag2 does: B, KiB, MiB, GiB with one decimal.
func humanBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	u := 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d %s", n, units[0])
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}
