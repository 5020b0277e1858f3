"""Audio files the tests write themselves: synthesized songs with a known key and tempo, tagged files, broken
files, and a small music folder with every kind of trouble a real one has. Never real recordings."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from disco.audio import synth

SR = synth.SR
FORMATS = {  # extension -> soundfile write arguments
    ".wav": {"format": "WAV", "subtype": "PCM_16"},
    ".flac": {"format": "FLAC", "subtype": "PCM_16"},
    ".ogg": {"format": "OGG", "subtype": "VORBIS"},
    ".mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
}


def write_audio(path: Path, samples: np.ndarray, sr: int = SR, **tags: str) -> Path:
    """Write ``samples`` (mono or ``(n, channels)``) in the format the extension names, with optional
    tags (``title``, ``artist``, ``album``, ``date``, ``genre``: Vorbis comments / RIFF INFO via soundfile)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with sf.SoundFile(str(path), "w", sr, channels, **FORMATS[path.suffix.lower()]) as f:
        for name, value in tags.items():
            setattr(f, name, value)
        f.write(samples)
    return path


def write_song(path: Path, key: int = 0, mode: int = 1, bpm: float = 120.0, seconds: float = 6.0,
               seed: int = 0, **tags: str) -> Path:
    """A synthesized song (cadence over drums) with a known key, mode and tempo."""
    return write_audio(path, synth.song(key, mode, bpm, seconds, seed=seed), **tags)


def truncate(path: Path, keep: float = 0.3) -> Path:
    """Cut a file to its first ``keep`` share of bytes (a download that stopped)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_library(root: Path) -> dict[str, str]:
    """A music folder with good files in nested folders, a non-ASCII name, a name with spaces, and broken
    files. Returns ``{relative path: "song" or a fragment of the reason it must be excluded}``."""
    expected = {}

    def song(rel: str, **kw) -> None:
        write_song(root / rel, **kw)
        expected[rel] = "song"

    song("Artist One/Artist One - Opening.flac", key=2, mode=1, bpm=124, seed=1)
    song("Artist One/Live/Deep Track.wav", key=9, mode=0, bpm=96, seed=2)
    song("Björk Ångström - Jóga Ünïcode.ogg", key=7, mode=1, bpm=110, seed=3)
    song("with spaces/a song   with  spaces.mp3", key=5, mode=1, bpm=140, seed=4)

    (root / "broken").mkdir(parents=True, exist_ok=True)
    (root / "broken" / "empty.flac").write_bytes(b"")
    expected["broken/empty.flac"] = "empty file"
    (root / "broken" / "notes.mp3").write_text("these are my notes, not audio\n" * 20)
    expected["broken/notes.mp3"] = "not audio"
    (root / "broken" / "noise.wav").write_bytes(np.random.default_rng(5).bytes(4000))
    expected["broken/noise.wav"] = "not audio"
    truncate(write_song(root / "broken" / "cut.flac", seed=6))
    expected["broken/cut.flac"] = "truncated"
    # WAV bytes under an .m4a name: without ffmpeg only the extension matters
    write_song(root / "broken" / "apple.wav").rename(root / "broken" / "apple.m4a")
    expected["broken/apple.m4a"] = "unsupported (no ffmpeg decoder for .m4a)"
    (root / "cover.jpg").write_bytes(b"\xff\xd8\xff not audio, and not an audio extension either")
    return expected


FAKE_FFMPEG = """#!{python}
# A stand-in for ffmpeg in tests: decodes its -i file with soundfile and writes float32 samples (-ar rate,
# -ac channels) to stdout, as ``ffmpeg ... -f f32le -`` does.
import sys
import numpy as np
import soundfile as sf

args = sys.argv[1:]
src = args[args.index("-i") + 1]
rate = int(args[args.index("-ar") + 1])
channels = int(args[args.index("-ac") + 1])
try:
    x, sr = sf.read(src, dtype="float32", always_2d=True)
except Exception as exc:
    print(f"{{src}}: Invalid data found when processing input", file=sys.stderr)
    sys.exit(1)
if sr != rate:  # linear interpolation is plenty for a stand-in
    t = np.arange(int(len(x) * rate / sr)) * (sr / rate)
    x = np.stack([np.interp(t, np.arange(len(x)), x[:, c]) for c in range(x.shape[1])], axis=1)
x = np.repeat(x[:, :1], channels, axis=1) if x.shape[1] < channels else x[:, :channels]
sys.stdout.buffer.write(np.ascontiguousarray(x, dtype="<f4").tobytes())
"""


def install_fake_ffmpeg(folder: Path) -> Path:
    """Write an executable ``ffmpeg`` stand-in into ``folder`` (put it first on PATH to use it)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "ffmpeg"
    exe.write_text(FAKE_FFMPEG.format(python=sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def set_mtime(path: Path, seconds_later: float = 10.0) -> None:
    """Move a file's modification time forward (what an edit of its tags does)."""
    st = path.stat()
    later = st.st_mtime_ns + int(seconds_later * 1e9)
    os.utime(path, ns=(st.st_atime_ns, later))


def analyse_or_crash(path: str, root: str):
    """A scan task for tests: the process dies (as a decoder crashing in C would) on files named
    ``*crash*``; other files get a fake result at once."""
    if "crash" in os.path.basename(path):
        os._exit(1)
    return path, "excluded", "fine (fake)", True
