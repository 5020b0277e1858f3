"""Spotify references, parsed in one place: track and playlist ids from ids, ``spotify:`` URIs and links."""

from __future__ import annotations

import re

ID = r"[0-9A-Za-z]{22}"
_LINK = r"(?:https?://)?open\.spotify\.com/(?:intl-[\w-]+/)?(?:embed/)?"
_TRACK = re.compile(rf"^\s*(?:spotify:track:(?P<a>{ID})|{_LINK}track/(?P<b>{ID})(?:[/?#]\S*)?|(?P<c>{ID}))\s*$")
_PLAYLIST = re.compile(rf"^\s*(?:spotify:(?:user:[^:\s]+:)?playlist:(?P<a>{ID})"
                       rf"|{_LINK}(?:user/[^/\s]+/)?playlist/(?P<b>{ID})(?:[/?#]\S*)?|(?P<c>{ID}))\s*$")
_TRACK_LINK = re.compile(rf"^\s*(?:spotify:track:|{_LINK}track/)(?P<id>[^?/#\s]+)")


def _match(pattern: re.Pattern, text: object) -> str | None:
    m = pattern.match(str(text))
    return None if m is None else (m.group("a") or m.group("b") or m.group("c"))


def parse_track_ref(text: object) -> str | None:
    """The track id in a Spotify id, ``spotify:track:`` URI or open.spotify.com link; else None."""
    return _match(_TRACK, text)


def parse_playlist_ref(text: object) -> str | None:
    """The playlist id in a Spotify id, ``spotify:playlist:`` URI or open.spotify.com link; else None."""
    return _match(_PLAYLIST, text)


def is_track_id(text: object) -> bool:
    """True for a bare 22-character Spotify id."""
    return isinstance(text, str) and re.fullmatch(ID, text) is not None


def track_id_of(text: object) -> str:
    """A song file's track id cell as DISCO keeps it: the id of a Spotify URI or link, else the text as is
    (stripped; files that are not from Spotify have ids of their own)."""
    s = str(text).strip()
    m = _TRACK_LINK.match(s)
    return m.group("id") if m else s
