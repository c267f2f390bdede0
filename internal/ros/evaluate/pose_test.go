package evaluate

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gopercept/gopercept/internal/ros/rosmsg/geometry_msgs"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/gopercept_msgs"
	"github.com/gopercept/gopercept/perception/pose"
	"github.com/gopercept/gopercept/perception/pose/metrics"
)

// TestJointErrors: two people, the node's arrays in the other order than
// the ground truth's; each is paired through the 2D match, only visible and
// lifted joints count, and a crowd (ignored) person adds nothing.
func TestJointErrors(t *testing.T) {
	person2D := func(x0 float32, vis uint8) pose.Person {
		p := pose.Person{Box: [4]float32{x0, 100, x0 + 40, 200}, Score: 1}
		for k := range pose.NumKeypoints {
			p.Keypoints = append(p.Keypoints, pose.Keypoint{X: x0 + float32(2*k), Y: 100 + float32(5*k), Score: 1, Visibility: vis})
		}
		return p
	}
	skel3D := func(id uint64, x, z float64, vis uint8) gopercept_msgs.Skeleton3D {
		s := gopercept_msgs.Skeleton3D{TrackID: id}
		for k := range pose.NumKeypoints {
			// Not collinear, so that Procrustes has a rotation to find.
			s.Keypoints = append(s.Keypoints, gopercept_msgs.Keypoint3D{Position: geometry_msgs.Point{X: x + 0.05*float64(k%3), Y: 0.1 * float64(k), Z: z + 0.03*float64(k%2)}, Visibility: vis})
		}
		return s
	}
	gtA, gtB, gtC := person2D(10, pose.Visible), person2D(300, pose.Visible), person2D(600, pose.Visible)
	g2 := &gopercept_msgs.Skeleton2DArray{Skeletons: []gopercept_msgs.Skeleton2D{{TrackID: 7}, {TrackID: 9}, {TrackID: 11}}}
	g3 := &gopercept_msgs.Skeleton3DArray{Skeletons: []gopercept_msgs.Skeleton3D{skel3D(9, 1, 5, pose.Visible), skel3D(7, -1, 4, pose.Visible), skel3D(11, 3, 9, pose.Visible)}}
	g3.Skeletons[1].Keypoints[0].Visibility = pose.Occluded // not measured by depth: left out
	img := metrics.Image{
		Pred: []pose.Person{person2D(300, pose.Visible), person2D(10, pose.Visible), person2D(600, pose.Visible)},
		GT:   []metrics.Annotation{{Person: gtA}, {Person: gtB}, {Person: gtC, Crowd: true}},
	}
	p3 := &gopercept_msgs.Skeleton3DArray{Skeletons: []gopercept_msgs.Skeleton3D{skel3D(0, 1, 5.2, 1), skel3D(0, -1, 4.1, 1), skel3D(0, 3, 1, 1)}}
	p3.Skeletons[0].Keypoints[3].Visibility = 0 // not lifted: left out
	var acc jointAcc
	if err := acc.add(img, g2, g3, p3); err != nil {
		t.Fatal(err)
	}
	if acc.n != 2*pose.NumKeypoints-2 {
		t.Fatalf("%d joints, want %d", acc.n, 2*pose.NumKeypoints-2)
	}
	want := 0.2*float64(pose.NumKeypoints-1) + 0.1*float64(pose.NumKeypoints-1)
	if math.Abs(acc.sum-want) > 1e-9 {
		t.Fatalf("error sum %g, want %g", acc.sum, want)
	}
	// The predictions are the truth shifted along z: no error once
	// root-aligned or Procrustes-aligned, over the same joints.
	if acc.people != 2 || len(acc.root) != acc.n || len(acc.pa) != acc.n || mean(acc.root) > 1e-12 || mean(acc.pa) > 1e-9 {
		t.Fatalf("aligned: %d people, %d root-aligned joints (mean %g), %d PA (mean %g)", acc.people, len(acc.root), mean(acc.root), len(acc.pa), mean(acc.pa))
	}
	// A person whose hip was not lifted has no root: absolute error only.
	p3.Skeletons[1].Keypoints[11].Visibility = 0
	acc = jointAcc{}
	if err := acc.add(img, g2, g3, p3); err != nil || acc.people != 1 || len(acc.root) != pose.NumKeypoints-1 {
		t.Fatalf("without a hip: %d people, %d root-aligned joints, %v", acc.people, len(acc.root), err)
	}
	p3.Skeletons = p3.Skeletons[:2]
	if err := acc.add(img, g2, g3, p3); err == nil {
		t.Fatal("3D and 2D arrays of different lengths accepted")
	}
}

// poseScene is a small scene for the scoring tests: small and large people
// (no medium ones), one a crowd region, with noisy and false predictions.
func poseScene() []metrics.Image {
	person := func(x0, y0, h float32, dx float32) (metrics.Annotation, pose.Person) {
		a := metrics.Annotation{Person: pose.Person{Box: [4]float32{x0, y0, x0 + 0.4*h, y0 + h}}}
		p := pose.Person{Score: 0.9 - dx/100}
		for k := range pose.NumKeypoints {
			x, y := x0+0.4*h*float32(k%3)/2, y0+h*float32(k)/16
			a.Keypoints = append(a.Keypoints, pose.Keypoint{X: x, Y: y, Visibility: pose.Visible})
			p.Keypoints = append(p.Keypoints, pose.Keypoint{X: x + dx*float32(k%2), Y: y - dx/2, Score: 0.8})
		}
		return a, p
	}
	var images []metrics.Image
	for i := range 4 {
		var im metrics.Image
		for j, h := range []float32{20, 250, 300} {
			a, p := person(50+200*float32(j), 40+10*float32(i), h, float32(i+j))
			a.Crowd = i == 1 && j == 2
			im.GT = append(im.GT, a)
			im.Pred = append(im.Pred, p)
		}
		_, fp := person(700, 300, 120, 0)
		im.Pred = append(im.Pred, fp)
		images = append(images, im)
	}
	return images
}

// TestPoseResultJSONNull: without 3D output and without medium-sized
// people, json.Marshal (not only the CLI's writer) gives null for MPJPE and
// the medium AP/AR, with the counts (0 joints, 0 medium people) beside them.
func TestPoseResultJSONNull(t *testing.T) {
	r, err := scorePose(poseScene(), "box")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	for _, c := range []struct {
		key   string
		null  bool
		count string
		n     float64
	}{
		{"mpjpe_m", true, "joints_3d", 0},
		{"ap_medium", true, "coco_people_medium", 0},
		{"ar_medium", true, "coco_people_medium", 0},
		{"ap_large", false, "coco_people_large", 7},
		{"ap", false, "coco_people", 11},
	} {
		v, ok := m[c.key]
		if !ok || (v == nil) != c.null || m[c.count] != c.n {
			t.Errorf("%s = %v (present %v), %s = %v; want null %v with %s %g\n%s", c.key, v, ok, c.count, m[c.count], c.null, c.count, c.n, b)
		}
	}
	if m["oks_area"] != "box" {
		t.Errorf("oks_area = %v, want box", m["oks_area"])
	}
	var text bytes.Buffer
	WritePoseText(&text, r)
	for _, want := range []string{"APm n/a", "MPJPE n/a (0 joints", "OKS scaled by the person box's area"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

// TestPoseCOCOFilesRoundTrip: the COCO files Pose writes for its frames,
// scored bag-free by PoseFromCOCO, give the scores Pose computed.
func TestPoseCOCOFilesRoundTrip(t *testing.T) {
	images := poseScene()
	want, err := scorePose(images, "box")
	if err != nil {
		t.Fatal(err)
	}
	var gt, res bytes.Buffer
	if err := metrics.WriteCOCOGroundTruth(&gt, images, nil); err != nil {
		t.Fatal(err)
	}
	if err := metrics.WriteCOCOResults(&res, images); err != nil {
		t.Fatal(err)
	}
	got, err := PoseFromCOCO(&gt, &res)
	if err != nil {
		t.Fatal(err)
	}
	if got.OKSArea != "annotation" {
		t.Fatalf("oks_area %q, want annotation", got.OKSArea)
	}
	got.OKSArea = want.OKSArea
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Fatalf("bag-free scores\n%s\ndiffer from the frames'\n%s", gj, wj)
	}
}

// TestPoseFromCOCOAgainstPycocotools scores pose/metrics' committed pair
// (written by our Go writer) bag-free and checks pycocotools' ten
// statistics for the same files (testdata/gen_coco_pair_golden.py there).
func TestPoseFromCOCOAgainstPycocotools(t *testing.T) {
	raw, err := os.ReadFile("../../../perception/pose/metrics/testdata/coco_pair_stats.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Stats []float64 `json:"stats"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil || len(golden.Stats) != 10 {
		t.Fatalf("coco_pair_stats.json: %v, %d stats", err, len(golden.Stats))
	}
	gt, err := os.Open("../../../perception/pose/metrics/testdata/coco_pair_gt.json")
	if err != nil {
		t.Fatal(err)
	}
	defer gt.Close()
	res, err := os.Open("../../../perception/pose/metrics/testdata/coco_pair_results.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	r, err := PoseFromCOCO(gt, res)
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{r.AP, r.AP50, r.AP75, r.APMedium, r.APLarge, r.AR, r.AR50, r.AR75, r.ARMedium, r.ARLarge}
	names := []string{"AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"}
	for i := range got {
		// Same matches; only numpy's pairwise order of the final means
		// differs from ours, a few ulps.
		if !(math.Abs(got[i]-golden.Stats[i]) <= 1e-14) {
			t.Errorf("%s = %.17g, pycocotools %.17g", names[i], got[i], golden.Stats[i])
		}
	}
}
