"""Decoding audio files into the fixed analysis signal: mono float32 at :data:`ANALYSIS_SR`, middle section.

Formats: WAV, FLAC, OGG/Vorbis, MP3, AIFF through ``soundfile`` (libsndfile, BSD); M4A/AAC only through an
``ffmpeg`` program on the PATH (none is bundled). A file that cannot be decoded raises :class:`DecodeError`
with a one-line reason; its :attr:`DecodeError.cacheable` says whether the reason is a property of the file
(corrupt, empty, not audio) or of this machine (no ffmpeg), which may change without the file changing.

Why the middle :data:`MAX_ANALYSIS_SECONDS` (150 s): intros and outros are often beatless or ambient, while
the middle carries the groove and the harmony; 150 s covers most of a typical 3-4 minute song, and capping
it bounds the cost of a 60-minute DJ mix at about one second of analysis per file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from disco.errors import DiscoError

ANALYSIS_SR = 22050  # Hz: every measure runs at this rate (librosa's default; enough for chroma and onsets)
MAX_ANALYSIS_SECONDS = 150.0  # analyse at most this much of a file: its middle
MIN_ANALYSIS_SECONDS = 2.0  # shorter files carry no usable beat or key
SOUNDFILE_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".aiff", ".aif")
FFMPEG_EXTENSIONS = (".m4a", ".aac")  # AAC: libsndfile has no decoder for it
AUDIO_EXTENSIONS = SOUNDFILE_EXTENSIONS + FFMPEG_EXTENSIONS
MAX_LOUDNESS_CHANNELS = 5  # ITU-R BS.1770 (and pyloudnorm) weigh up to 5 channels
TRUNCATION_TOLERANCE = 0.9  # fewer decoded frames than this share of the promised ones: truncated
FFMPEG_TIMEOUT_S = 120.0  # a decoder that hangs this long on one file is given up
FFMPEG_RATE = 44100  # Hz asked of ffmpeg: full band for the loudness (AAC is 44.1 or 48 kHz)
RESAMPLER = "soxr_hq"  # librosa's default resampler (libsoxr, via the soxr package librosa depends on)


class DecodeError(DiscoError):
    """A file that cannot be decoded; the message is the one-line reason shown to the user."""

    def __init__(self, reason: str, *, cacheable: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.cacheable = cacheable  # False when the reason is this machine, not the file (no ffmpeg)


@dataclass(frozen=True)
class DecodedAudio:
    """The analysis signal of one file.

    ``mono``: shape ``(n,)`` float32 in -1..1 at ``sr`` Hz, the middle ``analysed_s`` seconds.
    ``channels``: shape ``(m, c)`` float32, the same section per channel (c <= 5) at the file's own rate
    ``channels_sr`` Hz, for loudness: ITU-R BS.1770 sums the channels' power (a mono downmix of a stereo
    file reads up to 3 dB quieter) and weighs the treble up (measured at 22050 Hz, music lost 0.5-2 LU).
    ``duration_s``: the whole file's duration in seconds; ``offset_s``: where the section starts.
    """

    mono: np.ndarray
    channels: np.ndarray
    sr: int
    channels_sr: int
    duration_s: float
    offset_s: float

    @property
    def analysed_s(self) -> float:
        return len(self.mono) / self.sr


def ffmpeg_path() -> str | None:
    """The ``ffmpeg`` program on the PATH, or None."""
    return shutil.which("ffmpeg")


def middle_window(total_frames: int, max_frames: int) -> tuple[int, int]:
    """``(start, count)`` of the middle ``max_frames`` of ``total_frames`` (all of them when shorter)."""
    if total_frames <= max_frames:
        return 0, max(total_frames, 0)
    return (total_frames - max_frames) // 2, max_frames


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Resample along axis 0 (``x`` shape ``(n,)`` or ``(n, c)``), float32 out: librosa's ``soxr_hq``
    (libsoxr; 4-8x faster than a scipy polyphase filter at the same quality for analysis)."""
    if sr_in == sr_out:
        return np.ascontiguousarray(x, dtype=np.float32)
    import librosa

    return np.ascontiguousarray(librosa.resample(np.ascontiguousarray(x, dtype=np.float32), orig_sr=sr_in,
                                                 target_sr=sr_out, res_type=RESAMPLER, axis=0), dtype=np.float32)


def _finish(frames: np.ndarray, sr_in: int, duration_s: float, offset_s: float, sr: int) -> DecodedAudio:
    """Channels ``(n, c)`` at the source rate ``sr_in`` -> the analysis signal; checks it is usable."""
    if frames.ndim == 1:
        frames = frames[:, None]
    if frames.shape[0] == 0:
        raise DecodeError("no audio samples (empty or truncated file)")
    frames = np.nan_to_num(frames.astype(np.float32, copy=False), nan=0.0, posinf=0.0, neginf=0.0)
    if frames.shape[1] > MAX_LOUDNESS_CHANNELS:  # beyond 5.0 surround: loudness of the downmix
        frames = frames.mean(axis=1, keepdims=True)
    if len(frames) < MIN_ANALYSIS_SECONDS * sr_in:
        raise DecodeError(f"too short to analyse ({len(frames) / sr_in:.1f} s; needs at least "
                          f"{MIN_ANALYSIS_SECONDS:g} s)")
    mono = np.clip(resample(frames.mean(axis=1), sr_in, sr), -1.0, 1.0)
    return DecodedAudio(mono=mono, channels=frames, sr=sr, channels_sr=sr_in, duration_s=duration_s,
                        offset_s=offset_s)


def _libsndfile_message(exc: Exception) -> str:
    text = str(getattr(exc, "error_string", "") or exc).strip().rstrip(".")
    # libsndfile's MP3 probe says this of any file it cannot parse; the path itself was checked to exist
    return text.replace("File does not exist or is not a regular file (possibly a pipe?)", "no audio stream found")


def _decode_soundfile(path: Path, sr: int, max_seconds: float) -> DecodedAudio:
    import soundfile as sf

    try:
        with quiet_c_stderr():
            f = sf.SoundFile(os.fsencode(path))  # bytes: names that are not valid UTF-8 open too
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as exc:
        raise DecodeError(f"not audio, or damaged beyond reading ({_libsndfile_message(exc)})") from None
    try:
        with f, quiet_c_stderr():
            sr_in = int(f.samplerate)
            total = int(f.frames)
            if sr_in <= 0 or total <= 0:
                raise DecodeError("no audio samples (empty, truncated or damaged file)")
            start, count = middle_window(total, int(round(max_seconds * sr_in)))
            if start:
                f.seek(start)
            frames = f.read(count, dtype="float32", always_2d=True)
    except DecodeError:
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError, OSError) as exc:
        raise DecodeError(f"corrupt or truncated audio ({_libsndfile_message(exc)})") from None
    if 0 < len(frames) < TRUNCATION_TOLERANCE * count:
        raise DecodeError(f"truncated: its header promises {count / sr_in:.1f} s here, only "
                          f"{len(frames) / sr_in:.1f} s decode")
    return _finish(frames, sr_in, total / sr_in, start / sr_in, sr)


@contextmanager
def quiet_c_stderr():
    """Silence C libraries' warnings on file descriptor 2 (libmpg123 prints resync notes for damaged MP3s
    straight to the terminal); Python's own ``sys.stderr`` object is untouched."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (some GUI launchers): nothing to silence
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _decode_ffmpeg(path: Path, ffmpeg: str, sr: int, max_seconds: float,
                   duration_hint_s: float | None) -> DecodedAudio:
    """Decode with an ffmpeg subprocess to stereo float32 at :data:`FFMPEG_RATE` (full band, for the
    loudness), then to the analysis signal. ``duration_hint_s`` (from the tags) places the middle window."""
    offset = 0.0
    if duration_hint_s and duration_hint_s > max_seconds:
        offset = (duration_hint_s - max_seconds) / 2
    base = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", f"{offset:.3f}",
            "-t", f"{max_seconds:.3f}", "-i", str(path), "-vn", "-f", "f32le", "-ar", str(FFMPEG_RATE)]
    try:
        proc = subprocess.run(base + ["-ac", "2", "-"], capture_output=True, timeout=FFMPEG_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        raise DecodeError(f"ffmpeg took longer than {FFMPEG_TIMEOUT_S:g} s to decode it") from None
    except OSError as exc:
        raise DecodeError(f"could not run ffmpeg ({exc})", cacheable=False) from None
    if proc.returncode != 0:
        last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise DecodeError(f"ffmpeg could not decode it ({last})")
    raw = np.frombuffer(proc.stdout[: len(proc.stdout) // 8 * 8], dtype="<f4").reshape(-1, 2)
    duration = duration_hint_s if duration_hint_s else offset + len(raw) / FFMPEG_RATE
    return _finish(raw.copy(), FFMPEG_RATE, float(duration), offset, sr)


def decode(path: str | os.PathLike, *, sr: int = ANALYSIS_SR, max_seconds: float = MAX_ANALYSIS_SECONDS,
           duration_hint_s: float | None = None) -> DecodedAudio:
    """Decode the middle ``max_seconds`` of an audio file into the analysis signal (see :class:`DecodedAudio`).

    Raises :class:`DecodeError` (one-line reason) for an empty file, a file that is not audio, a corrupt or
    truncated one, a file shorter than :data:`MIN_ANALYSIS_SECONDS`, or M4A/AAC without ffmpeg.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DecodeError(f"cannot read the file ({exc.strerror or exc})", cacheable=False) from None
    if size == 0:
        raise DecodeError("empty file (0 bytes)")
    ext = path.suffix.lower()
    if ext in FFMPEG_EXTENSIONS:
        ffmpeg = ffmpeg_path()
        if ffmpeg is None:
            raise DecodeError(f"unsupported (no ffmpeg decoder for {ext})", cacheable=False)
        return _decode_ffmpeg(path, ffmpeg, sr, max_seconds, duration_hint_s)
    if ext not in SOUNDFILE_EXTENSIONS:
        raise DecodeError(f"unsupported file type {ext or '(no extension)'}", cacheable=False)
    return _decode_soundfile(path, sr, max_seconds)
