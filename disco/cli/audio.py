"""Songs of a DJ library (or any song file with file paths) measured from their audio before they are ordered:
the hook ``reorder``, ``score`` and ``build`` give the service (see :func:`audio_filler`)."""

from __future__ import annotations

import sys


def audio_filler(args):
    """The ``fill`` hook of :meth:`disco.engine.service.Disco.load`: every song table the command reads is
    passed through :func:`disco.data.audio_fill.fill_from_audio` (with a progress bar on stderr and its summary
    line), unless ``--no-audio`` was given (then None: songs are ordered on what the file has)."""
    if getattr(args, "no_audio", False):
        return None
    workers = getattr(args, "workers", None)

    def fill(catalog):
        from disco.cli.library import ProgressBar
        from disco.data.audio_fill import fill_from_audio, needs_audio, songs_to_measure

        if not needs_audio(catalog):  # a Spotify catalog, or songs already measured: nothing to say
            return catalog
        readable, _ = songs_to_measure(catalog)
        bar = ProgressBar("measuring songs") if readable else None
        try:
            filled, report = fill_from_audio(catalog, workers=workers, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        print(report.summary(), file=sys.stderr)
        return filled

    return fill
