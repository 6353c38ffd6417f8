"""Sora2 Platform: a self-hosted, multi-user video generation platform."""

__version__ = "0.1.0"
