# languages/: one definition file per language, installed to $(pkgdatadir)/languages.
languagesdir = $(pkgdatadir)/languages
dist_languages_DATA = \
	languages/c.json languages/cpp.json languages/python.json languages/javascript.json \
	languages/typescript.json languages/java.json languages/go.json
EXTRA_DIST += languages/README.md
