# Matmul Atlas. Two commands (README.md): `make serve` and `make test`. Both install what they need
# (idempotent, stamped under .cache/stamps), build the site into site/ and print the time of each step.
.PHONY: serve site test setup setup-test clean help

help:
	@echo "make serve   install, build site/ and serve it at http://127.0.0.1:8000"
	@echo "make site    install and build the static site into site/"
	@echo "make test    install (incl. chromium), build the site, run every test (pytest tests/)"

serve: site
	scripts/serve.sh

site: setup
	scripts/build_site.sh

test: setup-test
	scripts/build_site.sh
	MM_SITE_BUILT=1 scripts/run_tests.sh

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

clean:
	rm -rf site pyodide_app/static .cache/stamps .cache/pyodide
