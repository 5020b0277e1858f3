"""One file in, one song out: decode, measure, and name it; :data:`ANALYSIS_VERSION` marks the results.

:func:`analyse_signal` measures an analysis signal; :func:`analyse_file` adds decoding and tags and returns
a :class:`SongAnalysis`, whose :meth:`SongAnalysis.row` is one row of DISCO's song-file schema.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from disco.audio import measures
from disco.audio.decode import ANALYSIS_SR, DecodeError, decode
from disco.audio.tags import Tags, read_tags
from disco.columns import SONG_COLUMNS

# Bump whenever a measure, a constant of one, the decoding (rate, window) or the row's columns change:
# cached analyses of another version are analysed again.
ANALYSIS_VERSION = 1
# Who measured a scanned song's features, in the `measured_by` column: DISCO's own analysis, this version
# (songs from Spotify or elsewhere have ""). The model rank-maps such songs' measures onto the catalog's scale.
MEASURED_BY_PREFIX = "disco-audio-"
MEASURED_BY = f"{MEASURED_BY_PREFIX}{ANALYSIS_VERSION}"

TRACK_ID_PREFIX = "file:"
TRACK_ID_HEX_DIGITS = 16

# DISCO's song-file schema, then what only a scan knows
EXTRA_COLUMNS = ("tempo_alternative", "key_confidence")
ROW_COLUMNS = SONG_COLUMNS + EXTRA_COLUMNS
# What audio cannot honestly tell: always missing (NaN), never guessed.
UNMEASURED_FEATURES = ("acousticness", "instrumentalness", "liveness", "speechiness", "valence")


class SilentAudioError(DecodeError):
    """The file decodes but holds nothing measurable (every block below the -70 LUFS gate)."""


@dataclass(frozen=True)
class Analysis:
    """DISCO's measures of one signal (see :mod:`disco.audio.measures` for each definition).

    ``tempo`` BPM (one decimal, 70..180; NaN = no beat), ``tempo_alternative`` its half or double,
    ``key`` 0..11 or -1 (no key), ``mode`` 1/0, ``key_confidence`` -1..1, ``loudness`` LUFS (NaN = silent),
    ``energy`` and ``danceability`` DISCO's own 0..1 measures (not Spotify's), ``analysed_s`` /
    ``offset_s`` the analysed section (s), ``onsets_per_s``, ``beat_scatter`` and ``pulse`` the inputs of
    energy and danceability.
    """

    tempo: float
    tempo_alternative: float
    key: int
    mode: int
    key_confidence: float
    loudness: float
    energy: float
    danceability: float
    onsets_per_s: float
    beat_scatter: float
    pulse: float
    analysed_s: float
    offset_s: float = 0.0

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.loudness)


def analyse_signal(mono: np.ndarray, sr: int = ANALYSIS_SR, channels: np.ndarray | None = None,
                   channels_sr: int | None = None, offset_s: float = 0.0) -> Analysis:
    """Measure one signal: ``mono`` shape ``(n,)`` float32 in -1..1 at ``sr`` Hz; loudness is measured on
    ``channels`` (shape ``(m, c)``, c <= 5, at ``channels_sr`` Hz) when given, else on ``mono``. Silence
    gives NaN loudness and energy, key -1, no tempo."""
    mono = np.asarray(mono, dtype=np.float32)
    if channels is None:
        loudness = measures.integrated_loudness(mono, sr)
    else:
        loudness = measures.integrated_loudness(channels, channels_sr or sr)
    env = measures.onset_envelope(mono, sr)
    tempo = measures.estimate_tempo(env, sr)
    rate = measures.onset_rate(env, sr)
    key = measures.estimate_key(measures.mean_chroma(mono, sr))
    silent = not math.isfinite(loudness)
    return Analysis(
        tempo=math.nan if silent else tempo.bpm,
        tempo_alternative=math.nan if silent else tempo.alternative,
        key=-1 if silent else key.key,
        mode=key.mode,
        key_confidence=key.confidence,
        loudness=loudness,
        energy=measures.energy(loudness, rate),
        danceability=math.nan if silent else measures.danceability(tempo.pulse, tempo.scatter),
        onsets_per_s=round(rate, 3),
        beat_scatter=round(tempo.scatter, 4) if math.isfinite(tempo.scatter) else math.nan,
        pulse=round(tempo.pulse, 3),
        analysed_s=round(len(mono) / sr, 3),
        offset_s=round(offset_s, 3),
    )


def warm_up() -> None:
    """Measure a few seconds of synthesized music once in this process. librosa's first call compiles its
    numba kernels and writes them to numba's cache; doing it here, before several processes start, keeps them
    from compiling and writing the same cache files at once (a race that can crash a process)."""
    from disco.audio import synth

    seconds = 6.0
    beat = synth.drums(120.0, seconds)
    analyse_signal((beat + synth.cadence(0, 1, seconds)[:len(beat)]).astype(np.float32), synth.SR)


def track_id_for(path: str | os.PathLike) -> str:
    """A stable id from the absolute path: ``"file:"`` + the first 16 hex digits of its SHA-1."""
    absolute = os.path.abspath(os.fspath(path))
    digest = hashlib.sha1(absolute.encode("utf-8", "surrogateescape")).hexdigest()
    return TRACK_ID_PREFIX + digest[:TRACK_ID_HEX_DIGITS]


@dataclass(frozen=True)
class SongAnalysis:
    """A file's tags, its measures and its file's duration (s; from the decoder, else the tags)."""

    path: str
    tags: Tags
    analysis: Analysis
    duration_s: float

    def row(self) -> dict:
        """One row of DISCO's song-file schema (:data:`ROW_COLUMNS`): unknown text "", unknown numbers NaN;
        acousticness, instrumentalness, liveness, speechiness and valence NaN (not measured); ``measured_by``
        :data:`MEASURED_BY`."""
        a, t = self.analysis, self.tags
        row = {
            "track_id": track_id_for(self.path),
            "track_name": t.title,
            "artist": t.artist,
            "album": t.album,
            "genre": t.genre,
            "subgenre": "",
            "popularity": math.nan,
            "duration_ms": round(self.duration_s * 1000.0) if math.isfinite(self.duration_s) else math.nan,
            "danceability": a.danceability,
            "energy": a.energy,
            "loudness": a.loudness,
            "key": a.key,
            "mode": a.mode,
            "tempo": a.tempo,
            "year": t.year if t.year is not None else math.nan,
            "path": self.path,
            "measured_by": MEASURED_BY,
            "tempo_alternative": a.tempo_alternative,
            "key_confidence": a.key_confidence,
        }
        row.update({name: math.nan for name in UNMEASURED_FEATURES})
        return {c: row[c] for c in ROW_COLUMNS}

    def to_json(self) -> dict:
        return {"path": self.path, "tags": asdict(self.tags), "analysis": asdict(self.analysis),
                "duration_s": self.duration_s}

    @classmethod
    def from_json(cls, data: dict) -> SongAnalysis:
        return cls(path=data["path"], tags=Tags(**data["tags"]), analysis=Analysis(**data["analysis"]),
                   duration_s=float(data["duration_s"]))


def analyse_file(path: str | os.PathLike, root: str | os.PathLike | None = None) -> SongAnalysis:
    """Decode, measure and name one audio file (``root``: the scanned folder, for the artist fallback).

    Raises :class:`~disco.audio.decode.DecodeError` with a one-line reason when the file cannot be decoded,
    and :class:`SilentAudioError` when it is silent.
    """
    path = Path(os.path.abspath(os.fspath(path)))
    tags = read_tags(path, root)
    audio = decode(path, duration_hint_s=tags.duration_s)
    analysis = analyse_signal(audio.mono, audio.sr, audio.channels, audio.channels_sr, audio.offset_s)
    if analysis.silent:
        raise SilentAudioError("silent (no audio above the -70 LUFS loudness gate)")
    duration = audio.duration_s if audio.duration_s > 0 else (tags.duration_s or math.nan)
    return SongAnalysis(path=str(path), tags=tags, analysis=analysis, duration_s=float(duration))
