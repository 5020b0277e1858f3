"""The catalog's canonical column names: one place for every module to agree on."""

# The 8 "abstract" features, in this fixed order everywhere (transformed vectors, RNN targets).
ABSTRACT_FEATURES = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "speechiness",
    "valence",
    "loudness",
)
# The seven features bounded to 0..1.
BOUNDED_FEATURES = ABSTRACT_FEATURES[:7]
# Every numeric audio feature a song must have.
FEATURES = ABSTRACT_FEATURES + ("key", "mode", "tempo")

# Columns of ``Catalog.songs`` (one row per track, RangeIndex = song index used by the engine).
# Text columns are strings ("" when unknown); popularity/duration are float (NaN when unknown).
SONG_COLUMNS = (
    "track_id",
    "track_name",
    "artist",
    "album",
    "genre",
    "subgenre",
    "popularity",
    "duration_ms",
) + FEATURES

# Columns of ``Catalog.memberships`` (one row per (playlist, track), in playlist order).
MEMBERSHIP_COLUMNS = ("playlist_id", "playlist_name", "position", "track_id", "genre", "subgenre")
