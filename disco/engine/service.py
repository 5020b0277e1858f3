"""The facade the CLI and the dashboard use: a catalog, its song arrays and the flow model, and the engine.

>>> disco = Disco.load()                                   # default catalog and trained model
>>> pl = disco.build(["Ed Sheeran - Shape of You"], EngineSettings(), length=20)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from disco.data.refs import is_track_id, parse_track_ref
from disco.engine.playlist import Playlist
from disco.engine.pools import CandidatePool
from disco.engine.reorder import reorder_songs
from disco.engine.score import fit_arc, score_order
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.errors import CatalogError, SeedError
from disco.model.arrays import Predictor, SongArrays

MAX_REORDER = 1000  # songs; local search is quadratic per pass
MIN_SEARCH_SCORE = 50.0  # catalog.search scores are 0..100


@dataclass
class TrackList:
    """Songs read from a user's file: ``indices`` into ``catalog``/``arrays`` (file order, repeats removed),
    ``unknown`` ids not found in the catalog, ``repeats`` how many repeated songs were dropped."""

    catalog: object
    arrays: SongArrays
    indices: np.ndarray
    source: str
    unknown: list[str] = field(default_factory=list)
    repeats: int = 0
    invalid: list[str] = field(default_factory=list)  # "line N: 'text'" of lines that are no track id

    def summary(self) -> str:
        parts = [f"{len(self.indices)} songs from {self.source}"]
        if self.repeats:
            parts.append(f"{self.repeats} repeated songs ignored")
        if self.unknown:
            more = f" (+{len(self.unknown) - 5} more)" if len(self.unknown) > 5 else ""
            parts.append(f"{len(self.unknown)} ids not in the catalog, ignored: {', '.join(self.unknown[:5])}{more}")
        if self.invalid:
            more = f" (+{len(self.invalid) - 5} more)" if len(self.invalid) > 5 else ""
            parts.append(f"{len(self.invalid)} lines are not Spotify track ids, ignored: "
                         f"{', '.join(self.invalid[:5])}{more}")
        return "; ".join(parts)


class Disco:
    """Catalog, its SongArrays and a predictor; builds and reorders playlists.

    ``model`` (a :class:`disco.flow.FlowModel`) is optional: tests can pass any predictor and arrays.
    """

    def __init__(self, catalog, arrays: SongArrays, predictor: Predictor, model=None):
        if len(arrays) != len(catalog.songs):
            raise ValueError(f"arrays have {len(arrays)} songs, the catalog {len(catalog.songs)}")
        self.catalog = catalog
        self.arrays = arrays
        self.predictor = predictor
        self.model = model
        self._labels: dict[str, list[int]] | None = None

    @classmethod
    def load(cls, data_path: str | Path | None = None, models_dir: str | Path | None = None,
             network: str | None = None) -> "Disco":
        """The catalog at ``data_path`` (default: the TidyTuesday CSV in ``$DISCO_DATA_DIR``) and the trained
        model in ``models_dir`` (default ``models/``), optionally a given ``network`` of its card."""
        from disco.data.catalog import load_catalog, load_default_catalog
        from disco.model.bundle import FlowModel

        model = FlowModel.load(models_dir=models_dir, network=network)
        catalog = load_default_catalog() if data_path is None else load_catalog(data_path)
        return cls.from_model(catalog, model)

    @classmethod
    def from_model(cls, catalog, model) -> "Disco":
        """A catalog with an already loaded :class:`~disco.flow.FlowModel` (its arrays computed here)."""
        return cls(catalog, model.song_arrays(catalog), model.stepper, model=model)

    # -- seeds -----------------------------------------------------------------------------------------------
    def _label_index(self) -> dict[str, list[int]]:
        if self._labels is None:
            labels: dict[str, list[int]] = {}
            for i, text in enumerate(self.catalog.labels()):
                labels.setdefault(text.casefold().strip(), []).append(i)
            self._labels = labels
        return self._labels

    def _most_popular(self, idx: Sequence[int]) -> int:
        """Among releases of the same song, the most popular (then the first)."""
        idx = list(idx)
        if len(idx) == 1 or "popularity" not in self.catalog.songs:
            return int(idx[0])
        pop = np.nan_to_num(self.catalog.songs["popularity"].to_numpy(np.float64)[idx], nan=-1.0)
        return int(idx[int(np.argmax(pop))])

    def resolve_seed(self, seed: str | int) -> int:
        """Song index of ``seed``: an index, a Spotify id/URI/URL, an exact ``"artist - title"``
        (case-insensitive; the most popular release when listed several times) or a search query.

        Raises :class:`SeedError` with the closest matches when nothing matches well or several songs
        match equally well.
        """
        n = len(self.catalog.songs)
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            if not 0 <= int(seed) < n:
                raise SeedError(f"song index {seed} out of range (the catalog has {n} songs)")
            return int(seed)
        text = str(seed).strip()
        if not text:
            raise SeedError("empty seed: give 'artist - title', a Spotify track id/URI/URL or a search text")
        ref = parse_track_ref(text)
        if ref is not None:
            try:
                return int(self.catalog.index_of([ref])[0])
            except KeyError:
                if not is_track_id(text):  # a URI/URL names a track: no fuzzy fallback
                    raise SeedError(f"track {ref} ({text}) is not in the catalog") from None
        exact = self._label_index().get(text.casefold())
        if exact:
            return self._most_popular(exact)
        hits = self.catalog.search(text, limit=8)
        if len(hits) == 0:
            raise SeedError(f"no song matches {text!r}; try 'artist - title' or a Spotify track id")
        hits = hits.assign(key=self.catalog.recordings[hits["index"].to_numpy()])
        closest = "; ".join(f"{lab} ({sc:.0f})" for lab, sc in
                            zip(hits.drop_duplicates("key")["label"][:5], hits.drop_duplicates("key")["score"][:5]))
        top = hits.iloc[0]
        if float(top["score"]) < MIN_SEARCH_SCORE:
            raise SeedError(f"no song matches {text!r} well; closest: {closest}")
        same_score = hits[hits["score"] == top["score"]]
        if same_score["key"].nunique() > 1:
            count = same_score["key"].nunique()
            many = f"{count}+" if len(same_score) == len(hits) else str(count)
            raise SeedError(f"{text!r} matches {many} songs equally well: {closest}; "
                            "give 'artist - title' exactly or a Spotify track id")
        return self._most_popular(same_score["index"].tolist())

    def resolve_seeds(self, seeds: Sequence[str | int]) -> list[int]:
        """:meth:`resolve_seed` of each; SeedError when two seeds are the same song."""
        idx = [self.resolve_seed(s) for s in seeds]
        if len(set(idx)) != len(idx):
            dup = [self.catalog.label(i) for i in idx if idx.count(i) > 1][0]
            raise SeedError(f"the same song is given twice as a seed: {dup}")
        return idx

    # -- build / reorder -------------------------------------------------------------------------------------
    def pool(self, seeds: Sequence[int], source: str = "union", size: int = 300, random_state: int = 0) -> np.ndarray:
        """Candidate song indices around ``seeds`` (see :class:`disco.candidates.CandidatePool`)."""
        return CandidatePool(source, size, random_state).select(self.catalog, self.arrays, seeds)

    def build(self, seeds: Sequence[str | int], settings: EngineSettings | None = None, *, length: int = 20,
              pool: str = "union", pool_size: int = 300) -> Playlist:
        """A playlist of ``length`` songs (seeds included, first, in order) from a ``pool`` of ``pool_size``
        candidates around the seeds, under ``settings`` (default: the DJ preset)."""
        settings = EngineSettings() if settings is None else settings
        if not seeds:
            raise SeedError("give at least one seed song")
        idx = self.resolve_seeds(seeds)
        candidates = self.pool(idx, pool, pool_size)
        out = build_playlist(idx, candidates, length, settings, arrays=self.arrays, predictor=self.predictor)
        out.info.update({"pool": pool, "pool_size_asked": int(pool_size), "network": self.network_name})
        return out

    @property
    def network_name(self) -> str | None:
        return None if self.model is None else getattr(self.model, "name", None)

    def read_track_list(self, path: str | Path) -> TrackList:
        """Songs of a file: a text file of Spotify ids/URIs/URLs (one per line, ``#`` comments) looked up in
        the catalog, or a song table in any schema :mod:`disco.catalog` reads (its own features are used,
        so its songs need not be in the catalog)."""
        path = Path(path)
        if not path.is_file():
            raise CatalogError(f"no such file: {path}")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith("#")]
        head = lines[:5]
        # an id list when most of its first lines are ids: its bad lines are then reported by line number
        if head and 2 * sum(parse_track_ref(ln) is not None for ln in head) > len(head):
            return self._read_id_list(path, lines)
        from disco.data.catalog import load_catalog

        cat = load_catalog(path)
        if len(cat.songs) == 0:
            raise CatalogError(f"{path} holds no songs")
        arrays = self.model.song_arrays(cat) if self.model is not None else None
        if arrays is None:  # no model (tests): look the songs up in our catalog instead
            return self._read_id_list(path, cat.songs["track_id"].tolist())
        return TrackList(cat, arrays, np.arange(len(cat.songs), dtype=np.int64), str(path))

    def _read_id_list(self, path: Path, lines: Sequence[str]) -> TrackList:
        # a line that is no id is reported with its line number (in `invalid`), never fatal
        invalid = [f"line {i + 1}: {ln!r}" for i, ln in enumerate(lines) if parse_track_ref(ln) is None]
        ids = [t for t in map(parse_track_ref, lines) if t is not None]
        found, unknown, seen = [], [], set()
        for t in ids:
            try:
                i = int(self.catalog.index_of([t])[0])
            except KeyError:
                unknown.append(t)
                continue
            if i not in seen:
                seen.add(i)
                found.append(i)
        repeats = len(ids) - len(unknown) - len(found)
        if not found:
            raise CatalogError(f"{path}: none of its {len(ids)} track ids is in the catalog "
                               f"(first: {ids[0] if ids else '-'}; {len(invalid)} lines are not ids)")
        return TrackList(self.catalog, self.arrays, np.array(found, dtype=np.int64), str(path), unknown, repeats,
                         invalid)

    def _tracks(self, tracks) -> "TrackList":
        if isinstance(tracks, TrackList):
            return tracks
        idx = np.array(self.resolve_seeds(list(tracks)), dtype=np.int64)
        return TrackList(self.catalog, self.arrays, idx, "arguments")

    def reorder(self, tracks: "TrackList | Sequence[str | int]", settings: EngineSettings | None = None, *,
                keep_first: bool = True, improve: bool = True) -> Playlist:
        """The given songs in the order of lowest summed loss (first song kept unless ``keep_first=False``).

        ``tracks``: a :class:`TrackList` (then render with ``tracks.catalog``) or songs as for :meth:`build`.
        """
        settings = EngineSettings() if settings is None else settings
        tracks = self._tracks(tracks)
        if len(tracks.indices) > MAX_REORDER:
            raise CatalogError(f"{tracks.source} has {len(tracks.indices)} songs; reorder handles at most "
                               f"{MAX_REORDER} (give one playlist)")
        out = reorder_songs(tracks.indices, settings, arrays=tracks.arrays, predictor=self.predictor,
                            keep_first=keep_first, improve=improve)
        out.info.update({"source": tracks.source, "network": self.network_name})
        return out

    def score(self, tracks: "TrackList | Sequence[str | int]", settings: EngineSettings | None = None) -> Playlist:
        """The loss of the songs in the order given, move by move (the first song is the start)."""
        settings = EngineSettings() if settings is None else settings
        tracks = self._tracks(tracks)
        settings = fit_arc(settings, tracks.arrays, tracks.indices)
        out = score_order(tracks.indices, settings, arrays=tracks.arrays, predictor=self.predictor)
        out.info.update({"source": tracks.source, "network": self.network_name})
        return out
