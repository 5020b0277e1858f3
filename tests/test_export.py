"""A playlist as a table, JSON, CSV or M3U8 (disco.export.formats); exports are safe to open and load again."""

import csv
import io
import json

import numpy as np
import pytest

from disco.data import schema
from disco.data.catalog import load_catalog
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.export.formats import FIELDS, playlist_frame, render, to_csv, to_json, to_m3u8, to_table
from disco.theory.arcs import Arc
from support.fakes import LinearRNN, arrays_from_songs


@pytest.fixture
def cat(tidy_csv):
    return load_catalog(tidy_csv, cache=False)


@pytest.fixture
def made(cat):
    arrays = arrays_from_songs(cat.songs)
    pl = build_playlist([4, 9], np.arange(len(cat.songs)), 7, arrays=arrays, predictor=LinearRNN())
    return cat, pl


def test_playlist_frame_rows_and_seed_fields(made):
    cat, pl = made
    frame = playlist_frame(cat, pl)
    assert len(frame) == 7 and frame["position"].tolist() == list(range(1, 8))
    assert frame["track_id"].tolist() == cat.songs.track_id.iloc[pl.indices].tolist()
    assert frame["is_seed"].tolist() == [True, True] + [False] * 5
    assert frame.loc[:1, ["distance", "key_score", "tempo_score", "loss"]].isna().all().all()
    assert frame.loc[2:, "loss"].notna().all()
    assert np.allclose(frame["key_score"][2:], pl.key_score[2:]) and np.allclose(frame["loss"][2:], pl.loss[2:])
    assert set(FIELDS) <= set(frame.columns)
    k, m = cat.songs.key.iloc[pl.indices[0]], cat.songs["mode"].iloc[pl.indices[0]]
    assert frame["camelot"][0] == f"{(7 * k + 7) % 12 + 1 if m == 1 else (7 * k + 4) % 12 + 1}{'B' if m else 'A'}"


def test_json_schema(made):
    cat, pl = made
    doc = json.loads(to_json(cat, pl))
    assert set(doc) >= {"playlist", "total_loss", "settings", "info", "relaxed_moves"}
    rows = doc["playlist"]
    assert [set(r) for r in rows] == [set(FIELDS)] * 7
    assert rows[0]["loss"] is None and rows[1]["key_score"] is None and rows[1]["tempo_score"] is None
    assert rows[2]["loss"] == pytest.approx(pl.loss[2])
    assert rows[2]["key_score"] == pytest.approx(pl.key_score[2])
    assert doc["total_loss"] == pytest.approx(sum(r["loss"] for r in rows[2:]))
    assert rows[0]["camelot"].endswith(("A", "B")) or rows[0]["key"] == -1
    # the settings record reads back into the settings the playlist was made with
    assert doc["settings"]["preset"] == "dj" and doc["settings"]["search"] == "beam"
    assert EngineSettings.from_dict(doc["settings"]) == pl.settings == EngineSettings()
    assert doc["info"]["length_asked"] == 7 and doc["info"]["n_seeds"] == 2
    assert "message" not in doc


def test_csv_and_m3u(made):
    cat, pl = made
    rows = list(csv.DictReader(io.StringIO(to_csv(cat, pl))))
    assert len(rows) == 7 and rows[0]["loss"] == "" and rows[3]["track_id"] == cat.songs.track_id.iloc[pl.indices[3]]
    assert list(rows[0]) == list(FIELDS) + ["is_seed"]
    assert float(rows[3]["loss"]) == pytest.approx(pl.loss[3], rel=1e-5)
    m3u = to_m3u8(cat, pl).splitlines()
    assert m3u[0] == "#EXTM3U" and len(m3u) == 1 + 3 * 7  # no files: a comment, #EXTINF, the Spotify link
    first = cat.songs.iloc[pl.indices[0]]
    assert m3u[1].startswith("# no local file") and "Spotify link" in m3u[1]
    assert m3u[2] == f"#EXTINF:{round(first.duration_ms / 1000)},{first.artist} - {first.track_name}"
    assert m3u[3] == f"https://open.spotify.com/track/{first.track_id}"


def test_table_and_render(made):
    cat, pl = made
    table = to_table(cat, pl)
    assert cat.songs.artist.iloc[pl.indices[5]] in table and "total loss" in table
    assert f"{pl.total_loss:.3f}" in table and "target" not in table  # no arc: no energy/target columns
    assert render(cat, pl, "table") == table
    for fmt, fn in (("table", to_table), ("json", to_json), ("csv", to_csv), ("m3u8", to_m3u8), ("m3u", to_m3u8)):
        assert render(cat, pl, fmt) == fn(cat, pl)
    assert render(cat, pl) == table
    with pytest.raises(ValueError, match="format"):
        render(cat, pl, "xml")


def test_shorter_playlist_message_is_exported(cat):
    arrays = arrays_from_songs(cat.songs)
    pl = build_playlist([0], [1, 2], 6, arrays=arrays, predictor=LinearRNN())
    assert "ran out" in json.loads(to_json(cat, pl))["message"]
    assert "note: the candidate pool ran out" in to_table(cat, pl)


def test_playlist_json_carries_arc_and_relaxed(cat):
    arrays = arrays_from_songs(cat.songs)
    s = EngineSettings.from_preset("reference", arc=Arc.named("peak"), arc_weight=2.0, camelot_only=True,
                                   max_bpm_change=0.0)
    pl = build_playlist([0], np.arange(len(cat.songs)), 8, s, arrays=arrays, predictor=LinearRNN(seed=2))
    assert pl.relaxed_moves >= 1  # a 0% tempo change cannot be met
    doc = json.loads(to_json(cat, pl))
    rows = doc["playlist"]
    assert rows[0]["arc_target"] is None and rows[0]["relaxed"] == []
    assert rows[3]["arc_target"] == pytest.approx(pl.arc_target[3, 0])
    assert rows[3]["arc_penalty"] == pytest.approx(pl.arc_penalty[3])
    assert [r["relaxed"] for r in rows] == [list(r) for r in pl.relaxed]
    assert doc["relaxed_moves"] == pl.relaxed_moves
    st = doc["settings"]
    assert (st["camelot_only"], st["max_bpm_change"], st["artist_gap"]) == (True, 0.0, 0)
    assert st["arc"]["name"] == "peak" and st["preset"] == "custom"
    assert EngineSettings.from_dict(st) == pl.settings  # the fitted arc, as the playlist was scored
    frame = playlist_frame(cat, pl)
    assert frame["relaxed"].tolist() == [",".join(r) for r in pl.relaxed]
    table = to_table(cat, pl)
    assert "target" in table and f"{pl.relaxed_moves} move" in table and "max_bpm_change" in table
    marked = [ln for ln in table.splitlines()[2:2 + len(pl)] if ln[2] == "!"]
    assert len(marked) == pl.relaxed_moves


def test_valence_arc_adds_a_valence_target_column(cat):
    arrays = arrays_from_songs(cat.songs)
    arc = Arc.from_points([[0, 0.2], [1, 0.8]], valence=[[0, 0.9], [1, 0.1]])
    pl = build_playlist([0], np.arange(1, 60), 5, EngineSettings(arc=arc), arrays=arrays, predictor=LinearRNN())
    doc = json.loads(to_json(cat, pl))
    assert doc["playlist"][2]["arc_target_valence"] == pytest.approx(pl.arc_target[2, 1])
    header = to_csv(cat, pl).splitlines()[0].split(",")
    assert "arc_target_valence" in header and header.index("arc_target_valence") < header.index("is_seed")


def test_csv_neutralises_formulas_and_loads_back_exactly(tmp_path, tidy_csv):
    import pandas as pd

    frame = pd.read_csv(tidy_csv)
    titles = {0: "=HYPERLINK(\"http://evil\",\"x\")", 1: "+", 2: "@ ME", 3: "-M-", 4: "line\rbreak",
              5: "tab\there"}
    for i, title in titles.items():
        frame.loc[i, "track_name"] = title
    frame.loc[6, "track_artist"] = "=1+1"
    frame.to_csv(tmp_path / "songs.csv", index=False)
    cat = load_catalog(tmp_path / "songs.csv", cache=False)
    order = list(range(7))
    pl = build_playlist(order[:1], order[1:], 7, arrays=arrays_from_songs(cat.songs), predictor=LinearRNN())
    text = to_csv(cat, pl)
    cells = [row["track_name"] for row in csv.DictReader(io.StringIO(text, newline=""))]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)  # a spreadsheet shows text
    assert "'=HYPERLINK" in text and "'-M-" in text and "'=1+1" in text
    assert len(list(csv.DictReader(io.StringIO(text, newline="")))) == 7  # the \r stays inside its row
    # the export is a song file again: same songs, same titles, same features
    (tmp_path / "out.csv").write_text(text, newline="")
    again = load_catalog(tmp_path / "out.csv", cache=False)
    assert again.report.rows_excluded == 0
    expected = cat.songs.iloc[pl.indices].reset_index(drop=True)
    got = again.songs.set_index("track_id").loc[expected["track_id"]].reset_index()
    assert got["track_name"].tolist() == expected["track_name"].tolist()
    assert got["artist"].tolist() == expected["artist"].tolist()
    assert np.allclose(got[list(schema.FEATURES)].to_numpy(float), expected[list(schema.FEATURES)].to_numpy(float),
                       rtol=1e-5)
    # JSON keeps the titles exactly
    assert [r["track_name"] for r in json.loads(to_json(cat, pl))["playlist"]] == expected["track_name"].tolist()


def test_m3u8_and_table_keep_titles_on_one_line(cat):
    songs = cat.songs.copy()
    songs.loc[0, "track_name"] = "Evil\n#EXTINF:1,x\nfile:///etc/passwd"
    songs.loc[1, "artist"] = "\x1b[2J\x1b[31mred"  # terminal escape codes
    songs.loc[2, "duration_ms"] = np.inf
    cat.songs = songs
    pl = build_playlist([0], [1, 2, 3], 4, arrays=arrays_from_songs(songs), predictor=LinearRNN())
    m3u = to_m3u8(cat, pl).splitlines()
    assert not any(line.startswith("file:") for line in m3u)
    assert sum(line.startswith("#EXTINF") for line in m3u) == 4
    assert "#EXTINF:-1," in "\n".join(m3u)  # an infinite duration is an unknown one
    table = to_table(cat, pl)
    assert "\x1b" not in table and "file:///etc/pass" in table.splitlines()[2 + list(pl.indices).index(0)]


def test_an_exported_csv_loads_as_the_same_songs_in_order(tmp_path, made):
    cat, pl = made
    (tmp_path / "playlist.csv").write_text(to_csv(cat, pl), newline="")
    again = load_catalog(tmp_path / "playlist.csv", cache=False)
    expected = cat.songs.iloc[pl.indices].reset_index(drop=True)
    assert again.songs["track_id"].tolist() == expected["track_id"].tolist()
    assert np.allclose(again.songs[list(schema.FEATURES)].to_numpy(float),
                       expected[list(schema.FEATURES)].to_numpy(float), rtol=1e-5)
