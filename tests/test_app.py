"""The dashboard, page by page, through ``streamlit.testing.v1.AppTest`` (no browser).

Real-data tests need the real catalog (``real_csv``) and the committed models; the first-start test
needs neither, the settings-record tests run on made-up songs. Figures are read back from the Plotly JSON
Streamlit would send to the browser.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from disco import config
from disco.data.catalog import load_catalog
from disco.engine.settings import EngineSettings
from disco.theory.keys import camelot_code, camelot_compatible, key_score
from support.app import APP, ROOT, TIMEOUT, app_test, assert_clean, page, plain, table

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

KEY_TERM = "key term (-1..1)"

def _decode(obj):
    # Plotly ships numeric arrays as {"dtype": "f8", "bdata": base64[, "shape": "r, c"]}.
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                arr = arr.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return arr
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def figures(at) -> list:
    """The page's ``st.plotly_chart`` figures (as ``go.Figure``, arrays decoded), in page order."""
    return [go.Figure(_decode(json.loads(el.proto.spec))) for el in at.get("plotly_chart")]


def panels(at) -> list[dict]:
    """The figures of each figure panel of the page, by tab title, as ``go.Figure``, in page order."""
    found = [el for el in at.get("component_instance") if el.proto.component_name.endswith("figure_panel")]
    return [{f["title"]: go.Figure(_decode(json.loads(f["spec"]))) for f in json.loads(el.proto.json_args)["figures"]}
            for el in found]


def panel(at, index: int | None = None) -> dict:
    """The figures of the playlist's panel (the one with the 3D view; or the ``index``-th panel)."""
    every = panels(at)
    return every[index] if index is not None else next(p for p in every if "Flow in 3D" in p)


def seeds_of(at) -> list[int]:
    """The session's seed songs (the settings record's)."""
    return list(at.session_state["disco_settings"].seeds or ())


def trace(fig, name: str):
    found = [t for t in fig.data if (t.name or "") == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def trajectory(at):
    return panel(at)["Flow in 3D"]


def songs_table(at):
    """The playlist's table (on Reorder, after the comparison's score table)."""
    return next(el.value for el in at.dataframe if {"title", "key"} <= set(el.value.columns))


# -- first start: no data ---------------------------------------------------------------------------------
def test_first_start_without_data_explains_and_offers_fetch_and_upload(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "empty"))
    at = app_test().run()
    assert_clean(at)
    info = " ".join(i.value for i in at.info)
    assert "fetch" in info and "upload" in info
    assert [b.label for b in at.button] == ["Fetch the TidyTuesday songs"]
    assert len(at.get("file_uploader")) == 1
    assert not at.dataframe and not at.get("plotly_chart") and not at.get("component_instance")
    at.switch_page(page("data")).run()
    assert_clean(at)
    assert "No song catalog" in " ".join(i.value for i in at.info)
    at.switch_page(page("reorder")).run()
    assert_clean(at)
    assert "fetch" in " ".join(i.value for i in at.info)


# -- Build ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_build_opens_on_a_playlist_from_the_most_popular_song(real_csv, models):
    at = app_test().run()
    assert_clean(at)
    frame = table(at)
    length = at.sidebar.slider(key="length").value
    assert len(frame) == length
    assert list(frame["#"]) == list(range(1, length + 1))
    assert table(at, 1)["seed"].tolist() == [True] + [False] * (length - 1)
    songs = load_catalog(real_csv).songs
    top = int(np.nanargmax(songs["popularity"].to_numpy(dtype=float)))  # the default seed
    assert (frame["artist"].iat[0], frame["title"].iat[0]) == (songs["artist"].iat[top], songs["track_name"].iat[top])
    fig = trajectory(at)
    line = trace(fig, "playlist")
    assert len(line.x) == len(line.y) == len(line.z) == length  # one point per song
    assert len(trace(fig, "seeds").x) == 1
    assert frame["title"].iat[0] in line.text[0]
    views = panel(at)
    assert list(views) == ["Flow in 3D", "Key wheel", "Key strip", "Tempo", "Flow over the set", "Loss terms"]
    for tab, expected in (("Key wheel", {"compatible move", "clash", "songs", "wheel"}),
                          ("Key strip", {"compatible move", "clash", "songs"}),
                          ("Tempo", {"folded BPM", "tempo change"}),
                          ("Flow over the set", {"energy", "danceability", "valence"}),
                          ("Loss terms", {"flow x distance"})):
        assert expected <= {t.name.split(" (")[0] for t in views[tab].data}
    assert len(trace(views["Tempo"], "folded BPM").x) == length
    assert len(trace(views["Flow over the set"], "energy").x) == length
    assert all(title.text.startswith("PC") for title in (views["Flow in 3D"].layout.scene.xaxis.title,
                                                          views["Flow in 3D"].layout.scene.zaxis.title))
    assert [d.label for d in at.get("download_button")] == ["Download CSV", "Download JSON", "Download M3U8"]


@pytest.mark.slow
def test_build_reacts_to_seeds_and_sliders(real_csv, models):
    at = app_test().run()
    default_seed = seeds_of(at)
    assert default_seed == []  # the most popular song is shown, not stored: the first pick replaces it
    at.sidebar.slider(key="length").set_value(8).run()
    at.text_input(key="seed_query").input("bohemian rhapsody").run()
    assert_clean(at)
    match = at.selectbox(key="seed_match")
    assert "for “bohemian rhapsody”" in match.label
    assert all(" - " in o and " · " in o for o in match.options)  # "artist - title · album (year)"
    queen = next(i for i, o in enumerate(match.options) if o.startswith("Queen - Bohemian Rhapsody"))
    catalog = load_catalog(real_csv)
    hits = catalog.search("bohemian rhapsody", limit=25)
    match.set_value(int(hits["index"].iat[queen])).run()
    assert_clean(at)
    seeds = seeds_of(at)
    assert len(seeds) == 1  # the first pick replaces the most popular song
    frame = table(at)
    assert len(frame) == 8
    assert table(at, 1)["seed"].tolist() == [True] + [False] * 7
    assert "Queen" in frame["artist"].iat[0] and "Bohemian" in frame["title"].iat[0]
    assert len(trace(trajectory(at), "playlist").x) == 8
    assert len(trace(trajectory(at), "seeds").x) == 1
    at.text_input(key="seed_query").input("one more time daft punk").run()
    match = at.selectbox(key="seed_match")
    daft = next(i for i, o in enumerate(match.options) if o.startswith("Daft Punk - One More Time"))
    match.set_value(int(catalog.search("one more time daft punk", limit=25)["index"].iat[daft])).run()
    assert_clean(at)
    seeds = seeds_of(at)
    assert len(seeds) == 2 and "Daft Punk" in table(at)["artist"].iat[1]
    frame = table(at)
    before = frame["title"].tolist()
    # a big key weight and beam search: still 8 songs, seeds first, and the key scores move up
    at.sidebar.slider(key="w_sweetness").set_value(3.0)
    at.sidebar.radio(key="search").set_value("beam").run()
    at.sidebar.slider(key="beam_width").set_value(4).run()
    assert_clean(at)
    frame = table(at)
    assert len(frame) == 8 and frame["title"].tolist()[:2] == before[:2]
    assert table(at, 1)[KEY_TERM].iloc[2:].mean() >= 0.6
    # removing the first seed promotes the second one
    at.button(key=f"remove_seed_{seeds[0]}").click().run()
    assert_clean(at)
    assert seeds_of(at) == [seeds[1]]
    assert table(at, 1)["seed"].sum() == 1


def _keys_of(frame) -> np.ndarray:
    """(key, mode) of each table row, from its Camelot code ((-1, 1) without one)."""
    code_of = {camelot_code(k, m): (k, m) for k in range(12) for m in (0, 1)}
    return np.array([code_of.get(c, (-1, 1)) for c in frame["key"]])


def _key_scores_of(frame, score: str) -> np.ndarray:
    """The key scores the table's songs get under ``score``, from their Camelot codes (moves into rows 1..)."""
    km = _keys_of(frame)
    return key_score(km[:-1, 0], km[:-1, 1], km[1:, 0], km[1:, 1], score=score)


@pytest.mark.slow
def test_build_opens_on_the_dj_preset_and_switches_to_the_reference(real_csv, models):
    at = app_test().run()
    assert_clean(at)
    dj = EngineSettings()
    assert at.sidebar.selectbox(key="preset").value == "dj"
    assert at.sidebar.slider(key="w_sweetness").value == pytest.approx(dj.sweetness)
    assert at.sidebar.slider(key="w_smoothness").value == pytest.approx(dj.smoothness)
    assert (at.sidebar.selectbox(key="key_score").value, at.sidebar.selectbox(key="tempo_score").value) == \
        ("camelot", "dj")
    frame = table(at)
    # the loss table's key scores are the graded Camelot ones of the playlist's own moves
    assert np.allclose(table(at, 1)[KEY_TERM].iloc[1:].to_numpy(float), _key_scores_of(frame, "camelot"))
    assert all(r == "" or r.startswith("⚠") for r in frame["relaxed"])
    at.sidebar.selectbox(key="preset").set_value("reference").run()
    assert_clean(at)
    assert at.sidebar.slider(key="w_sweetness").value == 1.0 and at.sidebar.slider(key="w_smoothness").value == 1.0
    assert (at.sidebar.selectbox(key="key_score").value, at.sidebar.selectbox(key="tempo_score").value) == \
        ("reference", "reference")
    ref = table(at)
    assert np.allclose(table(at, 1)[KEY_TERM].iloc[1:].to_numpy(float), _key_scores_of(ref, "reference"))
    # an explicit change after picking a preset sticks, and the box says so
    at.sidebar.selectbox(key="key_score").set_value("camelot").run()
    assert at.sidebar.selectbox(key="preset").value == "custom"
    assert at.sidebar.slider(key="w_sweetness").value == 1.0
    assert np.allclose(table(at, 1)[KEY_TERM].iloc[1:].to_numpy(float), _key_scores_of(table(at), "camelot"))


@pytest.mark.slow
def test_peak_arc_shows_its_target_and_rules_mark_relaxed_moves(real_csv, models):
    at = app_test().run()
    at.sidebar.slider(key="length").set_value(12)
    at.sidebar.selectbox(key="arc").set_value("peak").run()
    at.sidebar.slider(key="arc_weight").set_value(5.0).run()
    assert_clean(at)
    energy_fig = panel(at)["Flow over the set"]
    target = trace(energy_fig, "target energy")
    achieved = trace(energy_fig, "energy")
    assert len(target.x) == len(target.y) == len(achieved.y) == 12  # one point per song
    y = np.asarray(target.y, dtype=float)
    assert np.isnan(y[0]) and np.isfinite(y[1:]).all()  # the seed was not chosen: no target
    assert y[5] > y[1] and y[5] > y[-1]  # warm-up, peak, cool-down
    e = np.asarray(achieved.y, dtype=float)[1:]
    assert e[3:8].mean() > min(e[:3].mean(), e[-3:].mean())
    # a custom arc from the editor's points
    at.sidebar.selectbox(key="arc").set_value("custom").run()
    assert_clean(at)
    y = np.asarray(trace(panel(at)["Flow over the set"], "target energy").y, dtype=float)
    assert len(y) == 12 and y[5] > y[1]
    # strict rules: every move Camelot-compatible and within 2% tempo, or marked as relaxed
    at.sidebar.selectbox(key="arc").set_value("none")
    at.sidebar.checkbox(key="rule_camelot").check()
    at.sidebar.checkbox(key="rule_bpm_on").check().run()
    at.sidebar.slider(key="rule_bpm").set_value(1.0).run()
    assert_clean(at)
    assert not trace_names(panel(at)["Flow over the set"]) & {"target energy"}
    frame = table(at)
    km = _keys_of(frame)
    ok = camelot_compatible(km[:-1, 0], km[:-1, 1], km[1:, 0], km[1:, 1])
    relaxed = frame["relaxed"].iloc[1:].to_numpy()
    assert all(r.startswith("⚠") for r in relaxed[~ok])  # every clash is marked
    assert all("key" in r for r in relaxed[~ok])


def trace_names(fig) -> set:
    return {t.name for t in fig.data}


# -- one settings record for every page ------------------------------------------------------------------
@pytest.fixture
def made_up_songs(tmp_path, monkeypatch):
    """A made-up catalog as the default data set (fast to load)."""
    from support import songgen

    folder = tmp_path / "data"
    folder.mkdir()
    frame = songgen.write_tidy_csv(folder / "spotify_songs.csv")
    monkeypatch.setenv("DISCO_DATA_DIR", str(folder))
    return frame


def sidebar_values(at) -> dict:
    """Every settings widget of the sidebar by key."""
    widgets = [*at.sidebar.slider, *at.sidebar.selectbox, *at.sidebar.radio, *at.sidebar.checkbox]
    return {w.key: w.value for w in widgets}


def loss_before_after(at) -> tuple[float, float]:
    """The Reorder page's total loss of the given order and of the reordered songs."""
    metric = at.metric[0]
    assert metric.label == "total loss (lower is better)"
    return float(metric.proto.delta_description.removeprefix("was ")), float(metric.value)


@pytest.mark.slow
def test_settings_survive_switching_pages(made_up_songs, models):
    at = app_test().run()
    assert_clean(at)
    at.sidebar.slider(key="w_sweetness").set_value(2.0).run()
    at.sidebar.radio(key="search").set_value("greedy").run()
    assert_clean(at)
    on_build = sidebar_values(at)
    assert on_build["preset"] == "custom" and on_build["w_sweetness"] == 2.0 and on_build["search"] == "greedy"
    playlist = table(at)["title"].tolist()

    at.switch_page(page("reorder")).run()
    assert_clean(at)
    on_reorder = sidebar_values(at)
    assert on_reorder == {k: v for k, v in on_build.items() if k in on_reorder}
    assert {"w_flow", "w_spicy", "w_sweetness", "w_smoothness", "preset", "search"} <= set(on_reorder)
    # the reorder runs with those settings: a shuffled playlist gets a lower loss (all-zero weights give +0)
    songs = made_up_songs.drop_duplicates("track_id")
    ids = songs[songs["playlist_id"] == songs["playlist_id"].iat[0]]["track_id"].tolist()[:10]
    shuffled = [ids[i] for i in np.random.default_rng(0).permutation(len(ids))]
    at.text_area(key="reorder_ids").input("\n".join(shuffled)).run()
    assert_clean(at)
    before, after = loss_before_after(at)
    assert after < before - 1e-6

    at.switch_page(page("build")).run()
    assert_clean(at)
    assert sidebar_values(at) == on_build
    assert table(at)["title"].tolist() == playlist


@pytest.mark.slow
def test_the_preset_box_shows_what_the_sliders_hold(made_up_songs, models):
    at = app_test().run()
    assert_clean(at)

    def box() -> str:
        return at.sidebar.selectbox(key="preset").value

    assert box() == "dj"
    at.sidebar.selectbox(key="preset").set_value("reference").run()
    assert_clean(at)
    ref = EngineSettings.from_preset("reference")
    values = sidebar_values(at)
    assert box() == "reference"
    assert (values["w_flow"], values["w_spicy"], values["w_sweetness"], values["w_smoothness"]) == \
        pytest.approx((ref.flow, ref.spicy, ref.sweetness, ref.smoothness))
    assert (values["key_score"], values["tempo_score"], values["search"]) == \
        (ref.key_score, ref.tempo_score, ref.search)
    at.sidebar.slider(key="w_flow").set_value(1.5).run()
    assert box() == "custom"
    assert at.sidebar.slider(key="w_sweetness").value == ref.sweetness  # the other values stay
    at.sidebar.slider(key="w_flow").set_value(ref.flow).run()
    assert box() == "reference"  # the preset's values again
    at.sidebar.selectbox(key="preset").set_value("dj").run()
    assert box() == "dj"
    assert at.sidebar.slider(key="w_sweetness").value == pytest.approx(EngineSettings().sweetness)
    assert at.sidebar.radio(key="search").value == EngineSettings().search


def test_only_the_dashboard_imports_streamlit():
    package = ROOT / "disco"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if package / "app" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"Streamlit imported outside disco/app: {offenders}"


@pytest.mark.slow
def test_build_page_does_not_import_tensorflow(real_csv, models):
    script = textwrap.dedent(f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({APP!r}, default_timeout={TIMEOUT}).run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(at.dataframe) >= 1, "no playlist shown"
        print("TF" if any(m == "tensorflow" or m.startswith("tensorflow.") or m == "keras" for m in sys.modules)
              else "NO_TF")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ}, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "NO_TF"


# -- Reorder --------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_reorder_pasted_ids_keeps_the_songs_and_reports_before_after(real_csv, models):
    catalog = load_catalog(real_csv)
    first_playlist = next(iter(catalog.playlists.values()))[:10]
    pasted = "\n".join(["spotify:track:" + first_playlist[0]] + first_playlist[1:] + ["NOT_A_TRACK_ID"])
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    at.text_area(key="reorder_ids").input(pasted).run()
    assert_clean(at)
    assert "NOT_A_TRACK_ID" in plain(at.warning[0].value)
    frame = songs_table(at)
    assert len(frame) == 10
    expected = {(catalog.songs["artist"].iat[i], catalog.songs["track_name"].iat[i])
                for i in catalog.index_of(first_playlist)}
    assert set(zip(frame["artist"], frame["title"])) == expected
    first = catalog.index_of(first_playlist[0])[0]
    assert frame["title"].iat[0] == catalog.songs["track_name"].iat[first]  # kept first
    labels = [m.label for m in at.metric]
    assert labels == ["total loss (lower is better)", "Camelot-compatible moves", "tempo moves within 6%"]
    before, after = loss_before_after(at)
    assert after <= before + 1e-6
    assert len(trace(trajectory(at), "playlist").x) == 10


@pytest.mark.slow
def test_reorder_a_100_song_playlist_with_the_reference_preset(real_csv, models):
    # long playlists must not hang the page (local search is windowed); the preset applies to reorder too
    catalog = load_catalog(real_csv)
    ids = list(dict.fromkeys(catalog.songs["track_id"].iloc[::250]))[:100]
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    at.sidebar.selectbox(key="preset").set_value("reference").run()
    at.text_area(key="reorder_ids").input("\n".join(ids)).run()
    assert_clean(at)
    frame = songs_table(at)
    assert len(frame) == 100 and set(frame["title"]) == set(catalog.songs["track_name"].iloc[catalog.index_of(ids)])
    assert at.sidebar.slider(key="w_sweetness").value == 1.0
    before, after = loss_before_after(at)
    assert after < before


@pytest.mark.slow
def test_reorder_an_uploaded_song_table_with_its_own_features(real_csv, models, tmp_path):
    from support import songgen

    path = tmp_path / "my_list.csv"
    frame = songgen.write_tidy_csv(path, n_songs=14, n_playlists=1, min_len=9, max_len=9, seed=3)
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    at.radio(key="reorder_input").set_value("Upload a song file").run()
    at.get("file_uploader")[0].upload("my_list.csv", path.read_bytes(), "text/csv")
    at.run()
    assert_clean(at)
    shown = songs_table(at)
    assert len(shown) == frame["track_id"].nunique() == 9  # made-up songs: not in the catalog, still reordered
    assert set(shown["title"]) == set(frame["track_name"])
    assert shown["title"].iat[0] == frame["track_name"].iat[0]
    assert len(trace(trajectory(at), "playlist").x) == 9


@pytest.mark.slow
def test_reorder_rejects_junk_with_a_message(models, tmp_path, monkeypatch):
    at = app_test().run()
    if not at.dataframe:  # no real data: the first-start screen (tested above)
        pytest.skip("needs a loaded catalog")
    at.switch_page(page("reorder")).run()
    at.text_area(key="reorder_ids").input("hello world, 0000000000000000000000").run()
    assert not at.exception
    assert "not a Spotify track id" in plain(at.warning[0].value)
    assert at.error and "0000000000000000000000" in at.error[0].value  # names the id that matched nothing


# -- Model ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_model_page_shows_the_card(models):
    at = app_test().run()
    at.switch_page(page("model")).run()
    assert_clean(at)
    card = json.loads((config.models_dir() / "model_card.json").read_text())
    mae_table = at.table[0].value
    n_candidates = len(card.get("candidates", []))
    n_baselines = len([k for k in card["test"]["mae"] if k != "network"])
    assert len(mae_table) == n_candidates + n_baselines
    assert mae_table["test MAE"].is_monotonic_increasing
    assert any(m.label == "test MAD" for m in at.metric)
    figs = figures(at)
    bars = next(f for f in figs if f.data and f.data[0].name == "test MAE")
    assert len(bars.data[0].x) == len(mae_table)
    heatmaps = [np.array(f.data[0].z) for f in figs if f.data and f.data[0].type == "heatmap"]
    assert [h.shape for h in heatmaps] == [(24, 24), (12, 12)]  # the DJ preset's Camelot score first
    curves = [f for f in figs if any(t.name == "DJ kernel" for t in f.data)]
    assert [[t.name for t in c.data] for c in curves] == [["DJ kernel"], ["reference", "DJ kernel"]]  # DJ first
    text = " ".join(m.value for m in at.markdown)
    assert text.index("DJ preset") < text.index("reference preset")
    assert f"sweetness ({EngineSettings().sweetness:g})" in text


# -- Data -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_data_page_reports_the_real_catalog(real_csv, models):
    at = app_test().run()
    at.switch_page(page("data")).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["rows read"] == "32,833"
    report = load_catalog(real_csv).report
    assert metrics["songs kept"] == f"{report.songs_kept:,}"
    reasons = table(at)
    assert dict(zip(reasons["reason"], reasons["rows"])) == report.excluded


@pytest.mark.slow
def test_uploaded_file_becomes_the_sessions_catalog(models, tidy_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "empty"))  # no default data: upload is the way in
    at = app_test().run()
    at.switch_page(page("data")).run()
    at.get("file_uploader")[0].upload("my_songs.csv", tidy_csv.read_bytes(), "text/csv")
    at.run()
    assert_clean(at)
    assert "my_songs.csv" in plain(" ".join(m.value for m in at.markdown))
    assert {m.label: m.value for m in at.metric}["rows read"] == f"{len(tidy_csv.read_text().splitlines()) - 1:,}"
    at.switch_page(page("build")).run()
    assert_clean(at)
    frame = table(at)
    assert len(frame) == at.sidebar.slider(key="length").value
    assert frame["artist"].str.startswith("Artist ").all()  # songs of the uploaded (made-up) file
    assert len(trace(trajectory(at), "playlist").x) == len(frame)


@pytest.mark.slow
def test_bad_upload_is_an_error_not_a_traceback(models, tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "empty"))
    at = app_test().run()
    at.switch_page(page("data")).run()
    at.get("file_uploader")[0].upload("notes.csv", b"just,some\ntext,here\n", "text/csv")
    at.run()
    assert not at.exception
    assert at.error and "notes.csv" in plain(at.error[0].value)


# -- fetching the public data set from the dashboard ------------------------------------------------------
def _first_start(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    at = app_test().run()
    assert [b.label for b in at.button] == ["Fetch the TidyTuesday songs"]
    return at


def test_fetch_shows_progress_then_opens_on_the_fetched_catalog(models, tidy_csv, tmp_path, monkeypatch):
    from disco.data import fetch

    calls = []

    def fake_download(url, dest, sha256=None, timeout=30.0, progress=True, on_progress=None):
        data = tidy_csv.read_bytes()
        for done in (len(data) // 2, len(data)):
            on_progress(done, len(data))
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        Path(dest).write_bytes(data)
        calls.append((url, sha256))
        return "sha"

    monkeypatch.setattr(fetch, "download", fake_download)
    at = _first_start(tmp_path, monkeypatch)
    at.button[0].click().run()
    assert_clean(at)
    assert calls == [(config.DATASET_URLS[0], config.DATASET_SHA256)]
    assert (tmp_path / "data" / "spotify_songs.csv").is_file()
    frame = table(at)  # the app reran on the new catalog: a playlist of made-up songs
    assert len(frame) == at.sidebar.slider(key="length").value
    assert frame["artist"].str.startswith("Artist ").all()


def test_failed_fetch_is_an_error_naming_every_address(tmp_path, monkeypatch):
    from disco.data import fetch
    from disco.errors import DownloadError

    def failing(url, dest, sha256=None, timeout=30.0, progress=True, on_progress=None):
        raise DownloadError(f"cannot reach {url}: offline")

    monkeypatch.setattr(fetch, "download", failing)
    at = _first_start(tmp_path, monkeypatch)
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1
    assert all(url in plain(at.error[0].value) for url in config.DATASET_URLS)
    assert not (tmp_path / "data" / "spotify_songs.csv").exists()


def test_missing_model_is_an_error_with_what_to_do(tmp_path, monkeypatch):
    from support import songgen

    (tmp_path / "data").mkdir()
    songgen.write_tidy_csv(tmp_path / "data" / "spotify_songs.csv")  # made-up songs, default file name
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DISCO_MODELS_DIR", str(tmp_path / "no_models"))
    at = app_test().run()
    assert not at.exception
    assert len(at.error) == 1 and "python -m disco train" in plain(at.error[0].value)
    at.switch_page(page("data")).run()  # the data page still offers upload and fetch
    assert not at.exception
    assert [b.label for b in at.button] == ["Fetch the TidyTuesday songs"]
    assert len(at.get("file_uploader")) == 1


def test_custom_arc_points_after_the_editors_edits():
    from disco.app.sidebar.controls import edited_points, points_frame

    base = points_frame(((0.0, 0.4), (0.5, 0.9), (1.0, 0.5)))
    edits = {"edited_rows": {1: {"energy": 0.8}}, "added_rows": [{"position": 0.25, "energy": 0.6}, {"position": 0.9}],
             "deleted_rows": [2]}
    assert edited_points(base, edits) == [(0.0, 0.4), (0.5, 0.8), (0.25, 0.6)]  # the half-filled row is left out
    assert edited_points(base, {}) == [(0.0, 0.4), (0.5, 0.9), (1.0, 0.5)]
