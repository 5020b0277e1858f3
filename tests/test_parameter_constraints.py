"""Each engine setting's allowed values are declared once (``PARAMETER_CONSTRAINTS``): the settings record, the
CLI's options and the sidebar's widgets all take them from there, so a bound changed there reaches all three."""

from __future__ import annotations

import argparse

import pytest

from disco.cli.options import add_engine_options
from disco.engine.settings import PARAMETER_CONSTRAINTS, EngineSettings, Interval

NUMBERS = {name: c for name, c in PARAMETER_CONSTRAINTS.items() if isinstance(c, Interval)}
CHOICES = {name: c for name, c in PARAMETER_CONSTRAINTS.items() if isinstance(c, tuple)}
# the sidebar's widget of each number setting (tempo_width_pct has none: the DJ kernel's width is fixed there)
WIDGETS = {"flow": "w_flow", "sweetness": "w_sweetness", "smoothness": "w_smoothness", "spicy": "w_spicy",
           "max_bpm_change": "rule_bpm", "artist_gap": "rule_artist", "arc_weight": "arc_weight",
           "beam_width": "beam_width"}


def edges(c: Interval):
    """(inside, outside) values at both ends of ``c``."""
    tiny = 1 if c.kind is int else 1e-6
    low_in = c.low if c.closed in ("both", "left") else c.low + tiny
    high_in = c.high if c.closed in ("both", "right") else c.high - tiny
    low_out = c.low - tiny if c.closed in ("both", "left") else c.low
    high_out = c.high + tiny if c.closed in ("both", "right") else c.high
    return (low_in, high_in), (low_out, high_out)


def test_every_field_is_declared():
    import dataclasses

    assert set(PARAMETER_CONSTRAINTS) == {f.name for f in dataclasses.fields(EngineSettings)}


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_the_settings_record_takes_exactly_the_declared_values(name):
    inside, outside = edges(NUMBERS[name])
    for value in inside:
        assert getattr(EngineSettings(**{name: value}), name) == value
    for value in outside + (float("nan"), True, "1"):
        with pytest.raises(ValueError, match=name):
            EngineSettings(**{name: value})


def _engine_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(exit_on_error=False)
    add_engine_options(p)
    return p


def _option(parser: argparse.ArgumentParser, name: str) -> argparse.Action:
    return next(a for a in parser._actions if a.dest == name and a.option_strings[0] == "--" + name.replace("_", "-"))


@pytest.mark.parametrize("name", sorted(set(NUMBERS) - {"tempo_width_pct"}))
def test_each_cli_option_accepts_exactly_the_declared_range(name):
    parse = _option(_engine_parser(), name).type
    inside, outside = edges(NUMBERS[name])
    for value in inside:
        assert parse(str(value)) == value
    for value in outside:
        with pytest.raises(argparse.ArgumentTypeError, match="expected"):
            parse(str(value))


@pytest.mark.parametrize("name", sorted(CHOICES))
def test_each_cli_choice_is_the_declared_one(name):
    assert tuple(_option(_engine_parser(), name).choices) == CHOICES[name]


def _sidebar():
    from disco.app.session import state
    from disco.app.sidebar import controls
    from disco.theory.arcs import Arc

    state.update_engine(max_bpm_change=6.0, arc=Arc.named("peak"), search="beam")  # every widget drawn
    controls.settings_panel()


def test_each_sidebar_widget_spans_the_declared_range():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_sidebar, default_timeout=60).run()
    assert not at.exception
    widgets = {w.key: w for w in list(at.slider) + list(at.number_input)}
    for name, key in WIDGETS.items():
        c, widget = NUMBERS[name], widgets[key]
        low, high, step = c.slider
        assert c.accepts(low) and c.accepts(high)  # a slider never offers a value the record refuses
        assert (widget.max, widget.step) == (high, step), name
        # the beam slider starts at 2: a beam of one is the greedy search beside it
        assert widget.min == (2 if name == "beam_width" else low), name


def test_a_typical_range_must_lie_within_the_interval():
    with pytest.raises(ValueError, match="typical"):
        Interval(float, 0.0, 1.0, typical=(0.0, 2.0, 0.1))
    with pytest.raises(ValueError, match="typical"):
        Interval(float, 0.0, 1.0, closed="right", typical=(0.0, 1.0, 0.1))
    assert Interval(int, 1, 8).slider == (1, 8, 1)
