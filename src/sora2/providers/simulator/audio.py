"""The soundtrack of a simulated clip: a soft I-vi-IV-V chord loop with a plucked arpeggio."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

AUDIO_RATE = 48_000
CHORD_SECONDS = 1.0
# Semitones above the tonic for the triads of I, vi, IV and V in a major key.
_PROGRESSION = ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14))


def synthesize(seconds: int, *, seed: int) -> npt.NDArray[np.float32]:
    """`seconds` of stereo audio as a (2, seconds * AUDIO_RATE) float32 array in [-1, 1]."""
    n = seconds * AUDIO_RATE
    t = np.arange(n, dtype=np.float64) / AUDIO_RATE
    tonic = 220.0 * 2 ** ((seed % 12) / 12)  # the key follows the seed, so clips differ
    chord_index = (t // CHORD_SECONDS).astype(np.int64) % len(_PROGRESSION)
    in_chord = t % CHORD_SECONDS
    # A short attack and a gentle decay per chord, so the changes are heard without clicks.
    envelope = np.minimum(in_chord / 0.03, 1.0) * (0.55 + 0.45 * np.exp(-in_chord * 2.5))
    envelope *= np.minimum((CHORD_SECONDS - in_chord) / 0.03, 1.0)
    pad = np.zeros(n)
    for voice in range(3):
        semis = np.array([chord[voice] for chord in _PROGRESSION])[chord_index]
        freq = tonic * 2 ** (semis / 12)
        phase = 2 * np.pi * freq * t
        pad += np.sin(phase) + 0.2 * np.sin(2 * phase)
    pad *= envelope * 0.08
    # Eighth-note arpeggio an octave up, each note plucked (fast exponential decay).
    step = CHORD_SECONDS / 8
    note = (t // step).astype(np.int64) % 3
    semis = np.array(_PROGRESSION)[chord_index, note] + 12
    in_note = t % step
    pluck = np.sin(2 * np.pi * tonic * 2 ** (semis / 12) * t) * np.exp(-in_note * 18)
    pluck *= np.minimum(in_note / 0.004, 1.0) * 0.06
    # Fade the ends so the clip starts and stops cleanly.
    edge = np.minimum(np.minimum(t / 0.05, (seconds - t) / 0.05), 1.0)
    left = (pad + pluck * 0.7) * edge
    right = (pad + pluck * 1.3) * edge
    return np.stack([left, right]).astype(np.float32)
