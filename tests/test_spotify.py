"""Spotify import/search/send against a fake Spotify answering below urllib3 (no network).

The fake sits under urllib3's connection pool, so requests' and urllib3's real retry logic
(429/5xx, Retry-After) runs exactly as in production. All responses are made up.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from disco import spotify
from disco.cli.main import main
from disco.data import schema
from disco.data.identity import normalize_name
from disco.errors import SpotifyError
from support import songgen
from support.spotify import (
    CLIENT_ID,
    FORBIDDEN,
    PID,
    RETRIES,
    SECRET,
    TOKEN_URL,
    FakeAdapter,
    FakeSpotify,
    add_playlist,
    app_client,
    entry,
    features_for,
    sp_id,
    sp_track,
    token_client,
)


@pytest.fixture
def catalog():
    from disco.data.catalog import Catalog

    return Catalog.from_frame(songgen.tidy_frame(n_songs=60, n_playlists=4), source="made-up")


# --------------------------------------------------------------------------- ids and names
@pytest.mark.parametrize("ref", [
    f"https://open.spotify.com/playlist/{PID}?si=abc123XYZ",
    f"https://open.spotify.com/intl-de/playlist/{PID}",
    f"open.spotify.com/playlist/{PID}/",
    f"spotify:playlist:{PID}",
    f"spotify:user:someone:playlist:{PID}",
    f"  {PID}  ",
])
def test_playlist_reference_forms(ref):
    assert spotify.parse_playlist_id(ref) == PID


@pytest.mark.parametrize("ref", ["", "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
                                 "https://example.com/playlist/abc", "spotify:album:abc", "not an id!"])
def test_bad_playlist_reference_says_what_is_expected(ref):
    with pytest.raises(SpotifyError, match="open.spotify.com/playlist/<id>"):
        spotify.parse_playlist_id(ref)


@pytest.mark.parametrize("a,b", [
    ("Beyoncé", "BEYONCE"),
    ("Hey Jude - Remastered 2015", "Hey Jude"),
    ("Hey Jude - 2009 Remaster", "hey jude"),
    ("Song (feat. Someone Else)", "Song"),
    ("Song [ft. X] (Remastered)", "song"),
    ("Mr. Brightside", "mr brightside"),
    ("Simon & Garfunkel", "simon and garfunkel"),
])
def test_normalize_matches_variants(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_keeps_different_songs_apart():
    assert normalize_name("Hey Jude (Live)") != normalize_name("Hey Jude")
    assert normalize_name("One") != normalize_name("Two")


# --------------------------------------------------------------------------- import
def test_import_reads_every_page_in_order(catalog):
    fake = FakeSpotify()
    songs = catalog.songs
    # 230 tracks = 3 pages; the first 60 are catalog songs, the rest unknown
    ids = list(songs["track_id"]) + [sp_id(i) for i in range(170)]
    entries = [entry(sp_track(t, f"Song {i}", f"Artist {i}")) for i, t in enumerate(ids)]
    add_playlist(fake, entries, new_shape_from=200)  # last page uses the 2026 "item" key
    fake.add("GET", r"/v1/audio-features", FORBIDDEN)
    result = spotify.import_playlist(PID, client=app_client(fake), catalog=catalog)

    assert fake.count("GET", rf"/playlists/{PID}/items") == 3
    assert result.frame["track_id"].tolist() == ids
    assert result.playlist_name == "Road Trip"
    assert list(result.frame.columns) == list(spotify.PLAYLIST_COLUMNS)
    assert len(result.sources) == len(ids)


def test_403_fills_features_from_catalog_by_id_then_name_and_warns_once(catalog):
    songs = catalog.songs
    fake = FakeSpotify()
    by_id = [sp_track(songs.at[i, "track_id"], songs.at[i, "track_name"], songs.at[i, "artist"])
             for i in range(3)]
    # same songs under other ids (a re-release): decorated title, accented/cased artist
    j, k = 10, 11
    by_name = [
        sp_track(sp_id(1), f"{songs.at[j, 'track_name']} - 2011 Remaster",
                 songs.at[j, "artist"].upper().replace("A", "Á", 1)),
        sp_track(sp_id(2), f"{songs.at[k, 'track_name']} (feat. Somebody)", songs.at[k, "artist"]),
    ]
    unknown = sp_track(sp_id(3), "Nowhere To Be Found", "Nobody Known")
    tracks = [by_id[0], by_name[0], unknown, by_id[1], by_name[1], by_id[2]]
    add_playlist(fake, [entry(t) for t in tracks])
    fake.add("GET", r"/v1/audio-features", FORBIDDEN)

    result = spotify.import_playlist(PID, client=app_client(fake), catalog=catalog)

    assert result.sources == ["catalog_id", "catalog_name", "missing", "catalog_id", "catalog_name",
                              "catalog_id"]
    expect_rows = [0, j, None, 1, k, 2]
    for row, src_row in enumerate(expect_rows):
        got = result.frame.loc[row, list(schema.FEATURES)].to_numpy(dtype=float)
        if src_row is None:
            assert np.isnan(got).all()
        else:
            np.testing.assert_allclose(got, songs.loc[src_row, list(schema.FEATURES)].to_numpy(dtype=float))
            assert result.frame.at[row, "genre"] == songs.at[src_row, "genre"]
    # Spotify metadata is kept (the title as Spotify writes it)
    assert result.frame.at[1, "track_name"].endswith("2011 Remaster")
    gone = [w for w in result.warnings if "no longer gives" in w]
    assert len(gone) == 1 and "403" in gone[0]
    assert fake.count("GET", r"/v1/audio-features") == 1  # stopped at the first refusal
    assert [m["track_id"] for m in result.missing] == [sp_id(3)]
    assert result.missing[0]["position"] == 2
    loadable = result.with_features()
    assert len(loadable) == 5 and sp_id(3) not in set(loadable["track_id"])


def test_spotify_features_used_in_batches_of_100_when_available(catalog):
    rng = np.random.default_rng(1)
    fake = FakeSpotify()
    ids = [sp_id(i) for i in range(150)] + [catalog.songs.at[0, "track_id"]]
    add_playlist(fake, [entry(sp_track(t, f"S{i}", "A")) for i, t in enumerate(ids)])
    feats = {t: features_for(t, rng) for t in ids[:140]}

    def batch_answer(ids_in_url):
        return (200, {"audio_features": [feats.get(t) for t in ids_in_url]}, {})

    fake.add("GET", r"/v1/audio-features/\?ids=S0{20}0,", batch_answer(ids[:100]))
    fake.add("GET", r"/v1/audio-features/\?ids=S0{18}100,", batch_answer(ids[100:]))
    result = spotify.import_playlist(PID, client=app_client(fake), catalog=catalog)

    calls = [c["url"] for c in fake.calls if "audio-features" in c["url"]]
    assert len(calls) == 2
    assert [len(parse_qs(urlparse(u).query)["ids"][0].split(",")) for u in calls] == [100, 51]
    assert result.sources[:140] == ["spotify"] * 140
    assert result.sources[140:150] == ["missing"] * 10
    assert result.sources[150] == "catalog_id"
    assert result.frame.at[7, "tempo"] == pytest.approx(feats[ids[7]]["tempo"])
    assert not any("no longer gives" in w for w in result.warnings)


def test_local_files_null_tracks_episodes_and_repeats_are_reported(catalog):
    fake = FakeSpotify()
    a, b = catalog.songs.at[0, "track_id"], catalog.songs.at[1, "track_id"]
    local = {"id": None, "name": "My Demo", "type": "track", "is_local": True,
             "artists": [{"name": "Me"}], "album": {"name": ""}, "uri": "spotify:local:Me::My+Demo:180"}
    episode = {"id": sp_id(9), "name": "A Podcast", "type": "episode", "artists": []}
    entries = [entry(sp_track(a, "First", "X")), entry(None), entry(local, is_local=True),
               entry(episode), entry(sp_track(b, "Second", "Y")), entry(sp_track(a, "First", "X"))]
    add_playlist(fake, entries)
    fake.add("GET", r"/v1/audio-features", FORBIDDEN)
    result = spotify.import_playlist(PID, client=app_client(fake), catalog=catalog)

    assert result.frame["track_id"].tolist() == [a, b]
    reasons = {(s.position, s.reason) for s in result.skipped}
    assert reasons == {(1, "unavailable"), (2, "local file"), (3, "episode"), (5, "duplicate")}
    assert next(s for s in result.skipped if s.reason == "local file").track_name == "My Demo"
    assert any("4 playlist entries were not imported" in w for w in result.warnings)
    assert "1 local file" in result.summary() and "1 unavailable" in result.summary()


# --------------------------------------------------------------------------- robustness
def test_429_is_retried_then_succeeds():
    fake = FakeSpotify()
    add_playlist(fake, [entry(sp_track(sp_id(1), "One", "A"))])
    ok = fake.routes[0][2][0]
    fake.add("GET", rf"/v1/playlists/{PID}/items", (429, {"error": {"status": 429}}, {"Retry-After": "0"}),
             (503, None, {}), ok)
    items = app_client(fake).playlist_items(PID)
    assert fake.count("GET", rf"/playlists/{PID}/items") == 3
    assert [e["track"]["id"] for e in items.items] == [sp_id(1)]


def test_429_after_all_retries_says_rate_limited():
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search", (429, {"error": {"status": 429}}, {"Retry-After": "0"}))
    with pytest.raises(SpotifyError, match=r"rate-limiting.*429.*after 2 retries") as err:
        app_client(fake).search_tracks("anything")
    assert fake.count("GET", r"/v1/search") == RETRIES + 1
    assert "\n" not in str(err.value)


def test_5xx_after_all_retries_is_not_called_rate_limiting():
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search", (502, None, {}))
    with pytest.raises(SpotifyError, match=r"servers kept failing \(502\)"):
        app_client(fake).search_tracks("anything")
    assert fake.count("GET", r"/v1/search") == RETRIES + 1


def test_very_long_retry_after_fails_fast_instead_of_sleeping():
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search", (429, {"error": {"status": 429}}, {"Retry-After": "3600"}))
    with pytest.raises(SpotifyError, match="wait 3600 s"):
        app_client(fake).search_tracks("anything")
    assert fake.count("GET", r"/v1/search") == 1


def test_bad_credentials_give_a_clear_message():
    fake = FakeSpotify()
    client = app_client(fake)
    fake.add("POST", re.escape(TOKEN_URL), (400, {"error": "invalid_client",
                                                  "error_description": "Invalid client secret"}, {}))
    with pytest.raises(SpotifyError, match=r"rejected the app credentials.*SPOTIPY_CLIENT_ID.*"
                                           r"SPOTIPY_CLIENT_SECRET"):
        client.search_tracks("x")


def test_401_gives_a_clear_message():
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search", (401, {"error": {"status": 401,
                                                    "message": "Invalid access token"}}, {}))
    with pytest.raises(SpotifyError, match=r"401 Unauthorized.*SPOTIPY_CLIENT_ID"):
        token_client(fake).search_tracks("x")
    assert fake.count("GET", r"/v1/search") == 1  # 401 is not retried


def test_404_playlist_says_not_found_or_private():
    fake = FakeSpotify()
    fake.add("GET", rf"/v1/playlists/{PID}", (404, {"error": {"status": 404,
                                                              "message": "Resource not found"}}, {}))
    with pytest.raises(SpotifyError, match=rf"{PID}.*404.*private"):
        spotify.import_playlist(PID, client=app_client(fake), catalog=pd.DataFrame())


def test_403_on_playlist_items_explains_development_mode_limits():
    fake = FakeSpotify()
    add_playlist(fake, [])
    fake.add("GET", rf"/v1/playlists/{PID}/items", FORBIDDEN)
    with pytest.raises(SpotifyError, match=r"403 Forbidden.*owns or collaborates"):
        app_client(fake).playlist_items(PID)


@pytest.mark.parametrize("exc,pattern", [
    (NewConnectionError(None, "Failed to resolve 'api.spotify.com'"), "cannot reach Spotify.*network"),
    (ReadTimeoutError(None, "/v1/search", "Read timed out."), "did not answer in time"),
])
def test_no_network_and_timeouts(exc, pattern):
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search", exc)
    with pytest.raises(SpotifyError, match=pattern):
        token_client(fake).search_tracks("x")


def test_secret_is_never_shown(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SPOTIPY_CLIENT_SECRET", SECRET)
    creds = spotify.resolve_credentials()
    fake = FakeSpotify()
    client = app_client(fake)
    fake.add("GET", r"/v1/search", (200, {"tracks": {"items": [sp_track(sp_id(1), "One", "A")]}}, {}))
    assert client.search_tracks("one")[0]["id"] == sp_id(1)
    # the secret really went over the (fake) wire, so the checks below are meaningful
    assert any(basic in str(c["headers"]) for c in fake.calls)
    shown = [repr(client), str(client), repr(creds), str(creds)]
    fake.add("POST", re.escape(TOKEN_URL), (401, {"error": "invalid_client",
                                                  "error_description": f"bad {SECRET}"}, {}))
    client.sp.auth_manager.cache_handler.save_token_to_cache({})  # force a new token request
    for failing in ("GET", "401"):
        fake.add("GET", r"/v1/search", (401, {"error": {"status": 401, "message": f"x {SECRET}"}}, {}))
        with pytest.raises(SpotifyError) as err:
            client.search_tracks("again")
        shown.append(str(err.value))
    shown.append(caplog.text)
    assert "tok-abc" not in caplog.text  # access tokens are redacted from spotipy's debug log
    for text in shown:
        assert SECRET not in text and basic not in text


def test_missing_credentials_name_what_to_set(monkeypatch):
    monkeypatch.delenv("SPOTIPY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    with pytest.raises(SpotifyError, match=r"SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET.*secrets.toml"):
        spotify.resolve_credentials()
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", "only-the-id")
    with pytest.raises(SpotifyError, match=r"set SPOTIPY_CLIENT_SECRET \("):
        spotify.resolve_credentials()


def test_dashboard_secrets_are_used_when_the_environment_has_none(monkeypatch):
    monkeypatch.delenv("SPOTIPY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    secrets = {"spotify": {"client_id": "cid", "client_secret": SECRET, "redirect_uri": "http://127.0.0.1:8501/"}}
    creds = spotify.resolve_credentials(secrets=secrets)
    assert (creds.client_id, creds.client_secret, creds.origin) == ("cid", SECRET, "streamlit secrets")
    assert creds.redirect_uri == "http://127.0.0.1:8501/"


# --------------------------------------------------------------------------- sending
def test_send_playlist_creates_private_playlist_in_chunks_of_100():
    fake = FakeSpotify()
    fake.add("POST", r"/v1/me/playlists$", (201, {"id": "NEWPLAYLIST", "external_urls": {
        "spotify": "https://open.spotify.com/playlist/NEWPLAYLIST"}}, {}))
    fake.add("POST", r"/v1/playlists/NEWPLAYLIST/items", (201, {"snapshot_id": "x"}, {}))
    ids = [sp_id(i) for i in range(250)] + ["not-a-spotify-id"]
    sent = spotify.send_playlist(token_client(fake, user=True), "DISCO flow", ids)

    create = [c for c in fake.calls if c["url"].endswith("/me/playlists")]
    assert len(create) == 1 and json.loads(create[0]["body"])["public"] is False
    adds = [json.loads(c["body"]) for c in fake.calls if "/NEWPLAYLIST/items" in c["url"]]
    assert [len(a) for a in adds] == [100, 100, 50]
    assert [u.rsplit(":", 1)[1] for a in adds for u in a] == ids[:250]
    assert (sent.added, sent.skipped, sent.url) == (250, ("not-a-spotify-id",),
                                                   "https://open.spotify.com/playlist/NEWPLAYLIST")


def test_send_without_connection_points_to_downloads():
    with pytest.raises(SpotifyError, match="CSV and M3U downloads"):
        spotify.send_playlist(None, "x", [sp_id(1)])
    with pytest.raises(SpotifyError, match="not connected"):
        spotify.send_playlist(token_client(FakeSpotify(), user=False), "x", [sp_id(1)])


def test_user_login_needs_a_redirect_uri():
    creds = spotify.Credentials(CLIENT_ID, SECRET, redirect_uri=None)
    with pytest.raises(SpotifyError, match="SPOTIPY_REDIRECT_URI"):
        spotify.user_oauth(creds)
    oauth = spotify.user_oauth(spotify.Credentials(CLIENT_ID, SECRET, "http://127.0.0.1:8501/"))
    url = spotify.login_url(oauth)
    assert "scope=playlist-modify-private" in url and SECRET not in url


# --------------------------------------------------------------------------- CLI
def test_cli_import_writes_a_csv_the_catalog_loads_as_one_playlist(tmp_path, tidy_csv, monkeypatch,
                                                                    capsys):
    from disco.data.catalog import load_catalog

    source = load_catalog(tidy_csv)
    ids = list(source.songs["track_id"][:12])
    fake = FakeSpotify()
    entries = [entry(sp_track(t, f"Song {i}", "Someone")) for i, t in enumerate(ids)]
    entries.insert(4, entry(sp_track(sp_id(5), "Unknown Song", "Unknown")))
    add_playlist(fake, entries, name="Made Up", page=5)
    fake.add("GET", r"/v1/audio-features", FORBIDDEN)
    client = app_client(fake)
    monkeypatch.setattr(spotify.SpotifyClient, "from_credentials", classmethod(lambda cls, *a, **k: client))
    out = tmp_path / "mine.csv"

    code = main(["spotify", "import", f"https://open.spotify.com/playlist/{PID}?si=x", "--out",
                 str(out), "--data", str(tidy_csv)])
    captured = capsys.readouterr()
    assert code == 0
    assert "12 catalog by id" in captured.out and f"wrote 12 tracks to {out}" in captured.out
    assert "no longer gives" in captured.err and "Unknown - Unknown Song" in captured.err
    back = load_catalog(out)
    assert list(back.playlists) == [PID] and back.playlists[PID] == ids
    assert back.playlist_names[PID] == "Made Up"
    got = back.songs.set_index("track_id").loc[ids, list(schema.FEATURES)].to_numpy(dtype=float)
    want = source.songs.set_index("track_id").loc[ids, list(schema.FEATURES)].to_numpy(dtype=float)
    np.testing.assert_allclose(got, want)


def test_cli_search_prints_tracks(monkeypatch, capsys):
    fake = FakeSpotify()
    fake.add("GET", r"/v1/search\?", (200, {"tracks": {"items": [
        sp_track(sp_id(1), "Blue Night", "Echo Band", duration_ms=185_000)]}}, {}))
    client = app_client(fake)
    monkeypatch.setattr(spotify.SpotifyClient, "from_credentials", classmethod(lambda cls, *a, **k: client))
    assert main(["spotify", "search", "blue", "night"]) == 0
    out = capsys.readouterr().out
    assert f"{sp_id(1)}  Echo Band - Blue Night  [An Album]  3:05" in out
    assert "q=blue+night" in next(c["url"] for c in fake.calls if "/search" in c["url"])


@pytest.mark.slow
def test_cli_without_credentials_is_one_line_and_exit_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DISCO_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "disco", "spotify", "import", PID, "--out",
                           str(tmp_path / "x.csv")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Spotify credentials missing")
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.csv").exists()


def test_cli_search_without_credentials(monkeypatch, capsys):
    monkeypatch.delenv("SPOTIPY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIPY_CLIENT_SECRET", raising=False)
    assert main(["spotify", "search", "abba"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SPOTIPY_CLIENT_ID and SPOTIPY_CLIENT_SECRET" in err[0]


def test_cli_send_logs_in_and_creates_the_playlist(tmp_path, monkeypatch, capsys):
    from disco.spotify import client as spotify_client

    fake = FakeSpotify()
    fake.add("POST", re.escape(TOKEN_URL), (200, {"access_token": "tok-user", "token_type": "Bearer",
                                                  "expires_in": 3600, "refresh_token": "r",
                                                  "scope": "playlist-modify-private"}, {}))
    fake.add("POST", r"/v1/me/playlists$", (201, {"id": "NEWPLAYLIST"}, {}))
    fake.add("POST", r"/v1/playlists/NEWPLAYLIST/items", (201, {"snapshot_id": "x"}, {}))
    monkeypatch.setattr(spotify_client, "make_session",
                        lambda *a, **k: spotify.make_session(backoff_factor=0.001, adapter=FakeAdapter(fake)))
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SPOTIPY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SPOTIPY_REDIRECT_URI", "http://127.0.0.1:8501/")
    ids = [sp_id(i) for i in range(3)]
    csv = tmp_path / "flow.csv"
    pd.DataFrame({"track_id": ids, "track_name": ["a", "b", "c"]}).to_csv(csv, index=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": "http://127.0.0.1:8501/?code=THECODE")

    assert main(["spotify", "send", str(csv), "--name", "My Flow"]) == 0
    out = capsys.readouterr().out
    assert "accounts.spotify.com/authorize" in out and "created https://open.spotify.com/playlist/NEWPLAYLIST" in out
    token_call = next(c for c in fake.calls if c["url"] == TOKEN_URL)
    assert "code=THECODE" in str(token_call["body"])
    create = next(c for c in fake.calls if c["url"].endswith("/me/playlists"))
    assert json.loads(create["body"])["name"] == "My Flow"
    added = next(json.loads(c["body"]) for c in fake.calls if "/NEWPLAYLIST/items" in c["url"])
    assert added == [f"spotify:track:{t}" for t in ids]
    assert SECRET not in out


def test_cli_send_without_login_says_downloads_remain(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPOTIPY_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SPOTIPY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SPOTIPY_REDIRECT_URI", "http://127.0.0.1:8501/")
    csv = tmp_path / "flow.csv"
    pd.DataFrame({"track_id": [sp_id(1)]}).to_csv(csv, index=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": "")
    assert main(["spotify", "send", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "not connected" in err and "CSV and M3U downloads remain" in err


@pytest.mark.real_data
@pytest.mark.slow
def test_name_matching_on_the_real_catalog(real_csv):
    from disco.data.catalog import load_catalog

    songs = load_catalog(real_csv).songs
    rng = np.random.default_rng(7)
    picks = rng.choice(len(songs), 300, replace=False)
    items = []
    for n, i in enumerate(picks):  # the same songs re-released under new ids, decorated titles
        suffix = (" - 2011 Remaster", " (feat. Somebody New)", "")[n % 3]
        items.append(entry(sp_track(sp_id(n), songs.at[i, "track_name"] + suffix,
                                    songs.at[i, "artist"].upper())))
    result = spotify.build_import(PID, "real", items, None, songs, features_refused=True)
    keys = (songs["artist"].map(normalize_name) + "|" + songs["track_name"].map(normalize_name))
    rows_of = keys.groupby(keys).indices  # normalised artist|title -> catalog rows
    assert result.sources.count("catalog_name") >= 0.97 * len(picks)  # empty names can't match
    for row, i in enumerate(picks):
        if result.sources[row] != "catalog_name":
            assert not normalize_name(songs.at[i, "track_name"])
            continue
        got = result.frame.loc[row, list(schema.FEATURES)].to_numpy(dtype=float)
        candidates = songs.loc[rows_of[keys.iat[i]], list(schema.FEATURES)].to_numpy(dtype=float)
        assert np.isclose(candidates, got).all(axis=1).any()
