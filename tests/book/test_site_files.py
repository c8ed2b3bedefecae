"""What the published site ships: no source maps of the project's own bundles."""


def test_no_source_maps_of_our_bundles(built_site):
    mm = built_site / "assets" / "mm"
    maps = sorted(p.relative_to(mm).as_posix() for p in mm.rglob("*.map") if "pyodide" not in p.relative_to(mm).parts)
    assert maps == [], f"site/assets/mm ships source maps: {maps}"
    bundles = [mm / "app.js", mm / "worker.js", mm / "mm.css", *sorted((mm / "chunks").glob("*.js"))]
    for bundle in bundles:
        assert "sourceMappingURL" not in bundle.read_text(encoding="utf-8"), bundle.name
