"""DISCO's dashboard from a checkout: ``streamlit run app.py``, the same as ``disco app`` (disco/app/main.py).
Run, not imported: Streamlit reruns this script on every interaction, and an import would run once."""

import runpy

runpy.run_module("disco.app.main", run_name="__main__")
