// Package metrics scores human-pose predictions against ground truth:
// COCO's object keypoint similarity (OKS) and the COCO keypoint AP/AR
// (AP, AP50, AP75, medium and large, 101-point interpolated precision over
// OKS thresholds 0.50:0.05:0.95, detections matched greedily by score as
// pycocotools does), PCK at a fraction of the torso size, PCKh at a fraction
// of the head size, PCP, PDJ, and MPJPE (raw, root-relative and
// Procrustes-aligned) for 3D skeletons. COCO keypoint ground-truth and
// results files are written and read (ReadCOCO) so that scores can be
// checked with pycocotools and other tools' results scored here.
//
// Coordinates are pixels of one image (metres for MPJPE); a ground-truth
// keypoint counts as labelled when its Visibility is above
// pose.NotLabelled. Every function is a pure computation over its inputs.
package metrics
