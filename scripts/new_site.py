"""Make a minimal two-page MkDocs site with live figures (the matmul-atlas plugin) in a new folder.

It copies ``template/`` (mkdocs.yml with ``plugins: [search, matmul-atlas]``, ``docs/index.md``,
``docs/chains.md``). The folder must not exist yet or be empty.

Usage:
    python scripts/new_site.py my-site
    cd my-site && mkdocs build          # needs `pip install matmul-atlas` (or the wheel)

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> sorted(str(p.relative_to(d)) for p in new_site(d) if p.is_file())
    ['docs/chains.md', 'docs/index.md', 'mkdocs.yml']
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

TEMPLATE = pathlib.Path(__file__).resolve().parent.parent / "template"


def new_site(dest: pathlib.Path) -> list[pathlib.Path]:
    """Copy the template into ``dest`` (created; must be new or empty); returns every path made."""
    dest = pathlib.Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty: choose a new folder")
    shutil.copytree(TEMPLATE, dest, dirs_exist_ok=True)
    return sorted(dest.rglob("*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=pathlib.Path, help="the new site's folder")
    args = parser.parse_args(argv)
    try:
        new_site(args.folder)
    except FileExistsError as e:
        print(f"new_site: {e}", file=sys.stderr)
        return 1
    print(f"new_site: made {args.folder}/ (mkdocs.yml, docs/index.md, docs/chains.md); "
          f"next: pip install matmul-atlas, then `cd {args.folder} && mkdocs serve`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
