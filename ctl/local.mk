# ctl/: runboxctl, the administrator's tool for keys and history retention.
sbin_PROGRAMS += ctl/runboxctl
ctl_runboxctl_SOURCES = ctl/runboxctl.c ctl/commands.c ctl/ctl.h
ctl_runboxctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS)
ctl_runboxctl_LDADD = $(RBX_STORE_LIBS) $(INIH_LIBS)
dist_man8_MANS += ctl/runboxctl.8
