package bag

import (
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// db3Source reads a rosbag2 sqlite3 storage file in timestamp order.
type db3Source struct {
	file   string
	db     *sql.DB
	rows   *sql.Rows
	topics map[int64]*topicEntry
	report func(Skipped)
	ref    msgRef
	raw    sql.RawBytes
	zdec   *zstd.Decoder
	zbuf   []byte
	// start is the smallest message timestamp, if startOK.
	start   int64
	startOK bool
	end     int64
	count   uint64
	comp    string
}

func hasTable(db *sql.DB, name string) (bool, error) {
	var n int
	err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?`, name).Scan(&n)
	return n > 0, err
}

func columns(db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols[c] = true
	}
	return cols, rows.Err()
}

// openDB3 opens path read-only. comp is "zstd" for rosbag2 per-message
// compression, else "".
func openDB3(path string, topics *topicSet, report func(Skipped), comp string) (src *db3Source, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("bag: %s: %w", path, err)
	}
	db.SetMaxOpenConns(2)
	s := &db3Source{file: path, db: db, topics: map[int64]*topicEntry{}, report: report}
	defer func() {
		if err != nil {
			db.Close()
			err = fmt.Errorf("bag: %s: %w", path, err)
		}
	}()
	if comp == "zstd" {
		if s.zdec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return nil, err
		}
	}
	cols, err := columns(db, "topics")
	if err != nil {
		return nil, err
	}
	if !cols["id"] || !cols["name"] || !cols["type"] {
		return nil, fmt.Errorf("%w: no rosbag2 topics table", ErrUnknownFormat)
	}
	defs := map[string]string{}
	if ok, err := hasTable(db, "message_definitions"); err != nil {
		return nil, err
	} else if ok {
		rows, err := db.Query(`SELECT topic_type, encoded_message_definition FROM message_definitions ORDER BY id`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var t, d string
			if err := rows.Scan(&t, &d); err != nil {
				rows.Close()
				return nil, err
			}
			if _, ok := defs[t]; !ok {
				defs[t] = d
			}
		}
		rows.Close()
	}
	q := `SELECT id, name, type, serialization_format`
	for _, c := range []string{"offered_qos_profiles", "type_description_hash"} {
		if cols[c] {
			q += ", " + c
		} else {
			q += ", ''"
		}
	}
	rows, err := db.Query(q + ` FROM topics ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var info TopicInfo
		if err := rows.Scan(&id, &info.Name, &info.Type, &info.SerializationFormat, &info.QoS, &info.TypeHash); err != nil {
			rows.Close()
			return nil, err
		}
		info.SchemaText = defs[info.Type]
		s.topics[id] = topics.get(info)
	}
	rows.Close()
	counts, err := db.Query(`SELECT topic_id, count(*) FROM messages GROUP BY topic_id`)
	if err != nil {
		return nil, err
	}
	for counts.Next() {
		var id int64
		var n uint64
		if err := counts.Scan(&id, &n); err != nil {
			counts.Close()
			return nil, err
		}
		if e := s.topics[id]; e != nil {
			e.info.MessageCount += n
		}
	}
	counts.Close()
	var first, last sql.NullInt64
	var count int64
	if err := db.QueryRow(`SELECT min(timestamp), max(timestamp), count(*) FROM messages`).Scan(&first, &last, &count); err != nil {
		return nil, err
	}
	s.start, s.startOK, s.end, s.count, s.comp = first.Int64, first.Valid, last.Int64, uint64(count), comp
	where := ""
	if topics.want != nil {
		ids := []string{"-1"}
		for id, e := range s.topics {
			if !e.filtered {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
		}
		sort.Strings(ids)
		where = " WHERE topic_id IN (" + strings.Join(ids, ",") + ")"
	}
	s.rows, err = db.Query(`SELECT id, topic_id, timestamp, data FROM messages` + where + ` ORDER BY timestamp, id`)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *db3Source) liveCounts() bool { return false }

func (s *db3Source) startTime() (int64, bool) { return s.start, s.startOK }

func (s *db3Source) summary() (fileStats, bool) {
	return fileStats{storage: "sqlite3", count: s.count, start: s.start, end: s.end, timesOK: s.startOK, msgComp: s.comp}, true
}

// next implements source.
func (s *db3Source) next() (*msgRef, error) {
	for s.rows.Next() {
		var id, topicID, ts int64
		if err := s.rows.Scan(&id, &topicID, &ts, &s.raw); err != nil {
			s.report(Skipped{File: s.file, Offset: id, Kind: KindRow, Reason: ReasonBadRow, Detail: err.Error()})
			continue
		}
		t := s.topics[topicID]
		if t == nil {
			s.report(Skipped{File: s.file, Offset: id, Kind: KindRow, Reason: ReasonUnknownChannel, Detail: fmt.Sprintf("topic id %d", topicID), LogTime: ts, HasLogTime: true})
			continue
		}
		data := []byte(s.raw)
		if s.zdec != nil {
			out, err := s.zdec.DecodeAll(data, s.zbuf[:0])
			if err != nil {
				s.report(Skipped{File: s.file, Offset: id, Kind: KindRow, Reason: ReasonDecompress, Detail: err.Error(), Topic: t.info.Name, LogTime: ts, HasLogTime: true})
				continue
			}
			s.zbuf = out
			data = out
		}
		s.ref = msgRef{logTime: ts, pubTime: ts, topic: t, data: data}
		return &s.ref, nil
	}
	if err := s.rows.Err(); err != nil {
		return nil, fmt.Errorf("bag: %s: %w", s.file, err)
	}
	return nil, io.EOF
}

func (s *db3Source) close() error {
	if s.zdec != nil {
		s.zdec.Close()
	}
	if s.rows != nil {
		s.rows.Close()
	}
	return s.db.Close()
}
