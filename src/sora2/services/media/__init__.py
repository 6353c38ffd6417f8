"""A video's files: downloads, stills, first-frame images, signed links."""
