"""Malformed input, class by class, through the command line: never a traceback, never a hang, and every
error names the file (and the row or column when there is one). Inputs are generated here."""

from __future__ import annotations

import gzip
import os
import sys

import numpy as np
import pandas as pd
import pytest

from disco.cli.main import main

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def songs(tidy_csv) -> pd.DataFrame:
    return pd.read_csv(tidy_csv).drop_duplicates("track_id").head(40).reset_index(drop=True)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def check(capsys, path) -> tuple[int, str, str]:
    return run(capsys, "data", "check", path, "--no-cache")


def test_semicolons_with_decimal_commas_and_an_excel_sep_line(tmp_path, songs, capsys):
    path = tmp_path / "excel.csv"
    text = songs.to_csv(index=False, sep=";", decimal=",")
    path.write_text("sep=;\n" + text, encoding="utf-8")
    code, out, _ = check(capsys, path)
    assert code == 0 and f"songs kept: {len(songs)}" in out and "rows excluded: 0" in out


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_encodings_with_a_byte_order_mark(tmp_path, songs, capsys, encoding):
    songs.loc[0, "track_name"] = "Björk Guðmundsdóttir – Jóga"
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(songs.to_csv(index=False).encode(encoding))
    code, out, _ = check(capsys, path)
    assert code == 0 and f"songs kept: {len(songs)}" in out
    from disco.data.catalog import load_catalog

    assert load_catalog(path, cache=False).songs["track_name"][0] == "Björk Guðmundsdóttir – Jóga"


def test_a_stray_latin1_byte_is_named_and_spoils_nothing_else(tmp_path, songs, capsys):
    songs.loc[0, "track_name"] = "Beyoncé"
    songs.loc[5, "track_name"] = "PLACEHOLDER"
    data = songs.to_csv(index=False).encode("utf-8").replace(b"PLACEHOLDER", "Café".encode("latin-1"))
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    code, out, _ = check(capsys, path)
    assert code == 0 and "rows 6" in out and "Windows-1252" in out
    from disco.data.catalog import load_catalog

    cat = load_catalog(path, cache=False)
    assert cat.songs["track_name"][0] == "Beyoncé" and cat.songs["track_name"][5] == "Café"


def test_quoted_newlines_and_duplicated_headers(tmp_path, songs, capsys):
    songs.loc[2, "track_name"] = "two\nlines"
    frame = songs.copy()
    frame.insert(3, "energy_again", frame["energy"])
    text = frame.to_csv(index=False).replace("energy_again", "energy", 1)
    path = tmp_path / "dups.csv"
    path.write_text(text)
    code, out, _ = check(capsys, path)
    assert code == 0 and "'energy' appear" in out and f"songs kept: {len(songs)}" in out


@pytest.mark.parametrize("width, expect", [(1, "missing required column"), (10_000, "10,000 columns")])
def test_one_and_ten_thousand_columns(tmp_path, capsys, width, expect):
    path = tmp_path / f"w{width}.csv"
    path.write_text(",".join(f"c{i}" for i in range(width)) + "\n" + ",".join("1" for _ in range(width)) + "\n")
    code, _, err = check(capsys, path)
    assert code == 2 and expect in err and str(path) in err


def test_a_header_repeating_one_name_is_refused_before_parsing(tmp_path, capsys, monkeypatch):
    from disco.data import reading

    def no_parsing(*args, **kwargs):
        raise AssertionError("the file was handed to the CSV parser")

    monkeypatch.setattr(reading.pd, "read_csv", no_parsing)
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["danceability"] * 20_000) + "\n")
    code, _, err = check(capsys, path)
    assert code == 2 and "20,000 columns" in err


def test_gzip_and_parquet_with_wrong_types(tmp_path, songs, capsys):
    gz = tmp_path / "songs.csv.gz"
    gz.write_bytes(gzip.compress(songs.to_csv(index=False).encode()))
    code, out, _ = check(capsys, gz)
    assert code == 0 and f"songs kept: {len(songs)}" in out
    typed = songs.astype({"tempo": str})
    typed.loc[3, "tempo"] = "fast"
    pq = tmp_path / "songs.parquet"
    typed.to_parquet(pq)
    code, out, _ = check(capsys, pq)
    assert code == 0 and "tempo is not a number: 1 rows (e.g. rows 4)" in out


def test_bad_values_are_excluded_with_their_reason_and_row(tmp_path, songs, capsys):
    bad = {1: ("loudness", "-1e300"), 2: ("tempo", "1e6"), 3: ("tempo", "1e308"), 4: ("energy", "inf"),
           5: ("valence", "NaN"), 6: ("key", "12"), 7: ("mode", "2"), 8: ("danceability", "lots"),
           9: ("duration_ms", "inf"), 10: ("track_id", "")}
    frame = songs.astype(str)
    for row, (col, value) in bad.items():
        frame.loc[row - 1, col] = value
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    code, out, _ = check(capsys, path)
    assert code == 0 and f"rows excluded: {len(bad)}" in out
    for reason in ("loudness outside -60..5 dB: 1 rows (e.g. rows 1)", "tempo outside 20..300 BPM: 2 rows",
                   "energy is not finite: 1 rows (e.g. rows 4)", "valence missing: 1 rows (e.g. rows 5)",
                   "key outside -1..11: 1 rows (e.g. rows 6)", "mode outside 0..1: 1 rows (e.g. rows 7)",
                   "danceability is not a number: 1 rows (e.g. rows 8)", "duration_ms is not finite",
                   "no track id: 1 rows (e.g. rows 10)"):
        assert reason in out


@pytest.mark.parametrize("make, expect", [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: None, "not found"),
    (lambda p: os.mkfifo(p), "not a regular file"),
    (lambda p: p.write_bytes(b"\x00\x01\x02\x03binary" * 100), "binary"),
    (lambda p: p.write_bytes(b"x" * (2 * 2**20)), "no line break"),
    (lambda p: p.write_bytes(b"PK\x03\x04zip"), "ZIP"),
    (lambda p: p.write_bytes(b""), "empty"),
])
def test_things_that_are_not_song_files(tmp_path, capsys, make, expect):
    path = tmp_path / "input.csv"
    make(path)
    code, _, err = check(capsys, path)
    assert code == 2 and expect in err and "input.csv" in err
    assert err.count("\n") == 1


def test_a_device_is_not_read(capsys):
    code, _, err = check(capsys, "/dev/zero")
    assert code == 2 and "/dev/zero" in err and "not a regular file" in err


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file: no permission "
                    "test possible as root")
def test_no_read_permission(tmp_path, songs, capsys):
    path = tmp_path / "locked.csv"
    songs.to_csv(path, index=False)
    path.chmod(0)
    code, _, err = check(capsys, path)
    assert code == 2 and "cannot read" in err and "locked.csv" in err


def test_reorder_and_score_on_bad_values_never_crash(tmp_path, songs, capsys, trained_model):
    frame = songs.head(12).astype(str)
    frame.loc[2, "loudness"] = "-1e300"
    frame.loc[5, "tempo"] = "1e308"
    frame = pd.concat([frame, frame.iloc[[7]]])  # a repeated row
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    for command in ("reorder", "score"):
        code, out, err = run(capsys, command, path, "--format", "csv")
        assert code == 0, err
        assert "10 songs" in err and "loudness outside" in err and "tempo outside" in err and "merged" in err
        assert len(pd.read_csv(__import__("io").StringIO(out))) == 10


def test_out_cannot_be_the_input_or_a_pipe(tmp_path, songs, capsys, trained_model):
    path = tmp_path / "mine.csv"
    songs.head(8).to_csv(path, index=False)
    before = path.read_bytes()
    code, _, err = run(capsys, "reorder", path, "--out", path)
    assert code == 2 and "is the input file" in err and path.read_bytes() == before
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "reorder", path, "--out", fifo)
    assert code == 2 and "not a regular file" in err


def test_absurd_options_are_refused(tmp_path, songs, capsys):
    path = tmp_path / "mine.csv"
    songs.head(5).to_csv(path, index=False)
    with pytest.raises(SystemExit) as stop:
        main(["reorder", str(path), "--beam-width", "100000"])
    assert stop.value.code == 2 and "between 1 and 128" in capsys.readouterr().err


def test_a_huge_seed_is_not_echoed_back(tmp_path, songs, capsys, trained_model):
    path = tmp_path / "catalog.csv"
    songs.to_csv(path, index=False)
    code, _, err = run(capsys, "build", "--data", path, "--seed", "x" * 100_000, "--length", "5")
    assert code == 2 and len(err) < 2_000 and "no song matches" in err


def test_the_sweep_of_random_bytes_never_tracebacks(tmp_path, capsys):
    rng = np.random.default_rng(0)
    header = b"track_id,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,"
    header += b"liveness,valence,tempo\n"
    for i in range(20):
        body = bytes(rng.integers(0, 256, int(rng.integers(10, 3000)), dtype=np.uint8))
        path = tmp_path / f"junk{i}.csv"
        path.write_bytes(header + body if i % 2 else body)
        code, _, err = check(capsys, path)
        assert code in (0, 2)
        if code == 2:
            assert f"junk{i}.csv" in err
