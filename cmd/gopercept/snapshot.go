package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"

	"github.com/gopercept/gopercept/internal/imageconv"
	"github.com/gopercept/gopercept/internal/ros/bag"
	"github.com/gopercept/gopercept/internal/ros/cdr"
	"github.com/gopercept/gopercept/internal/ros/rosconv"
	"github.com/gopercept/gopercept/internal/ros/rosmsg/sensor_msgs"
)

// cmdSnapshot writes one Image or CompressedImage of a bag as PNG: how the
// README's pictures of node outputs are made.
func cmdSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	topic := fs.String("topic", "", "image topic (sensor_msgs/Image or CompressedImage); required")
	at := fs.Float64("at", 0, "seconds from the bag's first message; the first image at or after it is written")
	out := fs.String("o", "", "output PNG; required")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *topic == "" || *out == "" {
		return errors.New("snapshot: usage: gopercept snapshot BAG --topic TOPIC [--at S] -o OUT.png")
	}
	rd, err := bag.Open(pos[0], bag.ReaderConfig{})
	if err != nil {
		return err
	}
	defer rd.Close()
	first := int64(-1)
	var rgb imageconv.RGB
	for m, err := range rd.All() {
		if err != nil {
			return err
		}
		if first < 0 {
			first = m.LogTime
		}
		if m.Topic != *topic || float64(m.LogTime-first)/1e9 < *at {
			continue
		}
		switch m.Type {
		case sensor_msgs.ImageTypeName:
			var img sensor_msgs.Image
			if err := cdr.Unmarshal(m.Data, &img); err != nil {
				return err
			}
			raw := rosconv.Raw(&img)
			if err := imageconv.DecodeRGB(&raw, &rgb); err != nil {
				return err
			}
		case sensor_msgs.CompressedImageTypeName:
			var img sensor_msgs.CompressedImage
			if err := cdr.Unmarshal(m.Data, &img); err != nil {
				return err
			}
			if err := imageconv.DecodeCompressed(img.Format, img.Data, &rgb); err != nil {
				return err
			}
		default:
			return fmt.Errorf("snapshot: %s is %s, not an image", *topic, m.Type)
		}
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		if err := png.Encode(f, rgb.ToImage()); err != nil {
			f.Close()
			return err
		}
		fmt.Fprintf(stdout, "snapshot: %s at %.2f s → %s (%d×%d)\n", *topic, float64(m.LogTime-first)/1e9, *out, rgb.Width, rgb.Height)
		return f.Close()
	}
	return fmt.Errorf("snapshot: no image on %s at or after %.2f s", *topic, *at)
}
