"""Matmul Atlas's live cells for MkDocs: the ``matmul-atlas`` plugin (``pyodide_app.plugin``), the ``mm``
fence, build-time scenes, and the browser runtime it serves (JS bundles and a self-hosted Pyodide).

See ``pyodide_app/README.md`` for the contract between the parts.
"""
