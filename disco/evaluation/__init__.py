"""How good the playlists are: metrics, baselines and the evaluation protocol on the test playlists."""
