"""``python -m disco build`` editing and planning a set: --lock, --ban, the candidate filters (--bpm, --years,
--genre, --subgenre, --energy), --minutes and --artist-gap reach the engine, and bad values are one clear line."""

import json

import numpy as np
import pytest

from disco.cli.main import main
from disco.engine.pools import PoolFilters


@pytest.fixture
def service(made_up_songs, models):
    """The commands load the made-up catalog (the default data set here) and the committed model on their own;
    the test reads the same service to know the songs and the expected results."""
    from disco.engine.service import Disco

    return Disco.load()


def build_json(tmp_path, capsys, *flags) -> tuple[dict, str]:
    """(the JSON document, stderr) of ``build --format json`` with ``flags``; the command must succeed."""
    out = tmp_path / "pl.json"
    code = main(["build", "--format", "json", "--out", str(out), "--search", "greedy", *flags])
    err = capsys.readouterr().err
    assert code == 0, err
    return json.loads(out.read_text()), err


def one_clear_error(capsys, argv, *expected) -> str:
    """The command fails with exit code 2 and one line ``error: ...`` holding ``expected``; argparse's own errors
    (usage, then ``disco build: error: ...``) count as that line."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if "error:" in ln]
    assert len(lines) == 1, err
    line = lines[0]
    if not line.startswith("disco build: error:"):
        assert err.strip() == line and line.startswith("error: ")  # nothing but that line
    for text in expected:
        assert text in line, line
    return line


def seed_of(disco) -> str:
    return disco.catalog.label(0)


def track_ids(disco, songs) -> list[str]:
    return disco.catalog.songs["track_id"].to_numpy()[list(songs)].tolist()


# --- --lock and --ban ----------------------------------------------------------------------------------------

def test_lock_puts_the_song_at_the_position_the_output_shows(service, tmp_path, capsys):
    disco = service
    free, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "10")
    chosen = [r["track_id"] for r in free["playlist"]]
    song = int(disco.catalog.index_of([chosen[8]])[0])
    label = disco.catalog.label(song)
    other = int(np.setdiff1d(np.arange(len(disco.catalog.songs)), disco.catalog.index_of(chosen))[0])
    doc, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "10", "--lock", f"3={label}",
                        "--lock", f"10={disco.catalog.songs['track_id'].iloc[other]}")
    rows = doc["playlist"]
    assert len(rows) == 10
    assert rows[2]["position"] == 3 and rows[2]["track_id"] == chosen[8]  # position 3 as the output numbers it
    assert rows[9]["track_id"] == disco.catalog.songs["track_id"].iloc[other]
    assert len({r["track_id"] for r in rows}) == 10
    assert doc["info"]["locked"] == [2, 9]  # the engine's positions count from 0


def test_ban_keeps_songs_out(service, tmp_path, capsys):
    disco = service
    free, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "8", "--pool-size", "30")
    chosen = [r["track_id"] for r in free["playlist"][1:4]]
    songs = disco.catalog.index_of(chosen)
    doc, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "8", "--pool-size", "30",
                        "--ban", disco.catalog.label(songs[0]), "--ban", chosen[1],
                        "--ban", f"spotify:track:{chosen[2]}")
    assert not {r["track_id"] for r in doc["playlist"]} & set(chosen)
    assert doc["info"]["banned"] == sorted(int(i) for i in songs)
    assert len(doc["playlist"]) == 8


def test_bad_locks_and_bans_are_one_clear_line(service, capsys):
    disco = service
    seed = seed_of(disco)
    base = ["build", "--seed", seed, "--length", "8"]
    song = disco.catalog.label(20)
    one_clear_error(capsys, base + ["--lock", "x=foo"], "--lock", "POS=SONG")
    one_clear_error(capsys, base + ["--lock", "0=foo"], "--lock", "from 1")
    one_clear_error(capsys, base + ["--lock", "3"], "--lock", "POS=SONG")
    one_clear_error(capsys, base + ["--lock", "3="], "--lock", "POS=SONG")
    one_clear_error(capsys, base + ["--lock", f"1={song}"], "--lock 1", "seeds")
    one_clear_error(capsys, base + ["--lock", f"9={song}"], "--lock 9", "past the end of a 8-song playlist")
    one_clear_error(capsys, base + ["--lock", f"3={song}", "--lock", f"3={disco.catalog.label(21)}"],
                    "position 3 is locked twice")
    one_clear_error(capsys, base + ["--lock", f"3={song}", "--lock", f"4={song}"], song, "locked twice")
    one_clear_error(capsys, base + ["--lock", f"3={seed}"], seed, "is a seed")
    one_clear_error(capsys, base + ["--ban", seed], seed, "is a seed and banned")
    one_clear_error(capsys, base + ["--lock", f"3={song}", "--ban", song], song, "banned and locked")
    one_clear_error(capsys, base + ["--ban", "qqqq zzzz xxxx"], "no song matches 'qqqq zzzz xxxx'")
    one_clear_error(capsys, base + ["--lock", "3=qqqq zzzz xxxx"], "no song matches 'qqqq zzzz xxxx'")
    # a locked position past what the pool can fill, in the output's numbering
    one_clear_error(capsys, base + ["--pool-size", "3", "--lock", f"7={song}"], "(song 7) is locked", "up to song 5")


# --- candidate filters ---------------------------------------------------------------------------------------

def test_filters_reach_the_engine_and_every_chosen_song_matches(service, tmp_path, capsys):
    disco = service
    seed = seed_of(disco)
    doc, err = build_json(tmp_path, capsys, "--seed", seed, "--length", "8", "--bpm", "100-140", "--energy",
                          "0.2-0.9", "--genre", "POP", "--genre", "edm", "--years", "2000-2020", "--pool-size", "500")
    f = PoolFilters(bpm=(100, 140), energy=(0.2, 0.9), genres=("POP", "edm"), years=(2000, 2020))
    assert doc["info"]["filters"] == {"bpm": [100.0, 140.0], "years": [2000, 2020], "genres": ["POP", "edm"],
                                      "energy": [0.2, 0.9]}
    keep, _ = f.mask(disco.catalog)
    assert doc["info"]["filtered"]["matching"] == int(keep.sum())
    assert f"filters: {int(keep.sum())} songs match, {doc['info']['pool_size']} candidates" in err
    for r in doc["playlist"][1:]:
        assert any(100 <= r["tempo"] * x <= 140 for x in (0.5, 1, 2)) and 0.2 <= r["energy"] <= 0.9
        assert keep[disco.catalog.index_of([r["track_id"]])[0]]


def test_a_bpm_range_takes_half_time_songs(service, tmp_path, capsys):
    disco = service
    tempo = disco.catalog.songs["tempo"].to_numpy()
    low, high = tempo.max() + 1, 200  # no song is that fast: songs of 90..100 BPM match at double time
    doc, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "4", "--bpm", f"{low:.2f}-{high}")
    chosen = [r["tempo"] for r in doc["playlist"][1:]]
    assert len(chosen) == 3 and all(low <= 2 * t <= high for t in chosen)


def test_a_subgenre_filter_reaches_the_engine(service, tmp_path, capsys):
    disco = service
    doc, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "6", "--subgenre", "Hard Rock")
    assert doc["info"]["filters"] == {"subgenres": ["Hard Rock"]}
    keep, _ = PoolFilters(subgenres=["hard rock"]).mask(disco.catalog)
    assert all(keep[disco.catalog.index_of([r["track_id"]])[0]] for r in doc["playlist"][1:])


def test_filters_that_match_nothing_say_so(service, tmp_path, capsys):
    disco = service
    doc, err = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "5", "--genre", "polka")
    assert len(doc["playlist"]) == 1
    assert "filters: 0 songs match, 0 candidates" in err and "note: the candidate pool ran out" in err
    assert "1 song instead of 5" in doc["message"]


@pytest.mark.parametrize("flag, value, expected", [
    ("--bpm", "130-120", "LO <= HI"),
    ("--bpm", "abc", "LO-HI"),
    ("--bpm", "120", "LO-HI"),
    ("--bpm", "nan-130", "LO <= HI"),
    ("--bpm", "0-10", "above 0 BPM"),
    ("--years", "1999.5-2005", "LO-HI"),
    ("--years", "2005-1999", "LO <= HI"),
    ("--energy", "0.2-1.5", "within 0..1"),
    ("--energy", "0.8-0.2", "LO <= HI"),
    ("--genre", " ", "non-empty names"),
    ("--subgenre", "", "non-empty names"),
])
def test_bad_filters_are_one_clear_line(service, capsys, flag, value, expected):
    line = one_clear_error(capsys, ["build", "--seed", seed_of(service), f"{flag}={value}"], expected)
    assert "1e-09" not in line


# --- --minutes -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["12", "45.5"])
def test_minutes_plan_a_set_that_ends_within_one_song_of_the_target(service, tmp_path, capsys, target):
    disco = service
    doc, err = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--minutes", target)
    m = np.array([r["duration_ms"] for r in doc["playlist"]]) / 60_000.0
    assert m.sum() >= float(target) and m[:-1].sum() < float(target)
    assert doc["info"]["target_minutes"] == float(target)
    assert doc["info"]["minutes"] == pytest.approx(m.sum(), abs=0.01)
    assert f"set: {len(m)} songs, {m.sum():.1f} minutes (asked {float(target):g})" in err
    assert "note:" not in err


def test_minutes_with_locks_and_a_short_pool(service, tmp_path, capsys):
    disco = service
    song = disco.catalog.label(30)
    doc, err = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--minutes", "3", "--lock", f"5={song}")
    assert len(doc["playlist"]) == 5 and doc["playlist"][4]["track_id"] == track_ids(disco, [30])[0]
    assert "locked song ends the set" in err
    doc, err = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--minutes", "200", "--pool-size", "4")
    assert len(doc["playlist"]) == 5 and "note: the candidate pool ran out at" in err and "of the 200 minutes" in err


@pytest.mark.parametrize("value, expected", [("0", "> 0"), ("-5", "> 0"), ("nan", "> 0"), ("inf", "> 0"),
                                             ("abc", "number of minutes"), ("", "number of minutes"),
                                             ("5000", "at most 1440 minutes")])
def test_bad_minutes_are_one_clear_line(service, capsys, value, expected):
    one_clear_error(capsys, ["build", "--seed", seed_of(service), f"--minutes={value}"], expected)


def test_minutes_and_length_together_are_refused(service, capsys):
    one_clear_error(capsys, ["build", "--seed", seed_of(service), "--minutes", "30", "--length", "10"],
                    "--length", "--minutes", "not both")


# --- --artist-gap --------------------------------------------------------------------------------------------

def test_artist_gap_reaches_the_settings(service, tmp_path, capsys):
    disco = service
    for flags, gap in (([], 3), (["--artist-gap", "5"], 5), (["--artist-gap", "0"], 0), (["--no-repeat-artist"], 1),
                       (["--preset", "reference"], 0), (["--preset", "reference", "--artist-gap", "2"], 2)):
        doc, _ = build_json(tmp_path, capsys, "--seed", seed_of(disco), "--length", "6", *flags)
        assert doc["settings"]["artist_gap"] == gap, flags
        artists = [r["artist"] for r in doc["playlist"]]
        for p in range(1, len(artists)):
            assert artists[p] not in artists[max(0, p - gap):p] or doc["playlist"][p]["relaxed"], (flags, artists)


@pytest.mark.parametrize("value", ["11", "-1", "x", "2.5"])
def test_bad_artist_gap_is_one_clear_line(service, capsys, value):
    one_clear_error(capsys, ["build", "--seed", seed_of(service), f"--artist-gap={value}"], "--artist-gap")
