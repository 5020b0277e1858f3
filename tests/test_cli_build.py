import json
from dataclasses import asdict

import pytest

from disco.catalog import load_catalog
from disco.cli import main
from disco.config import models_dir
from disco.engine import Weights
from disco.scoring import Scoring, preset
from disco.errors import CatalogError, SeedError
from disco.service import Disco, parse_track_ref
from fakes import LinearRNN, arrays_from_songs

MODEL_REASON = "no trained model: models/model_card.json is absent (run `python -m disco train`)"


@pytest.fixture
def disco(tidy_csv):
    cat = load_catalog(tidy_csv, cache=False)
    return Disco(cat, arrays_from_songs(cat.songs), LinearRNN())


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
    with pytest.raises(SeedError, match="no song matches"):
        disco.resolve_seed("zzqx vvkj")
    with pytest.raises(SeedError, match="not in the catalog"):
        disco.resolve_seed("spotify:track:0000000000000000000000")
    with pytest.raises(SeedError, match="equally well"):
        disco.resolve_seed("Artist 1")  # several songs of that artist
    with pytest.raises(SeedError, match="twice"):
        disco.resolve_seeds([label, 10])


def test_build_and_reorder_through_the_facade(disco, tmp_path):
    pl = disco.build([disco.catalog.label(0), 3], length=12, pool="knn", pool_size=30, search="beam")
    assert pl.indices[:2].tolist() == [0, 3] and len(pl) == 12
    assert pl.settings["pool"] == "knn"
    ids = disco.catalog.songs.track_id.iloc[[5, 6, 7, 8, 6]].tolist()
    path = tmp_path / "mine.txt"
    path.write_text("# my list\n" + "\n".join(f"spotify:track:{t}" for t in ids) + "\nspotify:track:0000000000000000000000\n")
    tracks = disco.read_track_list(path)
    assert tracks.indices.tolist() == [5, 6, 7, 8]
    assert tracks.unknown == ["0000000000000000000000"] and tracks.repeats == 1
    assert "1 ids not in the catalog" in tracks.summary()
    out = disco.reorder(tracks, weights=Weights(sweetness=2))
    assert sorted(out.indices.tolist()) == [5, 6, 7, 8] and out.indices[0] == 5
    # a line that is no id is reported by line number and left out; the other songs still load
    typo = tmp_path / "typo.txt"
    typo.write_text("\n".join(ids[:3] + ["not-an-id", ids[3]]) + "\n")
    tracks = disco.read_track_list(typo)
    assert tracks.indices.tolist() == [5, 6, 7, 8]
    assert tracks.invalid == ["line 4: 'not-an-id'"]
    assert "1 lines are not Spotify track ids, ignored: line 4: 'not-an-id'" in tracks.summary()
    bad = tmp_path / "bad.txt"
    bad.write_text("spotify:track:0000000000000000000000\n")
    with pytest.raises(CatalogError, match="none of its 1 track ids"):
        disco.read_track_list(bad)


def test_facade_defaults_to_the_dj_preset_and_keeps_the_reference(disco):
    seed = disco.catalog.label(0)
    dj = disco.build([seed], length=10, pool="knn", pool_size=40)
    ref = disco.build([seed], length=10, pool="knn", pool_size=40, preset="reference")
    assert dj.settings["preset"] == "dj" and dj.settings["scoring"]["key_score"] == "camelot"
    assert dj.settings["weights"] == asdict(preset("dj")[0])
    assert ref.settings["scoring"] == Scoring().to_dict() and ref.settings["weights"] == asdict(Weights())
    # the engine's own defaults stay the reference: the facade with the reference preset is the engine as is
    from disco.engine import build_playlist

    raw = build_playlist([0], disco.pool([0], "knn", 40), 10, arrays=disco.arrays, predictor=disco.predictor)
    assert ref.indices.tolist() == raw.indices.tolist()
    mixed = disco.build([seed], length=10, pool="knn", pool_size=40, weights=Weights(sweetness=2))
    assert mixed.settings["scoring"]["key_score"] == "camelot" and mixed.settings["weights"]["sweetness"] == 2
    with pytest.raises(ValueError, match="preset"):
        disco.build([seed], length=5, preset="club")


def test_cli_validates_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--length", "0"])
    assert ">= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--flow", "nan"])
    assert "finite" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--spicy", "0"])
    assert main(["build", "--seed", "a", "--seed", "b", "--length", "1"]) == 2
    assert "counts the seeds" in capsys.readouterr().err


def test_cli_without_model_is_one_clear_error(tmp_path, monkeypatch, capsys, tidy_csv):
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path / "nothing"))
    assert main(["build", "--seed", "x", "--data", str(tidy_csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "model_card.json" in err and "Traceback" not in err


@pytest.fixture
def trained():
    if not (models_dir() / "model_card.json").is_file():
        pytest.skip(MODEL_REASON)


@pytest.mark.real_data
@pytest.mark.slow
def test_cli_build_and_reorder_on_real_catalog(real_csv, trained, tmp_path, capsys):
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
    assert main(["build", "--seed", "qqqq zzzz xxxx", "--data", str(real_csv)]) == 2
    assert "error:" in capsys.readouterr().err


DJ_FLAGS = ["--key-score", "camelot", "--tempo-score", "dj", "--arc", "peak", "--arc-weight", "3",
            "--max-bpm-change", "6%", "--camelot-only", "--no-repeat-artist"]


def test_cli_dj_flags_round_trip_into_json_settings(disco, tmp_path, monkeypatch, capsys):
    import disco.commands.build as build_cmd
    import disco.commands.reorder as reorder_cmd

    monkeypatch.setattr(build_cmd, "load_service", lambda args: disco)
    monkeypatch.setattr(reorder_cmd, "load_service", lambda args: disco)
    out = tmp_path / "pl.json"
    assert main(["build", "--seed", disco.catalog.label(0), "--length", "8", "--format", "json", "--out", str(out)] + DJ_FLAGS) == 0
    doc = json.loads(out.read_text())
    sc = doc["settings"]["scoring"]
    assert (sc["key_score"], sc["tempo_score"], sc["arc_weight"]) == ("camelot", "dj", 3.0)
    assert sc["rules"] == {"camelot_only": True, "max_bpm_change": 6.0, "no_repeat_artist": True}
    assert sc["arc"]["name"] == "peak" and len(sc["arc"]["energy"]) == 4
    rows = doc["playlist"]
    assert len(rows) == 8 and rows[0]["arc_target"] is None and rows[4]["arc_target"] is not None
    assert all(isinstance(r["relaxed"], list) for r in rows)
    assert doc["settings"]["relaxed_moves"] == sum(bool(r["relaxed"]) for r in rows)
    # defaults: the DJ preset; --preset reference is the spec's algorithm; flags override the preset
    base = ["build", "--seed", disco.catalog.label(0), "--length", "5", "--format", "json", "--out", str(out)]
    dj_w, dj_sc = preset("dj")
    assert main(base) == 0
    st = json.loads(out.read_text())["settings"]
    assert st["preset"] == "dj" and st["scoring"] == dj_sc.to_dict() and st["weights"] == asdict(dj_w)
    assert main(base + ["--preset", "reference"]) == 0
    st = json.loads(out.read_text())["settings"]
    assert st["preset"] == "reference" and st["scoring"] == Scoring().to_dict() and st["weights"] == asdict(Weights())
    assert main(base + ["--sweetness", "2", "--tempo-score", "reference"]) == 0
    st = json.loads(out.read_text())["settings"]
    assert st["weights"] == {**asdict(dj_w), "sweetness": 2.0}
    assert (st["scoring"]["key_score"], st["scoring"]["tempo_score"]) == ("camelot", "reference")
    assert main(base + ["--preset", "reference", "--smoothness", "0.5"]) == 0
    st = json.loads(out.read_text())["settings"]
    assert st["weights"] == {**asdict(Weights()), "smoothness": 0.5} and st["scoring"]["key_score"] == "reference"
    # reorder takes the same flags; a custom arc file is recorded as given
    arc = tmp_path / "arc.json"
    arc.write_text('{"energy": [[0, 0.3], [0.5, 0.9], [1, 0.4]]}')
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(disco.catalog.songs.track_id.iloc[[5, 6, 7, 8, 9]]) + "\n")
    assert main(["reorder", str(ids), "--format", "json", "--out", str(out), "--arc", str(arc),
                 "--key-score", "camelot", "--camelot-only"]) == 0
    st = json.loads(out.read_text())["settings"]
    sc = st["scoring"]
    assert sc["arc"]["energy"] == [[0.0, 0.3], [0.5, 0.9], [1.0, 0.4]] and sc["rules"]["camelot_only"]
    assert st["preset"] == "dj" and st["weights"] == asdict(dj_w)
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
    assert ">= 0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["build", "--seed", "x", "--key-score", "circle"])
    assert "invalid choice" in capsys.readouterr().err
