"""Locate the shipped data folders (``forms/``, ``schemas/``) installed with the package."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import yaml

# libyaml's parser when PyYAML was built with it (the wheels are): the same documents, ten times faster to
# parse — the message catalogue and policy files are read on every start.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def forms_dir() -> Path:
    """Return the folder holding the Word templates and font configuration."""
    return _data_dir("lingong_docs.forms", "forms")


@functools.cache
def schemas_dir() -> Path:
    """Return the folder holding the Cerberus schemas, the message catalogue and policy files."""
    return _data_dir("lingong_docs.schemas", "schemas")


def _data_dir(package: str, folder: str) -> Path:
    try:
        path = Path(str(resources.files(package)))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / folder  # running from a source checkout


@functools.cache
def load_yaml(name: str) -> object:
    """Return the parsed YAML file ``name`` from the schemas folder (cached)."""
    with open(schemas_dir() / name, encoding="utf-8") as f:
        return yaml.load(f, Loader=SafeLoader)  # SafeLoader or libyaml's CSafeLoader
