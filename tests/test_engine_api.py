"""disco.engine's stable API: every name it lists is importable from the package, loaded on first use."""

import subprocess
import sys

import pytest

import disco.engine


def test_every_listed_name_is_importable_from_the_package():
    for name in disco.engine.__all__:
        value = getattr(disco.engine, name)
        assert getattr(value, "__name__", name) == name  # the thing itself, not a submodule of that name
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        getattr(disco.engine, "nonexistent")


def test_one_submodule_does_not_load_the_rest():
    code = ("import sys, disco.engine.settings; "
            "print(sorted(m for m in sys.modules if m.startswith('disco.engine.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "disco.engine.settings" in loaded and "disco.engine.service" not in loaded
    assert "disco.engine.reorder" not in loaded
