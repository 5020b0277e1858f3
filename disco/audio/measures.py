"""DISCO's measures of one audio signal: tempo, key and mode, loudness, energy, danceability.

Small pure functions over NumPy arrays, in the librosa style: ``y`` is mono float32 audio in -1..1, shape
``(n,)``, at ``sr`` Hz; onset envelopes are shape ``(frames,)`` at ``sr / hop_length`` frames per second.

Tempo, key, mode and loudness estimate the same quantities Spotify reported. **Energy and danceability
are DISCO's own measures**, defined below from the audio; Spotify computed its numbers of the same names
with models it never published, so these are comparable in spirit only, never the same numbers.
Acousticness, instrumentalness, speechiness, liveness and valence are not measured at all: nothing here
estimates them honestly, so they stay missing (NaN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOP_LENGTH = 512  # samples per onset/beat frame: 23.2 ms at 22050 Hz
CHROMA_HOP_LENGTH = 4096  # samples per chroma frame (185.8 ms): keys change slowly, so a coarse hop is enough
# Chroma from C3 (130.8 Hz) over 5 octaves: chords and melody live there, while kick drums (50-150 Hz)
# pull a wider range's chroma towards their pitch. On synthesized songs with drums the key was right for
# 23 of 24 keys from C3 and 17-21 of 24 from C1 or C2 (from D3: 24, but that would be tuning to one
# synthesized kick drum); the smaller CQT is faster too.
CHROMA_FMIN_HZ = 130.81278265029931  # C3
CHROMA_OCTAVES = 5
TUNING_EXCERPT_S = 30.0  # the tuning (deviation from A440) is estimated on this much of the middle
SILENCE_RMS = 10 ** (-60 / 20)  # below this RMS (-60 dBFS) a signal counts as silent

# --- tempo ---------------------------------------------------------------------------------------------
PRIOR_TEMPO_BPM = 120.0  # librosa's beat tracker starts here; also the pivot choosing the alternative
PREFERRED_TEMPO_RANGE_BPM = (70.0, 180.0)  # the octave of a tempo is folded into this range when outside
MIN_BEATS_FOR_FIT = 8  # fewer tracked beats: no tempo (NaN)
CANDIDATE_TEMPO_RANGE_BPM = (40.0, 240.0)  # where the strongest onset periodicity is looked for
METRE_SWITCH_RATIO = 2.0  # re-track at the strongest periodicity when it is this many times stronger
RETRACK_SCATTER = 0.1  # beats scattering more than this share of a period: try the strongest periodicity
LAG_TOLERANCE = 0.04  # autocorrelation peaks are searched within +-4% of a period (lags are whole frames)
TEMPO_DECIMALS = 1

# --- key -----------------------------------------------------------------------------------------------
# Krumhansl-Kessler key profiles (probe-tone ratings), index 0 = the tonic.
KK_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
# No key (-1) when the best profile correlates less than this with the mean chroma ...
MIN_KEY_CORRELATION = 0.5
# ... or when the mean chroma is nearly flat: its peak-to-mean ratio (1 = perfectly flat, 12 = one pitch
# class only) is below this. Drums and noise spread their energy over all 12 pitch classes.
MIN_CHROMA_PEAK_TO_MEAN = 1.25
KEY_CONFIDENCE_DECIMALS = 3

# --- loudness ------------------------------------------------------------------------------------------
LOUDNESS_BLOCK_S = 0.4  # ITU-R BS.1770 gating block: shorter signals have no integrated loudness
LOUDNESS_DECIMALS = 2

# --- energy (DISCO's own) ------------------------------------------------------------------------------
# energy = logistic( (L - ENERGY_LOUDNESS_CENTRE_LUFS) / ENERGY_LOUDNESS_SCALE_LU
#                    + log2(max(onset_rate, ENERGY_MIN_ONSET_RATE) / ENERGY_ONSET_CENTRE_PER_S) )
ENERGY_LOUDNESS_CENTRE_LUFS = -10.0  # modern pop masters sit around -12..-6 LUFS
ENERGY_LOUDNESS_SCALE_LU = 4.0  # 4 LU louder = one logit step up
ENERGY_ONSET_CENTRE_PER_S = 3.0  # onsets per second of a middle-of-the-road song; each doubling = one step
ENERGY_MIN_ONSET_RATE = 0.25  # floor of the onset rate inside the log (a single sustained note is not -inf)

# --- danceability (DISCO's own) ------------------------------------------------------------------------
# danceability = DANCE_PULSE_WEIGHT * pulse + (1 - DANCE_PULSE_WEIGHT) * steadiness
DANCE_PULSE_WEIGHT = 0.6
DANCE_STEADINESS_SCALE = 0.05  # steadiness = exp(-beat timing scatter / (this share of a beat period))
FEATURE_DECIMALS = 3


# ============================================================ tempo


def onset_envelope(y: np.ndarray, sr: int, hop_length: int = HOP_LENGTH) -> np.ndarray:
    """Spectral-flux onset strength (librosa): the mean over mel bands of the positive change in
    log-power (dB) from frame to frame. Shape ``(1 + len(y) // hop_length,)``, >= 0, in dB per frame."""
    import librosa

    return librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length).astype(np.float64)


def track_beats(onset_env: np.ndarray, sr: int, hop_length: int = HOP_LENGTH,
                bpm: float | None = None) -> np.ndarray:
    """Beat times in seconds (ascending, shape ``(beats,)``) from librosa's dynamic-programming tracker;
    ``bpm`` fixes the tempo it follows (else it estimates one with a prior centred on 120 BPM)."""
    import librosa

    if onset_env.size == 0 or not np.any(onset_env > 0):
        return np.zeros(0)
    _, beats = librosa.beat.beat_track(onset_envelope=onset_env, sr=sr, hop_length=hop_length,
                                       start_bpm=PRIOR_TEMPO_BPM, bpm=bpm, units="time")
    return np.asarray(beats, dtype=np.float64)


def beat_grid_fit(beat_times: np.ndarray) -> tuple[float, float]:
    """Straight-line fit ``t_i = t0 + period * n_i`` to beat times (s), robust to skipped beats.

    Each beat gets its number ``n_i`` by counting whole median inter-beat intervals from the previous
    beat, so a dropped beat does not bend the line. Returns ``(tempo_bpm, scatter)``: ``60 / period`` and
    the standard deviation of the residuals as a share of the period (0 = a perfect grid; a drum loop with
    5 ms timing jitter about 0.01-0.04, random onsets 0.07-0.3). ``(nan, nan)`` for fewer than
    :data:`MIN_BEATS_FOR_FIT` beats.
    """
    t = np.asarray(beat_times, dtype=np.float64)
    if t.size < MIN_BEATS_FOR_FIT:
        return math.nan, math.nan
    ibi = np.diff(t)
    period0 = float(np.median(ibi))
    if not period0 > 0:
        return math.nan, math.nan
    # number each beat by the whole periods since the previous one: a dropped beat skips a number, and
    # a median slightly off the true period cannot accumulate into a wrong count over a long song
    steps = np.maximum(np.round(ibi / period0), 1.0)
    n = np.concatenate([[0.0], np.cumsum(steps)])
    slope, intercept = np.polyfit(n, t, 1)
    if not slope > 0:
        return math.nan, math.nan
    residual = t - (intercept + slope * n)
    return 60.0 / float(slope), float(np.std(residual) / slope)


def onset_autocorrelation(onset_env: np.ndarray) -> np.ndarray:
    """Normalized autocorrelation of the mean-removed onset envelope, shape ``(frames,)``: 1 at lag 0,
    values in -1..1; lag ``k`` frames = ``k * hop_length / sr`` seconds. All zeros for a flat envelope."""
    x = np.asarray(onset_env, dtype=np.float64)
    x = x - x.mean() if x.size else x
    n = x.size
    if n == 0:
        return np.zeros(0)
    spectrum = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), 2 * n)[:n]
    return ac / ac[0] if ac[0] > 0 else np.zeros(n)


def bpm_to_frames(tempo_bpm: float, sr: int, hop_length: int = HOP_LENGTH) -> float:
    """The beat period of ``tempo_bpm`` in onset frames (fractional)."""
    return 60.0 * sr / (hop_length * tempo_bpm)


def periodicity(autocorr: np.ndarray, period_frames: float) -> float:
    """The largest autocorrelation (clipped to 0..1) within +-:data:`LAG_TOLERANCE` of ``period_frames``
    (lags are whole frames; the true period rarely is). 0 when the lag is out of range."""
    if not (period_frames >= 1 and math.isfinite(period_frames)):
        return 0.0
    lo = max(1, int(math.floor(period_frames * (1 - LAG_TOLERANCE))))
    hi = min(autocorr.size - 1, int(math.ceil(period_frames * (1 + LAG_TOLERANCE))))
    return float(np.clip(autocorr[lo:hi + 1].max(), 0.0, 1.0)) if hi >= lo else 0.0


def pulse_clarity(autocorr: np.ndarray, period_frames: float) -> float:
    """How strongly the onsets repeat at a beat period, 0..1: the largest :func:`periodicity` at half, one
    or two periods (a kick-snare pattern repeats most strongly every two beats, hi-hats every half beat).
    A metronome or a drum loop gives about 0.5-0.9; random onsets about 0-0.1."""
    return max(periodicity(autocorr, period_frames * f) for f in (0.5, 1.0, 2.0))


def strongest_periodicity_bpm(autocorr: np.ndarray, sr: int, hop_length: int = HOP_LENGTH) -> float:
    """The tempo (BPM) of the highest autocorrelation peak between :data:`CANDIDATE_TEMPO_RANGE_BPM`;
    NaN when there is no peak."""
    fps = sr / hop_length
    lo = int(math.ceil(fps * 60.0 / CANDIDATE_TEMPO_RANGE_BPM[1]))
    hi = min(autocorr.size - 2, int(math.floor(fps * 60.0 / CANDIDATE_TEMPO_RANGE_BPM[0])))
    if hi <= lo:
        return math.nan
    seg = autocorr[lo - 1:hi + 2]
    peaks = np.flatnonzero((seg[1:-1] > seg[:-2]) & (seg[1:-1] >= seg[2:])) + lo
    if peaks.size == 0:
        return math.nan
    best = int(peaks[np.argmax(autocorr[peaks])])
    # parabolic interpolation around the peak: sub-frame lag
    a, b_, c = autocorr[best - 1], autocorr[best], autocorr[best + 1]
    denom = a - 2 * b_ + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    return 60.0 * fps / (best + shift)


def octave_related(tempo_a: float, tempo_b: float, tolerance: float = LAG_TOLERANCE) -> bool:
    """True when ``tempo_b`` is ``tempo_a`` times a power of two, within ``tolerance`` (a share)."""
    octaves = math.log2(tempo_b / tempo_a)
    return abs(2.0 ** (octaves - round(octaves)) - 1.0) <= tolerance


def fold_tempo(tempo_bpm: float, low: float = PREFERRED_TEMPO_RANGE_BPM[0],
               high: float = PREFERRED_TEMPO_RANGE_BPM[1]) -> float:
    """Halve or double ``tempo_bpm`` until it lies in ``[low, high]`` (unchanged when already inside)."""
    if not (tempo_bpm > 0 and math.isfinite(tempo_bpm)):
        return math.nan
    while tempo_bpm > high:
        tempo_bpm /= 2.0
    while tempo_bpm < low:
        tempo_bpm *= 2.0
    return tempo_bpm


def tempo_alternative(tempo_bpm: float) -> float:
    """The other octave a listener might tap: double the tempo below :data:`PRIOR_TEMPO_BPM`, half above
    (whichever of the two lies closer to 120 BPM on a log scale). NaN for no tempo."""
    if not (tempo_bpm > 0 and math.isfinite(tempo_bpm)):
        return math.nan
    return tempo_bpm * 2.0 if tempo_bpm < PRIOR_TEMPO_BPM else tempo_bpm / 2.0


@dataclass(frozen=True)
class TempoEstimate:
    """``bpm``: the chosen tempo (BPM, one decimal, 70..180; NaN = no beat found); ``alternative``: its
    half or double (see :func:`tempo_alternative`); ``scatter``: beat timing scatter as a share of the
    period (0 = perfect grid, NaN without beats); ``pulse``: :func:`pulse_clarity` at the chosen tempo
    (0..1); ``beats``: the tracked beat times (s)."""

    bpm: float
    alternative: float
    scatter: float
    pulse: float
    beats: np.ndarray


def estimate_tempo(onset_env: np.ndarray, sr: int, hop_length: int = HOP_LENGTH) -> TempoEstimate:
    """Tempo from an onset envelope: librosa's beat tracker, refined by a straight-line fit to the beats.

    1. librosa tracks beats (its tempo prior is centred on 120 BPM); its reported tempo is quantised to
       whole autocorrelation lags (up to 2.5% off), so the tempo is taken from a straight-line fit to the
       beat times instead (:func:`beat_grid_fit`, exact to about 0.01 BPM on synthesized grids).
    2. Metre check: when the strongest periodicity of the onsets (:func:`strongest_periodicity_bpm`) is not
       an octave of that tempo and repeats at least :data:`METRE_SWITCH_RATIO` times more strongly than
       the tempo's own :func:`pulse_clarity`, the tracker locked onto a wrong metrical level (e.g. 3:2 on a
       swung loop): the beats are tracked again at the strongest periodicity. They are also tracked
       again there when the beats scatter by more than :data:`RETRACK_SCATTER` of a period (e.g. the
       tracker followed the uneven eighth notes of a swung loop), keeping whichever grid is steadier.
    3. Octave rule: the tempo is halved or doubled into :data:`PREFERRED_TEMPO_RANGE_BPM` (70-180 BPM)
       when outside it (inside, the tracker's choice stands); the alternative is the other octave
       (:func:`tempo_alternative`).
    """
    autocorr = onset_autocorrelation(onset_env)
    beats = track_beats(onset_env, sr, hop_length)
    bpm, scatter = beat_grid_fit(beats)
    strongest = strongest_periodicity_bpm(autocorr, sr, hop_length)
    if math.isfinite(bpm) and math.isfinite(strongest):
        own = pulse_clarity(autocorr, bpm_to_frames(bpm, sr, hop_length))
        wrong_metre = (not octave_related(bpm, strongest) and
                       periodicity(autocorr, bpm_to_frames(strongest, sr, hop_length)) >= METRE_SWITCH_RATIO * own)
        if wrong_metre or scatter > RETRACK_SCATTER:
            retracked = track_beats(onset_env, sr, hop_length, bpm=strongest)
            bpm2, scatter2 = beat_grid_fit(retracked)
            if math.isfinite(bpm2) and (wrong_metre or scatter2 < scatter):
                beats, bpm, scatter = retracked, bpm2, scatter2
    bpm = fold_tempo(bpm)
    if math.isnan(bpm):
        return TempoEstimate(math.nan, math.nan, math.nan, 0.0, beats)
    pulse = pulse_clarity(autocorr, bpm_to_frames(bpm, sr, hop_length))
    bpm = round(bpm, TEMPO_DECIMALS)
    return TempoEstimate(bpm, round(tempo_alternative(bpm), TEMPO_DECIMALS), scatter, pulse, beats)


# ============================================================ key


def mean_chroma(y: np.ndarray, sr: int, hop_length: int = CHROMA_HOP_LENGTH) -> np.ndarray:
    """Mean constant-Q chroma (librosa ``chroma_cqt`` from C3 over 5 octaves, tuned to the signal's own
    reference pitch): shape ``(12,)``, index 0 = C, each frame scaled to a maximum of 1 before averaging,
    so values are in 0..1. All zeros for silence (RMS below -60 dBFS)."""
    import librosa

    y = np.asarray(y, dtype=np.float32)
    if y.size == 0 or np.sqrt(np.mean(np.square(y, dtype=np.float64))) < SILENCE_RMS:
        return np.zeros(12)
    excerpt = int(TUNING_EXCERPT_S * sr)
    start = max(0, (y.size - excerpt) // 2)
    tuning = float(librosa.estimate_tuning(y=y[start:start + excerpt], sr=sr))
    tuning = tuning if math.isfinite(tuning) else 0.0
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length, fmin=CHROMA_FMIN_HZ,
                                        n_octaves=CHROMA_OCTAVES, tuning=tuning)
    return chroma.mean(axis=1).astype(np.float64)


def key_profiles() -> np.ndarray:
    """The 24 rotated Krumhansl-Kessler profiles, shape ``(24, 12)``: rows 0..11 = C..B major, 12..23 =
    C..B minor; row ``k`` is the profile with its tonic on pitch class ``k % 12``."""
    major = np.stack([np.roll(KK_MAJOR_PROFILE, k) for k in range(12)])
    minor = np.stack([np.roll(KK_MINOR_PROFILE, k) for k in range(12)])
    return np.concatenate([major, minor])


def key_correlations(chroma: np.ndarray) -> np.ndarray:
    """Pearson correlation (-1..1) of a 12-bin chroma with each of the 24 :func:`key_profiles`, shape
    ``(24,)``. All NaN for a flat (or all-zero) chroma."""
    c = np.asarray(chroma, dtype=np.float64)
    profiles = key_profiles()
    cz = c - c.mean()
    pz = profiles - profiles.mean(axis=1, keepdims=True)
    denom = np.linalg.norm(cz) * np.linalg.norm(pz, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, pz @ cz / np.where(denom > 0, denom, 1.0), np.nan)


@dataclass(frozen=True)
class KeyEstimate:
    """Spotify's key notation: ``key`` pitch class 0..11 (0 = C) or -1 = no key; ``mode`` 1 major / 0
    minor (the best profile's mode, also given when ``key`` is -1); ``confidence``: the best profile's
    Pearson correlation with the mean chroma (-1..1; clear tonal music about 0.7-0.95), NaN for silence."""

    key: int
    mode: int
    confidence: float


def estimate_key(chroma: np.ndarray) -> KeyEstimate:
    """Key and mode from a mean chroma (:func:`mean_chroma`) by the best of the 24 profile correlations.

    No key (-1) when there is no tonal content: the chroma is all zeros (silence), nearly flat (peak-to-mean
    ratio below :data:`MIN_CHROMA_PEAK_TO_MEAN`, as for drums or noise), or no profile correlates at least
    :data:`MIN_KEY_CORRELATION`.
    """
    c = np.asarray(chroma, dtype=np.float64)
    r = key_correlations(c)
    if not np.any(np.isfinite(r)):
        return KeyEstimate(-1, 1, math.nan)
    best = int(np.nanargmax(r))
    confidence = round(float(r[best]), KEY_CONFIDENCE_DECIMALS)
    mode = 1 if best < 12 else 0
    peak_to_mean = float(c.max() / c.mean()) if c.mean() > 0 else 0.0
    if peak_to_mean < MIN_CHROMA_PEAK_TO_MEAN or confidence < MIN_KEY_CORRELATION:
        return KeyEstimate(-1, mode, confidence)
    return KeyEstimate(best % 12, mode, confidence)


# ============================================================ loudness


def integrated_loudness(channels: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated; pyloudnorm) of ``channels`` shape ``(n,)`` or
    ``(n, c)`` with c <= 5, float in -1..1. Typical music -25..-5 LUFS; a -20 dBFS 1 kHz sine reads -23.

    NaN when nothing is measurable: shorter than one 0.4 s gating block, or every block below the
    absolute gate of -70 LUFS (silence). NaN, not a floor value: the caller decides (DISCO's scan excludes
    silent files rather than inventing a loudness for them).
    """
    import pyloudnorm

    x = np.asarray(channels)
    x = x.astype(np.float32) if not np.issubdtype(x.dtype, np.floating) else x
    if x.shape[0] < LOUDNESS_BLOCK_S * sr:
        return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        lufs = float(pyloudnorm.Meter(sr, block_size=LOUDNESS_BLOCK_S).integrated_loudness(x))
    return round(lufs, LOUDNESS_DECIMALS) if math.isfinite(lufs) else math.nan


# ============================================================ energy and danceability (DISCO's own)


def onset_rate(onset_env: np.ndarray, sr: int, hop_length: int = HOP_LENGTH) -> float:
    """Detected onsets per second (librosa peak picking on the onset envelope); 0 for a flat envelope."""
    import librosa

    if onset_env.size == 0 or not np.any(onset_env > 0):
        return 0.0
    onsets = librosa.onset.onset_detect(onset_envelope=onset_env, sr=sr, hop_length=hop_length)
    seconds = onset_env.size * hop_length / sr
    return float(len(onsets) / seconds) if seconds > 0 else 0.0


def energy(loudness_lufs: float, onsets_per_s: float) -> float:
    """DISCO's energy (0..1, not Spotify's): loud and busy is high, quiet and sparse is low.

    ``energy = 1 / (1 + exp(-z))``, ``z = (loudness_lufs + 10) / 4 + log2(max(onsets_per_s, 0.25) / 3)``:
    -10 LUFS with 3 onsets/s gives 0.5; each 4 LU louder, or each doubling of the onset rate, adds one
    logit step (0.5 -> 0.73 -> 0.88), each 4 LU quieter or halving takes one away. Range: the open
    interval (0, 1), rounded to 3 decimals. NaN when the loudness is NaN (silence).
    """
    if not math.isfinite(loudness_lufs):
        return math.nan
    rate = max(float(onsets_per_s), ENERGY_MIN_ONSET_RATE)
    z = ((loudness_lufs - ENERGY_LOUDNESS_CENTRE_LUFS) / ENERGY_LOUDNESS_SCALE_LU
         + math.log2(rate / ENERGY_ONSET_CENTRE_PER_S))
    return round(1.0 / (1.0 + math.exp(-z)), FEATURE_DECIMALS)


def danceability(pulse: float, beat_scatter: float) -> float:
    """DISCO's danceability (0..1, not Spotify's): a strong, steady beat is high.

    ``danceability = 0.6 * pulse + 0.4 * steadiness`` where ``pulse`` = :func:`pulse_clarity` at the beat
    period (0..1) and ``steadiness = exp(-beat_scatter / 0.05)`` (1 for beats exactly on a grid; 0.37
    when the beats scatter by 5% of a period). 0 when no beat was found (NaN scatter).
    """
    if not math.isfinite(beat_scatter):
        return 0.0
    steadiness = math.exp(-beat_scatter / DANCE_STEADINESS_SCALE)
    value = DANCE_PULSE_WEIGHT * float(np.clip(pulse, 0, 1)) + (1 - DANCE_PULSE_WEIGHT) * steadiness
    return round(value, FEATURE_DECIMALS)
