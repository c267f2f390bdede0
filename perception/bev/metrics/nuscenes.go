package metrics

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
)

// NuScenesDetectionNames are the class names the nuScenes devkit accepts
// in a detection submission (its DETECTION_NAMES).
var NuScenesDetectionNames = []string{"car", "truck", "bus", "trailer", "construction_vehicle", "pedestrian",
	"motorcycle", "bicycle", "traffic_cone", "barrier"}

// MaxSubmissionBoxes is the devkit's limit on boxes per sample
// (max_boxes_per_sample); its load_prediction rejects a file with more.
const MaxSubmissionBoxes = 500

// ErrSubmission reports a submission that the nuScenes devkit would not
// load or that cannot be written as JSON.
var ErrSubmission = errors.New("invalid nuScenes submission")

// SubmissionMeta is the "meta" block of a nuScenes detection submission:
// which inputs the method used.
type SubmissionMeta struct {
	UseCamera   bool `json:"use_camera"`
	UseLidar    bool `json:"use_lidar"`
	UseRadar    bool `json:"use_radar"`
	UseMap      bool `json:"use_map"`
	UseExternal bool `json:"use_external"`
}

// SubmissionFrame is one sample of a submission: its token and its
// predicted boxes (Box.Class indexes the classes given to WriteSubmission).
type SubmissionFrame struct {
	Token string
	Boxes []Box
}

// StampToken is the sample token of a frame that has no nuScenes sample:
// its stamp in nanoseconds, in decimal.
func StampToken(stampNS int64) string { return strconv.FormatInt(stampNS, 10) }

// submissionBox is one entry of "results" as the devkit's
// DetectionBox.deserialize reads it.
type submissionBox struct {
	SampleToken    string     `json:"sample_token"`
	Translation    [3]float64 `json:"translation"`
	Size           [3]float64 `json:"size"`
	Rotation       [4]float64 `json:"rotation"`
	Velocity       [2]float64 `json:"velocity"`
	DetectionName  string     `json:"detection_name"`
	DetectionScore float64    `json:"detection_score"`
	AttributeName  string     `json:"attribute_name"`
}

// WriteSubmission writes frames as a nuScenes detection submission that the
// devkit's load_prediction reads: {"meta": meta, "results": {token: [box,
// …]}} with frames in the given order. Each box has translation (x, y, z),
// size (w, l, h) — the devkit's order —, rotation as the quaternion
// (w, x, y, z) of a turn by Yaw about z, velocity (vx, vy), detection_name
// classes[Box.Class].Name, detection_score Score and attribute_name "" (no
// attribute). Boxes must be in the frame the evaluation expects (nuScenes
// scores global coordinates; Evaluate's ego frame needs no conversion when
// the ground truth is written alike). It returns an error wrapping
// ErrSubmission, having written nothing, for a class name the devkit does not
// know, a class index out of range, a non-finite value (JSON has none; a
// model without velocities should write 0), an empty or repeated token, or
// more than MaxSubmissionBoxes boxes in a frame.
func WriteSubmission(w io.Writer, meta SubmissionMeta, classes []ClassConfig, frames []SubmissionFrame) error {
	seen := make(map[string]bool, len(frames))
	for fi, f := range frames {
		if f.Token == "" || seen[f.Token] {
			return fmt.Errorf("metrics: submission frame %d: token %q empty or repeated: %w", fi, f.Token, ErrSubmission)
		}
		seen[f.Token] = true
		if len(f.Boxes) > MaxSubmissionBoxes {
			return fmt.Errorf("metrics: submission frame %s: %d boxes, the devkit takes at most %d: %w", f.Token, len(f.Boxes), MaxSubmissionBoxes, ErrSubmission)
		}
		for bi, b := range f.Boxes {
			if b.Class < 0 || b.Class >= len(classes) {
				return fmt.Errorf("metrics: submission frame %s box %d: class %d of %d: %w", f.Token, bi, b.Class, len(classes), ErrSubmission)
			}
			if name := classes[b.Class].Name; !slices.Contains(NuScenesDetectionNames, name) {
				return fmt.Errorf("metrics: submission frame %s box %d: class %q is not a nuScenes detection name (map it to one of %v): %w",
					f.Token, bi, name, NuScenesDetectionNames, ErrSubmission)
			}
			for _, v := range [...]float64{b.X, b.Y, b.Z, b.L, b.W, b.H, b.Yaw, b.VX, b.VY, b.Score} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("metrics: submission frame %s box %d: non-finite value in %+v: %w", f.Token, bi, b, ErrSubmission)
				}
			}
		}
	}
	bw := bufio.NewWriter(w)
	mj, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("metrics: submission meta: %w", err)
	}
	bw.WriteString(`{"meta":`)
	bw.Write(mj)
	bw.WriteString(`,"results":{`)
	for fi, f := range frames {
		tj, _ := json.Marshal(f.Token)
		if fi > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(tj)
		bw.WriteString(":[")
		for bi, b := range f.Boxes {
			s, c := math.Sincos(b.Yaw / 2)
			bj, err := json.Marshal(submissionBox{SampleToken: f.Token, Translation: [3]float64{b.X, b.Y, b.Z},
				Size: [3]float64{b.W, b.L, b.H}, Rotation: [4]float64{c, 0, 0, s}, Velocity: [2]float64{b.VX, b.VY},
				DetectionName: classes[b.Class].Name, DetectionScore: b.Score})
			if err != nil {
				return fmt.Errorf("metrics: submission frame %s box %d: %w", f.Token, bi, err)
			}
			if bi > 0 {
				bw.WriteByte(',')
			}
			bw.Write(bj)
		}
		bw.WriteByte(']')
	}
	bw.WriteString("\n}}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("metrics: write submission: %w", err)
	}
	return nil
}

// ReadSubmission reads a nuScenes detection submission into frames, in
// token order (JSON objects have no order): classes maps detection_name to
// Box.Class, the yaw is the quaternion's heading as the devkit's
// quaternion_yaw takes it, and size (w, l, h) fills W, L, H. A box naming a
// class not in classes is an error wrapping ErrSubmission.
func ReadSubmission(r io.Reader, classes []ClassConfig) (SubmissionMeta, []SubmissionFrame, error) {
	var doc struct {
		Meta    *SubmissionMeta            `json:"meta"`
		Results map[string][]submissionBox `json:"results"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return SubmissionMeta{}, nil, fmt.Errorf("metrics: read submission: %w", err)
	}
	if doc.Meta == nil || doc.Results == nil {
		return SubmissionMeta{}, nil, fmt.Errorf("metrics: read submission: no \"meta\" or \"results\": %w", ErrSubmission)
	}
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c.Name] = i
	}
	var frames []SubmissionFrame
	for _, tok := range slices.Sorted(maps.Keys(doc.Results)) {
		f := SubmissionFrame{Token: tok, Boxes: make([]Box, 0, len(doc.Results[tok]))}
		for bi, sb := range doc.Results[tok] {
			c, ok := index[sb.DetectionName]
			if !ok {
				return SubmissionMeta{}, nil, fmt.Errorf("metrics: submission sample %s box %d: class %q not in the classes: %w", tok, bi, sb.DetectionName, ErrSubmission)
			}
			q := sb.Rotation // w, x, y, z
			yaw := math.Atan2(2*(q[0]*q[3]+q[1]*q[2]), 1-2*(q[2]*q[2]+q[3]*q[3]))
			f.Boxes = append(f.Boxes, Box{X: sb.Translation[0], Y: sb.Translation[1], Z: sb.Translation[2],
				W: sb.Size[0], L: sb.Size[1], H: sb.Size[2], Yaw: yaw, VX: sb.Velocity[0], VY: sb.Velocity[1],
				Score: sb.DetectionScore, Class: c})
		}
		frames = append(frames, f)
	}
	return *doc.Meta, frames, nil
}
