"""The facade (disco.engine.service.Disco) and the build, reorder and score commands."""

import json

import numpy as np
import pytest

from disco.cli.main import main
from disco.data.refs import parse_track_ref
from disco.engine.score import order_totals
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.errors import CatalogError, SeedError
from support import songgen


@pytest.fixture
def service(made_up_songs, models):
    """The commands load the made-up catalog (the default data set here) and the committed model on their own;
    the test reads the same service to know the songs and the expected results."""
    from disco.engine.service import Disco

    return Disco.load()


def test_parse_track_ref():
    tid = "4uLU6hMCjMI75M1A2tKUQC"
    assert parse_track_ref(tid) == tid
    assert parse_track_ref(f"spotify:track:{tid}") == tid
    assert parse_track_ref(f"https://open.spotify.com/track/{tid}?si=abc") == tid
    assert parse_track_ref("Ed Sheeran - Shape of You") is None


def test_resolve_seed_by_label_id_index_and_errors(disco):
    cat = disco.catalog
    label = cat.label(10)
    assert disco.resolve_seed(label) == 10
    assert disco.resolve_seed(label.upper()) == 10
    assert disco.resolve_seed(cat.songs.track_id[11]) == 11
    assert disco.resolve_seed(f"spotify:track:{cat.songs.track_id[12]}") == 12
    assert disco.resolve_seed(13) == 13
    with pytest.raises(SeedError, match="out of range"):
        disco.resolve_seed(10_000)
    with pytest.raises(SeedError, match="empty seed"):
        disco.resolve_seed("  ")
    with pytest.raises(SeedError, match="no song matches"):
        disco.resolve_seed("zzqx vvkj")
    with pytest.raises(SeedError, match="not in the catalog"):
        disco.resolve_seed("spotify:track:0000000000000000000000")
    with pytest.raises(SeedError, match="equally well"):
        disco.resolve_seed("Artist 1")  # several songs of that artist
    with pytest.raises(SeedError, match="twice"):
        disco.resolve_seeds([label, 10])


def test_build_and_reorder_through_the_facade(disco, tmp_path):
    pl = disco.build([disco.catalog.label(0), 3], EngineSettings(beam_width=4), length=12, pool="knn", pool_size=30)
    assert pl.indices[:2].tolist() == [0, 3] and len(pl) == 12
    assert pl.info["pool"] == "knn" and pl.info["pool_size_asked"] == 30 and pl.info["pool_size"] <= 30
    assert pl.settings.beam_width == 4
    with pytest.raises(SeedError, match="at least one seed"):
        disco.build([], length=5)
    ids = disco.catalog.songs.track_id.iloc[[5, 6, 7, 8, 6]].tolist()
    path = tmp_path / "mine.txt"
    path.write_text("# my list\n" + "\n".join(f"spotify:track:{t}" for t in ids)
                    + "\nspotify:track:0000000000000000000000\n")
    tracks = disco.read_track_list(path)
    assert tracks.indices.tolist() == [5, 6, 7, 8]
    assert tracks.unknown == ["0000000000000000000000"] and tracks.repeats == [6]  # line 6 repeats line 3
    assert "not in the catalog, left out: 1 id (0000000000000000000000)" in tracks.summary()
    out = disco.reorder(tracks, EngineSettings(sweetness=2))
    assert sorted(out.indices.tolist()) == [5, 6, 7, 8] and out.indices[0] == 5
    assert out.settings.sweetness == 2 and out.info["source"] == str(path)
    # a line that is no id is reported by line number and left out; the other songs still load
    typo = tmp_path / "typo.txt"
    typo.write_text("\n".join(ids[:3] + ["not-an-id", ids[3]]) + "\n")
    tracks = disco.read_track_list(typo)
    assert tracks.indices.tolist() == [5, 6, 7, 8]
    assert tracks.invalid == ["line 4: 'not-an-id'"]
    assert "not a Spotify track id, left out: 1 line (line 4: 'not-an-id')" in tracks.summary()
    bad = tmp_path / "bad.txt"
    bad.write_text("spotify:track:0000000000000000000000\n")
    with pytest.raises(CatalogError, match="none of its 1 track ids"):
        disco.read_track_list(bad)
    with pytest.raises(CatalogError, match="song file not found: .*absent.txt"):
        disco.read_track_list(tmp_path / "absent.txt")


def test_facade_defaults_to_the_dj_preset_and_keeps_the_reference(disco):
    seed = disco.catalog.label(0)
    dj = disco.build([seed], length=10, pool="knn", pool_size=40)
    ref = disco.build([seed], EngineSettings.from_preset("reference"), length=10, pool="knn", pool_size=40)
    assert dj.settings == EngineSettings() and dj.settings.preset == "dj" and dj.settings.key_score == "camelot"
    assert ref.settings.preset == "reference"
    # the facade is the engine on the pool it chose
    pool = disco.pool([0], "knn", 40)
    for pl, s in ((dj, EngineSettings()), (ref, EngineSettings.from_preset("reference"))):
        raw = build_playlist([0], pool, 10, s, arrays=disco.arrays, predictor=disco.predictor)
        assert pl.indices.tolist() == raw.indices.tolist()
    mixed = disco.build([seed], EngineSettings(sweetness=2), length=10, pool="knn", pool_size=40)
    assert mixed.settings.key_score == "camelot" and mixed.settings.sweetness == 2
    assert mixed.settings.preset == "custom"
    with pytest.raises(ValueError, match="preset"):
        EngineSettings.from_preset("club")


def test_facade_score_is_the_loss_of_the_given_order(disco):
    tracks = [disco.catalog.label(i) for i in (3, 9, 4, 20)]
    s = EngineSettings(camelot_only=True, max_bpm_change=3.0)
    pl = disco.score(tracks, s)
    assert pl.indices.tolist() == [3, 9, 4, 20] and pl.n_seeds == 1 and pl.info["source"] == "arguments"
    objective = order_totals(pl.indices[None], s, arrays=disco.arrays, predictor=disco.predictor)[0]
    assert objective == pytest.approx(pl.total_loss + 10.0 * pl.broken_rules)
    reordered = disco.reorder(tracks, s)
    again = disco.score([int(i) for i in reordered.indices], s)
    assert again.total_loss == pytest.approx(reordered.total_loss)  # score reports what reorder reported


def test_cli_validates_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--length", "0"])
    assert ">= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--flow", "nan"])
    assert "finite" in capsys.readouterr().err
    for width in ("0", "129"):
        with pytest.raises(SystemExit):
            main(["build", "--seed", "x", "--beam-width", width])
        assert "argument --beam-width" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--preset", "club"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--spicy", "0"])  # spicy > 0: checked where the options are parsed
    assert "argument --spicy" in capsys.readouterr().err
    assert main(["build", "--seed", "a", "--seed", "b", "--length", "1"]) == 2
    assert "counts the seeds" in capsys.readouterr().err


def test_cli_without_model_is_one_clear_error(tmp_path, monkeypatch, capsys, tidy_csv):
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path / "nothing"))
    assert main(["build", "--seed", "x", "--data", str(tidy_csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "model_card.json" in err and "Traceback" not in err


DJ_FLAGS = ["--key-score", "camelot", "--tempo-score", "dj", "--arc", "peak", "--arc-weight", "3",
            "--max-bpm-change", "6%", "--camelot-only", "--no-repeat-artist"]


def settings_of(path) -> tuple[dict, EngineSettings]:
    record = json.loads(path.read_text())["settings"]
    return record, EngineSettings.from_dict(record)


def test_cli_dj_flags_round_trip_into_json_settings(service, tmp_path, capsys):
    disco = service
    out = tmp_path / "pl.json"
    assert main(["build", "--seed", disco.catalog.label(0), "--length", "8", "--format", "json",
                 "--out", str(out)] + DJ_FLAGS) == 0
    doc = json.loads(out.read_text())
    st, s = settings_of(out)
    assert (s.key_score, s.tempo_score, s.arc_weight) == ("camelot", "dj", 3.0)
    assert (s.camelot_only, s.max_bpm_change, s.artist_gap) == (True, 6.0, 1)
    assert s.arc.name == "peak" and len(st["arc"]["energy"]) == 4
    rows = doc["playlist"]
    assert len(rows) == 8 and rows[0]["arc_target"] is None and rows[4]["arc_target"] is not None
    assert all(isinstance(r["relaxed"], list) for r in rows)
    assert doc["relaxed_moves"] == sum(bool(r["relaxed"]) for r in rows)
    # defaults: the DJ preset; --preset reference is the spec's algorithm; flags override the preset
    base = ["build", "--seed", disco.catalog.label(0), "--length", "5", "--format", "json", "--out", str(out)]
    assert main(base) == 0
    st, s = settings_of(out)
    assert st["preset"] == "dj" and s == EngineSettings()
    assert main(base + ["--preset", "reference"]) == 0
    st, s = settings_of(out)
    assert st["preset"] == "reference" and s == EngineSettings.from_preset("reference")
    assert main(base + ["--sweetness", "2", "--tempo-score", "reference"]) == 0
    st, s = settings_of(out)
    assert s == EngineSettings(sweetness=2.0, tempo_score="reference") and st["preset"] == "custom"
    assert main(base + ["--preset", "reference", "--smoothness", "0.5", "--search", "beam", "--beam-width", "3"]) == 0
    _, s = settings_of(out)
    assert s == EngineSettings.from_preset("reference", smoothness=0.5, search="beam", beam_width=3)
    # reorder takes the same flags; a custom arc file is recorded as given
    arc = tmp_path / "arc.json"
    arc.write_text('{"energy": [[0, 0.3], [0.5, 0.9], [1, 0.4]]}')
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[5, 6, 7, 8, 9]]) + "\n")
    assert main(["reorder", str(ids), "--format", "json", "--out", str(out), "--arc", str(arc),
                 "--key-score", "camelot", "--camelot-only"]) == 0
    st, s = settings_of(out)
    assert st["arc"]["energy"] == [[0.0, 0.3], [0.5, 0.9], [1.0, 0.4]] and s.camelot_only
    assert not s.fit_arc  # the settings the songs were scored with: the arc as given, not to be fitted again
    assert s.replace(arc=None, camelot_only=False, fit_arc=True) == EngineSettings()  # the rest: the DJ preset
    capsys.readouterr()


def test_cli_bad_arc_and_percent_are_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "arc.json"
    bad.write_text('{"energy": [[0, 0.3], [2, 1.0]]}')
    assert main(["build", "--seed", "x", "--arc", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: arc file") and str(bad) in err and "outside 0..1" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert main(["build", "--seed", "x", "--arc", str(tmp_path / "missing.json")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["build", "--seed", "x", "--arc", "mountain"]) == 2
    assert "--arc must be one of" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--max-bpm-change", "-3"])
    assert "between 0 and 100" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--key-score", "circle"])
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--max-bpm-change", "150"])
    assert "argument --max-bpm-change" in capsys.readouterr().err


# --- the score command ------------------------------------------------------------------------------------

def made_up_song_file(tmp_path, rows=(7, 3, 12, 30, 41)):
    """A small song table in the TidyTuesday layout (songs of the made-up catalog, in this order)."""
    frame = songgen.tidy_frame().drop_duplicates("track_id").iloc[list(rows)]
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    return path, frame["track_id"].tolist()


def test_cli_score_prints_the_total_of_the_order_given(service, tmp_path, capsys):
    disco = service
    path, ids = made_up_song_file(tmp_path)
    assert main(["score", str(path)]) == 0
    captured = capsys.readouterr()
    assert "5 songs from" in captured.err
    tracks = disco.read_track_list(path)
    expected = disco.score(tracks, EngineSettings())
    # the file's own songs (its features), in the order given
    assert tracks.catalog.songs["track_id"].to_numpy()[expected.indices].tolist() == ids
    assert f"total loss {expected.total_loss:.3f} over 4 moves" in captured.out
    out = tmp_path / "score.json"
    assert main(["score", str(path), "--preset", "reference", "--format", "json", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    ref = disco.score(disco.read_track_list(path), EngineSettings.from_preset("reference"))
    assert doc["total_loss"] == pytest.approx(ref.total_loss) and doc["settings"]["preset"] == "reference"
    assert [r["track_id"] for r in doc["playlist"]] == ids
    assert doc["playlist"][0]["loss"] is None and all(r["loss"] is not None for r in doc["playlist"][1:])
    assert not np.isclose(ref.total_loss, expected.total_loss)  # the preset reached the score
    assert main(["score", str(tmp_path / "absent.csv")]) == 2
    assert "song file not found" in capsys.readouterr().err


def test_cli_score_of_a_reordered_id_list_is_what_reorder_reported(service, tmp_path, capsys):
    disco = service
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[5, 16, 7, 28, 9, 11]]) + "\n")
    out = tmp_path / "re.json"
    assert main(["reorder", str(ids), "--format", "json", "--out", str(out), "--camelot-only"]) == 0
    reordered = json.loads(out.read_text())
    again = tmp_path / "again.txt"
    again.write_text("\n".join(r["track_id"] for r in reordered["playlist"]) + "\n")
    assert main(["score", str(again), "--format", "json", "--out", str(out), "--camelot-only"]) == 0
    scored = json.loads(out.read_text())
    assert scored["total_loss"] == pytest.approx(reordered["total_loss"])
    assert [r["loss"] for r in scored["playlist"]] == pytest.approx([r["loss"] for r in reordered["playlist"]],
                                                                     nan_ok=True)
    capsys.readouterr()


def test_cli_reorder_reports_and_score_of_its_output_prints_the_same_lower_total(service, tmp_path, capsys):
    disco = service
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[5, 16, 7, 28, 9, 11, 40, 3, 22, 31, 19, 2]]) + "\n")
    given, reordered_json = tmp_path / "given.json", tmp_path / "re.json"
    assert main(["score", str(ids), "--format", "json", "--out", str(given)]) == 0
    given = json.loads(given.read_text())
    capsys.readouterr()
    assert main(["reorder", str(ids), "--format", "json", "--out", str(reordered_json)]) == 0
    err = capsys.readouterr().err
    reordered = json.loads(reordered_json.read_text())
    info = reordered["info"]
    # the summary on stderr: the total, the order given, where the result came from, the time taken
    assert "reordered 12 songs in" in err and f"total loss {reordered['total_loss']:.3f}" in err
    assert f"the order given: {given['total_loss']:.3f}" in err and f"from the {info['chosen']} start" in err
    assert {"starts", "pairwise", "chosen", "cut_short", "work", "objective"} <= set(info)
    assert not info["cut_short"] and "time_budget" not in info  # no time cap unless asked for
    assert info["given_total_loss"] == pytest.approx(given["total_loss"])
    assert reordered["total_loss"] < given["total_loss"]
    # score on the output (an id list of its order) prints the same total, lower than the order given
    again = tmp_path / "again.txt"
    again.write_text("\n".join(r["track_id"] for r in reordered["playlist"]) + "\n")
    out = tmp_path / "score.json"
    assert main(["score", str(again), "--format", "json", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    scored = json.loads(out.read_text())
    assert scored["total_loss"] == pytest.approx(reordered["total_loss"])
    assert scored["total_loss"] < given["total_loss"]
    assert f"total loss {scored['total_loss']:.3f} over 11 moves" in err
    # the JSON has every term of every move, and they make the total
    s = EngineSettings()
    moves = scored["playlist"][1:]
    for r in moves:
        assert {"distance", "key_score", "tempo_score", "loss", "arc_target", "arc_penalty", "relaxed"} <= set(r)
        assert r["loss"] == pytest.approx(s.flow * r["distance"] - s.sweetness * r["key_score"]
                                          - s.smoothness * r["tempo_score"])
    assert scored["total_loss"] == pytest.approx(sum(r["loss"] for r in moves))
    assert scored["info"]["objective"] == pytest.approx(scored["total_loss"])  # no rule broken: no penalty


def test_cli_score_of_reorder_csv_output_is_what_reorder_reported(service, tmp_path, capsys):
    disco = service
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[4, 15, 8, 27, 10, 12, 41, 30, 21]]) + "\n")
    csv, out = tmp_path / "re.csv", tmp_path / "score.json"
    assert main(["reorder", str(ids), "--format", "csv", "--out", str(csv), "--arc", "peak"]) == 0
    assert main(["reorder", str(ids), "--format", "json", "--out", str(out), "--arc", "peak"]) == 0
    reordered = json.loads(out.read_text())
    assert main(["score", str(csv), "--format", "json", "--out", str(out), "--arc", "peak"]) == 0
    scored = json.loads(out.read_text())
    assert [r["track_id"] for r in scored["playlist"]] == [r["track_id"] for r in reordered["playlist"]]
    # the CSV keeps 6 significant digits of each feature: the same total to that precision
    assert scored["total_loss"] == pytest.approx(reordered["total_loss"], rel=1e-4)
    assert [r["arc_penalty"] for r in scored["playlist"]] == pytest.approx(
        [r["arc_penalty"] for r in reordered["playlist"]], abs=1e-5, nan_ok=True)
    assert "arc_error" in reordered["info"] and len(reordered["info"]["energy_thirds"]) == 3
    capsys.readouterr()


def test_cli_json_export_loads_again_to_be_scored_and_reordered(service, tmp_path, capsys):
    disco = service
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[4, 15, 8, 27, 10, 12, 41, 30, 21]]) + "\n")
    given, again, scored = tmp_path / "given.json", tmp_path / "again.json", tmp_path / "score.json"
    assert main(["score", str(ids), "--format", "json", "--out", str(given)]) == 0
    assert main(["reorder", str(given), "--format", "json", "--out", str(again)]) == 0
    assert main(["score", str(again), "--format", "json", "--out", str(scored)]) == 0
    first, reordered, rescored = (json.loads(p.read_text()) for p in (given, again, scored))
    assert sorted(r["track_id"] for r in reordered["playlist"]) == sorted(r["track_id"] for r in first["playlist"])
    assert [r["track_id"] for r in rescored["playlist"]] == [r["track_id"] for r in reordered["playlist"]]
    assert rescored["total_loss"] == pytest.approx(reordered["total_loss"])
    assert reordered["total_loss"] <= first["total_loss"] + 1e-9
    bad = tmp_path / "bad.json"
    bad.write_text('{"playlist": [1, 2]}')
    assert main(["score", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_cli_score_with_the_trained_model_on_songs_outside_the_catalog(trained_model, tidy_csv, tmp_path, capsys):
    path, _ = made_up_song_file(tmp_path)
    renamed = path.read_text().replace("T0000", "U0000")  # other ids: these songs are not in the catalog
    path.write_text(renamed)
    assert main(["score", str(path), "--data", str(tidy_csv)]) == 0
    captured = capsys.readouterr()
    assert "total loss" in captured.out and "over 4 moves" in captured.out and "5 songs from" in captured.err


@pytest.mark.real_data
@pytest.mark.slow
def test_cli_build_and_reorder_on_real_catalog(real_csv, trained_model, tmp_path, capsys):
    out = tmp_path / "pl.json"
    code = main(["build", "--seed", "Ed Sheeran - Shape of You", "--seed", "Dua Lipa - New Rules",
                 "--length", "12", "--search", "beam", "--format", "json", "--out", str(out), "--data", str(real_csv)])
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    rows = doc["playlist"]
    assert len(rows) == 12 and rows[0]["artist"] == "Ed Sheeran" and rows[1]["artist"] == "Dua Lipa"
    assert rows[1]["loss"] is None and all(r["loss"] is not None for r in rows[2:])
    assert len({(r["artist"], r["track_name"]) for r in rows}) == 12
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(r["track_id"] for r in rows[::-1]) + "\n")
    assert main(["reorder", str(ids), "--format", "csv", "--data", str(real_csv)]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 13 and rows[-1]["track_id"] in text[1]  # first song kept
    assert main(["score", str(ids), "--data", str(real_csv)]) == 0
    assert "total loss" in capsys.readouterr().out
    assert main(["build", "--seed", "qqqq zzzz xxxx", "--data", str(real_csv)]) == 2
    assert "error:" in capsys.readouterr().err
