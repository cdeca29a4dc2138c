"""Sphinx configuration of the sklearn-jepa documentation site."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import sklearn_jepa  # noqa: E402

project = "sklearn-jepa"
author = "sklearn-jepa developers"
release = sklearn_jepa.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "results",
    # appended to their benchmark pages by the scripts that write them
    "*_notes.md",
    "Thumbs.db",
]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# the benchmark pages link to scripts and JSON files outside the site
suppress_warnings = ["myst.xref_missing", "myst.header"]
myst_heading_anchors = 3

intersphinx_mapping = {}  # no network at build time

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # the long demos (MNIST-1D, aeon) stay scripts; plot_* run at build time
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(^|/)(few_labels|time_series)\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-jepa {release}"
html_theme_options = {
    "navbar_end": ["navbar-icon-links"],
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = ["_static"]
# browsers ask for a favicon: without one every page logs a 404
html_favicon = "_static/favicon.svg"
# a fresh browser profile has no stored theme mode: without a default the
# theme logs "Got invalid theme mode" on every page (.ci/check_site.py)
html_context = {"default_mode": "light"}


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn generates set_fit_request (fit takes groups) with a
    # docstring that links to its own glossary, which this site does not
    # have; the routing methods are scikit-learn's, documented there
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
