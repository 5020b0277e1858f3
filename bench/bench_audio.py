"""Audio analysis: accuracy on synthesized audio with known answers, and speed on one core and on all cores.

    python bench/bench_audio.py [--songs 200] [--song-seconds 20] [--skip-compile]

Accuracy (no real recordings; every signal is synthesized here by disco.audio.synth):
  key    all 24 keys, 30 s cadence (I-IV-V-I / i-iv-V-i) over a drum loop; also the cadence alone. Target >= 22/24.
  tempo  drum loops 70..180 BPM (45 tempi x swing 0 / 0.5 / 1), 5 ms timing jitter, noise at -30 dBFS, 30 s;
         right = within 1% after folding double/half time. Target >= 95%. "exact octave" = without folding.
Speed:
  one core   a 4-minute synthesized song (FLAC, 44.1 kHz stereo): analyse_file, x real time. Target >= 50x.
  compile    librosa's first call in a fresh process: with an empty numba cache (what a new install pays once)
             and with the cache filled (what every new process, e.g. each scan worker, pays).
  folder     --songs synthesized songs of --song-seconds s (FLAC) scanned on every core: cold (empty cache,
             worker start-up included) and warm (everything cached).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from disco.audio import measures, synth
from disco.audio.analysis import analyse_file
from disco.audio.scan import scan

SR = synth.SR
KEY_SECONDS = 30.0
TEMPO_SECONDS = 30.0
SPEED_SONG_SECONDS = 240.0
FILE_SR = 44100
KEY_TARGET = 22
TEMPO_TARGET = 0.95
SPEED_TARGET_X = 50.0


def folded_error(found: float, true: float) -> float:
    if not (found > 0):
        return math.inf
    ratio = found / true
    return abs(ratio * 2.0 ** -round(math.log2(ratio)) - 1.0)


def key_accuracy() -> dict[str, int]:
    right = {"cadence + drums": 0, "cadence alone": 0}
    misses = []
    for mode in (1, 0):
        for key in range(12):
            bpm = 90 + 4 * key + 2 * mode
            for name, y in (("cadence + drums", synth.song(key, mode, bpm, KEY_SECONDS, seed=key + 12 * mode)),
                            ("cadence alone", synth.cadence(key, mode, KEY_SECONDS, bpm=bpm))):
                found = measures.estimate_key(measures.mean_chroma(y, SR))
                if (found.key, found.mode) == (key, mode):
                    right[name] += 1
                else:
                    misses.append(f"{name}: {key}/{mode} read as {found.key}/{found.mode}")
    return right | {"misses": misses}


def tempo_accuracy() -> dict[str, float]:
    rng = np.random.default_rng(7)
    errors, exact, wrong = [], 0, []
    tempi = np.linspace(70, 180, 45)
    for i, base in enumerate(tempi):
        for swing in (0.0, 0.5, 1.0):
            bpm = float(base + rng.uniform(-0.4, 0.4))
            y = synth.drums(bpm, TEMPO_SECONDS, swing=swing, jitter_ms=5.0, noise_db=-30.0, seed=i)
            found = measures.estimate_tempo(measures.onset_envelope(y, SR), SR).bpm
            err = folded_error(found, bpm)
            errors.append(err)
            exact += abs(found / bpm - 1) < 0.01 if found > 0 else 0
            if err >= 0.01:
                wrong.append(f"{bpm:.1f} BPM swing {swing}: {found}")
    ok = [e for e in errors if e < 0.01]
    return {"n": len(errors), "right": len(ok), "exact": exact,
            "median_error_pct": 100 * statistics.median(ok) if ok else math.nan, "wrong": wrong}


def speed_one_core(folder: Path) -> dict[str, float]:
    y = synth.master(synth.song(9, 0, 124.0, SPEED_SONG_SECONDS, sr=FILE_SR, seed=3), drive=2.0)
    path = folder / "four minutes.flac"
    sf.write(path, np.c_[y, y], FILE_SR)
    analyse_file(path)  # warm: compiled code loaded in this process
    times = []
    for _ in range(3):
        start = time.perf_counter()
        analyse_file(path)
        times.append(time.perf_counter() - start)
    best = min(times)
    return {"seconds": best, "x_real_time": SPEED_SONG_SECONDS / best}


FIRST_CALL = """
import time
import numpy as np
t0 = time.perf_counter()
from disco.audio import synth
from disco.audio.analysis import analyse_signal
t1 = time.perf_counter()
analyse_signal(synth.song(0, 1, 120, 10.0))
t2 = time.perf_counter()
analyse_signal(synth.song(0, 1, 120, 10.0))
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def first_call(numba_cache: str | None) -> tuple[float, float, float]:
    """(import s, first analysis s, second analysis s) in a fresh process."""
    env = dict(os.environ)
    if numba_cache is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache
    out = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, capture_output=True, text=True, check=True)
    a, b, c = (float(v) for v in out.stdout.split())
    return a, b, c


def make_folder(folder: Path, n: int, seconds: float) -> dict[str, tuple[int, int, float]]:
    """``n`` songs in 17 artist folders; returns {absolute path: (key, mode, bpm)}."""
    rng = np.random.default_rng(11)
    truth = {}
    for i in range(n):
        key, mode, bpm = int(rng.integers(12)), int(rng.integers(2)), float(rng.uniform(75, 175))
        y = synth.song(key, mode, bpm, seconds, sr=FILE_SR, swing=float(rng.choice([0.0, 0.5])), seed=i)
        sub = folder / f"artist {i % 17:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"Artist {i % 17:02d} - Song {i:03d}.flac"
        sf.write(path, np.c_[y, y], FILE_SR)
        truth[str(path.resolve())] = (key, mode, bpm)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=200)
    parser.add_argument("--song-seconds", type=float, default=20.0)
    parser.add_argument("--skip-compile", action="store_true", help="skip the empty-numba-cache measurement")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load_start = os.getloadavg()[0]
    rows: list[tuple[str, str, str, str]] = []

    with tempfile.TemporaryDirectory(prefix="disco-bench-audio-") as tmp:
        tmp = Path(tmp)
        if not args.skip_compile:
            _, first, second = first_call(str(tmp / "empty-numba-cache"))
            rows.append(("first call, empty numba cache", f"{first:.1f} s (a second 10-s analysis: {second:.2f} s)",
                         "-", "once per install"))
        _, first, second = first_call(None)
        rows.append(("first call, numba cache filled", f"{first:.1f} s (a second 10-s analysis: {second:.2f} s)",
                     "-", "once per process"))

        t = time.perf_counter()
        keys = key_accuracy()
        t_key = time.perf_counter() - t
        rows.append(("key, 24 keys, cadence + drums", f"{keys['cadence + drums']}/24", f">= {KEY_TARGET}/24",
                     "met" if keys["cadence + drums"] >= KEY_TARGET else "MISSED"))
        rows.append(("key, 24 keys, cadence alone", f"{keys['cadence alone']}/24", f">= {KEY_TARGET}/24",
                     "met" if keys["cadence alone"] >= KEY_TARGET else "MISSED"))

        t = time.perf_counter()
        tempo = tempo_accuracy()
        t_tempo = time.perf_counter() - t
        share = tempo["right"] / tempo["n"]
        rows.append((f"tempo, {tempo['n']} drum loops 70-180 BPM, within 1% folded",
                     f"{tempo['right']}/{tempo['n']} ({100 * share:.1f}%)", f">= {100 * TEMPO_TARGET:.0f}%",
                     "met" if share >= TEMPO_TARGET else "MISSED"))
        rows.append(("tempo, same, exact octave (no folding)", f"{tempo['exact']}/{tempo['n']}", "-", "info"))
        rows.append(("tempo, median error of the right ones", f"{tempo['median_error_pct']:.3f}%", "-", "info"))

        speed = speed_one_core(tmp)
        rows.append(("4-min song (FLAC 44.1k stereo), one core", f"{speed['seconds']:.2f} s = "
                     f"{speed['x_real_time']:.0f}x real time", f">= {SPEED_SONG_SECONDS / SPEED_TARGET_X:.0f} s "
                     f"({SPEED_TARGET_X:.0f}x)", "met" if speed["x_real_time"] >= SPEED_TARGET_X else "MISSED"))

        music = tmp / "music"
        truth = make_folder(music, args.songs, args.song_seconds)
        cache = tmp / "cache.sqlite"
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cold = scan(music, workers=cores, cache=cache)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (children_after.ru_utime + children_after.ru_stime
               - children_before.ru_utime - children_before.ru_stime)
        warm = scan(music, workers=cores, cache=cache)
        label = f"{args.songs} songs x {args.song_seconds:g} s, {cores} cores"
        rows.append((f"folder scan cold, {label}", f"{cold.seconds:.1f} s = {cold.songs_per_s:.1f} songs/s "
                     f"({len(cold.songs)} songs, {len(cold.excluded)} excluded)", "-", "info"))
        rows.append(("  its workers' CPU time (start-up included)", f"{cpu:.1f} s = {cpu / args.songs:.2f} s per "
                     f"song -> {cpu / cores:.0f} s on {cores} idle cores", "-", "info"))
        rows.append((f"folder scan warm (cached), {label}", f"{warm.seconds:.2f} s, {warm.analysed} analysed, "
                     f"{warm.from_cache} from cache", "-", "info"))
        key_ok = sum((r.key, r.mode) == truth[r.path][:2] for r in cold.songs.itertuples())
        folder_misses = [f"{Path(r.path).name}: {truth[r.path][0]}/{truth[r.path][1]} read as {r.key}/{r.mode}"
                         for r in cold.songs.itertuples() if (r.key, r.mode) != truth[r.path][:2]]
        tempo_ok = sum(folded_error(r.tempo, truth[r.path][2]) < 0.01 for r in cold.songs.itertuples())
        rows.append(("folder: key right / tempo within 1% folded", f"{key_ok}/{len(cold.songs)} / "
                     f"{tempo_ok}/{len(cold.songs)}", "-", "info"))

    width = [max(len(r[i]) for r in rows + [("measure", "result", "target", "")]) for i in range(4)]
    header = ("measure", "result", "target", "")
    print("  ".join(h.ljust(w) for h, w in zip(header, width, strict=True)))
    print("  ".join("-" * w for w in width))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, width, strict=True)))
    print(f"\n(accuracy runs took {t_key:.0f} s for keys and {t_tempo:.0f} s for tempi)")
    for miss in keys["misses"]:
        print(f"key miss: {miss}")
    for miss in tempo["wrong"]:
        print(f"tempo miss: {miss}")
    for miss in folder_misses:
        print(f"folder key miss: {miss}")
    print(f"load average (1 min) at the start / end: {load_start:.1f} / {os.getloadavg()[0]:.1f} on {cores} cores "
          "(above the core count, other programs shared the CPU and wall times are longer)")


if __name__ == "__main__":  # the scan's worker processes are spawned: they must not rerun the benchmark
    main()
