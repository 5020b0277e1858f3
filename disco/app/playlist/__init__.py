"""Showing and building a playlist: its tables, listening, the Build page's seed picker and edit panel."""
