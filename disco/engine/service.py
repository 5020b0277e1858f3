"""The facade the CLI and the dashboard use: a catalog, its song arrays and the flow model, and the engine.

>>> disco = Disco.load()                                   # default catalog and trained model
>>> pl = disco.build(["Ed Sheeran - Shape of You"], EngineSettings(), length=20)
>>> disco.alternatives(pl, 5)                              # songs that could take position 5
>>> pl = disco.build(["Ed Sheeran - Shape of You"], locked={5: 1234}, banned=[99], target_minutes=60)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from disco.data.refs import is_track_id, parse_track_ref
from disco.engine import planning
from disco.engine.editing import slot_alternatives
from disco.engine.playlist import Playlist, RequestError
from disco.engine.pools import CandidatePool, PoolFilters
from disco.engine.reorder import reorder_songs
from disco.engine.score import fit_arc, score_order
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.errors import CatalogError, SeedError
from disco.model.arrays import Predictor, SongArrays
from disco.wording import listed, plural

MAX_REORDER = 1000  # songs; local search is quadratic per pass
SHOWN_TEXT = 80  # characters of a user's text echoed back in a message


@dataclass
class TrackList:
    """Songs read from a user's file: ``indices`` into ``catalog``/``arrays`` (file order, each song once).
    What was not taken is listed: ``unknown`` ids not in the catalog, ``repeats`` (line or row numbers of
    songs already listed), ``invalid`` lines that are no track id, and a song table's load ``report``."""

    catalog: object
    arrays: SongArrays
    indices: np.ndarray
    source: str
    unknown: list[str] = field(default_factory=list)
    repeats: list[int] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # "line N: 'text'" of lines that are no track id
    report: object = None  # the song table's LoadReport
    predictor: object = None  # the network for these songs' features (None: the Disco's)
    status: object = None  # its FlowStatus

    def summary(self) -> str:
        """One line: the songs taken and everything merged or left out, with line or row numbers."""
        parts = [f"{plural(len(self.indices), 'song')} from {self.source}"]
        report = self.report
        if report is not None:
            if report.repeated_track_rows:
                parts.append(f"merged as repeats of an earlier track: {plural(report.repeated_track_rows, 'row')} "
                             f"(rows {listed(report.repeated_track_examples, report.repeated_track_rows)})")
            for reason, count in report.excluded.items():
                parts.append(f"left out, {reason}: {plural(count, 'row')} "
                             f"(rows {listed(report.examples.get(reason, []), count)})")
        elif self.repeats:
            parts.append(f"merged as repeats of an earlier song: {plural(len(self.repeats), 'line')} "
                         f"(lines {listed(self.repeats)})")
        if self.unknown:
            parts.append(f"not in the catalog, left out: {plural(len(self.unknown), 'id')} ({listed(self.unknown)})")
        if self.invalid:
            parts.append(f"not a Spotify track id, left out: {plural(len(self.invalid), 'line')} "
                         f"({listed(self.invalid)})")
        if self.status is not None:
            parts.append(self.status.describe())
        return "; ".join(parts)


def shorten(text: str, limit: int = SHOWN_TEXT) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters (a pasted novel is not echoed back)."""
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


class Disco:
    """Catalog, its SongArrays and a predictor; builds and reorders playlists.

    ``model`` (a :class:`~disco.model.bundle.FlowModel`) is optional: tests can pass any predictor and arrays.
    Made by :meth:`load`, the catalog is read when first needed: reordering or scoring a song file of one's own
    needs only the model.
    """

    def __init__(self, catalog, arrays: SongArrays, predictor: Predictor, model=None, status=None):
        if len(arrays) != len(catalog.songs):
            raise ValueError(f"arrays have {len(arrays)} songs, the catalog {len(catalog.songs)}")
        self._songs = (catalog, arrays, predictor, status)  # status: the model's FlowStatus for these songs
        self._load_catalog = None
        self.model = model
        self._labels: dict[str, list[int]] | None = None

    fill = None  # songs -> songs, applied to every song table read before the model sees it (see load)

    @classmethod
    def load(cls, data_path: str | Path | None = None, models_dir: str | Path | None = None,
             network: str | None = None, fill=None) -> "Disco":
        """The trained model in ``models_dir`` (default ``models/``, optionally a given ``network`` of its card)
        and the catalog at ``data_path`` (default: the TidyTuesday CSV in ``$DISCO_DATA_DIR``), read when first
        needed. ``fill(catalog) -> catalog``: applied to that catalog and to every file :meth:`read_track_list`
        reads (after taking its playlist) before the model picks a network (the CLI measures songs' missing
        audio features from their files: :mod:`disco.data.audio_fill`)."""
        from disco.data.catalog import load_catalog, load_default_catalog
        from disco.model.bundle import FlowModel

        disco = cls.__new__(cls)
        disco.model = FlowModel.load(models_dir=models_dir, network=network)
        disco._songs, disco._labels, disco.fill = None, None, fill
        disco._load_catalog = (lambda: load_default_catalog()) if data_path is None else (
            lambda: load_catalog(data_path))
        return disco

    def _loaded(self) -> tuple:
        if self._songs is None:
            catalog = self._load_catalog()
            if self.fill is not None:
                catalog = self.fill(catalog)
            arrays, predictor, status = self.model.prepare(catalog)
            self._songs = (catalog, arrays, predictor, status)
        return self._songs

    @property
    def catalog(self):
        return self._loaded()[0]

    @property
    def arrays(self) -> SongArrays:
        return self._loaded()[1]

    @property
    def predictor(self) -> Predictor:
        return self._loaded()[2]

    @property
    def status(self):
        return self._loaded()[3]

    @classmethod
    def from_model(cls, catalog, model) -> "Disco":
        """A catalog with an already loaded :class:`~disco.model.bundle.FlowModel`: its arrays and network are
        picked here for the features the songs have (:meth:`FlowModel.prepare`)."""
        arrays, predictor, status = model.prepare(catalog)
        return cls(catalog, arrays, predictor, model=model, status=status)

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
        shown = shorten(text)
        hits = self.catalog.search(text, limit=8)
        if len(hits) == 0:
            raise SeedError(f"no song matches {shown}; try 'artist - title' or a Spotify track id")
        hits = hits.assign(key=self.catalog.recordings[hits["index"].to_numpy()])
        closest = "; ".join(hits["description"][:5])
        top = hits.iloc[0]
        if not top["confident"]:
            raise SeedError(f"no song matches {shown}; the closest are: {closest}")
        same_score = hits[hits["score"] == top["score"]]
        if same_score["key"].nunique() > 1:
            count = same_score["key"].nunique()
            many = f"{count}+" if len(same_score) == len(hits) else str(count)
            raise SeedError(f"{shown} matches {many} songs equally well: {closest}; "
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
    def pool(self, seeds: Sequence[int], source: str = "union", size: int = 300, random_state: int = 0,
             filters: PoolFilters | None = None) -> np.ndarray:
        """Candidate song indices around ``seeds`` (see :class:`disco.engine.pools.CandidatePool`), of songs
        that pass ``filters`` only."""
        return CandidatePool(source, size, random_state).select(self.catalog, self.arrays, seeds, filters)

    def build(self, seeds: Sequence[str | int], settings: EngineSettings | None = None, *, length: int = 20,
              pool: str = "union", pool_size: int = 300, playlist: str | None = None,
              locked: Mapping[int, int] | None = None, banned: Collection[int] = (),
              target_minutes: float | None = None, filters: PoolFilters | None = None) -> Playlist:
        """A playlist of ``length`` songs (seeds included, first, in order) from a ``pool`` of ``pool_size``
        candidates around the seeds, under ``settings`` (default: the DJ preset); ``playlist``: candidates are
        that playlist's songs instead (a crate of one's own).

        ``locked`` {position (0-based; the seeds hold 0..k-1) -> song}: those songs at those positions, the rest
        chosen around them; ``banned``: songs never chosen (songs as for seeds: indices, ids or names;
        one song may be given alone).
        ``target_minutes``: instead of ``length``, as many songs as reach that many minutes
        (:mod:`disco.engine.planning`). ``filters``: only candidates that match (:class:`PoolFilters`).

        ``info``: as :func:`~disco.engine.search.build_playlist` (``pool_indices``, ``locked``, ``banned``...),
        plus ``pool``, ``pool_size_asked``, ``minutes`` (the set's duration; songs without one count as the
        pool's median, ``minutes_estimated`` of them), with a target ``target_minutes`` and ``lengths_tried``,
        with filters ``filters`` (what was asked) and ``filtered`` (``matching`` songs, ``missing_dropped``:
        songs left out for lacking a value a filter needs), and the network."""
        settings = EngineSettings() if settings is None else settings
        if not seeds:
            raise SeedError("give at least one seed song")
        if filters is not None and not isinstance(filters, PoolFilters):
            raise RequestError(f"filters must be PoolFilters, got {type(filters).__name__}")
        if locked is not None and not isinstance(locked, Mapping):
            raise RequestError(f"locked songs must be a mapping {{position: song}}, got {type(locked).__name__}")
        banned = () if banned is None else banned
        if isinstance(banned, (str, bytes, int, np.integer)) and not isinstance(banned, bool):
            banned = [banned]  # one song
        elif isinstance(banned, bool) or not isinstance(banned, Iterable):
            raise RequestError(f"banned songs must be a list of songs, got {banned!r}")
        idx = self.resolve_seeds(seeds)
        lock_idx = {position: self.resolve_seed(song) for position, song in (locked or {}).items()}
        ban_idx = sorted({self.resolve_seed(song) for song in banned})
        self._check_clashes(idx, lock_idx, ban_idx)
        target = None if target_minutes is None else planning.check_target(target_minutes)
        filtered = {}
        if playlist is not None:
            crate = self.catalog.playlist(playlist)
            keep = ~np.isin(crate, idx) & ~self.catalog.blank[crate]
            if filters is not None and filters.active:
                match, missing = filters.mask(self.catalog)
                filtered = {"matching": int(match[crate].sum()), "missing_dropped": int(missing[crate].sum())}
                keep &= match[crate]
            candidates = crate[keep]
            pool, pool_size = f"playlist {playlist!r}", len(candidates)
        else:
            chooser = CandidatePool(pool, pool_size)
            candidates = chooser.select(self.catalog, self.arrays, idx, filters)
            filtered = chooser.filtered_

        def build_at(n: int) -> Playlist:
            return build_playlist(idx, candidates, n, settings, arrays=self.arrays, predictor=self.predictor,
                                  locked=lock_idx, banned=ban_idx)

        durations = self.catalog.songs["duration_ms"] if "duration_ms" in self.catalog.songs else np.full(
            len(self.catalog.songs), np.nan)
        minutes, median, estimated = planning.song_minutes(durations, candidates)
        if target is None:
            out = build_at(length)
        else:
            # no shorter than the last locked position (bad positions are reported by the build)
            ints = [int(p) for p in lock_idx if isinstance(p, (int, np.integer)) and not isinstance(p, bool)]
            min_length = max([len(idx), *(p + 1 for p in ints)])
            out = planning.build_for_minutes(build_at, minutes, target, seeds=idx, min_length=min_length,
                                             median=median, arrays=self.arrays, predictor=self.predictor)
        songs = np.asarray(out.indices, dtype=np.int64)
        out.info.update({"pool": pool, "pool_size_asked": int(pool_size),
                         "minutes": round(float(minutes[songs].sum()), 2),
                         "minutes_estimated": int(estimated[songs].sum()), **self._flow(self.status)})
        if filters is not None and filters.active:
            out.info.update(filters=filters.to_dict(), filtered=filtered)
        return out

    def _check_clashes(self, seeds: Sequence[int], locked: Mapping, banned: Sequence[int]) -> None:
        """A clear error, naming the song, for a banned seed, a locked seed, a song locked and banned, or locked
        twice (the engine checks these too, by song index)."""
        label = self.catalog.label
        for song in banned:
            if song in seeds:
                raise RequestError(f"{label(song)} is a seed and banned at once")
        seen = set()
        for song in locked.values():
            if song in seeds:
                raise RequestError(f"{label(song)} is a seed; it cannot also be locked")
            if song in banned:
                raise RequestError(f"{label(song)} is banned and locked at once")
            if song in seen:
                raise RequestError(f"{label(song)} is locked twice")
            seen.add(song)

    def alternatives(self, playlist: Playlist, position: int, k: int = 8) -> pd.DataFrame:
        """The ``k`` songs that could best take ``position`` of a built ``playlist`` (not a seed), given the
        songs before it: from the pool it was built from, not already in it, not banned, ranked by the move's
        loss under ``playlist.settings`` (songs that keep the hard rules first, as a build chooses). Columns:
        index, label (artist - title), description, distance, key_score, tempo_score, arc_penalty, loss, breaks
        (the rules the move breaks). Take one with ``build(..., locked={**locks, position: index})`` (the
        locks so far: ``{p: playlist.indices[p] for p in playlist.info["locked"]}``)."""
        frame = slot_alternatives(playlist, position, k, arrays=self.arrays, predictor=self.predictor)
        songs = frame["index"].to_numpy(dtype=np.int64)
        frame.insert(1, "label", [self.catalog.label(i) for i in songs])
        frame.insert(2, "description", [self.catalog.describe(i) for i in songs])
        return frame

    @property
    def network_name(self) -> str | None:
        if self._songs is not None and self.status is not None:
            return self.status.network
        return None if self.model is None else getattr(self.model, "name", None)

    def _flow(self, status) -> dict:
        if status is None:
            return {"network": self.network_name}
        return {"network": status.network, "flow": status.describe()}

    def read_track_list(self, source, name: str | None = None, playlist: str | None = None,
                        cache: bool = True) -> TrackList:
        """Songs of a file (a path, an open binary file or bytes; ``name`` is how messages call it): a text
        file of Spotify ids/URIs/links (one per line, ``#`` comments) looked up in the catalog, or a song table
        or DJ library in any layout :mod:`disco.data.catalog` reads (its own features are used, so its songs
        need not be in the catalog); ``playlist``: only that playlist of the file, in its order; ``cache``: keep a
        fast-reload copy (off for a user's upload). Every line or row not taken is reported in the result."""
        from disco.data.catalog import load_catalog
        from disco.data.reading import read_bytes

        data, display = read_bytes(source, name)
        head = data[:65536].decode("utf-8", errors="replace").splitlines()
        numbered = [(i + 1, ln.strip()) for i, ln in enumerate(head) if ln.strip() and not ln.strip().startswith("#")]
        first = numbered[:5]
        # an id list when most of its first lines are ids: its bad lines are then reported by line number
        if first and 2 * sum(parse_track_ref(ln) is not None for _, ln in first) > len(first):
            lines = data.decode("utf-8", errors="replace").splitlines()
            return self._read_id_list(display, [(i + 1, ln.strip()) for i, ln in enumerate(lines)
                                                if ln.strip() and not ln.strip().startswith("#")])
        cat = load_catalog(data, name=display, cache=cache)
        del data
        if self.model is None:  # no model (tests): look the songs up in our catalog instead
            return self._read_id_list(display, list(enumerate(cat.songs["track_id"].tolist(), start=2)))
        if playlist is not None:  # just that playlist's songs, in its order: the network its songs allow
            cat = cat.subset(cat.playlist(playlist))
            display = f"{display}, playlist {playlist!r}"
        if self.fill is not None:  # e.g. missing audio features measured from the songs' files
            cat = self.fill(cat)
        arrays, predictor, status = self.model.prepare(cat)
        return TrackList(cat, arrays, np.arange(len(cat.songs), dtype=np.int64), display, report=cat.report,
                         predictor=predictor, status=status)

    def _read_id_list(self, display: str, lines: Sequence[tuple[int, str]]) -> TrackList:
        # a line that is no id is reported with its line number (in `invalid`), never fatal
        invalid = [f"line {n}: {shorten(ln, 40)}" for n, ln in lines if parse_track_ref(ln) is None]
        found, unknown, repeats, seen = [], [], [], set()
        for n, ln in lines:
            t = parse_track_ref(ln)
            if t is None:
                continue
            try:
                i = int(self.catalog.index_of([t])[0])
            except KeyError:
                unknown.append(t)
                continue
            if i in seen:
                repeats.append(n)
            else:
                seen.add(i)
                found.append(i)
        if not found:
            ids = [t for t in (parse_track_ref(ln) for _, ln in lines) if t]
            raise CatalogError(f"{display}: none of its {len(ids)} track ids is in the catalog "
                               f"(first: {ids[0] if ids else '-'}; {len(invalid)} lines are not ids)")
        return TrackList(self.catalog, self.arrays, np.array(found, dtype=np.int64), display, unknown, repeats,
                         invalid, predictor=self.predictor, status=self.status)

    def _tracks(self, tracks) -> "TrackList":
        if isinstance(tracks, TrackList):
            return tracks
        idx = np.array(self.resolve_seeds(list(tracks)), dtype=np.int64)
        return TrackList(self.catalog, self.arrays, idx, "arguments", predictor=self.predictor, status=self.status)

    def reorder(self, tracks: "TrackList | Sequence[str | int]", settings: EngineSettings | None = None, *,
                keep_first: bool = True, improve: bool = True, time_budget: float | None = None) -> Playlist:
        """The given songs in the order of lowest summed loss (first song kept unless ``keep_first=False``).

        ``tracks``: a :class:`TrackList` (then render with ``tracks.catalog``) or songs as for :meth:`build`.
        """
        settings = EngineSettings() if settings is None else settings
        tracks = self._tracks(tracks)
        if len(tracks.indices) > MAX_REORDER:
            raise CatalogError(f"{tracks.source} has {len(tracks.indices)} songs; reorder handles at most "
                               f"{MAX_REORDER} (give one playlist)")
        predictor = tracks.predictor or self.predictor
        out = reorder_songs(tracks.indices, settings, arrays=tracks.arrays, predictor=predictor,
                            keep_first=keep_first, improve=improve, time_budget=time_budget)
        out.info.update({"source": tracks.source, **self._flow(tracks.status)})
        return out

    def score(self, tracks: "TrackList | Sequence[str | int]", settings: EngineSettings | None = None) -> Playlist:
        """The loss of the songs in the order given, move by move (the first song is the start)."""
        settings = EngineSettings() if settings is None else settings
        tracks = self._tracks(tracks)
        settings = fit_arc(settings, tracks.arrays, tracks.indices)
        out = score_order(tracks.indices, settings, arrays=tracks.arrays, predictor=tracks.predictor or self.predictor)
        out.info.update({"source": tracks.source, **self._flow(tracks.status)})
        return out
