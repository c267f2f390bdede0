package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/simdrive"
	"github.com/gopercept/gopercept/perception/lidarseg"
)

func cmdSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output rosbag2 directory (metadata.yaml + MCAP); required")
	var cfg simdrive.Config
	fs.Int64Var(&cfg.Seed, "seed", 1, "world seed: equal seeds give equal bags")
	fs.Float64Var(&cfg.Duration, "duration", 10, "seconds of drive")
	fs.StringVar(&cfg.Lidar, "lidar", "hdl64", "lidar preset: "+strings.Join(simdrive.LidarNames, ", "))
	fs.IntVar(&cfg.Columns, "columns", 2048, "azimuth steps per revolution (1024 or 2048)")
	fs.StringVar(&cfg.Cameras, "cameras", "six", "camera rig: six (nuScenes-like), eight (six and front and back long-range), four (its front three and back), front or none")
	fs.Float64Var(&cfg.CameraHz, "camera-hz", 12, "camera frame rate, Hz (10, the lidar's rate, puts every image at a sweep's stamp: camera-only bevfusion is then scored at every ground-truth frame)")
	fs.IntVar(&cfg.Width, "width", 704, "camera image width, pixels")
	fs.IntVar(&cfg.Height, "height", 256, "camera image height, pixels")
	fs.BoolVar(&cfg.Compressed, "compressed", false, "publish JPEG CompressedImage instead of raw rgb8")
	fs.BoolVar(&cfg.Depth, "depth", false, "publish an aligned 16UC1 depth image for the front camera")
	fs.IntVar(&cfg.Pedestrians, "pedestrians", 0, "pedestrians in the world (0: the world's default)")
	fs.IntVar(&cfg.Cyclists, "cyclists", 0, "moving cyclists in the world (0: the world's default, 6)")
	fs.IntVar(&cfg.MovingCars, "moving-cars", 0, "moving cars and trucks in the world (0: the world's default, 14)")
	fs.BoolVar(&cfg.Crowd, "crowd", false, "add people along the route 4–16 m ahead of the ego (pose drives)")
	fs.IntVar(&cfg.CrowdSize, "crowd-size", 0, "with --crowd, place this many people every half second across the front camera's view instead (10 give a 640×480 camera 30 or more a frame)")
	comp := fs.String("compression", "zstd", "chunk compression: zstd, lz4 or none")
	dataset := fs.String("dataset", "", "write a training set instead of a bag: lidarseg, pose, lift or bev")
	preset := fs.String("preset", "hdl64e", "range-image projection preset of a lidarseg training set; native: the lidar's own rings and columns, for a model with dynamic input rows and columns")
	randomize := fs.Bool("randomize-sensor", false, "lidarseg training set: vary the lidar's mounting height (±0.3 m), pitch and roll (±2°), intensity scale (0.6–1.4) and range noise (+0–3 cm) sweep by sweep")
	labels := fs.String("labels", "params/semantic-kitti.yaml", "SemanticKITTI label map for training labels")
	every := fs.Int("every", 1, "keep one sweep in EVERY for a training set")
	detSize := fs.Int("detector-size", 320, "with --dataset pose, the square letterbox size of the detector frames (a multiple of 32)")
	paint := fs.String("paint", "", "comma-separated cameras (cam_front,cam_front_left,...) whose colours a lidarseg training set also gets in paint.npy, as the lidarseg node paints for a card with paint")
	preview := fs.String("preview", "", "also write preview PNGs (range image by label, cameras with skeletons, BEV) to this directory")
	previewAt := fs.Float64("preview-at", 2, "simulation time of the preview, seconds")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("simulate: -o DIR is required")
	}
	cfg.Compression = bag.Compression(*comp)
	cfg.Progress = stderr
	if *preview != "" {
		lm, err := lidarseg.LoadLabelMap(*labels)
		if err != nil {
			return err
		}
		files, err := simdrive.WritePreview(cfg, lm, *previewAt, *preview)
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Fprintln(stderr, "simulate: preview", f)
		}
	}
	if *dataset != "" {
		var cams []string
		if *paint != "" {
			if *dataset != "lidarseg" {
				return errors.New("simulate: --paint is for --dataset lidarseg")
			}
			cams = strings.Split(*paint, ",")
		}
		if *detSize != 320 && *dataset != "pose" {
			return errors.New("simulate: --detector-size is for --dataset pose")
		}
		if *detSize < 32 || *detSize%32 != 0 {
			return fmt.Errorf("simulate: --detector-size %d: want a positive multiple of 32 (the detector's coarsest stride)", *detSize)
		}
		if *randomize && *dataset != "lidarseg" {
			return errors.New("simulate: --randomize-sensor is for --dataset lidarseg")
		}
		return writeDataset(ctx, *dataset, cfg, *preset, *randomize, *labels, *every, *detSize, cams, *out, stdout, stderr)
	}
	switch cfg.Compression {
	case bag.CompressionZstd, bag.CompressionLZ4, bag.CompressionNone:
	default:
		return fmt.Errorf("simulate: --compression %q: want zstd, lz4 or none", *comp)
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("simulate: %s already exists; remove it or write elsewhere", *out)
	}
	// Written under a temporary name and renamed when complete, so that a
	// failed run never leaves a bag that looks whole (or blocks the rerun).
	partial := *out + ".partial"
	os.RemoveAll(partial)
	w, err := bag.NewBagWriter(partial, bag.BagWriterConfig{Name: filepath.Base(*out), WriterConfig: bag.WriterConfig{Compression: cfg.Compression}})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	t0 := time.Now()
	sum, err := simdrive.Run(ctx, cfg, w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if sum == nil || sum.Messages == nil || len(sum.Messages) == 0 {
			os.RemoveAll(partial) // nothing was simulated: a bad option
			return flagNames(err)
		}
		return fmt.Errorf("%w (what was written is in %s)", err, partial)
	}
	if err := os.Rename(partial, *out); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	size := dirSize(*out)
	fmt.Fprintf(stdout, "simulate: wrote %s: %.0f s of drive, %d sweeps, %d images, %d people seen, %.1f MB in %.1f s\n",
		*out, sum.Seconds, sum.Sweeps, sum.Images, sum.Persons, float64(size)/1e6, time.Since(t0).Seconds())
	return nil
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func writeDataset(ctx context.Context, kind string, cfg simdrive.Config, preset string, randomize bool, labels string, every, detSize int, paint []string, dir string, stdout, stderr io.Writer) error {
	switch kind {
	case "lidarseg":
		native := preset == "native"
		var pc lidarseg.ProjectionConfig
		var err error
		if !native {
			if pc, err = lidarseg.PresetConfig(preset); err != nil {
				return err
			}
		}
		lm, err := lidarseg.LoadLabelMap(labels)
		if err != nil {
			return err
		}
		t0 := time.Now()
		n, err := simdrive.WriteLidarDataset(ctx, simdrive.DatasetConfig{Config: cfg, Projection: pc, LabelMap: lm, Every: every, Paint: paint,
			Native: native, Randomize: randomize}, dir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "simulate: wrote %d lidarseg scans to %s in %.1f s\n", n, dir, time.Since(t0).Seconds())
		return nil
	case "pose":
		t0 := time.Now()
		crops, frames, err := simdrive.WritePoseDataset(ctx, simdrive.PoseDatasetConfig{Config: cfg, Every: every, DetectorSize: detSize}, dir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "simulate: wrote %d person crops and %d detector frames to %s in %.1f s\n", crops, frames, dir, time.Since(t0).Seconds())
		return nil
	case "lift":
		t0 := time.Now()
		n, err := simdrive.WriteLiftDataset(ctx, simdrive.LiftDatasetConfig{Config: cfg, Every: every}, dir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "simulate: wrote %d people (2D keypoints with 3D joints) to %s in %.1f s\n", n, dir, time.Since(t0).Seconds())
		return nil
	case "bev":
		lm, err := lidarseg.LoadLabelMap(labels)
		if err != nil {
			return err
		}
		t0 := time.Now()
		n, err := simdrive.WriteBEVDataset(ctx, simdrive.BEVDatasetConfig{Config: cfg, LabelMap: lm, Every: every}, dir, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "simulate: wrote %d BEV samples to %s in %.1f s\n", n, dir, time.Since(t0).Seconds())
		return nil
	}
	return fmt.Errorf("simulate: unknown dataset %q (have lidarseg, pose, lift, bev)", kind)
}

// flagNames rewrites the simulator's configuration field names in err as
// the flags that set them.
func flagNames(err error) error {
	msg := err.Error()
	for _, r := range [][2]string{
		{"CameraModel.Width", "--width"}, {"CameraModel.Height", "--height"}, {"LidarConfig.Columns", "--columns"},
		{"LidarConfig.Preset", "--lidar"}, {"Duration", "--duration"}, {"Cameras", "--cameras"}, {"Pedestrians", "--pedestrians"}, {"NumCyclists", "--cyclists"}, {"NumMovingCars", "--moving-cars"},
	} {
		msg = strings.ReplaceAll(msg, r[0], r[1])
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
