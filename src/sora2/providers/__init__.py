"""Video provider adapters (behind `sora2.ports.VideoProvider`) and the built-in simulator."""
