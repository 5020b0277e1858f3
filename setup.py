"""What pyproject.toml cannot say: the trained models, kept in the repository's models/, ship as disco/models."""

from setuptools import find_namespace_packages, setup

setup(packages=[*find_namespace_packages(include=["disco*"]), "disco.models"],
      package_dir={"disco.models": "models"})
