"""Energy arcs (disco.theory.arcs): named shapes, custom control points, JSON files, penalties."""

import json

import numpy as np
import pytest

from disco.errors import DiscoError
from disco.theory import arcs
from disco.theory.arcs import Arc


def thirds(curve):
    n = len(curve)
    return curve[: n // 3].mean(), curve[n // 3: n - n // 3].mean(), curve[n - n // 3:].mean()


@pytest.mark.parametrize("length", [6, 10, 20, 37, 100])
def test_peak_middle_third_above_both_outer_thirds(length):
    first, middle, last = thirds(arcs.arc_curve("peak", length))
    assert middle > first and middle > last


def test_peak_warms_up_and_cools_down_within_range():
    c = arcs.arc_curve("peak", 20, low=0.3, high=0.8)
    assert c[0] == pytest.approx(0.3) and c.max() == pytest.approx(0.8)
    assert c[-1] < c.max() and c.min() >= 0.3


@pytest.mark.parametrize("length", [2, 5, 20, 50])
def test_build_is_non_decreasing_from_low_to_high(length):
    c = arcs.arc_curve("build", length, low=0.4, high=0.9)
    assert (np.diff(c) >= 0).all()
    assert c[0] == pytest.approx(0.4) and c[-1] == pytest.approx(0.9)


def local_maxima(c):
    return int(((c[1:-1] > c[:-2]) & (c[1:-1] >= c[2:])).sum())


def test_waves_build_up_and_break_down():
    c = arcs.arc_curve("waves", 20)
    assert local_maxima(c) >= 2
    assert c.min() >= arcs.DEFAULT_LOW - 1e-12 and c.max() <= arcs.DEFAULT_HIGH + 1e-12
    assert local_maxima(arcs.arc_curve("waves", 40, cycles=4)) == 4


def test_none_has_no_target_and_no_penalty():
    c = arcs.arc_curve("none", 7)
    assert c.shape == (7,) and np.isnan(c).all()
    assert (arcs.arc_penalty(np.linspace(0, 1, 7), c) == 0).all()
    assert arcs.parse_arc("none") is None and arcs.parse_arc(None) is None


def test_arc_penalty_is_absolute_difference_broadcasting():
    p = arcs.arc_penalty(np.array([[0.2], [0.9]]), np.array([0.5, 0.9, np.nan]))
    assert p.shape == (2, 3)
    assert np.allclose(p, [[0.3, 0.7, 0.0], [0.4, 0.0, 0.0]])


def test_bad_shape_and_range():
    with pytest.raises(ValueError, match="arc shape"):
        arcs.arc_curve("zigzag", 10)
    with pytest.raises(ValueError, match="low"):
        arcs.arc_curve("peak", 10, low=0.9, high=0.2)


@pytest.mark.parametrize("interp", ["linear", "cubic"])
def test_custom_points_interpolate_through_the_points(interp):
    pts = [(0, 0.3), (0.5, 0.9), (1, 0.4)]
    c = Arc.from_points(pts, interp=interp).curve(11)  # positions 0, 0.1, ..., 1
    assert c[0] == pytest.approx(0.3) and c[5] == pytest.approx(0.9) and c[10] == pytest.approx(0.4)
    assert c.max() <= 0.9 + 1e-12 and c.min() >= 0.3 - 1e-12  # monotone cubic: no overshoot
    assert (np.diff(c[:6]) > 0).all() and (np.diff(c[5:]) < 0).all()
    if interp == "linear":
        assert c[2] == pytest.approx(0.3 + 0.4 * 0.6)


def test_custom_points_are_sorted_and_flat_outside():
    arc = Arc.from_points([(0.8, 0.2), (0.2, 0.6)])
    assert arc.energy == ((0.2, 0.6), (0.8, 0.2))
    c = arc.curve(11)
    assert c[0] == pytest.approx(0.6) and c[-1] == pytest.approx(0.2)
    assert arcs.positions(1).tolist() == [0.0] and len(arc.curve(1)) == 1


@pytest.mark.parametrize("points, match", [
    ([(0, 0.5), (0.5, 1.2)], "outside 0..1"),
    ([(0, 0.5), (0, 0.6)], "two points at position 0"),
    ([0.1, 0.2], "pairs"),
    ([], "pairs"),
    ([("a", 1)], "numbers"),
])
def test_custom_points_validation(points, match):
    with pytest.raises(ValueError, match=match):
        Arc.from_points(points)


def test_json_arc_with_valence(tmp_path):
    path = tmp_path / "arc.json"
    path.write_text(json.dumps({"energy": [[0, 0.4], [0.5, 0.9], [1, 0.5]],
                                "valence": [[0, 0.2], [1, 0.8]], "interpolation": "cubic"}))
    arc = arcs.parse_arc(str(path))
    assert arc.features == ("energy", "valence") and arc.interp == "cubic" and arc.name == str(path)
    t = arc.targets(5)
    assert t.shape == (5, 2)
    assert t[2, 0] == pytest.approx(0.9) and t[0, 1] == pytest.approx(0.2) and t[-1, 1] == pytest.approx(0.8)
    assert Arc.from_json(path).to_dict()["valence"] == [[0.0, 0.2], [1.0, 0.8]]


@pytest.mark.parametrize("content, match", [
    (None, "not found"),
    ("{energy: [[0, 1]]}", "not valid JSON"),
    ("[[0, 0.5], [1, 0.6]]", "holds a JSON list"),
    ('{"valence": [[0, 0.5]]}', 'no "energy" points'),
    ('{"energy": [[0, 0.5]], "enrgy": 1}', "unknown key"),
    ('{"energy": [[0, 0.5], [1, 7]]}', "outside 0..1"),
    ('{"energy": [[0, 0.5]], "interpolation": "spline"}', "interpolation"),
    ('{"energy": "up"}', "pairs"),
])
def test_json_arc_errors_name_the_file_and_what_was_expected(tmp_path, content, match):
    path = tmp_path / "my_arc.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(DiscoError, match=match) as err:
        Arc.from_json(path)
    assert str(path) in str(err.value)
    if content is not None and "interpolation" not in match:
        assert '"energy"' in str(err.value)  # says what a good file looks like


def test_parse_arc_names_and_bad_values():
    assert arcs.parse_arc("build").name == "build"
    assert arcs.parse_arc("peak", low=0.2, high=0.6).curve(20).max() == pytest.approx(0.6)
    with pytest.raises(DiscoError, match="--arc must be one of"):
        arcs.parse_arc("zigzag")


def test_energy_range_and_achieved_error():
    e = np.linspace(0, 1, 101)
    lo, hi = arcs.energy_range(e)
    assert lo == pytest.approx(0.1) and hi == pytest.approx(0.9)
    assert arcs.energy_range([np.nan]) == (arcs.DEFAULT_LOW, arcs.DEFAULT_HIGH)
    assert arcs.achieved_error([0.5, 0.7, 0.2], [0.4, np.nan, 0.2]) == pytest.approx(0.05)


def test_arcs_are_hashable_values_and_their_record_reads_back():
    a = Arc.from_points([(0, 0.3), (0.5, 0.9), (1, 0.4)], valence=[(0, 0.2), (1, 0.7)], interp="cubic", name="mine")
    b = Arc.from_points([(1, 0.4), (0, 0.3), (0.5, 0.9)], valence=[(1, 0.7), (0, 0.2)], interp="cubic", name="mine")
    assert a == b and hash(a) == hash(b) and len({a, b, Arc.named("peak")}) == 2
    d = a.to_dict()
    back = Arc.from_points(d["energy"], d.get("valence"), d["interpolation"], d["name"])
    assert back == a and np.array_equal(back.targets(9), a.targets(9))
    assert "valence" not in Arc.named("build").to_dict()
    with pytest.raises(ValueError, match="interpolation"):
        Arc(((0.0, 0.5),), interp="spline")
    with pytest.raises(ValueError, match="cycles"):
        Arc.named("waves", cycles=0)
    with pytest.raises(ValueError, match="no valence"):
        Arc.named("peak").curve(5, "valence")
