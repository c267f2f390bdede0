// Package metrics scores bird's-eye-view perception the way nuScenes does:
// detection average precision matched by centre distance, the true-positive
// errors ATE, ASE, AOE and AVE, and occupancy IoU between grids.
//
// # Detection
//
// Scores follow the nuScenes devkit (nuscenes-devkit 1.2.0,
// nuscenes.eval.detection), which testdata/nuscenes_golden.json checks to
// float rounding. For every class and every distance threshold (0.5, 1, 2
// and 4 m by default), predictions of all frames are taken best score first,
// equal scores in reverse order of addition (as the devkit's sort leaves
// them); each is matched to the nearest not yet matched ground-truth box of
// its class in the same frame (the first of equally near ones) whose
// bird's-eye-view centre distance is below the threshold (strictly). The
// cumulative precision tp/(tp+fp) against recall tp/#gt is resampled at 101
// recall points 0, 0.01, …, 1 (numpy.linspace(0, 1, 101)) by linear
// interpolation (the first precision is held below the first recall, and
// precision is 0 beyond the largest recall reached), without a monotone
// envelope. AP is the mean of max(precision − 0.1, 0)/(1 − 0.1) over the
// recall points above 0.1 (nuScenes' min_recall and min_precision).
//
// The true-positive errors are computed at the 2 m threshold over the
// matches: ATE the centre distance in metres (x, y), ASE 1 − IoU of the two
// boxes after aligning their centres and yaws (a 3D IoU of the sizes), AOE
// the smallest yaw difference in radians (over a period of π for symmetric
// classes such as barriers), AVE the L2 norm of the velocity difference in
// m/s. Their cumulative means (skipping NaN velocities, as nuScenes ground
// truth may have) are resampled on the same recall points through the
// matched scores and averaged from recall 0.1 to the largest recall reached;
// a class with ground truth but no match scores AP 0 and errors 1. Classes
// may declare AOE or AVE undefined (NaN), as nuScenes does for cones and
// barriers.
//
// A class without ground truth scores AP 0 and errors 1 and counts in the
// means, as in the devkit; Config.SkipEmptyClasses reports it as NaN and
// leaves it out instead, so that a bag without, say, trailers does not lower
// the mAP. Class ranges (ClassConfig.MaxRange) keep boxes strictly closer
// than the range, as nuScenes does; nuScenes' filters of ground truth
// without lidar points and of bicycles in bicycle racks are left to the
// caller.
//
// WriteSubmission writes predictions as a nuScenes detection submission
// (meta and results, sizes w, l, h, rotations as quaternions) that the
// devkit's load_prediction reads; the golden file records the devkit's own
// parse of testdata/nuscenes_submission.json.
//
// # Occupancy
//
// Occupancy IoU counts cells occupied in both grids over cells occupied in
// either, skipping cells unknown in the ground truth; an unknown prediction
// counts as free.
package metrics
