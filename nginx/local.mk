# nginx/: the runbox site (a template filled at install time and by
# scripts/stack) and the static playground it serves.
nginxsitedir = $(sysconfdir)/nginx/sites-available
nginxsite_DATA = nginx/runbox
playgrounddir = $(pkgdatadir)/playground
dist_playground_DATA = nginx/playground/index.html
EXTRA_DIST += nginx/runbox.conf
CLEANFILES += nginx/runbox

# The installed site points at the packaged socket and playground.
nginx/runbox: nginx/runbox.conf Makefile
	$(AM_V_GEN)$(MKDIR_P) nginx && sed \
		-e 's|@RUNBOX_LISTEN@|127.0.0.1:8080|' \
		-e 's|@RUNBOX_SOCKET@|$(RBX_RUNDIR)/fcgi.sock|' \
		-e 's|@RUNBOX_PLAYGROUND@|$(playgrounddir)|' \
		-e 's|@RUNBOX_KEY_RATE@|20r/s|' -e 's|@RUNBOX_CLIENT_RATE@|50r/s|' \
		$(srcdir)/nginx/runbox.conf >$@
