# systemd/: units for the FastCGI pool (socket-activated) and the async worker,
# the state/runtime dirs (tmpfiles) and the service account (sysusers). Paths
# in the units are filled from configure's prefix at build time.
RBX_RUNDIR = /run/runbox

systemdsystemunit_DATA = systemd/runbox-fcgi.socket systemd/runbox-fcgi.service \
	systemd/runbox-worker.service systemd/runbox-prune.service systemd/runbox-prune.timer
# Both are installed as runbox.conf in their own directory.
tmpfilesdir = $(prefix)/lib/tmpfiles.d
tmpfiles_DATA = systemd/tmpfiles.d/runbox.conf
sysusersdir = $(prefix)/lib/sysusers.d
sysusers_DATA = systemd/sysusers.d/runbox.conf

EXTRA_DIST += systemd/runbox-fcgi.socket systemd/runbox-fcgi.service.in \
	systemd/runbox-worker.service.in systemd/runbox.tmpfiles.in systemd/runbox.sysusers \
	systemd/runbox-prune.service.in systemd/runbox-prune.timer
CLEANFILES += systemd/runbox-fcgi.service systemd/runbox-worker.service systemd/runbox-prune.service \
	systemd/tmpfiles.d/runbox.conf systemd/sysusers.d/runbox.conf

rbx_subst = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g'

systemd/runbox-fcgi.service: systemd/runbox-fcgi.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(rbx_subst) $(srcdir)/systemd/runbox-fcgi.service.in >$@
systemd/runbox-worker.service: systemd/runbox-worker.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(rbx_subst) $(srcdir)/systemd/runbox-worker.service.in >$@
systemd/runbox-prune.service: systemd/runbox-prune.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(rbx_subst) $(srcdir)/systemd/runbox-prune.service.in >$@
systemd/tmpfiles.d/runbox.conf: systemd/runbox.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd/tmpfiles.d && $(rbx_subst) $(srcdir)/systemd/runbox.tmpfiles.in >$@
systemd/sysusers.d/runbox.conf: systemd/runbox.sysusers Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd/sysusers.d && cp $(srcdir)/systemd/runbox.sysusers $@
