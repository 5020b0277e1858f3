"""Seed search over "artist - title": case-, accent- and punctuation-insensitive, typo-tolerant.

Ranking: exact matches (of "artist title" or the title alone) first, then prefix matches, then
songs holding every query word, then the rest by rapidfuzz's WRatio. Large catalogs
(> ``full_scan_max`` songs) are first narrowed by a word index: each query word is matched
fuzzily against the vocabulary of words, and the songs holding the best-matching words become the
candidates that WRatio scores. Exact and prefix matches come from sorted lists (binary search).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from typing import Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^\w]+|_+")
_APOSTROPHES = re.compile(r"['\u2019\u00b4`]")

TIER_EXACT, TIER_PREFIX, TIER_ALL_WORDS, TIER_FUZZY = 3, 2, 1, 0
CLOSE_TOKENS, CLOSE_PARTIAL = 70.0, 88.0  # see SongSearch._close


def normalize(text: str) -> str:
    """``"Beyoncé - Don't Stop!"`` -> ``"beyonce dont stop"``: NFKD, no accents, lowercase, words only."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text.casefold())
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalize_many(texts: Iterable[str]) -> list[str]:
    """:func:`normalize` for many strings (vectorized where pandas can)."""
    s = pd.Series(list(texts), dtype=object).astype(str)
    s = s.str.normalize("NFKD")
    ascii_only = s.map(str.isascii)
    if not ascii_only.all():  # drop combining marks only where there are non-ASCII characters
        s[~ascii_only] = s[~ascii_only].map(lambda t: "".join(c for c in t if not unicodedata.combining(c)))
    s = s.str.casefold().str.replace(_APOSTROPHES, "", regex=True)
    s = s.str.replace(_NON_WORD, " ", regex=True).str.strip().str.replace(r"\s+", " ", regex=True)
    return s.tolist()


class SongSearch:
    """Index of "artist - title" strings; :meth:`search` returns (index, score, tier) best first.

    candidates: how many songs (by word coverage) WRatio scores per query.
    full_scan_max: up to this many songs, a query whose words match no word of the catalog
    falls back to scoring every song with WRatio (e.g. words run together: "edsheeran").
    """

    def __init__(self, artists: Iterable[str], titles: Iterable[str], candidates: int = 500,
                 full_scan_max: int = 100_000):
        titles = normalize_many(titles)
        self.keys = [f"{a} {t}".strip() for a, t in zip(normalize_many(artists), titles)]
        self.titles = titles
        self.n = len(self.keys)
        self.candidates = candidates
        self.full_scan_max = full_scan_max
        # sorted (text, index) lists: exact and prefix lookups by binary search
        self._sorted_keys = sorted(zip(self.keys, range(self.n)))
        self._sorted_titles = sorted(zip(titles, range(self.n)))
        self._sk = [k for k, _ in self._sorted_keys]
        self._st = [k for k, _ in self._sorted_titles]
        self._build_word_index()

    def _build_word_index(self) -> None:
        words = pd.Series(self.keys, dtype=object).str.split().explode()
        words = words[words.notna() & (words != "")]
        codes, vocab = pd.factorize(words.to_numpy(dtype=object))
        order = np.argsort(codes, kind="stable")
        self._post_songs = words.index.to_numpy()[order].astype(np.int32)
        self._post_start = np.searchsorted(codes[order], np.arange(len(vocab) + 1))
        self._vocab = [str(w) for w in vocab]
        self._vocab_sorted = sorted(zip(self._vocab, range(len(self._vocab))))
        self._vs = [w for w, _ in self._vocab_sorted]
        self._vocab_ids = {w: i for i, w in enumerate(self._vocab)}
        # vocabulary grouped by word length: a typo'd word is compared only with words of similar length
        lengths = np.fromiter((len(w) for w in self._vocab), dtype=np.int64, count=len(self._vocab))
        self._by_len = np.argsort(lengths, kind="stable")
        self._by_len_words = [self._vocab[i] for i in self._by_len]
        self._len_sorted = lengths[self._by_len]

    @staticmethod
    def _prefix(sorted_text: list[str], pairs: list[tuple[str, int]], q: str, cap: int) -> list[int]:
        lo = bisect.bisect_left(sorted_text, q)
        hi = bisect.bisect_left(sorted_text, q + "\U0010ffff", lo)
        return [pairs[j][1] for j in range(lo, min(hi, lo + cap))]

    def coverage(self, words: list[str]) -> np.ndarray:
        """(n,) float32 in 0..1: mean over query words of the best fuzzy match among the song's words."""
        cov = np.zeros(self.n, dtype=np.float32)
        if not words or not self._vocab:
            return cov
        for pos, w in enumerate(words):
            matched = self._similar_words(w)
            if pos == len(words) - 1 and len(w) >= 2:  # the word being typed: complete it
                for v in self._prefix(self._vs, self._vocab_sorted, w, 200):
                    matched[v] = max(matched.get(v, 0.0), 90.0)
            best = np.zeros(self.n, dtype=np.float32)
            for v, score in sorted(matched.items(), key=lambda kv: kv[1]):  # ascending: best written last
                best[self._post_songs[self._post_start[v]:self._post_start[v + 1]]] = score
            cov += best
        return cov / (100.0 * len(words))

    def _similar_words(self, word: str, cutoff: float = 70.0) -> dict[int, float]:
        """Vocabulary ids -> similarity (0..100) of words within ``cutoff`` of ``word``.

        A word found as is in the vocabulary is taken as meant (no fuzzy neighbours): fast, and
        neighbours of a correct word ("care" -> "cars") only add noise.
        """
        if word in self._vocab_ids:
            return {self._vocab_ids[word]: 100.0}
        # fuzz.ratio = 2*common/(a+b) >= c needs b within [a*c/(2-c), a*(2-c)/c]
        c = cutoff / 100.0
        lo = np.searchsorted(self._len_sorted, int(np.ceil(len(word) * c / (2 - c))), side="left")
        hi = np.searchsorted(self._len_sorted, int(len(word) * (2 - c) / c), side="right")
        if hi <= lo:
            return {}
        sim = process.cdist([word], self._by_len_words[lo:hi], scorer=fuzz.ratio, processor=None,
                            score_cutoff=cutoff, dtype=np.uint8)[0]
        hit = np.flatnonzero(sim)
        return dict(zip(self._by_len[lo + hit].tolist(), sim[hit].astype(float).tolist()))

    def search(self, query: str, limit: int = 10) -> pd.DataFrame:
        """Best ``limit`` songs for ``query``: DataFrame [index, score (0..100), tier, confident] best first;
        ``confident``: an exact, prefix or all-words hit, or a fuzzy one close enough to be meant."""
        q = normalize(query)
        out = pd.DataFrame({"index": np.empty(0, np.int64), "score": np.empty(0, np.float64),
                            "tier": np.empty(0, np.int64), "confident": np.empty(0, bool)})
        if not q or self.n == 0 or limit <= 0:
            return out
        words = q.split()
        tiers: dict[int, int] = {}
        for i in (self._prefix(self._sk, self._sorted_keys, q, 300)
                  + self._prefix(self._st, self._sorted_titles, q, 300)):
            exact = self.keys[i] == q or self.titles[i] == q
            tiers[i] = max(tiers.get(i, 0), TIER_EXACT if exact else TIER_PREFIX)
        cov = self.coverage(words)
        hit = np.flatnonzero(cov > 0)
        if len(hit) > self.candidates:
            hit = hit[np.argpartition(-cov[hit], self.candidates - 1)[: self.candidates]]
        if len(hit) == 0 and self.n <= self.full_scan_max:
            found = process.extract(q, self.keys, scorer=fuzz.WRatio, limit=self.candidates, score_cutoff=60)
            hit = np.array([i for _, _, i in found], dtype=np.int64)
        cand = np.union1d(hit, np.fromiter(tiers, dtype=np.int64, count=len(tiers))).astype(np.int64)
        if len(cand) == 0:
            return out
        wr = process.cdist([q], [self.keys[i] for i in cand], scorer=fuzz.WRatio, dtype=np.float32)[0]
        score = 0.7 * 100 * cov[cand] + 0.3 * wr.astype(np.float64)
        tier = np.array([tiers.get(int(i), TIER_FUZZY) for i in cand], dtype=np.int64)
        qwords = set(words)
        for j in np.flatnonzero((tier == TIER_FUZZY) & (cov[cand] >= 0.999)):
            if qwords <= set(self.keys[cand[j]].split()):  # every word, in any order
                tier[j] = TIER_ALL_WORDS
        score[tier == TIER_EXACT] = 100.0
        best = np.argsort(-(tier * 1000 + score), kind="stable")[:limit]
        keys = [self.keys[i] for i in cand[best]]
        confident = (tier[best] > TIER_FUZZY) | self._close(q, keys)
        return pd.DataFrame({"index": cand[best], "score": np.round(score[best], 1), "tier": tier[best],
                             "confident": confident})

    @staticmethod
    def _close(query: str, keys: list[str]) -> np.ndarray:
        """A fuzzy hit is a confident match when the query's words, typos aside, are the song's
        (token-set ratio >= CLOSE_TOKENS) and the query reads as a part of its text (partial ratio >=
        CLOSE_PARTIAL). Measured on the real catalog: typo'd titles and artists pass (lowest 74 / 92); artists
        that are not in it ("sigur ros", "mogwai", "portishead") do not (highest 65 / 86)."""
        if not keys:
            return np.zeros(0, dtype=bool)
        tokens = process.cdist([query], keys, scorer=fuzz.token_set_ratio, dtype=np.float32)[0]
        partial = process.cdist([query], keys, scorer=fuzz.partial_ratio, dtype=np.float32)[0]
        return (tokens >= CLOSE_TOKENS) & (partial >= CLOSE_PARTIAL)
