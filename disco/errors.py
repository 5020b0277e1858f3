"""Errors a user can act on. The CLI prints them as one line; the dashboard as ``st.error``."""


class DiscoError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""


class CatalogError(DiscoError):
    """A song file that cannot be used (missing columns, not a CSV, empty, ...)."""


class DownloadError(DiscoError):
    """A download failed, was truncated or did not match its checksum."""


class ModelError(DiscoError):
    """Trained artifacts are missing or do not match the code."""


class SeedError(DiscoError):
    """A seed song that matches nothing, or several songs equally well."""


class SpotifyError(DiscoError):
    """Spotify refused or could not be reached; the message says what to do."""
