"""The dashboard's small promises, each where it could break: an offline fetch, a verified copy, empty seed cells,
grey for no change, plurals, the seeds-only hint, the Reorder limit naming the user's file, upload guards, file
names and headers shown literally, no server paths, the Evaluate sentence, bounded caches.

AppTest on made-up songs with the committed model (fast).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re

import numpy as np
import pandas as pd
import pytest
import requests

from disco import config
from disco.app.caches import cache_limits
from disco.app.playlist.playlist_view import KEY_TERM, loss_caption, seeds_only_hint
from disco.app.session import loaders, uploads
from disco.app.views.evaluate import search_words
from disco.app.views.reorder import change
from disco.errors import CatalogError
from support import songgen
from support.app import app_test, assert_clean, page, plain, table

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

EVIL = "[click](http://evil.example)"


MARKDOWN_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


def texts(at, kinds=MARKDOWN_KINDS + ("code", "text")) -> list[str]:
    """Every text the page shows: the sources of its Markdown elements (``kinds``), code and plain text, and
    metric labels and values."""
    out = []
    for kind in kinds:
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    return out


def source_of(at):
    """The session's catalog source (None: the default data)."""
    return at.session_state["catalog_source"] if "catalog_source" in at.session_state else None


def links(markdown: str) -> list[str]:
    """Links a Markdown text would render: ``[text](url)``, ``<url>`` and bare ``http://``/``www.`` links, with
    backslash-escaped characters taken as literal."""
    text = re.sub(r"\\.", "§", markdown)  # an escaped character starts nothing
    return re.findall(r"\[[^\]]*\]\([^)]*\)|<[a-z]+:[^>]*>|https?://\S+|www\.\S+", text)


def seeds_ids(frame: pd.DataFrame, n: int, playlist: int = 0) -> list[str]:
    songs = frame.drop_duplicates("track_id")
    return songs[songs["playlist_id"] == songs["playlist_id"].unique()[playlist]]["track_id"].tolist()[:n]


# -- fetching ---------------------------------------------------------------------------------------------------
def test_offline_fetch_is_one_line_and_the_page_stays_usable(models, tidy_csv, tmp_path, monkeypatch):
    import pooch

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Failed to resolve 'raw.githubusercontent.com'")

    monkeypatch.setattr(pooch, "retrieve", offline)
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "data"))
    at = app_test().run()
    at.button[0].click().run()
    assert not at.exception
    assert len(at.error) == 1
    message = plain(at.error[0].value)
    assert "could not reach raw.githubusercontent.com: no network?" in message and "\n" not in message
    assert not at.get("progress")  # no bar left behind
    # still usable: fetch again, or upload a song file and build
    assert [b.label for b in at.button] == ["Fetch the TidyTuesday songs"]
    at.get("file_uploader")[0].upload("my_songs.csv", tidy_csv.read_bytes(), "text/csv")
    at.run()
    assert_clean(at)
    assert len(table(at)) == at.sidebar.slider(key="length").value


@pytest.mark.slow
def test_fetch_on_a_verified_copy_downloads_nothing(made_up_songs, models, tmp_path, monkeypatch):
    from disco.data import fetch

    path = config.default_dataset_path()
    monkeypatch.setattr(config, "DATASET_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())

    def no_download(*args, **kwargs):
        raise AssertionError("a verified copy was downloaded again")

    monkeypatch.setattr(fetch, "download", no_download)
    at = app_test().run()
    at.switch_page(page("data")).run()
    at.button(key="data_fetch_button").click().run()
    assert_clean(at)
    assert any("already there and verified" in plain(s.value) for s in at.success)


# -- the playlist table and the before/after metrics ------------------------------------------------------------
def test_seed_rows_show_empty_cells_not_none(made_up_songs, models):
    at = app_test().run()
    assert_clean(at)
    for grid in at.dataframe[:2]:  # the DJ table and the loss terms
        assert grid.proto.HasField("placeholder") and grid.proto.placeholder == ""  # missing values: empty cells
    assert table(at)["key mix"].iat[0] == "" and table(at)["tempo mix"].iat[0] == ""
    seed_row = table(at, 1).iloc[0]
    assert seed_row["seed"] and np.isnan(seed_row[KEY_TERM]) and np.isnan(seed_row["loss"])


@pytest.mark.slow
def test_no_change_is_grey_and_a_lower_loss_green(made_up_songs, models):
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    at.text_area(key="reorder_ids").input("\n".join(seeds_ids(made_up_songs, 2))).run()  # one order possible
    assert_clean(at)
    colours = {m.label: m.proto.color for m in at.metric}
    from streamlit.proto.Metric_pb2 import Metric

    assert set(colours.values()) == {Metric.MetricColor.GRAY}
    assert at.metric[0].delta == "0" and at.metric[0].proto.delta_description.startswith("was ")
    ids = seeds_ids(made_up_songs, 6)
    at.sidebar.radio(key="search").set_value("greedy")
    at.text_area(key="reorder_ids").input("\n".join(ids[i] for i in np.random.default_rng(0).permutation(6))).run()
    loss = at.metric[0]
    assert float(loss.delta) < 0 and loss.proto.color == Metric.MetricColor.GREEN  # lower loss: green
    assert change(1.234, 1.2341, 2) == 0 and change(3, 5) == 2 and change(1.0, 0.5, 2) == -0.5


@pytest.mark.slow
def test_counts_are_worded_with_the_right_plural(made_up_songs, models):
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    ids = seeds_ids(made_up_songs, 4)
    at.text_area(key="reorder_ids").input("\n".join(ids + [ids[1], "0000000000000000000009"])).run()
    assert_clean(at)
    shown = " ".join(plain(t) for t in texts(at))
    assert "1 repeated song was listed once." in shown
    assert "1 song is not in the loaded catalog" in shown
    assert not re.search(r"\b1 [a-z ]*songs\b", shown)


class _Moves:
    def __init__(self, n: int, seeds: int):
        self.indices, self.n_seeds = list(range(n)), seeds
        self.moves, self.total_loss = n - seeds, 0.5
        self.relaxed = [()] * n
        self.relaxed_moves = 0

    def __len__(self):
        return len(self.indices)


def test_loss_caption_and_the_seeds_only_hint():
    assert "over 1 chosen song (" in loss_caption(_Moves(2, 1))
    assert "over 3 chosen songs (" in loss_caption(_Moves(4, 1))
    assert seeds_only_hint(_Moves(4, 1)) is None
    hint = seeds_only_hint(_Moves(5, 5))
    assert "only your 5 seeds" in hint and "above 5" in hint
    assert "0 chosen" not in loss_caption(_Moves(5, 5))


def test_five_seeds_and_length_five_say_what_to_do(made_up_songs, models):
    from disco.app.session import state

    at = app_test().run()
    record = at.session_state[state.SETTINGS_KEY]
    at.session_state[state.SETTINGS_KEY] = record.replace(seeds=(0, 1, 2, 3, 4), length=5)
    at.run()
    assert_clean(at)
    assert len(table(at)) == 5
    assert any("only your 5 seeds" in plain(i.value) and "above 5" in i.value for i in at.info)
    assert not any("over 0" in t for t in texts(at))


# -- uploads ------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_reorder_limit_names_the_users_file_not_a_server_path(made_up_songs, models, tmp_path):
    frame = songgen.tidy_frame(n_songs=1100, n_playlists=1, min_len=1001, max_len=1001, seed=1)
    data = frame.to_csv(index=False).encode()
    at = app_test().run()
    at.switch_page(page("reorder")).run()
    at.radio(key="reorder_input").set_value("Upload a song file").run()
    at.get("file_uploader")[0].upload("my big list.csv", data, "text/csv")
    at.run()
    assert not at.exception
    message = plain(at.error[0].value)
    assert message.startswith("my big list.csv has 1001 songs") and "/" not in message.split(";")[0]


def wide_header(names: int = 20_000) -> bytes:
    return (",".join(["name"] * names) + "\n" + ",".join(["1"] * names) + "\n").encode()


@pytest.mark.slow
def test_a_header_of_absurd_width_is_refused_before_parsing(made_up_songs, models, monkeypatch):
    from disco.data import catalog

    load = catalog.load_catalog

    def no_parsing(source, name=None, **kwargs):
        assert name != "wide.csv", "the file was handed to the loader"
        return load(source, name=name, **kwargs)

    monkeypatch.setattr(catalog, "load_catalog", no_parsing)
    at = app_test().run()
    at.switch_page(page("data")).run()
    at.get("file_uploader")[0].upload("wide.csv", wide_header(), "text/csv")
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "wide.csv has 20,000 columns" in plain(at.error[0].value)
    assert source_of(at) is None  # still the default data
    at.switch_page(page("reorder")).run()
    at.radio(key="reorder_input").set_value("Upload a song file").run()
    at.get("file_uploader")[0].upload("wide.csv", wide_header(), "text/csv")
    at.run()
    assert not at.exception and "20,000 columns" in plain(at.error[0].value)


def test_column_count_reads_only_the_header():
    assert uploads.column_count(b"a,b,c\n1,2,3\n") == 3
    assert uploads.column_count(b"\xef\xbb\xbfa;b;c;d\r\n1;2;3;4\r\n") == 4
    assert uploads.column_count(b"\n\na\tb\n") == 2
    assert uploads.column_count(gzip.compress(wide_header(600))) == 600
    assert uploads.column_count(b"x," * (uploads.HEADER_SCAN // 2 + 10)) is None  # no line end in sight
    buf = io.BytesIO()
    pd.DataFrame({f"c{i}": [1] for i in range(7)}).to_parquet(buf)
    assert uploads.column_count(buf.getvalue()) == 7
    with pytest.raises(CatalogError, match="600 columns"):
        uploads.check_header("x.csv", wide_header(600))
    uploads.check_header("ok.csv", wide_header(uploads.MAX_COLUMNS))


def test_upload_limit_fits_the_job():
    import tomllib

    from disco import config as cfg

    limit = tomllib.loads((cfg.PACKAGE_ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert 30 <= limit <= 100  # a 100,000-song table (about 30 MB) fits, not much more
    assert f"Files up to {uploads.max_upload_mb()} MB" in uploads.size_help()


@pytest.mark.slow
def test_file_names_and_headers_are_shown_literally(made_up_songs, models):
    good = made_up_songs.assign(**{EVIL: 1}).to_csv(index=False).encode()
    bad = f"{EVIL},[b](javascript:alert(1))\n1,2\n".encode()
    at = app_test().run()
    at.switch_page(page("data")).run()

    def no_links_of_the_file() -> None:
        for text in texts(at, MARKDOWN_KINDS):  # Markdown: no link of the file's may render
            assert not [link for link in links(text) if "evil" in link or "javascript" in link], text

    at.get("file_uploader")[0].upload(f"{EVIL}.csv", bad, "text/csv")
    at.run()
    assert not at.exception and len(at.error) == 1
    assert EVIL in plain(at.error[0].value) and "[b](javascript:alert(1))" in plain(at.error[0].value)
    no_links_of_the_file()
    at.get("file_uploader")[0].upload(f"{EVIL}.csv", good, "text/csv")
    at.run()
    assert_clean(at)
    assert any(EVIL in plain(t) for t in texts(at))  # the name is there, as text
    no_links_of_the_file()
    assert links(EVIL) and links("see http://x.example") and not links(r"\[a\]\(http\://x\)")


@pytest.mark.slow
def test_the_server_data_folder_is_not_shown(models, tmp_path, monkeypatch):
    folder = tmp_path / "private-server-folder" / "data"
    monkeypatch.setenv("DISCO_DATA_DIR", str(folder))
    at = app_test().run()
    assert "private-server-folder" not in " ".join(texts(at))
    folder.mkdir(parents=True)
    (folder / config.DATASET_FILENAME).write_bytes(b"not,a,song,table\n")
    at = app_test().run()
    assert at.error and "private-server-folder" not in " ".join(texts(at))
    songgen.write_tidy_csv(folder / config.DATASET_FILENAME)
    loaders._default_disco.clear()
    for name in ("build", "data"):
        at = app_test().run()
        at.switch_page(page(name)).run()
        assert_clean(at)
        assert "private-server-folder" not in " ".join(texts(at))
    assert any("spotify_songs.csv in the data folder" in plain(t) for t in texts(at))


@pytest.mark.slow
def test_evaluate_page_says_how_the_builds_searched(models):
    assert search_words({"dj": "beam", "reference": "greedy"}) == "DJ preset: beam search, reference: greedy"
    assert search_words("greedy") == "greedy"
    at = app_test().run()
    at.switch_page(page("evaluate")).run()
    assert not at.exception
    sentence = next(m.value for m in at.markdown if "random seed songs from the test playlists" in m.value)
    assert "{" not in sentence and "ly to" not in sentence and "beam search" in sentence


# -- caches -------------------------------------------------------------------------------------------------------
def test_caches_are_bounded_and_user_data_leaves_with_the_session():
    limits = cache_limits()
    user_data = {"loaders._uploaded_disco", "loaders._track_list", "loaders._reorder",
                 "catalog_report.example_rows", "playlist_figures.figure_specs"}
    names = {k.removeprefix("disco.app."): v for k, v in limits.items()}
    assert user_data <= set(names)
    for name, bounds in names.items():
        assert 0 < bounds["max_entries"] <= 256, name
    for name in user_data:
        assert names[name]["scope"] == "session" and 0 < names[name]["ttl"] <= 3600, name


@pytest.mark.slow
def test_going_back_to_the_default_drops_the_upload(made_up_songs, models, tidy_csv):
    at = app_test().run()
    at.switch_page(page("data")).run()
    at.get("file_uploader")[0].upload("mine.csv", tidy_csv.read_bytes(), "text/csv")
    at.run()
    assert_clean(at)
    assert source_of(at).name == "mine.csv"
    assert at.get("file_uploader")[0].value is None  # Streamlit's copy let go: a new, empty uploader
    at.button(key="use_default").click().run()
    assert_clean(at)
    assert source_of(at) is None  # the bytes are gone with it
    at.run()
    assert source_of(at) is None  # and the old upload does not come back
