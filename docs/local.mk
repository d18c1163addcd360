# docs/: the documented configuration file (installed as the default
# $(sysconfdir)/runbox/runbox.conf, never over an existing one) and man pages.
dist_man8_MANS += docs/runbox-fcgi.8
dist_man5_MANS = docs/runbox.conf.5
EXTRA_DIST += docs/runbox.conf docs/openapi.yaml

# The OpenAPI document, written in YAML for people and served as JSON (by
# nginx, at /api/v1/code/openapi.json).
pkgdata_DATA = docs/openapi.json
CLEANFILES += docs/openapi.json
docs/openapi.json: docs/openapi.yaml
	$(AM_V_GEN)$(MKDIR_P) docs && $(PYTHON3) -c 'import json, sys, yaml; \
	  json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=1)' \
	  $(srcdir)/docs/openapi.yaml $@.tmp && mv $@.tmp $@

rbx_confdir = $(sysconfdir)/runbox

install-data-local: install-runbox-conf
install-runbox-conf:
	$(MKDIR_P) '$(DESTDIR)$(rbx_confdir)'
	@if test -f '$(DESTDIR)$(rbx_confdir)/runbox.conf'; then \
	  echo "keeping the existing $(DESTDIR)$(rbx_confdir)/runbox.conf"; \
	else \
	  echo " $(INSTALL_DATA) docs/runbox.conf '$(DESTDIR)$(rbx_confdir)/runbox.conf'"; \
	  $(INSTALL_DATA) $(srcdir)/docs/runbox.conf '$(DESTDIR)$(rbx_confdir)/runbox.conf'; \
	fi

# Remove the file only when it is still the one we installed: an edited
# configuration is the operator's.
uninstall-local: uninstall-runbox-conf
uninstall-runbox-conf:
	@if cmp -s $(srcdir)/docs/runbox.conf '$(DESTDIR)$(rbx_confdir)/runbox.conf'; then \
	  rm -f '$(DESTDIR)$(rbx_confdir)/runbox.conf'; \
	fi

.PHONY: install-runbox-conf uninstall-runbox-conf

check_PROGRAMS += tests/unit/docs/test_runbox_conf
TESTS += tests/unit/docs/test_runbox_conf
tests_unit_docs_test_runbox_conf_SOURCES = tests/unit/docs/test_runbox_conf.c
tests_unit_docs_test_runbox_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_docs_test_runbox_conf_LDADD = common/librbxcommon.a $(INIH_LIBS) $(CHECK_LIBS)
EXTRA_DIST += docs/cluster.md

# runbox-fcgi(8) names every route of the pool's tables (native and dialects).
check_PROGRAMS += tests/unit/docs/test_runbox_fcgi_routes
TESTS += tests/unit/docs/test_runbox_fcgi_routes
tests_unit_docs_test_runbox_fcgi_routes_SOURCES = tests/unit/docs/test_runbox_fcgi_routes.c
tests_unit_docs_test_runbox_fcgi_routes_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_docs_test_runbox_fcgi_routes_LDADD = $(RBX_FCGI_LIBS) $(CHECK_LIBS)
