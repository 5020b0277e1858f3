"""The Library page's parts: scanning the user's own music, and DJ libraries (Rekordbox, Traktor, Mixxx)."""
