"""A fake Spotify Web API behind the real client (no network): the transport, made-up tracks and playlists."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urlparse

import numpy as np
import urllib3
from requests.adapters import HTTPAdapter

from disco import spotify
from disco.data import schema

API = "https://api.spotify.com/v1"
TOKEN_URL = "https://accounts.spotify.com/api/token"
PID = "37i9dQZF1DXcBWIGoYBM5M"
SECRET = "s3cr3t-DISCO-test-0123456789abcdef"
CLIENT_ID = "clientid0123456789abcdef"


# --------------------------------------------------------------------------- fake transport
class FakeSpotify:
    """Routes (method, URL regex) to queued answers; the last answer of a route repeats."""

    def __init__(self):
        self.routes: list[tuple[str, re.Pattern, list]] = []
        self.calls: list[dict] = []

    def add(self, method: str, pattern: str, *answers) -> None:
        """answers: (status, json_body_or_None, headers) or an exception instance to raise."""
        self.routes.insert(0, (method, re.compile(pattern), list(answers)))

    def answer(self, method: str, url: str, headers, body):
        self.calls.append({"method": method, "url": url, "headers": dict(headers or {}), "body": body})
        for m, pattern, answers in self.routes:
            if m == method and pattern.search(url):
                return answers.pop(0) if len(answers) > 1 else answers[0]
        return (599, {"error": {"status": 599, "message": f"no fake route for {method} {url}"}}, {})

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for c in self.calls if c["method"] == method and re.search(pattern, c["url"]))


class _Pool(urllib3.HTTPSConnectionPool):
    def __init__(self, fake: FakeSpotify, host: str, port: int):
        super().__init__(host, port)
        self.fake = fake

    def _make_request(self, conn, method, url, body=None, headers=None, retries=None, timeout=None,
                      chunked=False, response_conn=None, preload_content=True, decode_content=True,
                      enforce_content_length=True, **_):
        got = self.fake.answer(method, f"https://{self.host}{url}", headers, body)
        if isinstance(got, Exception):
            raise got
        status, payload, extra = got
        data = b"" if payload is None else json.dumps(payload).encode()
        hdrs = {"Content-Type": "application/json", "Content-Length": str(len(data)), **extra}
        return urllib3.HTTPResponse(body=io.BytesIO(data), headers=hdrs, status=status,
                                    preload_content=preload_content, decode_content=decode_content,
                                    request_method=method, request_url=url, retries=retries)


class FakeAdapter(HTTPAdapter):
    def __init__(self, fake: FakeSpotify):
        super().__init__()
        self.fake = fake
        self._pools: dict = {}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        u = urlparse(request.url)
        key = (u.hostname, u.port or 443)
        if key not in self._pools:
            self._pools[key] = _Pool(self.fake, *key)
        return self._pools[key]


RETRIES = 2


def app_client(fake: FakeSpotify, retries: int = RETRIES) -> spotify.SpotifyClient:
    """A client-credentials client whose HTTP goes to ``fake`` (tiny backoff: no slow tests)."""
    fake.add("POST", re.escape(TOKEN_URL), (200, {"access_token": "tok-abc", "token_type": "Bearer",
                                                  "expires_in": 3600}, {}))
    session = spotify.make_session(retries=retries, backoff_factor=0.001, adapter=FakeAdapter(fake))
    creds = spotify.Credentials(CLIENT_ID, SECRET)
    return spotify.SpotifyClient.from_credentials(creds, session=session, retries=retries,
                                                  backoff_factor=0.001)


def token_client(fake: FakeSpotify, user: bool = False) -> spotify.SpotifyClient:
    """A client on a fixed access token (spotipy's ``auth=``)."""
    import spotipy

    session = spotify.make_session(retries=RETRIES, backoff_factor=0.001, adapter=FakeAdapter(fake))
    return spotify.SpotifyClient(spotipy.Spotify(auth="tok-user", requests_session=session), user=user,
                                 retries=RETRIES)


# --------------------------------------------------------------------------- made-up API answers
def sp_track(tid: str, name: str, artist: str, **extra) -> dict:
    return {"id": tid, "name": name, "type": "track", "is_local": False, "popularity": 50,
            "duration_ms": 200_000, "artists": [{"name": artist}], "album": {"name": "An Album"},
            "uri": f"spotify:track:{tid}", **extra}


def sp_id(i: int) -> str:
    return f"S{i:021d}"  # 22 chars, base 62, not in the made-up catalog


def add_playlist(fake: FakeSpotify, entries: list[dict], name: str = "Road Trip", page: int = 100,
                 new_shape_from: int | None = None) -> None:
    """Serve ``entries`` (playlist item objects) in pages, like GET /playlists/{id}/items."""
    fake.add("GET", rf"/v1/playlists/{PID}\?", (200, {"id": PID, "name": name,
                                                       "owner": {"display_name": "me"}}, {}))
    total = len(entries)
    for offset in range(0, max(total, 1), page):
        chunk = entries[offset:offset + page]
        if new_shape_from is not None and offset >= new_shape_from:  # 2026 shape: "item"
            chunk = [{("item" if k == "track" else k): v for k, v in e.items()} for e in chunk]
        nxt = f"{API}/playlists/{PID}/items?offset={offset + page}&limit={page}" \
            if offset + page < total else None
        fake.add("GET", rf"/v1/playlists/{PID}/items\?(?=.*offset={offset}(&|$))",
                 (200, {"items": chunk, "next": nxt, "total": total, "offset": offset,
                        "limit": page}, {}))


def entry(track: dict | None, is_local: bool = False) -> dict:
    return {"added_at": "2024-01-01T00:00:00Z", "is_local": is_local, "track": track}


def features_for(tid: str, rng: np.random.Generator) -> dict:
    f = {k: float(rng.uniform(0.05, 0.95)) for k in schema.BOUNDED_FEATURES}
    return {"id": tid, **f, "loudness": -7.5, "key": int(rng.integers(0, 12)),
            "mode": int(rng.integers(0, 2)), "tempo": float(rng.uniform(80, 170)),
            "duration_ms": 200_000}


FORBIDDEN = (403, {"error": {"status": 403, "message": "Forbidden"}}, {})
