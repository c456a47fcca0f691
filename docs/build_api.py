"""Build the API reference from stridekit's docstrings: ``python docs/build_api.py [OUT]``.

``make docs`` runs it into ``docs/api/`` (not committed); open ``docs/api/index.html``.
Every public module of the package gets a page, its docstrings read as numpydoc.
"""

from __future__ import annotations

import pkgutil
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.render

import stridekit


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    names = ["stridekit"]
    for info in pkgutil.walk_packages(stridekit.__path__, prefix="stridekit."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def main(out: str = "docs/api") -> None:
    pdoc.render.configure(docformat="numpy", footer_text="stridekit API reference")
    # a package and its submodules are both listed, so every submodule gets its page even
    # where the package's __all__ leaves it out; pdoc warns about the repeats
    warnings.filterwarnings("ignore", message="The module specification")
    pdoc.pdoc(*public_modules(), output_directory=Path(out))


if __name__ == "__main__":
    main(*sys.argv[1:2])
