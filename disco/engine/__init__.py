"""Choosing and ordering songs: the settings record, the one loss, hard rules, candidate pools, greedy and beam
search, reorder, scoring an order, and the facade the command line and the dashboard use."""
