"""The Streamlit dashboard, the only package that imports Streamlit. ``main`` routes to the pages, one thin
script each in ``views/``; their parts are grouped by what they serve, each group importing only those below it
(import-linter's "the dashboard's parts"): ``library``, ``playlist``, ``spotify``, ``reorder``, then ``figures``,
``sidebar`` and ``reports``, then ``session`` (what every page shares: the settings record, the song source, cached
loading). ``errors``, ``text`` and ``pages`` serve them all; ``local_server`` serves the browser tests and the
benchmark."""
