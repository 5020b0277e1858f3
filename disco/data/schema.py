"""The song file schema: canonical column names and the plausible range of every numeric column.

One place for every module to agree on. A value outside its range (or not finite) makes its row a bad row:
excluded from the catalog, with the reason and the row number in the load report.
"""

from disco.columns import ABSTRACT_FEATURES, FEATURES, SONG_COLUMNS  # noqa: F401 (the schema's names)

# The seven features bounded to 0..1.
BOUNDED_FEATURES = ABSTRACT_FEATURES[:7]
TEXT_COLUMNS = ("track_id", "track_name", "artist", "album", "genre", "subgenre", "path", "measured_by")

# Columns of ``Catalog.memberships`` (one row per (playlist, track), in playlist order).
MEMBERSHIP_COLUMNS = ("playlist_id", "playlist_name", "position", "track_id", "genre", "subgenre")

# Plausible values, inclusive: (low, high, unit). Loudness is Spotify's dB range; a tempo below 20 or above
# 300 BPM is a detection error; a song shorter than 1 s or longer than 3 hours is not a song.
RANGES = {
    **{f: (0.0, 1.0, "") for f in BOUNDED_FEATURES},
    "loudness": (-60.0, 5.0, " dB"),
    "tempo": (20.0, 300.0, " BPM"),
    "key": (-1, 11, ""),
    "mode": (0, 1, ""),
    "popularity": (0.0, 100.0, ""),
    "duration_ms": (1_000.0, 10_800_000.0, " ms"),
    "year": (1900, 2100, ""),
}
INTEGER_COLUMNS = ("key", "mode")
