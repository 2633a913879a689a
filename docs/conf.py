"""Sphinx configuration: MyST pages and notebooks (myst-nb, executed on every build), API reference
from the docstrings (autodoc + napoleon)."""

from importlib.metadata import version as _version

project = "dmt_timeline"
author = "The dmt_timeline developers"
copyright = "2026, The dmt_timeline developers"  # noqa: A001 - Sphinx reads this name
release = _version("dmt-timeline")

extensions = [
    "myst_nb",  # MyST pages, and text notebooks run by a Jupyter kernel (it loads myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
]
source_suffix = {".md": "myst-nb"}
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "_scripts"]

# Notebooks (pages with ``file_format: mystnb``) run on every build, so their outputs are the
# library's of today; a cell that raises fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Offline builds (CI has no network beyond package registries): no inventories are fetched.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

html_theme = "furo"
html_title = "dmt_timeline"
html_static_path = ["_static"]
html_css_files = ["wrap.css"]

# The copy button copies only the code: prompts (">>> ", "... ", "$ ") and the output are left behind.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
