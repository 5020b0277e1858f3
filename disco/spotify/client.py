"""A thin, robust wrapper over spotipy: credentials, retries, clear errors, no secret ever shown.

Every Spotify failure becomes a :class:`~disco.errors.SpotifyError` whose message says what
happened and what to do (401 bad credentials, 403 refused, 404 not found / private, 429 after
retries, no network). The HTTP session carries urllib3 retries (429 and 5xx, exponential backoff,
``Retry-After`` honoured up to a cap) and every request has a (connect, read) timeout.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import requests
import spotipy
from requests.adapters import HTTPAdapter
from spotipy.cache_handler import CacheHandler, MemoryCacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from disco.data.refs import is_track_id, parse_playlist_ref
from disco.errors import SpotifyError

ENV_CLIENT_ID = "SPOTIPY_CLIENT_ID"
ENV_CLIENT_SECRET = "SPOTIPY_CLIENT_SECRET"
ENV_REDIRECT_URI = "SPOTIPY_REDIRECT_URI"
USER_SCOPE = "playlist-modify-private"
RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (5.0, 20.0)  # seconds: (connect, read)
AUDIO_FEATURES_BATCH = 100
ADD_ITEMS_BATCH = 100
PAGE_SIZE = 100  # playlist items per request (the API maximum)

NOT_CONNECTED = (
    "not connected to Spotify: connect your Spotify account to send playlists there; "
    "the CSV and M3U downloads remain available"
)
FEATURES_GONE = (
    "Spotify no longer gives this app audio features (it answers 403: since 2024-11-27 "
    "audio-features, audio-analysis and recommendations are closed to new apps)"
)

# --------------------------------------------------------------------------- credentials
@dataclass(frozen=True)
class Credentials:
    """App credentials. ``repr`` never shows the secret (nor the id in full)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str | None = None
    origin: str = "environment"

    def __repr__(self) -> str:
        return (f"Credentials(client_id='{self.client_id[:4]}…', client_secret=<hidden>, "
                f"redirect_uri={self.redirect_uri!r}, origin={self.origin!r})")

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in any output (secret and its Basic-auth form)."""
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return tuple(s for s in (self.client_secret, basic) if s)


def _from_secrets(secrets) -> dict[str, str]:
    """SPOTIPY_* values of a secrets mapping (the dashboard's ``st.secrets``): flat keys or a ``[spotify]`` table."""
    if not secrets:
        return {}
    found = {k: str(secrets[k]) for k in (ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI) if k in secrets}
    section = secrets["spotify"] if "spotify" in secrets else {}
    for short, env in (("client_id", ENV_CLIENT_ID), ("client_secret", ENV_CLIENT_SECRET),
                       ("redirect_uri", ENV_REDIRECT_URI)):
        if short in section and env not in found:
            found[env] = str(section[short])
    return found


def resolve_credentials(client_id: str | None = None, client_secret: str | None = None,
                        redirect_uri: str | None = None, secrets=None) -> Credentials:
    """Credentials from the arguments, else the environment, else ``secrets`` (a mapping such as the
    dashboard's ``st.secrets``, with SPOTIPY_* keys or a ``[spotify]`` table).

    Raises SpotifyError naming what to set when the id or secret is missing.
    """
    origin = "arguments"
    if not (client_id and client_secret):
        env = {k: os.environ.get(k, "").strip() for k in (ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI)}
        origin = "environment"
        if not (env[ENV_CLIENT_ID] and env[ENV_CLIENT_SECRET]):
            given = _from_secrets(secrets)
            if given.get(ENV_CLIENT_ID) and given.get(ENV_CLIENT_SECRET):
                env, origin = {**env, **given}, "streamlit secrets"
        client_id = client_id or env[ENV_CLIENT_ID]
        client_secret = client_secret or env[ENV_CLIENT_SECRET]
        redirect_uri = redirect_uri or env[ENV_REDIRECT_URI] or None
    missing = [name for name, value in ((ENV_CLIENT_ID, client_id), (ENV_CLIENT_SECRET, client_secret))
               if not value]
    if missing:
        raise SpotifyError(
            f"Spotify credentials missing: set {' and '.join(missing)} (environment variables, or "
            "in .streamlit/secrets.toml for the dashboard); create an app at "
            "https://developer.spotify.com/dashboard to get them. Without Spotify, import songs "
            "from a CSV file instead")
    return Credentials(client_id, client_secret, redirect_uri, origin)


# --------------------------------------------------------------------------- HTTP session
class _RetryAfterTooLong(ResponseError):
    """A 429 whose Retry-After exceeds what we are willing to wait."""

    def __init__(self, seconds: float):
        super().__init__(f"Spotify asked to wait {seconds:.0f} s (Retry-After)")
        self.retry_after = seconds


class CappedRetry(Retry):
    """urllib3 Retry that gives up instead of sleeping for a very long Retry-After."""

    max_retry_after: float = 30.0

    def increment(self, method=None, url=None, response=None, error=None, _pool=None,
                  _stacktrace=None):
        wait = self.get_retry_after(response) if response is not None else None
        if wait is not None and wait > self.max_retry_after:
            raise MaxRetryError(_pool, url, _RetryAfterTooLong(wait))
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_retry(retries: int = 3, backoff_factor: float = 0.5,
               status_forcelist: Sequence[int] = RETRY_STATUSES,
               max_retry_after: float = 30.0) -> Retry:
    """spotipy's own retry policy (see ``Spotify._build_session``) with a Retry-After cap (s)."""
    cls = type("CappedRetry", (CappedRetry,), {"max_retry_after": float(max_retry_after)})
    return cls(total=retries, connect=None, read=False, status=retries,
               allowed_methods=frozenset(["GET", "POST", "PUT", "DELETE"]),
               backoff_factor=backoff_factor, status_forcelist=tuple(status_forcelist),
               respect_retry_after_header=True)


def make_session(retries: int = 3, backoff_factor: float = 0.5,
                 status_forcelist: Sequence[int] = RETRY_STATUSES, max_retry_after: float = 30.0,
                 adapter: HTTPAdapter | None = None) -> requests.Session:
    """A requests session retrying 429/5xx with exponential backoff.

    ``adapter`` replaces the transport (tests pass one that answers from memory); its
    ``max_retries`` is set to the same policy so retries behave as in production.
    """
    retry = make_retry(retries, backoff_factor, status_forcelist, max_retry_after)
    if adapter is None:
        adapter = HTTPAdapter(max_retries=retry)
    else:
        adapter.max_retries = retry
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --------------------------------------------------------------------------- logging hygiene
class _RedactFilter(logging.Filter):
    """spotipy logs request headers at DEBUG (Basic auth = id:secret): redact them."""

    _patterns = (re.compile(r"(Basic|Bearer)\s+[A-Za-z0-9+/=._\-]+"),
                 re.compile(r"('(?:access_token|refresh_token|client_secret)':\s*)'[^']*'"))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = self._patterns[0].sub(r"\1 <redacted>", message)
        redacted = self._patterns[1].sub(r"\1'<redacted>'", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT = _RedactFilter()
for _name in ("spotipy", "spotipy.client", "spotipy.oauth2"):
    if _REDACT not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_REDACT)


# --------------------------------------------------------------------------- errors
def _server_message(exc: SpotifyException) -> str:
    # spotipy puts "<url>:\n <message>" in msg; keep only the message.
    text = str(getattr(exc, "msg", "") or "")
    return text.split("\n", 1)[-1].strip() if text else ""


def translate_error(exc: BaseException, what: str, timeout: object = DEFAULT_TIMEOUT,
                    retries: int | None = None) -> SpotifyError:
    """One clear SpotifyError for any exception spotipy/requests raise while doing ``what``."""
    tries = f" after {retries} retries" if retries is not None else " after retries"
    if isinstance(exc, SpotifyOauthError):
        code = getattr(exc, "error", None) or ""
        if code in ("invalid_client", "unauthorized_client") or "invalid_client" in str(exc):
            return SpotifyError(
                f"Spotify rejected the app credentials ({code or 'invalid client'}) while {what}: "
                f"check {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (Spotify developer dashboard -> "
                "your app -> Settings)")
        if code == "invalid_grant":
            return SpotifyError(f"Spotify refused the authorization while {what} (invalid_grant): "
                                "the login code or refresh token expired; connect again")
        desc = getattr(exc, "error_description", None) or code or "authorization failed"
        return SpotifyError(f"Spotify authorization failed while {what}: {desc}")
    if isinstance(exc, SpotifyException):
        status = exc.http_status
        server = _server_message(exc)
        reason = getattr(exc, "reason", None)
        if isinstance(reason, _RetryAfterTooLong):
            return SpotifyError(f"Spotify is rate-limiting this app (429) while {what} and asks "
                                f"to wait {reason.retry_after:.0f} s: try again later")
        if status == 429 and "Max Retries" in str(exc.msg):
            detail = str(reason) if reason else ""
            m = re.search(r"too many (\d{3}) error", detail)
            if m and m.group(1) != "429":
                return SpotifyError(f"Spotify's servers kept failing ({m.group(1)}){tries} while "
                                    f"{what}: try again later")
            return SpotifyError(f"Spotify is rate-limiting this app (429 Too Many Requests){tries} "
                                f"while {what}: wait a minute and try again")
        if status == 401:
            return SpotifyError(
                f"Spotify answered 401 Unauthorized while {what}: the app credentials or access "
                f"token are invalid or expired; check {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
                + (f" ({server})" if server else ""))
        if status == 403:
            return SpotifyError(
                f"Spotify refused {what} (403 Forbidden{': ' + server if server else ''}). "
                "Apps in Spotify's Development Mode can no longer use audio features or "
                "recommendations (since 2024-11-27), and can read the items only of playlists "
                "the connected user owns or collaborates on (since 2026)")
        if status == 404:
            return SpotifyError(
                f"Spotify found nothing while {what} (404 Not Found): check the link; the "
                "playlist may be private or deleted, and Spotify-made (editorial or "
                "algorithmic) playlists are no longer served to apps")
        if status == 429:
            wait = (exc.headers or {}).get("Retry-After")
            return SpotifyError(f"Spotify is rate-limiting this app (429){tries} while {what}"
                                + (f"; it asks to wait {wait} s" if wait else "")
                                + ": try again later")
        if status is not None and status >= 500:
            return SpotifyError(f"Spotify's servers failed ({status}){tries} while {what}: "
                                "try again later")
        return SpotifyError(f"Spotify answered {status} while {what}"
                            + (f": {server}" if server else ""))
    if isinstance(exc, requests.exceptions.RetryError):
        return SpotifyError(f"Spotify kept failing{tries} while {what}: try again later")
    if isinstance(exc, requests.exceptions.Timeout):
        return SpotifyError(f"Spotify did not answer in time while {what} (timeout {timeout} s): "
                            "check your connection and try again")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return SpotifyError(f"cannot reach Spotify while {what}: no network connection? "
                            f"({type(exc).__name__})")
    return SpotifyError(f"Spotify request failed while {what}: {type(exc).__name__}")


# --------------------------------------------------------------------------- ids
def parse_playlist_id(ref: str) -> str:
    """The playlist id in an open.spotify.com URL, a ``spotify:playlist:`` URI or a bare id."""
    pid = parse_playlist_ref((ref or "").strip())
    if pid is None:
        raise SpotifyError(
            f"not a Spotify playlist link, URI or id: {ref!r}; expected "
            "https://open.spotify.com/playlist/<id>, spotify:playlist:<id> or the bare <id>")
    return pid


# --------------------------------------------------------------------------- client
@dataclass
class PlaylistItems:
    """A playlist's raw entries, in order (all pages)."""

    playlist_id: str
    name: str
    owner: str
    items: list[dict]


@dataclass(frozen=True)
class SentPlaylist:
    """A playlist created in the user's Spotify account."""

    playlist_id: str
    url: str
    added: int
    skipped: tuple[str, ...]  # ids that are not Spotify track ids


class SpotifyClient:
    """DISCO's view of the Spotify Web API; wraps a ``spotipy.Spotify``.

    Build one with :meth:`from_credentials` (app-only, client credentials) or
    :meth:`from_user_code` (a connected user, needed to create playlists); tests and the
    dashboard may inject any ``spotipy.Spotify`` (e.g. one on a fake HTTP session).
    """

    def __init__(self, sp: spotipy.Spotify, *, user: bool = False, secrets: Sequence[str] = (),
                 retries: int | None = None):
        self.sp = sp
        self.user = user
        self._secrets = tuple(s for s in secrets if s)
        self._retries = retries

    def __repr__(self) -> str:
        return f"SpotifyClient(auth={'user' if self.user else 'app'})"

    # -- construction
    @classmethod
    def from_credentials(cls, credentials: Credentials | None = None, *,
                         session: requests.Session | None = None,
                         timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                         retries: int = 3, backoff_factor: float = 0.5) -> SpotifyClient:
        """App-only client (client-credentials flow): search and public playlists."""
        creds = credentials or resolve_credentials()
        session = session or make_session(retries, backoff_factor)
        auth = spotipy.SpotifyClientCredentials(
            client_id=creds.client_id, client_secret=creds.client_secret,
            cache_handler=MemoryCacheHandler(), requests_session=session, requests_timeout=timeout)
        sp = spotipy.Spotify(auth_manager=auth, requests_session=session, requests_timeout=timeout,
                             retries=retries, status_retries=retries, backoff_factor=backoff_factor)
        return cls(sp, secrets=creds.secrets(), retries=retries)

    # -- error handling
    @contextlib.contextmanager
    def _call(self, what: str) -> Iterator[None]:
        try:
            yield
        except SpotifyError:
            raise
        except (SpotifyException, SpotifyOauthError, requests.exceptions.RequestException) as exc:
            error = translate_error(exc, what, self.sp.requests_timeout, self._retries)
            raise SpotifyError(self._redact(str(error))) from None

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<hidden>")
        return text

    # -- reading
    def search_tracks(self, query: str, limit: int = 10) -> list[dict]:
        """Tracks matching ``query`` (Spotify search syntax), best first; at most 50."""
        if not query.strip():
            raise SpotifyError("empty search: give words from a title and/or artist")
        with self._call(f"searching for {query!r}"):
            answer = self.sp.search(q=query, type="track", limit=max(1, min(int(limit), 50)))
        return [t for t in ((answer or {}).get("tracks") or {}).get("items") or [] if t]

    def playlist_items(self, ref: str, progress: bool = False) -> PlaylistItems:
        """Every entry of a playlist (all pages, in order), nulls and local files included."""
        pid = parse_playlist_id(ref)
        with self._call(f"opening playlist {pid}"):
            meta = self.sp.playlist(pid, fields="id,name,owner(display_name,id)") or {}
        owner = meta.get("owner") or {}
        items: list[dict] = []
        with self._call(f"reading the tracks of playlist {pid}"):
            page = self.sp.playlist_items(pid, limit=PAGE_SIZE, additional_types=("track",))
            bar = _progress(page, progress, meta.get("name") or pid)
            while page:
                items.extend(page.get("items") or [])
                if bar is not None:
                    bar.update(len(page.get("items") or []))
                page = self.sp.next(page) if page.get("next") else None
            if bar is not None:
                bar.close()
        return PlaylistItems(pid, str(meta.get("name") or pid),
                             str(owner.get("display_name") or owner.get("id") or ""), items)

    def audio_features(self, track_ids: Sequence[str]) -> dict[str, dict] | None:
        """Audio features by track id, batches of 100; None when Spotify refuses (403/404).

        Ids Spotify has no features for are absent from the dict.
        """
        found: dict[str, dict] = {}
        ids = [t for t in dict.fromkeys(track_ids) if is_track_id(t)]
        for start in range(0, len(ids), AUDIO_FEATURES_BATCH):
            batch = ids[start:start + AUDIO_FEATURES_BATCH]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    answer = self.sp.audio_features(batch)
            except SpotifyException as exc:
                if exc.http_status in (403, 404):
                    return None  # closed to this app: the caller says so once
                raise SpotifyError(self._redact(str(translate_error(
                    exc, "reading audio features", self.sp.requests_timeout, self._retries)))) from None
            except (SpotifyOauthError, requests.exceptions.RequestException) as exc:
                raise SpotifyError(self._redact(str(translate_error(
                    exc, "reading audio features", self.sp.requests_timeout, self._retries)))) from None
            for entry in answer or []:
                if entry and entry.get("id"):
                    found[entry["id"]] = entry
        return found

    # -- writing (needs a connected user)
    def send_playlist(self, name: str, track_ids: Sequence[str], description: str = "") -> SentPlaylist:
        """Create a private playlist in the connected user's account and add the tracks in order."""
        if not self.user:
            raise SpotifyError(NOT_CONNECTED)
        valid = [t for t in track_ids if is_track_id(t)]
        skipped = tuple(str(t) for t in track_ids if not is_track_id(t))
        if not valid:
            raise SpotifyError(f"nothing to send: none of the {len(track_ids)} songs has a Spotify "
                               "track id")
        with self._call(f"creating playlist {name!r}"):
            created = self.sp.current_user_playlist_create(
                name, public=False, description=description[:300])
        pid = created["id"]
        with self._call(f"adding tracks to playlist {name!r}"):
            for start in range(0, len(valid), ADD_ITEMS_BATCH):
                self.sp.playlist_add_items(pid, valid[start:start + ADD_ITEMS_BATCH])
        url = ((created.get("external_urls") or {}).get("spotify")
               or f"https://open.spotify.com/playlist/{pid}")
        return SentPlaylist(pid, url, len(valid), skipped)


def _progress(page: dict | None, enabled: bool, label: str):
    if not enabled or not page:
        return None
    from tqdm import tqdm

    return tqdm(total=page.get("total"), desc=f"reading {label}", unit="track", leave=False)


# --------------------------------------------------------------------------- user flow
def user_oauth(credentials: Credentials | None = None, *, cache_handler: CacheHandler | None = None,
               session: requests.Session | None = None, state: str | None = None,
               timeout: float | tuple[float, float] = DEFAULT_TIMEOUT) -> spotipy.SpotifyOAuth:
    """The OAuth helper for the user flow (scope ``playlist-modify-private``).

    The redirect URI comes from ``SPOTIPY_REDIRECT_URI`` and must be registered on the app
    (e.g. ``http://127.0.0.1:8501/`` for the dashboard). Tokens stay in memory by default.
    """
    creds = credentials or resolve_credentials()
    if not creds.redirect_uri:
        raise SpotifyError(
            f"set {ENV_REDIRECT_URI} to a redirect URI registered on your Spotify app (e.g. "
            "http://127.0.0.1:8501/ for the dashboard) to connect your Spotify account")
    return spotipy.SpotifyOAuth(
        client_id=creds.client_id, client_secret=creds.client_secret,
        redirect_uri=creds.redirect_uri, scope=USER_SCOPE, state=state, open_browser=False,
        cache_handler=cache_handler or MemoryCacheHandler(), requests_session=session or make_session(),
        requests_timeout=timeout)


def login_url(oauth: spotipy.SpotifyOAuth) -> str:
    """Where to send the user to grant DISCO access to create a private playlist."""
    return oauth.get_authorize_url()


def from_user_code(oauth: spotipy.SpotifyOAuth, code_or_url: str | None = None, *,
                   session: requests.Session | None = None, retries: int = 3,
                   backoff_factor: float = 0.5) -> SpotifyClient:
    """A user client from the code Spotify redirected back with (or the whole redirect URL).

    Without a code, uses a token already in the OAuth cache; raises SpotifyError when there is none.
    """
    secrets = (oauth.client_secret,)
    client = SpotifyClient(spotipy.Spotify(auth_manager=oauth, requests_session=session or make_session(
        retries, backoff_factor), requests_timeout=oauth.requests_timeout, retries=retries,
        status_retries=retries, backoff_factor=backoff_factor), user=True, secrets=secrets,
        retries=retries)
    with client._call("connecting your Spotify account"):
        if code_or_url:
            code = code_or_url
            if "code=" in code_or_url or "error=" in code_or_url:
                _state, code = oauth.parse_auth_response_url(code_or_url)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                oauth.get_access_token(code, as_dict=False, check_cache=False)
        elif not oauth.validate_token(oauth.cache_handler.get_cached_token()):
            raise SpotifyError(NOT_CONNECTED)
    return client
