"""The dashboard's pages, one module each with a ``render()`` that ``app.py`` routes to."""
