"""The song table's columns: what the data layer reads into a catalog and the audio analysis writes for a scanned
file. Here, below both (the audio layer does not import disco.data); :mod:`disco.data.schema` holds the rest of
the schema."""

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
# Every numeric audio feature a song must have.
FEATURES = ABSTRACT_FEATURES + ("key", "mode", "tempo")

# Columns of ``Catalog.songs`` (one row per track, RangeIndex = song index used by the engine).
# Text columns are strings ("" when unknown); popularity, duration and year are float (NaN when unknown);
# ``path`` is a local audio file ("" for songs known only by their track id); ``measured_by`` says who measured
# the audio features: "" for Spotify (or unknown), "disco-audio-<version>" for DISCO's own audio analysis.
SONG_COLUMNS = (
    "track_id",
    "track_name",
    "artist",
    "album",
    "genre",
    "subgenre",
    "popularity",
    "duration_ms",
    "year",
) + FEATURES + ("path", "measured_by")
