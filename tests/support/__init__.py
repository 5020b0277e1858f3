"""Helpers the tests share (made-up data, fakes, servers, page helpers); no tests here."""
