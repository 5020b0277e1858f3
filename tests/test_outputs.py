"""Writing the file a user names with --out never harms another: not the input (however the path is spelled),
not a read-only file, not a file of another kind; atomically, with the permissions the user's umask gives."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from disco.cli.main import main
from disco.errors import DiscoError
from disco.outputs import check_target, write_atomically


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, err


@pytest.fixture
def my_songs(tmp_path, tidy_csv):
    path = tmp_path / "mine.csv"
    pd.read_csv(tidy_csv).drop_duplicates("track_id").head(8).to_csv(path, index=False)
    return path


def test_the_input_is_never_the_output_however_the_path_is_spelled(tmp_path, my_songs, capsys, trained_model):
    before = my_songs.read_bytes()
    for spelled in (my_songs, tmp_path / "missing" / ".." / "mine.csv", tmp_path / "." / "mine.csv"):
        code, err = run(capsys, "reorder", my_songs, "--format", "csv", "--out", spelled)
        assert code == 2 and "is the input file" in err, (spelled, err)
        assert my_songs.read_bytes() == before
    os.link(my_songs, tmp_path / "hard.csv")  # a hard link is the same file too
    code, err = run(capsys, "reorder", my_songs, "--format", "csv", "--out", tmp_path / "hard.csv")
    assert code == 2 and "is the input file" in err and my_songs.read_bytes() == before


def test_read_only_files_and_files_of_another_kind_are_refused(tmp_path):
    locked = tmp_path / "locked.csv"
    locked.write_text("mine\n")
    locked.chmod(0o444)
    with pytest.raises(DiscoError, match="read-only"):
        check_target(locked, suffixes=(".csv",))
    song = tmp_path / "song.mp3"
    song.write_bytes(b"ID3 audio")
    with pytest.raises(DiscoError, match=r"not a \.csv file DISCO writes"):
        check_target(song, suffixes=(".csv",))
    assert check_target(tmp_path / "new.mp3", suffixes=(".csv",)) == tmp_path / "new.mp3"  # a new name is fine
    assert check_target(tmp_path / "old.CSV", suffixes=(".csv",))  # suffixes compare in lower case


def test_a_new_file_gets_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    old = os.umask(0o027)
    try:
        new = write_atomically(tmp_path / "sub" / "new.csv", lambda p: open(p, "w").write("a\n"))
    finally:
        os.umask(old)
    assert new.read_text() == "a\n" and stat.S_IMODE(new.stat().st_mode) == 0o640
    shared = tmp_path / "shared.csv"
    shared.write_text("old\n")
    shared.chmod(0o664)
    write_atomically(shared, lambda p: open(p, "w").write("new\n"))
    assert shared.read_text() == "new\n" and stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.csv", "sub"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "keep.csv"
    target.write_text("old\n")

    def fail(path):
        raise OSError(28, "No space left on device")

    with pytest.raises(DiscoError, match="cannot write .*keep.csv: No space left on device"):
        write_atomically(target, fail)
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_library_scan_refuses_to_write_over_an_audio_file_before_scanning(tmp_path, capsys):
    song = tmp_path / "song.mp3"
    song.write_bytes(b"ID3 not really audio")
    code, err = run(capsys, "library", "scan", tmp_path, "--out", song, "--quiet")
    assert code == 2 and "not a .csv file DISCO writes" in err
    assert song.read_bytes() == b"ID3 not really audio"
    code, err = run(capsys, "library", "scan", tmp_path, "--out", tmp_path / "nowhere" / "songs.csv", "--quiet")
    assert code == 2 and "does not exist" in err
