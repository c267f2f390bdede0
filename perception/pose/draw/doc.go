// Package draw paints skeletons on packed rgb8 images (imageconv.RGB) for
// the overlay topic: limbs as thick lines, joints as filled discs, the box
// as a rectangle outline, in a colour chosen per track id. Coordinates are
// pixels with pixel centres at integers; everything is clipped to the image.
package draw
