"""What the published site ships: no source maps of the project's own bundles."""


def test_no_source_maps_of_our_bundles(built_site):
    maps = sorted(p.name for p in (built_site / "assets" / "mm").glob("*.map"))
    assert maps == [], f"site/assets/mm ships source maps: {maps}"
    for bundle in ("app.js", "worker.js", "mm.css"):
        text = (built_site / "assets" / "mm" / bundle).read_text(encoding="utf-8")
        assert "sourceMappingURL" not in text, bundle
