"""Turning the user's own audio files into songs DISCO can order: decoding, tags, measures and folder scans.

Modules: :mod:`~disco.audio.decode` (files -> the analysis signal), :mod:`~disco.audio.tags` (names),
:mod:`~disco.audio.measures` (tempo, key, loudness, and DISCO's own energy and danceability as pure
functions), :mod:`~disco.audio.analysis` (one file -> one song, ``ANALYSIS_VERSION``),
:mod:`~disco.audio.scan` (a folder -> a song table, on all cores, cached) and :mod:`~disco.audio.synth`
(known-answer test signals). Heavy libraries (librosa, soundfile, pyloudnorm, tinytag) load on first use.
"""
