"""Same song: one recording listed once, whatever its release, featuring credit or remaster tag.

Two songs are the same recording when they have the same artist and the same title once featuring credits
and release tags are stripped ("SOS" = "SOS (feat. Aloe Blacc)"; "Stairway to Heaven - 1990 Remaster" =
"Stairway To Heaven"; "- Radio Edit"), or when they have the same artist, the same duration (to the second)
and the same audio features (one recording released on several albums under other titles). Live versions,
remixes and other mixes stay distinct songs.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

# "(feat. X)", "[ft. X]", " - feat. X", "featuring X", "(with X)" at the end
_FEAT = re.compile(r"\s*[\(\[]\s*(?:feat|ft|featuring|with)\b\.?[^\)\]]*[\)\]]"
                   r"|\s+-\s+(?:feat|ft|featuring)\b\.?.*$|\s+(?:feat|ft|featuring)\.?\s.*$")
# release tags, alone in a bracket or after a dash: "- Remastered 2011", "(2009 Remaster)", "- Radio Edit"
_TAG_WORDS = (r"(?:remaster(?:ed)?(?:\s+version)?|radio\s+(?:edit|version)|single\s+version|album\s+version"
              r"|explicit(?:\s+version)?|clean(?:\s+version)?)")
_TAG = re.compile(rf"\s*[\(\[]\s*(?:\d{{4}}\s+)?{_TAG_WORDS}(?:\s+\d{{4}})?\s*[\)\]]"
                  rf"|\s+-\s+(?:\d{{4}}\s+)?{_TAG_WORDS}(?:\s+\d{{4}})?\s*$")
_NON_WORD = re.compile(r"[\W_]+")
_SAME_AUDIO = ("danceability", "energy", "loudness", "tempo", "valence", "acousticness")


def normalize_name(text: object) -> str:
    """Casefolded, accents stripped, featuring credits and release tags removed, punctuation -> spaces (letters
    of every script kept). ``"Beyoncé - Halo (feat. X) - 2011 Remaster"`` -> ``"beyonce halo"``."""
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKD", text.casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("&", " and ")
    for _ in range(2):  # "Song (feat. X) - 2011 Remaster"
        s = _TAG.sub("", _FEAT.sub("", s))
    return " ".join(_NON_WORD.sub(" ", s).split())


def song_key(artist: object, title: object) -> str:
    """The text that is equal for the same song by name: normalized artist and title."""
    return f"{normalize_name(artist)}\x1f{normalize_name(title)}"


def _normalized(values: pd.Series) -> pd.Series:
    """:func:`normalize_name` of each value, computed once per distinct value."""
    uniques = pd.unique(values.astype(str).to_numpy(dtype=object))
    table = dict(zip(uniques, map(normalize_name, uniques)))
    return values.astype(str).map(table)


def recording_ids(songs: pd.DataFrame) -> np.ndarray:
    """(n,) int codes, equal for rows of ``songs`` that are the same recording (see the module). Rows with
    neither artist nor title are their own recording."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(songs)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    artist = _normalized(songs["artist"])
    title = _normalized(songs["track_name"])
    blank = ((artist == "") & (title == "")).to_numpy()
    groups = [pd.factorize(artist + "\x1f" + title)[0]]
    if all(c in songs for c in _SAME_AUDIO + ("duration_ms",)):
        audio = songs[list(_SAME_AUDIO)].round(4).assign(
            seconds=(pd.to_numeric(songs["duration_ms"], errors="coerce") / 1000).round(), artist=artist)
        groups.append(audio.groupby(list(audio.columns), sort=False, dropna=False).ngroup().to_numpy())
    rows, firsts = [], []
    for codes in groups:
        codes = np.where(blank, -1, codes)
        order = np.argsort(codes, kind="stable")
        first = np.empty(n, dtype=np.int64)
        sorted_codes = codes[order]
        start = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
        first[order] = order[np.maximum.accumulate(np.where(start, np.arange(n), 0))]
        keep = codes >= 0
        rows.append(np.flatnonzero(keep))
        firsts.append(first[keep])
    i, j = np.concatenate(rows), np.concatenate(firsts)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return pd.factorize(labels)[0].astype(np.int64)
