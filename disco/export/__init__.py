"""Playlists out: a table, JSON, CSV and M3U, all derived from one frame of the playlist."""
