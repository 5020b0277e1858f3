"""Editing the result and planning the set on the Build page, through AppTest on made-up songs with the committed
model (fast): lock a song, remove it, take an alternative, move it up; a target in minutes, a BPM filter; the
edits and the plan across pages; clearing the edits; and the record operations behind the buttons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disco import config
from disco.app.playlist import editing, seeds
from disco.app.playlist.playlist_table import LOCK
from disco.app.session import edits
from disco.app.session.state import SessionSettings
from disco.app.sidebar import plan_controls
from disco.data.catalog import load_catalog
from disco.engine.playlist import Playlist
from disco.engine.pools import PoolFilters
from support.app import app_test, assert_clean, page, table

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

SLOT = "build_edit_slot"


@pytest.fixture
def songs(made_up_songs) -> pd.DataFrame:
    """The made-up default data set, one row per song, by title."""
    return made_up_songs.drop_duplicates("track_id").set_index("track_name")


def song_index(songs: pd.DataFrame, title: str) -> int:
    """The catalog's index of the made-up song ``title``."""
    catalog = load_catalog(config.default_dataset_path())
    return int(catalog.index_of([songs.loc[title, "track_id"]])[0])


def label_index(label: str) -> int:
    """The catalog's index of the song labelled ``label`` ("artist - title")."""
    return load_catalog(config.default_dataset_path()).labels().index(label)


def record(at) -> SessionSettings:
    return at.session_state["disco_settings"]


def titles(at) -> list[str]:
    """The playlist's titles, without the lock mark."""
    return [t.removeprefix(f"{LOCK} ") for t in table(at)["title"]]


def locked_rows(at) -> list[int]:
    """The 0-based rows the table marks as locked."""
    return [i for i, t in enumerate(table(at)["title"]) if t.startswith(f"{LOCK} ")]


def choose(at, position: int):
    at.selectbox(key=SLOT).set_value(position).run()
    assert_clean(at)
    return at


def click(at, name: str):
    at.button(key=f"build_edit_{name}").click().run()
    assert_clean(at)
    return at


def alternatives_frame(at) -> pd.DataFrame:
    return next(el.value for el in at.dataframe if "rules broken" in el.value.columns)


def test_a_lock_survives_a_rebuild_with_a_changed_slider(songs, models):
    at = app_test().run()
    assert_clean(at)
    before = titles(at)
    at.sidebar.slider(key="w_sweetness").set_value(2.5).run()
    after = titles(at)
    # a position the slider changes: the lock must be what keeps its song there
    moved = [p for p in range(1, len(before)) if before[p] != after[p]]
    assert moved, "the slider changes nothing: the test could not tell a lock from no lock"
    position = moved[0]
    at.sidebar.slider(key="w_sweetness").set_value(0.7).run()
    assert titles(at) == before

    choose(at, position)
    click(at, "lock")
    assert record(at).locked == ((position, song_index(songs, before[position])),)
    assert titles(at) == before and locked_rows(at) == [position]
    assert at.button(key="build_edit_lock").label == "Unlock"
    at.sidebar.slider(key="w_sweetness").set_value(2.5).run()
    assert_clean(at)
    now = titles(at)
    assert now[position] == before[position] and locked_rows(at) == [position]
    assert now != before  # the rest was rebuilt around it
    assert any(f"{LOCK} locked: #{position + 1}" in c.value for c in at.caption)

    click(at, "lock")  # unlock: the slider's own choice again
    assert record(at).locked == () and titles(at) == after


def test_remove_bans_the_song_and_it_never_comes_back(songs, models):
    at = app_test().run()
    assert_clean(at)
    before = titles(at)
    position = 3
    gone = before[position]
    choose(at, position)
    click(at, "remove")
    assert record(at).banned == (song_index(songs, gone),)
    assert gone not in titles(at) and len(titles(at)) == len(before)
    assert any("removed: " in c.value and gone in c.value for c in at.caption)
    # whatever the settings, it stays out
    for change in (lambda: at.sidebar.slider(key="w_sweetness").set_value(0.0),
                   lambda: at.sidebar.slider(key="w_flow").set_value(0.2),
                   lambda: at.sidebar.slider(key="length").set_value(40)):
        change().run()
        assert_clean(at)
        assert gone not in titles(at)


def test_alternatives_list_k_songs_and_picking_one_puts_it_at_the_slot(songs, models):
    at = app_test().run()
    assert_clean(at)
    before = titles(at)
    position = 5
    choose(at, position)
    alts = alternatives_frame(at)
    assert len(alts) == editing.ALTERNATIVES
    assert {"song", "key", "BPM", "loss", "key term", "tempo term", "rules broken"} <= set(alts.columns)
    labels = [s.split(" - ", 1)[1] for s in alts["song"]]
    assert not set(labels) & set(before)  # songs not in the set
    kept = alts["rules broken"] == ""
    assert kept.iloc[: kept.sum()].all()  # songs that keep the rules come first, each group by loss
    for group in (alts[kept], alts[~kept]):
        assert list(group["loss"]) == sorted(group["loss"])

    pick = at.selectbox(key="build_alt_pick")
    assert pick.options == list(alts["song"])  # the table's songs, in its order
    third = pick.options[2]
    chosen = label_index(third)
    pick.set_value(chosen).run()  # its values are song indices, shown as labels
    assert_clean(at)
    at.button(key="build_alt_use").click().run()
    assert_clean(at)
    assert titles(at)[position] == third.split(" - ", 1)[1]
    assert record(at).locks == {position: chosen}
    assert locked_rows(at) == [position]
    assert titles(at) != before


@pytest.mark.slow
def test_move_up_swaps_with_the_song_before(songs, models):
    at = app_test().run()
    assert_clean(at)
    before = titles(at)
    first = 1  # the first song after the seed cannot go up
    choose(at, first)
    assert at.button(key="build_edit_up").disabled and not at.button(key="build_edit_down").disabled
    position = 6
    choose(at, position)
    click(at, "up")
    now = titles(at)
    assert now[position - 1] == before[position] and now[position] == before[position - 1]
    assert now[:position - 1] == before[:position - 1]
    assert locked_rows(at) == [position - 1, position]
    assert at.selectbox(key=SLOT).value == position - 1  # the choice follows the song
    click(at, "down")  # and back
    assert titles(at)[position - 1:position + 1] == before[position - 1:position + 1]
    last = len(before) - 1
    choose(at, last)
    assert at.button(key="build_edit_down").disabled


@pytest.mark.slow
def test_a_target_in_minutes_gives_a_set_of_at_least_the_target(songs, models):
    at = app_test().run()
    assert_clean(at)
    at.sidebar.radio(key="length_unit").set_value("minutes").run()
    assert_clean(at)
    at.sidebar.number_input(key="target_minutes").set_value(30.0).run()
    assert_clean(at)
    assert record(at).target_minutes == 30.0
    minutes = songs.loc[titles(at), "duration_ms"].to_numpy(float) / 60_000
    assert minutes.sum() >= 30.0 > minutes[:-1].sum()  # it ends with the song that reaches the target
    assert len(minutes) != record(at).length
    assert any(c.value.startswith("Target 30:00: the set lasts ") for c in at.caption)
    at.sidebar.radio(key="length_unit").set_value("songs").run()
    assert record(at).target_minutes is None and len(titles(at)) == record(at).length


@pytest.mark.slow
def test_a_bpm_filter_keeps_only_matching_songs(songs, models):
    low, high = 90.0, 130.0

    def matches(tempo) -> np.ndarray:
        tempo = np.asarray(tempo, dtype=float)
        return np.any([(tempo * f >= low) & (tempo * f <= high) for f in (0.5, 1.0, 2.0)], axis=0)

    at = app_test().run()
    assert_clean(at)
    assert not matches(songs.loc[titles(at)[1:], "tempo"]).all()  # without the filter some do not
    assert at.sidebar.slider(key="filter_bpm").disabled  # off by default
    at.sidebar.checkbox(key="filter_bpm_on").check().run()
    assert record(at).filters == PoolFilters(bpm=plan_controls.DEFAULT_BPM)
    at.sidebar.slider(key="filter_bpm").set_range(low, high).run()
    assert_clean(at)
    assert record(at).filters == PoolFilters(bpm=(low, high))
    shown = titles(at)
    assert len(shown) == record(at).length
    assert matches(songs.loc[shown[1:], "tempo"]).all()  # the seed need not match
    assert any(c.value.startswith("Pool filters: ") for c in at.caption)
    at.sidebar.checkbox(key="filter_bpm_on").uncheck().run()
    assert record(at).filters == PoolFilters()
    assert at.sidebar.slider(key="filter_bpm").value == (low, high)  # kept for the next time


def test_edits_and_plan_survive_a_page_switch(songs, models):
    at = app_test().run()
    assert_clean(at)
    choose(at, 2)
    click(at, "lock")
    choose(at, 4)
    click(at, "remove")
    at.sidebar.radio(key="length_unit").set_value("minutes").run()
    at.sidebar.number_input(key="target_minutes").set_value(45.0).run()
    at.sidebar.checkbox(key="filter_energy_on").check().run()
    at.sidebar.slider(key="filter_energy").set_range(0.3, 0.9).run()
    assert_clean(at)
    kept, shown, locks = record(at), titles(at), locked_rows(at)
    assert kept.locked and kept.banned and kept.target_minutes == 45.0
    assert kept.filters == PoolFilters(energy=(0.3, 0.9))

    at.switch_page(page("reorder")).run()
    assert_clean(at)
    at.switch_page(page("build")).run()
    assert_clean(at)
    assert record(at) == kept
    assert titles(at) == shown and locked_rows(at) == locks
    assert at.sidebar.radio(key="length_unit").value == "minutes"
    assert at.sidebar.number_input(key="target_minutes").value == 45.0
    assert at.sidebar.checkbox(key="filter_energy_on").value
    assert at.sidebar.slider(key="filter_energy").value == (0.3, 0.9)


@pytest.mark.slow
def test_clearing_the_edits_gives_the_plain_build_back(songs, models):
    at = app_test().run()
    assert_clean(at)
    before = titles(at)
    assert at.button(key="build_edit_clear").disabled
    choose(at, 3)
    click(at, "down")
    choose(at, 7)
    click(at, "remove")
    assert titles(at) != before
    click(at, "clear")
    assert not record(at).has_edits
    assert titles(at) == before and locked_rows(at) == []
    assert at.button(key="build_edit_clear").disabled


@pytest.mark.slow
def test_a_lock_out_of_reach_says_so_and_offers_to_clear_the_edits(songs, models):
    at = app_test().run()
    assert_clean(at)
    choose(at, 10)
    click(at, "lock")
    at.sidebar.checkbox(key="filter_bpm_on").check().run()
    at.sidebar.slider(key="filter_bpm").set_range(100.0, 101.0).run()  # a pool of a song or two
    assert not at.exception
    assert len(at.error) == 1 and "locked song is out of reach" in at.error[0].value
    assert not at.dataframe  # no playlist
    at.button(key="build_edit_clear_blocked").click().run()
    assert_clean(at)
    assert not record(at).has_edits and record(at).filters.bpm == (100.0, 101.0)
    assert len(titles(at)) < record(at).length  # the pool ran out: said in a warning, not an error
    assert at.warning


def test_new_seeds_clear_the_edits(songs, models):
    at = app_test().run()
    assert_clean(at)
    choose(at, 2)
    click(at, "lock")
    assert record(at).locked
    at.text_input(key=seeds.QUERY_KEY).input("Artist 5").run()
    match = at.selectbox(key=seeds.MATCH_KEY)
    at.selectbox(key=seeds.MATCH_KEY).set_value(label_index(match.options[0].split(" · ")[0])).run()
    at.run()
    assert_clean(at)
    assert len(record(at).seeds) == 1 and not record(at).has_edits
    assert locked_rows(at) == []


# -- the record operations ------------------------------------------------------------------------------
def fake_playlist(songs: list[int], n_seeds: int = 1) -> Playlist:
    n = len(songs)
    empty = np.full(n, np.nan)
    return Playlist(np.array(songs), n_seeds, None, np.zeros((n, 8)), empty, empty, empty, np.zeros((n, 1)),
                    empty, empty, [()] * n, 0.0)


def test_edit_operations_on_the_record():
    pl = fake_playlist([10, 11, 12, 13, 14])
    r = SessionSettings(seeds=(10,))
    r = edits.toggle_lock(r, pl, 2)
    assert r.locks == {2: 12}
    assert edits.toggle_lock(r, pl, 2).locks == {}
    moved = edits.move(r, pl, 2, -1)  # 12 up: both locked where they land
    assert moved.locks == {1: 12, 2: 11}
    assert edits.move(r, pl, 3, 1).locks == {2: 12, 4: 13, 3: 14}
    with pytest.raises(ValueError):
        edits.move(r, pl, 1, -1)  # into the seed
    with pytest.raises(ValueError):
        edits.move(r, pl, 4, 1)  # past the end
    removed = edits.remove(r, pl, 2)
    assert removed.locks == {} and removed.banned == (12,)
    picked = edits.pick(removed, 3, 99)
    assert picked.locks == {3: 99} and picked.banned == (12,)
    assert edits.pick(picked, 1, 99).locks == {1: 99}  # one place per song
    assert edits.editable_positions(pl) == [1, 2, 3, 4]
    assert edits.editable_positions(fake_playlist([10, 11, 12], n_seeds=3)) == []


def test_locks_past_the_end_wait_unless_the_set_is_planned_in_minutes():
    r = SessionSettings(length=10, locked=((3, 7), (12, 8)))
    assert edits.request_locks(r) == ({3: 7}, {12: 8})
    assert edits.request_locks(r.replace(length=20)) == ({3: 7, 12: 8}, {})
    assert edits.request_locks(r.replace(target_minutes=60)) == ({3: 7, 12: 8}, {})


def test_the_record_checks_the_plan_and_the_edits():
    r = SessionSettings(locked=[(5, 2), (3, 1)], banned=[9, 4, 9], filters=None)
    assert r.locked == ((3, 1), (5, 2)) and r.banned == (4, 9) and r.filters == PoolFilters()
    assert r.has_edits and not r.without_edits().has_edits
    for bad in ({"locked": ((3, 1), (3, 2))}, {"locked": ((3, 1), (4, 1))}, {"locked": ((0, 1),)},
                {"seeds": (1, 2), "locked": ((1, 5),)}, {"seeds": (1,), "banned": (1,)},
                {"locked": ((3, 1),), "banned": (1,)}):
        with pytest.raises(ValueError):
            SessionSettings(**bad)
    with pytest.raises(ValueError):
        SessionSettings(target_minutes=0)
    with pytest.raises(TypeError):
        SessionSettings(filters={"bpm": (100, 120)})
