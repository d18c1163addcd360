# engine/: languages, request validation, compile-then-run in the sandbox,
# response JSON; the library shared by runbox-fcgi and runbox-worker.
noinst_LIBRARIES += engine/librbxengine.a
engine_librbxengine_a_SOURCES = \
	engine/engine.c \
	engine/language.c engine/language.h \
	engine/argv.c engine/version.c \
	engine/request.c engine/request.h \
	engine/limits.c engine/limits.h \
	engine/utf8.c engine/base64.c engine/text.h \
	engine/diagnostics.c engine/diagnostics.h \
	engine/workdir.c engine/workdir.h \
	engine/run.c engine/run.h \
	engine/response.c engine/response.h
engine_librbxengine_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS)
noinst_HEADERS += engine/engine.h

# What a program linking the engine needs after librbxengine.a.
ENGINE_LIBS = engine/librbxengine.a sandbox/librbxsandbox.a common/librbxcommon.a \
	$(SECCOMP_LIBS) $(JSONC_LIBS) $(SODIUM_LIBS) $(INIH_LIBS)
