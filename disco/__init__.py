"""DISCO: Deep Sequential Content Optimization — playlists with flow.

Pipeline modules: catalog -> features -> model/stepper -> candidates -> engine -> plots.
Importing the package is cheap: no TensorFlow, no Streamlit.
"""

__version__ = "0.2.0"  # the one place: pyproject.toml reads it
