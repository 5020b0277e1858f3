"""How good the playlists are: metrics, baselines and the evaluation protocol on the test playlists."""

from disco.evaluation.inputs import default_json_path, load_inputs
from disco.evaluation.report import DEFINITIONS, SLIDER_HELP, format_report, format_runtime, load_result, save_result
from disco.evaluation.run import RUNTIME, SECTIONS, evaluate, without_runtime
from disco.evaluation.settings import EvalSettings

__all__ = ["DEFINITIONS", "RUNTIME", "SECTIONS", "SLIDER_HELP", "EvalSettings", "default_json_path", "evaluate",
           "format_report", "format_runtime", "load_inputs", "load_result", "save_result", "without_runtime"]
