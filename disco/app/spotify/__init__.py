"""The Data page's Spotify section (import a playlist, connect an account) and the send button of the pages
showing a playlist."""
