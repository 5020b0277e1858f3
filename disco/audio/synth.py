"""Known-answer test signals: chord cadences in a given key and drum patterns at a given tempo.

Used by DISCO's tests and benchmark to check the measures against a ground truth (never real recordings).
Every function returns float32 mono samples in -1..1 at ``sr`` Hz, shape ``(n,)``, and is deterministic for
a given ``seed``.

Cadences have an unambiguous tonic: major keys play I-IV-V-I, minor keys i-iv-V-i with the raised leading
tone (harmonic minor), each over a bass note on the chord root, and the tonic chord lasts twice as long.
(A I-vi-IV-V in A minor has exactly the notes of C major: it would not say which of the two is meant.)
"""

from __future__ import annotations

import numpy as np

SR = 22050
A4_HZ = 440.0
A4_MIDI = 69
TONIC_MIDI_BASE = 60  # chords are voiced from middle C (MIDI 60) up
BASS_OCTAVES_DOWN = 2
PARTIAL_AMPLITUDES = (1.0, 0.5, 0.3, 0.2, 0.12, 0.08)  # a soft, piano-like harmonic spectrum
NOTE_DECAY_PER_S = 1.5  # exponential decay rate of a struck chord note (1/s)
ATTACK_S = 0.01

# scale degrees (semitones above the tonic) of each chord of the cadences, root first
MAJOR_CADENCE = ((0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7))  # I  IV  V  I
MINOR_CADENCE = ((0, 3, 7), (5, 8, 12), (7, 11, 14), (0, 3, 7))  # i  iv  V  i (raised 7th in V)
CADENCE_BEATS = (4, 4, 4, 8)  # the tonic chord at the end lasts twice as long


def midi_to_hz(midi) -> np.ndarray:
    """Equal-tempered frequency in Hz of MIDI note numbers (69 = A4 = 440 Hz)."""
    return A4_HZ * np.exp2((np.asarray(midi, dtype=np.float64) - A4_MIDI) / 12.0)


def tone(freq_hz: float, seconds: float, sr: int = SR, decay_per_s: float = NOTE_DECAY_PER_S) -> np.ndarray:
    """A struck harmonic tone: :data:`PARTIAL_AMPLITUDES` partials, 10 ms attack, exponential decay.
    Peak amplitude about 1 before scaling; shape ``(round(seconds * sr),)``."""
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    out = np.zeros(n)
    for k, amp in enumerate(PARTIAL_AMPLITUDES, start=1):
        if k * freq_hz < sr / 2:
            out += amp * np.sin(2 * np.pi * k * freq_hz * t)
    env = np.minimum(t / ATTACK_S, 1.0) * np.exp(-decay_per_s * t)
    return (out * env / sum(PARTIAL_AMPLITUDES)).astype(np.float32)


def cadence(key: int, mode: int, seconds: float, *, bpm: float = 100.0, sr: int = SR,
            level: float = 0.3) -> np.ndarray:
    """Repeated cadence in ``key`` (pitch class 0..11, 0 = C) and ``mode`` (1 major, 0 minor) for
    ``seconds`` s; one chord per bar of 4 beats at ``bpm``; ``level`` = peak amplitude (0..1)."""
    chords = MAJOR_CADENCE if mode == 1 else MINOR_CADENCE
    beat = 60.0 / bpm
    n = int(round(seconds * sr))
    out = np.zeros(n, dtype=np.float64)
    tonic = TONIC_MIDI_BASE + key
    t = 0.0
    i = 0
    while t < seconds:
        chord = chords[i % len(chords)]
        length = CADENCE_BEATS[i % len(chords)] * beat
        start = int(round(t * sr))
        notes = [tonic + d for d in chord] + [tonic + chord[0] - 12 * BASS_OCTAVES_DOWN]
        for midi in notes:
            x = tone(float(midi_to_hz(midi)), length + 0.3, sr)[: max(n - start, 0)]
            out[start:start + len(x)] += x
        t += length
        i += 1
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * level).astype(np.float32)


def _kick(sr: int) -> np.ndarray:
    t = np.arange(int(0.25 * sr)) / sr
    freq = 50 + 100 * np.exp(-t / 0.03)  # a 150 -> 50 Hz pitch drop
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return np.sin(phase) * np.exp(-t / 0.08)


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * sr)) / sr
    return (0.6 * rng.standard_normal(len(t)) * np.exp(-t / 0.05)
            + 0.4 * np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.04))


def _hat(sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.05 * sr)) / sr
    noise = rng.standard_normal(len(t))
    noise = np.diff(noise, prepend=0.0)  # crude high-pass: hats are bright
    return 0.5 * noise * np.exp(-t / 0.012)


def drums(bpm: float, seconds: float, *, sr: int = SR, swing: float = 0.0, jitter_ms: float = 0.0,
          noise_db: float = -60.0, level: float = 0.5, hats: bool = True, seed: int = 0) -> np.ndarray:
    """A 4/4 drum loop at ``bpm``: kick on beats 1 and 3, snare on 2 and 4, hi-hats on eighth notes.

    ``swing`` 0..1 delays every off-beat eighth by ``swing / 6`` of a beat (1 = full triplet swing);
    ``jitter_ms`` = standard deviation of random timing errors (ms); ``noise_db`` = level of added white
    noise relative to full scale (dBFS); ``level`` = peak amplitude (0..1).
    """
    rng = np.random.default_rng(seed)
    beat = 60.0 / bpm
    n = int(round(seconds * sr))
    out = np.zeros(n + sr, dtype=np.float64)
    kick, snare, hat = _kick(sr), _snare(sr, rng), _hat(sr, rng)

    def hit(sample: np.ndarray, at_s: float, gain: float) -> None:
        at_s += rng.normal(0.0, jitter_ms / 1000.0) if jitter_ms else 0.0
        start = int(round(max(at_s, 0.0) * sr))
        if start < n:
            out[start:start + len(sample)] += gain * sample[: len(out) - start]

    for b in range(int(seconds / beat) + 1):
        t = b * beat
        hit(kick if b % 2 == 0 else snare, t, 1.0 if b % 2 == 0 else 0.8)
        if hats:
            hit(hat, t, 0.35)
            hit(hat, t + beat * (0.5 + swing / 6.0), 0.25)
    out = out[:n]
    out /= np.max(np.abs(out)) or 1.0
    out *= level
    if noise_db > -120:
        out += 10 ** (noise_db / 20.0) * rng.standard_normal(n)
    return np.clip(out, -1, 1).astype(np.float32)


def clicks(bpm: float, seconds: float, *, sr: int = SR, level: float = 0.5, accent: float = 2.0) -> np.ndarray:
    """A metronome: short 1 kHz clicks on every beat at ``bpm``, the first of each bar ``accent`` x louder."""
    beat = 60.0 / bpm
    n = int(round(seconds * sr))
    out = np.zeros(n + sr, dtype=np.float64)
    t = np.arange(int(0.02 * sr)) / sr
    click = np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.004)
    for b in range(int(seconds / beat) + 1):
        start = int(round(b * beat * sr))
        out[start:start + len(click)] += click * (accent if b % 4 == 0 else 1.0)
    out = out[:n]
    return (out / (np.max(np.abs(out)) or 1.0) * level).astype(np.float32)


def random_clicks(rate_per_s: float, seconds: float, *, sr: int = SR, level: float = 0.5,
                  seed: int = 0) -> np.ndarray:
    """Clicks at random (Poisson) times, ``rate_per_s`` on average: onsets with no beat at all."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    out = np.zeros(n + sr, dtype=np.float64)
    times = np.cumsum(rng.exponential(1.0 / rate_per_s, size=int(rate_per_s * seconds * 2) + 10))
    times = times[times < seconds]
    t = np.arange(int(0.02 * sr)) / sr
    click = np.sin(2 * np.pi * 1000 * t) * np.exp(-t / 0.004)
    for at in times:
        start = int(round(at * sr))
        out[start:start + len(click)] += click * rng.uniform(0.5, 1.0)
    out = out[:n]
    return (out / (np.max(np.abs(out)) or 1.0) * level).astype(np.float32)


def sine(freq_hz: float, seconds: float, *, sr: int = SR, dbfs: float = -20.0) -> np.ndarray:
    """A pure sine whose peak is ``dbfs`` dB below full scale (a -20 dBFS 1 kHz sine reads about
    -23 LUFS mono: -20 dB peak, -3 dB from peak to RMS)."""
    t = np.arange(int(round(seconds * sr))) / sr
    return (10 ** (dbfs / 20.0) * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def song(key: int, mode: int, bpm: float, seconds: float, *, sr: int = SR, swing: float = 0.0,
         drum_level: float = 0.4, chord_level: float = 0.35, noise_db: float = -50.0, seed: int = 0) -> np.ndarray:
    """A cadence in ``key``/``mode`` over a drum loop at ``bpm``: a signal with a known key and tempo."""
    x = cadence(key, mode, seconds, bpm=bpm, sr=sr, level=chord_level)
    x = x + drums(bpm, seconds, sr=sr, swing=swing, noise_db=noise_db, level=drum_level, seed=seed)
    return np.clip(x, -1, 1).astype(np.float32)


def master(y: np.ndarray, drive: float = 4.0, peak: float = 0.98) -> np.ndarray:
    """A crude mastering limiter: ``tanh(drive * y)`` scaled to ``peak``. Raises loudness the way commercial
    masters do (a drive of 4 takes a -16 LUFS mix to about -8 LUFS)."""
    out = np.tanh(drive * np.asarray(y, dtype=np.float64))
    return (out / (np.max(np.abs(out)) or 1.0) * peak).astype(np.float32)
