package bag

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"testing"
)

const pointCloud2Def = `std_msgs/Header header
uint32 height
uint32 width
PointField[] fields
bool is_bigendian
uint32 point_step
uint32 row_step
uint8[] data
bool is_dense
================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id`

// testMsg is a message a test writes and expects back.
type testMsg struct {
	Topic       string
	LogTime     int64
	PublishTime int64
	Data        []byte
}

var testTopics = []Topic{
	{Name: "/lidar/points", Type: "sensor_msgs/msg/PointCloud2", SchemaText: pointCloud2Def},
	{Name: "/imu", Type: "sensor_msgs/msg/Imu", SchemaText: "std_msgs/Header header\nfloat64[9] orientation_covariance\n====\nMSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n====\nMSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec"},
	{Name: "/tf_static", Type: "tf2_msgs/msg/TFMessage", SchemaText: "geometry_msgs/TransformStamped[] transforms"},
}

// makeMsgs returns n messages over testTopics with increasing log times
// starting at t0, step ns apart, with a fixed seed.
func makeMsgs(seed int64, n int, t0, step int64, size int) []testMsg {
	rng := rand.New(rand.NewSource(seed))
	out := make([]testMsg, n)
	for i := range out {
		d := make([]byte, 4+rng.Intn(size))
		copy(d, []byte{0, 1, 0, 0}) // CDR little-endian encapsulation
		for j := 4; j < len(d); j++ {
			d[j] = byte(rng.Intn(16)) // compressible
		}
		tp := testTopics[i%len(testTopics)].Name
		out[i] = testMsg{Topic: tp, LogTime: t0 + int64(i)*step, PublishTime: t0 + int64(i)*step - 7, Data: d}
	}
	return out
}

// writeMCAP writes msgs in order into an MCAP file at path.
func writeMCAP(t testing.TB, path string, cfg WriterConfig, msgs []testMsg) {
	t.Helper()
	w, err := CreateMCAP(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, msgs)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeAll(t testing.TB, w *MCAPWriter, msgs []testMsg) {
	t.Helper()
	ids := map[string]uint16{}
	for _, tp := range testTopics {
		id, err := w.AddTopic(tp)
		if err != nil {
			t.Fatal(err)
		}
		ids[tp.Name] = id
	}
	for _, m := range msgs {
		if err := w.Write(ids[m.Topic], m.LogTime, m.PublishTime, m.Data); err != nil {
			t.Fatal(err)
		}
	}
}

// readAll reads every message of the bag at path, copying Data.
func readAll(t testing.TB, path string, cfg ReaderConfig) ([]testMsg, *Reader) {
	t.Helper()
	r, err := Open(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []testMsg
	for m, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testMsg{Topic: m.Topic, LogTime: m.LogTime, PublishTime: m.PublishTime, Data: bytes.Clone(m.Data)})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out, r
}

func sameMsgs(t testing.TB, got, want []testMsg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Topic != w.Topic || g.LogTime != w.LogTime || g.PublishTime != w.PublishTime || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("message %d: got %s@%d/%d (%d bytes), want %s@%d/%d (%d bytes)", i,
				g.Topic, g.LogTime, g.PublishTime, len(g.Data), w.Topic, w.LogTime, w.PublishTime, len(w.Data))
		}
	}
}

// chunkRecords walks the top-level records of an intact MCAP file and returns
// the start and end offsets of each chunk record.
func chunkRecords(t testing.TB, data []byte) (starts, ends []int64) {
	t.Helper()
	off := 8
	for off+recordHeaderLen <= len(data)-8 {
		op := data[off]
		n := int(binary.LittleEndian.Uint64(data[off+1:]))
		if op == 0x06 {
			starts = append(starts, int64(off))
			ends = append(ends, int64(off+recordHeaderLen+n))
		}
		if op == 0x02 {
			break
		}
		off += recordHeaderLen + n
	}
	return starts, ends
}

// makeDB3 writes a rosbag2 sqlite3 storage file with the Jazzy schema
// (schema version 4) or, if legacy, the Foxy one (no hash, no definitions).
func makeDB3(t testing.TB, path string, msgs []testMsg, legacy bool) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE schema(schema_version INTEGER PRIMARY KEY, ros_distro TEXT NOT NULL)`,
		`CREATE TABLE metadata(id INTEGER PRIMARY KEY, metadata_version INTEGER NOT NULL, metadata TEXT NOT NULL)`,
		`CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL, type_description_hash TEXT NOT NULL)`,
		`CREATE TABLE message_definitions(id INTEGER PRIMARY KEY, topic_type TEXT NOT NULL, encoding TEXT NOT NULL, encoded_message_definition TEXT NOT NULL, type_description_hash TEXT NOT NULL)`,
		`CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB NOT NULL)`,
		`CREATE INDEX timestamp_idx ON messages (timestamp ASC)`,
		`INSERT INTO schema VALUES (4, 'jazzy')`,
	}
	if legacy {
		stmts = []string{
			`CREATE TABLE topics(id INTEGER PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, serialization_format TEXT NOT NULL, offered_qos_profiles TEXT NOT NULL)`,
			`CREATE TABLE messages(id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp INTEGER NOT NULL, data BLOB NOT NULL)`,
			`CREATE INDEX timestamp_idx ON messages (timestamp ASC)`,
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	for i, tp := range testTopics {
		id := int64(i + 1)
		ids[tp.Name] = id
		if legacy {
			_, err = db.Exec(`INSERT INTO topics VALUES (?,?,?,?,?)`, id, tp.Name, tp.Type, "cdr", DefaultQoS(tp.Name))
		} else {
			_, err = db.Exec(`INSERT INTO topics VALUES (?,?,?,?,?,?)`, id, tp.Name, tp.Type, "cdr", DefaultQoS(tp.Name), "RIHS01_"+fmt.Sprint(id))
			if err == nil {
				_, err = db.Exec(`INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, type_description_hash) VALUES (?,?,?,?)`, tp.Type, "ros2msg", tp.SchemaText, "")
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := tx.Exec(`INSERT INTO messages (topic_id, timestamp, data) VALUES (?,?,?)`, ids[m.Topic], m.LogTime, m.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// readFileBytes reads a file or fails the test.
func readFileBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// drain reads r to the end, returning the count of messages and the first
// error other than io.EOF.
func drain(r *Reader) (int, error) {
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}
