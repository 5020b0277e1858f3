"""The Reorder page's parts: the user's songs to reorder, and their order beside DISCO's."""
