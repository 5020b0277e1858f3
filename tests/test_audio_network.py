"""Songs with only the features DISCO's audio analysis measures: the audio network, and the rank mapping that
puts DISCO's measures on the scale it was trained on."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from disco.audio import analysis
from disco.cli.main import main
from disco.data.catalog import Catalog, load_catalog
from disco.data.schema import ABSTRACT_FEATURES
from disco.model.baselines import NoNetwork
from disco.model.bundle import AUDIO_FEATURES, FlowModel, NetworkVariant
from disco.model.features import FeatureSpace
from disco.model.scale import QuantileScale, measured_by_disco, plotting_positions
from disco.model.stepper import RNNStepper
from support import songgen

# librosa compiles its kernels on first use: one worker runs every test that calls it
pytestmark = pytest.mark.xdist_group("audio")

UNMEASURED = tuple(f for f in ABSTRACT_FEATURES if f not in AUDIO_FEATURES)


# -- made-up songs and a made-up model ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def catalog_songs() -> pd.DataFrame:
    """Songs with every feature, measured by Spotify (``measured_by`` "")."""
    return Catalog.from_frame(songgen.tidy_frame(n_songs=300, n_playlists=12, seed=3)).songs


def scanned(songs: pd.DataFrame) -> pd.DataFrame:
    """The same songs as DISCO's scan would give them: the five unmeasured features missing, ``measured_by``
    set, danceability/energy/loudness on another (monotone) scale."""
    out = songs.copy()
    out[list(UNMEASURED)] = np.nan
    out["measured_by"] = analysis.MEASURED_BY
    out["loudness"] = 0.6 * out["loudness"] - 8.0
    out["energy"] = out["energy"] ** 2
    return out


def _stepper(n_features: int, seed: int) -> RNNStepper:
    rng = np.random.default_rng(seed)
    units = 4
    meta = {"name": f"net{n_features}", "input_dim": 1 + n_features, "output_dim": n_features, "residual": False,
            "layers": [{"type": "simple_rnn", "units": units, "activation": "tanh"}]}
    weights = {"layer0_kernel": rng.normal(0, 0.3, (1 + n_features, units)),
               "layer0_recurrent_kernel": rng.normal(0, 0.3, (units, units)),
               "layer0_bias": rng.normal(0, 0.1, units), "dense_kernel": rng.normal(0, 0.3, (units, n_features)),
               "dense_bias": rng.normal(0, 0.1, n_features)}
    return RNNStepper(meta, weights)


@pytest.fixture(scope="module")
def model(catalog_songs) -> FlowModel:
    audio = NetworkVariant("audio_gru", FeatureSpace(AUDIO_FEATURES).fit(catalog_songs), _stepper(3, 1),
                           QuantileScale(AUDIO_FEATURES).fit(catalog_songs))
    return FlowModel(features=FeatureSpace().fit(catalog_songs), stepper=_stepper(8, 0), name="gru",
                     variants=[audio])


# -- which network ----------------------------------------------------------------------------------------
def test_prepare_picks_full_audio_or_no_network(model, catalog_songs):
    arrays, predictor, status = model.prepare(catalog_songs)
    assert status.network == "gru" and status.features == ABSTRACT_FEATURES and not status.missing
    assert predictor is model.stepper and arrays.z.shape == (len(catalog_songs), 8)

    library = scanned(catalog_songs.head(40))
    arrays, predictor, status = model.prepare(library)
    assert status.network == "audio_gru" and status.features == AUDIO_FEATURES
    assert predictor is model.variants[0].stepper and arrays.z.shape == (40, 3) and arrays.pca.shape == (40, 3)
    assert status.missing == {f: 40 for f in UNMEASURED} and status.mapped == 40
    assert status.describe().startswith("flow network audio_gru on danceability, energy, loudness")

    mixed = pd.concat([catalog_songs.head(30), library], ignore_index=True)  # catalog songs + scanned files
    arrays, _, status = model.prepare(mixed)
    assert status.network == "audio_gru" and status.mapped == 40 and arrays.z.shape == (70, 3)
    assert status.missing == {f: 40 for f in UNMEASURED}

    dj = catalog_songs.head(20).copy()
    dj[list(ABSTRACT_FEATURES)] = np.nan  # a DJ library: tempo and key only
    arrays, predictor, status = model.prepare(dj)
    assert status.network is None and isinstance(predictor, NoNetwork) and arrays.z.shape == (20, 0)
    assert status.describe().startswith("flow network off")

    one_gap = library.copy()
    one_gap.loc[3, "energy"] = np.nan  # one scanned song without energy: no network has all its features
    assert model.prepare(one_gap)[2].network is None


# -- the rank mapping -------------------------------------------------------------------------------------
def test_rank_mapping_is_monotone_and_maps_median_to_catalog_median(catalog_songs):
    scale = QuantileScale(AUDIO_FEATURES).fit(catalog_songs)
    unique = np.unique(catalog_songs[list(AUDIO_FEATURES)].to_numpy(np.float64), axis=0)
    rng = np.random.default_rng(0)
    quiet = np.column_stack([rng.uniform(0.3, 0.4, 51), rng.uniform(0.1, 0.2, 51), rng.uniform(-30, -25, 51)])
    mapped = scale.map_values(quiet)
    for j, feature in enumerate(AUDIO_FEATURES):
        order = np.argsort(quiet[:, j])
        assert np.all(np.diff(mapped[order, j]) >= 0), feature  # a louder song stays louder
        median_song = order[25]  # 51 songs: the 26th is the median
        assert mapped[median_song, j] == pytest.approx(np.median(unique[:, j]), abs=1e-12)
    # the cost: a library of quiet songs is stretched over the catalog's whole loudness range
    assert mapped[:, 2].min() < np.quantile(unique[:, 2], 0.02) and mapped[:, 2].max() > np.quantile(unique[:, 2], 0.98)
    # (average rank - 0.5) / n over the 3 known values; ties share a rank
    assert plotting_positions(np.array([5.0, np.nan, 1.0, 5.0])) == pytest.approx([2 / 3, np.nan, 1 / 6, 2 / 3],
                                                                                  nan_ok=True)
    assert scale.map_values(quiet[:1])[0] == pytest.approx(np.median(unique, axis=0))  # one song: the median


def test_rank_mapping_leaves_spotify_songs_untouched(model, catalog_songs, tmp_path):
    library = scanned(catalog_songs.iloc[100:141])
    mixed = pd.concat([catalog_songs.head(30), library], ignore_index=True)
    scale = model.variants[0].scale
    frame, count = scale.apply(mixed)
    assert count == 41 and measured_by_disco(mixed).tolist() == [False] * 30 + [True] * 41
    pd.testing.assert_frame_equal(frame.head(30), mixed.head(30), check_dtype=False)
    assert np.array_equal(mixed["loudness"].iloc[30:], library["loudness"])  # the input frame is not changed
    # the mapping undoes the monotone distortion up to the library's own distribution: same order as the truth
    for feature in AUDIO_FEATURES:
        truth = catalog_songs[feature].iloc[100:141].to_numpy()
        assert (np.argsort(frame[feature].iloc[30:].to_numpy(), kind="stable")
                == np.argsort(truth, kind="stable")).all()
    arrays = model.prepare(mixed)[0]
    np.testing.assert_allclose(arrays.z[:30], model.variants[0].features.transform(mixed.head(30)), atol=1e-6)
    assert np.all((arrays.energy >= 0) & (arrays.energy <= 1))  # the arc reads mapped energy, still 0..1

    path = scale.save(tmp_path / "q.npz")
    again = QuantileScale.load(path)
    assert again.features == AUDIO_FEATURES and np.array_equal(again.quantiles_, scale.quantiles_)


# -- the scan's output and the committed audio network, end to end --------------------------------------------
def scanned_song_file(path, n: int = 24, seed: int = 5) -> pd.DataFrame:
    """A song file with the columns `disco library scan` writes (features from songgen, the five unmeasured
    ones empty, ``measured_by`` DISCO's analysis)."""
    rng = np.random.default_rng(seed)
    feats = songgen.song_features(rng, n)
    rows = []
    for i in range(n):
        audio = f"/music/Artist {i % 7}/Song {i}.mp3"
        rows.append({c: np.nan for c in analysis.ROW_COLUMNS} | {
            "track_id": analysis.track_id_for(audio), "track_name": f"Song {i}", "artist": f"Artist {i % 7}",
            "album": "", "genre": "", "subgenre": "", "duration_ms": float(feats["duration_ms"][i]),
            "danceability": round(float(feats["danceability"][i]), 3), "energy": round(float(feats["energy"][i]), 3),
            "loudness": round(float(feats["loudness"][i]) - 4.0, 2), "key": int(feats["key"][i]),
            "mode": int(feats["mode"][i]), "tempo": round(float(feats["tempo"][i]), 1), "path": audio,
            "measured_by": analysis.MEASURED_BY, "tempo_alternative": round(float(feats["tempo"][i]) / 2, 1),
            "key_confidence": 0.7})
    frame = pd.DataFrame(rows, columns=list(analysis.ROW_COLUMNS))
    frame.to_csv(path, index=False)
    return frame


def test_scan_rows_say_disco_measured_them(tmp_path):
    frame = scanned_song_file(tmp_path / "songs.csv")
    assert "measured_by" in analysis.ROW_COLUMNS
    cat = load_catalog(tmp_path / "songs.csv", cache=False)
    assert (cat.songs["measured_by"] == analysis.MEASURED_BY).all() and len(cat.songs) == len(frame)
    assert measured_by_disco(cat.songs).all()


def test_scan_table_keeps_measured_by():
    from disco.audio.scan import _typed

    row = {c: np.nan for c in analysis.ROW_COLUMNS} | {"track_id": "file:0", "key": 0, "mode": 1,
                                                         "measured_by": analysis.MEASURED_BY}
    table = _typed(pd.DataFrame([row], columns=list(analysis.ROW_COLUMNS)))
    assert table["measured_by"].tolist() == [analysis.MEASURED_BY]


def _moves(path) -> list[dict]:
    doc = json.loads(path.read_text())
    return doc, [row for row in doc["playlist"] if row["distance"] is not None]


def test_scanned_file_builds_reorders_and_scores_with_the_audio_network(audio_model, tmp_path, capsys):
    songs = tmp_path / "scanned.csv"
    frame = scanned_song_file(songs)
    variant = next(v for v in audio_model.variants if v.features.features == AUDIO_FEATURES)
    for command in (["reorder", str(songs)], ["score", str(songs)],
                    ["build", "--data", str(songs), "--seed", "Artist 0 - Song 0", "--length", "10"]):
        out = tmp_path / f"{command[0]}.json"
        assert main(command + ["--format", "json", "--out", str(out)]) == 0, capsys.readouterr().err
        doc, moves = _moves(out)
        assert doc["info"]["network"] == variant.name, command[0]
        assert "danceability, energy, loudness" in doc["info"]["flow"] and "rank-mapped" in doc["info"]["flow"]
        assert moves and all(m["distance"] > 0 for m in moves), command[0]  # the network's term is on
        # the output shows the songs as DISCO measured them, not the mapped values
        shown = {r["track_id"]: r["loudness"] for r in doc["playlist"]}
        assert all(shown[t] == pytest.approx(v) for t, v in zip(frame["track_id"], frame["loudness"]) if t in shown)
    assert len(_moves(tmp_path / "reorder.json")[1]) == len(frame) - 1


def test_train_audio_needs_the_main_card(tidy_csv, tmp_path, capsys):
    assert main(["train", "--data", str(tidy_csv), "--features", "audio", "--out", str(tmp_path), "--quiet"]) == 2
    assert "train the main network first" in capsys.readouterr().err


# -- Keras ---------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_committed_audio_network_matches_keras(audio_model):
    pytest.importorskip("keras")
    from disco.model.network import load_keras, predict
    from disco.model.windows import make_windows, window_tensors

    variant = next(v for v in audio_model.variants if v.features.features == AUDIO_FEATURES)
    entry = next(v for v in audio_model.card["variants"] if v["name"] == variant.name)
    assert all(c["stepper_max_abs_diff"] < 1e-5 for c in entry["candidates"])
    assert entry["test"]["mae"]["network"] < entry["test"]["mae"]["playlist_mean"]
    songs = Catalog.from_frame(songgen.tidy_frame(n_songs=200, n_playlists=6, seed=9))
    windows = make_windows({p: songs.index_of(t) for p, t in songs.playlists.items()})
    X, _, mask = window_tensors(windows, variant.features.song_arrays(songs.songs).x)
    assert X.shape[-1] == 4
    keras_y = predict(load_keras(audio_model.models_dir / f"{entry['chosen']}.keras"), X)
    np.testing.assert_allclose(variant.stepper.run_batch(X, mask)[mask], keras_y[mask], atol=1e-5, rtol=1e-5)


@pytest.mark.slow
def test_train_variant_adds_to_the_card_and_keeps_the_main_network(tmp_path):
    pytest.importorskip("keras")
    from disco.model.training import train, train_variant

    catalog = Catalog.from_frame(songgen.tidy_frame(n_playlists=30, seed=2))
    card = train(catalog, tmp_path, candidates=["gru"], epochs=1, progress=False)
    main_files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "model_card.json"}
    entry = train_variant(catalog, tmp_path, candidates=["gru"], epochs=1, progress=False)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in main_files} == main_files
    on_disk = json.loads((tmp_path / "model_card.json").read_text())
    assert {k: v for k, v in on_disk.items() if k != "variants"} == json.loads(json.dumps(card))
    assert on_disk["variants"] == [json.loads(json.dumps(entry))]
    assert entry["name"] == "audio_gru" and entry["features"] == list(AUDIO_FEATURES)
    assert entry["split"]["test"]["transitions"] == card["split"]["test"]["transitions"]  # the same test playlists
    assert set(entry["mapping_cost"]) >= {"true", "mapped_as_one_library", "mapped_per_playlist", "distorted_unmapped"}
    assert entry["mapping_cost"]["true"]["network"] == pytest.approx(entry["test"]["mae"]["network"], abs=1e-5)
    model = FlowModel.load(tmp_path)
    assert [v.name for v in model.variants] == ["audio_gru"] and model.variants[0].scale is not None
    # retraining the main network on the same data and seed keeps the variant
    assert [v["name"] for v in train(catalog, tmp_path, candidates=["gru"], epochs=1, progress=False)["variants"]] \
        == ["audio_gru"]


@pytest.mark.slow
@pytest.mark.real_data
def test_committed_audio_network_reproduces_its_card_on_real_test_playlists(audio_model, real_csv):
    pytest.importorskip("keras")
    from disco.model.network import load_keras, predict
    from disco.model.windows import baseline_maes, make_windows, window_tensors

    catalog = load_catalog(real_csv)
    card = audio_model.card
    if card["data_sha256"] != catalog.sha256:
        pytest.skip("the models folder was trained on another data file")
    entry = next(v for v in card["variants"] if v["features"] == list(AUDIO_FEATURES))
    variant = next(v for v in audio_model.variants if v.name == entry["name"])
    test_ids = card["split_playlists"]["test"]
    playlists = {p: catalog.index_of(catalog.playlists[p]) for p in test_ids}
    X, Y, mask = window_tensors(make_windows(playlists), variant.features.song_arrays(catalog.songs).x)
    assert mask.sum() == entry["split"]["test"]["transitions"]
    steps = variant.stepper.run_batch(X, mask)
    assert float(np.abs(steps - Y)[mask].mean()) == pytest.approx(entry["test"]["mae"]["network"], abs=1e-5)
    last = baseline_maes(X, Y, mask, np.zeros(3))["last_song"]
    assert last == pytest.approx(entry["test"]["mae"]["last_song"], abs=1e-5)
    few = slice(0, 12)  # Keras on a few test windows
    keras_y = predict(load_keras(audio_model.models_dir / f"{entry['chosen']}.keras"), X[few])
    np.testing.assert_allclose(steps[few][mask[few]], keras_y[mask[few]], atol=1e-5, rtol=1e-5)
