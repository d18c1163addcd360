# nginx/: the runbox site (a template filled at install time and by
# scripts/stack), the dialect includes it loads (nginx/dialects/, one file per
# dialect, with the shared FastCGI block nginx/runbox-fastcgi.conf) and the
# static playground it serves.
nginxsitedir = $(sysconfdir)/nginx/sites-available
noinst_DATA = nginx/runbox
playgrounddir = $(pkgdatadir)/playground
dist_playground_DATA = nginx/playground/index.html nginx/playground/playground.css \
	nginx/playground/favicon.svg
playgroundjsdir = $(playgrounddir)/js
dist_playgroundjs_DATA = nginx/playground/js/api.js nginx/playground/js/cases.js \
	nginx/playground/js/dialog.js nginx/playground/js/editor.js \
	nginx/playground/js/history.js nginx/playground/js/key.js \
	nginx/playground/js/languages.js nginx/playground/js/main.js \
	nginx/playground/js/result.js
nginxrunboxdir = $(sysconfdir)/nginx/runbox
nginxrunbox_DATA = nginx/runbox-fastcgi
nginxdialectsdir = $(sysconfdir)/nginx/runbox/dialects
RBX_DIALECT_CONFS = nginx/dialects/execution.conf nginx/dialects/execute-test.conf \
	nginx/dialects/code-execution-engine.conf nginx/dialects/judge0.conf \
	nginx/dialects/piston.conf
EXTRA_DIST += nginx/runbox.conf nginx/runbox-fastcgi.conf $(RBX_DIALECT_CONFS)
CLEANFILES += nginx/runbox nginx/runbox-fastcgi $(nginxdialects_DATA)

# The installed site points at the packaged socket and playground.
nginx/runbox: nginx/runbox.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) nginx && sed \
		-e 's|@RUNBOX_LISTEN@|127.0.0.1:8080|' \
		-e 's|@RUNBOX_SOCKET@|$(RBX_RUNDIR)/fcgi.sock|' \
		-e 's|@RUNBOX_LIGHT_SOCKET@|$(RBX_RUNDIR)/fcgi-light.sock|' \
		-e 's|@RUNBOX_CLIENT_CONN@|64|' \
		-e 's|@RUNBOX_PLAYGROUND@|$(playgrounddir)|' \
		-e 's|@RUNBOX_OPENAPI@|$(pkgdatadir)/openapi.json|' \
		-e 's|@RUNBOX_KEY_RATE@|20r/s|' -e 's|@RUNBOX_CLIENT_RATE@|50r/s|' \
		-e 's|@RUNBOX_DIALECTS@|$(nginxdialectsdir)|' \
		$(srcdir)/nginx/runbox.conf >$@

# The site is the operator's once installed (they set server_name, TLS,
# allow/deny): an existing one is never overwritten. The new one is put beside
# it as runbox.dist when they differ, to compare by hand.
install-data-local: install-nginx-site
install-nginx-site: nginx/runbox
	$(MKDIR_P) '$(DESTDIR)$(nginxsitedir)'
	@if test -f '$(DESTDIR)$(nginxsitedir)/runbox'; then \
	  if ! cmp -s nginx/runbox '$(DESTDIR)$(nginxsitedir)/runbox'; then \
	    echo "keeping the existing $(DESTDIR)$(nginxsitedir)/runbox; the new site is runbox.dist"; \
	    $(INSTALL_DATA) nginx/runbox '$(DESTDIR)$(nginxsitedir)/runbox.dist'; \
	  fi; \
	else \
	  echo " $(INSTALL_DATA) nginx/runbox '$(DESTDIR)$(nginxsitedir)/runbox'"; \
	  $(INSTALL_DATA) nginx/runbox '$(DESTDIR)$(nginxsitedir)/runbox'; \
	fi

uninstall-local: uninstall-nginx-site
uninstall-nginx-site:
	@if cmp -s nginx/runbox '$(DESTDIR)$(nginxsitedir)/runbox'; then \
	  rm -f '$(DESTDIR)$(nginxsitedir)/runbox'; \
	fi
	rm -f '$(DESTDIR)$(nginxsitedir)/runbox.dist'

.PHONY: install-nginx-site uninstall-nginx-site

nginx/runbox-fastcgi: nginx/runbox-fastcgi.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) nginx && sed -e 's|@RUNBOX_SOCKET@|$(RBX_RUNDIR)/fcgi.sock|' \
		-e 's|@RUNBOX_CLIENT_CONN@|64|' $(srcdir)/nginx/runbox-fastcgi.conf >$@

# Every dialect include, filled with the installed FastCGI block's path.
nginxdialects_DATA = nginx/dialects-out/execution.conf nginx/dialects-out/execute-test.conf \
	nginx/dialects-out/code-execution-engine.conf nginx/dialects-out/judge0.conf \
	nginx/dialects-out/piston.conf
$(nginxdialects_DATA): $(RBX_DIALECT_CONFS) Makefile
	$(AM_V_GEN)$(MKDIR_P) nginx/dialects-out && \
		sed -e 's|@RUNBOX_FASTCGI@|$(nginxrunboxdir)/runbox-fastcgi|' \
		$(srcdir)/nginx/dialects/$(@F) >$@
EXTRA_DIST += nginx/runbox-cluster.conf
