"""The dashboard as a DJ's tool, through AppTest on made-up songs with the committed model (fast): the table's
columns, the key notation switch and the set's length; the listen selector (Spotify's embed for a catalog
song, the song's own file otherwise); Enter in the seed search; the Evaluate page's summary sentence; the
send-to-Spotify line on Build and Reorder.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disco import config
from disco.app.playlist import playlist_table, seeds
from disco.app.playlist.listen import listen_source, spotify_embed_url
from disco.app.playlist.playlist_table import DJ_COLUMNS, KEY_TERM, clock
from disco.data.catalog import load_catalog
from disco.evaluation import default_json_path
from disco.theory.keys import camelot_code, musical_name, open_key_code
from support import songgen
from support.app import app_test, assert_clean, page, table

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def write_wav(path: Path, seconds: float = 0.2, rate: int = 8000) -> Path:
    """A short silent WAV file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


@pytest.fixture
def songs_with_files(tmp_path, monkeypatch) -> pd.DataFrame:
    """Made-up songs as the default data set; every other song has an audio file on this computer."""
    folder = tmp_path / "data"
    folder.mkdir()
    frame = songgen.tidy_frame()
    ids = sorted(frame["track_id"].unique())
    files = {t: str(write_wav(tmp_path / f"{t}.wav")) for t in ids[::2]}
    frame["path"] = frame["track_id"].map(files).fillna("")
    frame.to_csv(folder / config.DATASET_FILENAME, index=False)
    monkeypatch.setenv("DISCO_DATA_DIR", str(folder))
    return frame


def enter(at, text: str):
    """Press Enter in the seed search with ``text`` typed: the trigger the page's Enter listener sends."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    at.text_input(key=seeds.QUERY_KEY).input(text)
    listener = next(el for el in at._tree[0] if getattr(el.proto, "id", "").endswith(seeds.ENTER_KEY))
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(listener.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "enter", "value": text}])
    return at._run(states)


# -- the table --------------------------------------------------------------------------------------------
def test_the_table_holds_what_a_dj_reads_in_the_chosen_notation(songs_with_files, models):
    at = app_test().run()
    assert_clean(at)
    frame = table(at)
    assert list(frame.columns) == list(DJ_COLUMNS)
    assert list(frame["#"]) == list(range(1, len(frame) + 1))
    catalog = load_catalog(config.default_dataset_path())
    songs = catalog.songs.set_index("track_name").loc[frame["title"]]
    assert list(frame["key"]) == [camelot_code(k, m) for k, m in zip(songs["key"], songs["mode"])]
    np.testing.assert_allclose(frame["BPM"], songs["tempo"])
    assert list(frame["time"]) == [clock(ms) for ms in songs["duration_ms"]]
    assert frame["key mix"].iat[0] == "" and set(frame["key mix"].iloc[1:]) <= {"✓", "✗"}
    assert set(frame["tempo mix"].iloc[1:]) <= {"✓", "✗"}
    total = clock(songs["duration_ms"].sum())
    assert any(f"{len(frame)} songs · {total}" in m.value for m in at.markdown)
    assert KEY_TERM in table(at, 1)  # the loss terms: their own table, below the figures

    at.segmented_control(key="build_notation").set_value("open_key").run()
    assert_clean(at)
    assert at.session_state["disco_settings"].key_notation == "open_key"  # the session's record
    assert list(table(at)["key"]) == [open_key_code(k, m) for k, m in zip(songs["key"], songs["mode"])]
    at.segmented_control(key="build_notation").set_value("musical").run()
    assert list(table(at)["key"]) == [musical_name(k, m) for k, m in zip(songs["key"], songs["mode"])]
    at.switch_page(page("reorder")).run()
    at.switch_page(page("build")).run()
    assert at.segmented_control(key="build_notation").value == "musical"  # kept across pages


def test_table_helpers():
    assert clock(225_400) == "3:45" and clock(3_725_000) == "1:02:05" and clock(np.nan) == ""
    frame = pd.DataFrame({"duration_ms": [180_000, 200_000, np.nan]})
    assert playlist_table.set_length(frame) == "3 songs · 6:20 (+ 1 song of unknown length)"
    assert playlist_table.move_marks([True, False, False], [True, True, False]) == ["", "✓", "✗", "?"]
    assert playlist_table.relaxed_text("camelot_only,artist_gap") == "⚠ key, artist"
    assert playlist_table.relaxed_text("") == ""


# -- listening --------------------------------------------------------------------------------------------
def test_listen_plays_the_spotify_embed_or_the_songs_own_file(songs_with_files, models):
    at = app_test().run()
    assert_clean(at)
    assert not at.get("iframe") and not at.get("audio")  # nothing loads until a song is picked
    frame = table(at)
    files = songs_with_files.drop_duplicates("track_id").set_index("track_name")["path"]
    with_file = [i for i, title in enumerate(frame["title"]) if files[title]]
    without = [i for i, title in enumerate(frame["title"]) if not files[title]]
    assert with_file and without
    ids = songs_with_files.drop_duplicates("track_id").set_index("track_name")["track_id"]

    at.selectbox(key="build_listen").set_value(without[0]).run()
    assert_clean(at)
    frames = at.get("iframe")
    assert len(frames) == 1 and not at.get("audio")
    assert frames[0].proto.src == spotify_embed_url(ids[frame["title"].iat[without[0]]])
    assert frames[0].proto.src.startswith("https://open.spotify.com/embed/track/")

    at.selectbox(key="build_listen").set_value(with_file[0]).run()
    assert_clean(at)
    assert len(at.get("audio")) == 1 and not at.get("iframe")


def test_listen_source_rules(tmp_path):
    song = write_wav(tmp_path / "song.wav")
    assert listen_source("T000000000000000000001", str(song)) == ("file", str(song))
    assert listen_source("T000000000000000000001", "") == ("spotify", spotify_embed_url("T000000000000000000001"))
    kind, why = listen_source("local-42", str(tmp_path / "gone.mp3"))
    assert kind is None and "not on this computer" in why
    (tmp_path / "notes.txt").write_text("hello")
    kind, why = listen_source("T000000000000000000001", str(tmp_path / "notes.txt"))
    assert kind == "spotify"  # never reads a file that is not audio
    assert listen_source("local-42", str(tmp_path / "notes.txt"))[0] is None


# -- seeds ------------------------------------------------------------------------------------------------
def test_enter_adds_the_top_match_and_the_first_pick_replaces_the_demo_seed(songs_with_files, models):
    at = app_test().run()
    assert_clean(at)
    assert at.session_state["disco_settings"].seeds is None  # the demo seed is shown, not stored
    demo = table(at)["title"].iat[0]
    catalog = load_catalog(config.default_dataset_path())
    query = catalog.songs["track_name"].iat[37]
    top = int(catalog.search(query, limit=5)["index"].iat[0])
    at = enter(at, query)
    assert_clean(at)
    assert list(at.session_state["disco_settings"].seeds) == [top]  # the demo seed is gone
    assert at.text_input(key=seeds.QUERY_KEY).value == ""
    assert table(at)["title"].iat[0] == catalog.songs["track_name"].iat[top] != demo
    second = catalog.songs["track_name"].iat[81]
    at = enter(at, second)
    assert_clean(at)
    picked = list(at.session_state["disco_settings"].seeds)
    assert len(picked) == 2 and picked[0] == top
    assert table(at)["title"].iat[1] == catalog.songs["track_name"].iat[picked[1]]


def test_removing_the_demo_seed_asks_for_a_pick(songs_with_files, models):
    at = app_test().run()
    demo = seeds.default_seed(load_catalog(config.default_dataset_path()))
    at.button(key=f"remove_seed_{demo}").click().run()
    assert_clean(at)
    assert not at.dataframe and "Pick at least one seed" in at.info[0].value


# -- Spotify ----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_send_to_spotify_says_how_on_build_and_reorder(songs_with_files, models):
    at = app_test().run()
    assert_clean(at)
    lines = [c.value for c in at.caption if "send this playlist to Spotify" in c.value]
    assert len(lines) == 1 and "Data page" in lines[0]
    ids = songs_with_files.drop_duplicates("track_id")["track_id"].tolist()[:6]
    at.switch_page(page("reorder")).run()
    at.text_area(key="reorder_ids").input("\n".join(ids)).run()
    assert_clean(at)
    assert len([c for c in at.caption if "send this playlist to Spotify" in c.value]) == 1


# -- Evaluate ---------------------------------------------------------------------------------------------
def test_evaluate_opens_on_a_plain_summary(models):
    path = default_json_path()
    if not path.is_file():
        pytest.skip("no saved evaluation")
    result = json.loads(path.read_text())
    at = app_test()
    at.switch_page(page("evaluate")).run()
    assert not at.exception, [e.value for e in at.exception]  # a failed target is shown as an error: fine
    first = at.markdown[0].value
    disco = result["builds"]["rows"]["dj"] if result.get("builds") else result["ordering"]["disco_beam"]
    human = result["ordering"]["human"]
    expected = (f"{100 * disco['camelot_rate']:.0f}% harmonic moves", f"{100 * human['camelot_rate']:.0f}% for human",
                f"{100 * disco['tempo_rate']:.0f}% of tempo changes within 6%", f"{100 * human['tempo_rate']:.0f}%.")
    for part in expected:
        assert part in first, (part, first)
    shown = " ".join([t.value for t in at.title] + [s.value for s in at.subheader] + [m.value for m in at.markdown])
    assert "disco_" not in shown and "_rate" not in shown  # no code names
