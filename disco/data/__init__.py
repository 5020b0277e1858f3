"""Songs in: song tables in every known layout, their validation and cache, the public catalog's download,
Spotify references, "same song" and text search."""
