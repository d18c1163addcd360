# RUNBOX_WARNINGS: the default build treats every warning as an error.
AC_DEFUN([RUNBOX_WARNINGS], [
  WARN_CFLAGS="-Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla"
  AC_SUBST([WARN_CFLAGS])
])

# RUNBOX_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan,
# and makes UBSan findings fatal so a test run cannot pass over them.
AC_DEFUN([RUNBOX_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
    [], [enable_sanitizers=no])
  SANITIZER_CFLAGS=""
  AS_IF([test "x$enable_sanitizers" = xyes], [
    SANITIZER_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
  ])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" = xyes])
  AC_SUBST([SANITIZER_CFLAGS])
])

# RUNBOX_CHECK_FLAG(VAR, FLAGS, [PROGRAM]): append FLAGS to VAR when the
# compiler and linker take them without a warning (-Werror) on PROGRAM.
AC_DEFUN([RUNBOX_CHECK_FLAG], [
  AC_MSG_CHECKING([whether $CC accepts $2])
  rbx_saved_cflags=$CFLAGS
  CFLAGS="$CFLAGS -Werror $$1 $2"
  AC_LINK_IFELSE([AC_LANG_SOURCE(m4_default([$3], [[int main(void) { return 0; }]]))],
    [AC_MSG_RESULT([yes]); $1="$$1 $2"], [AC_MSG_RESULT([no])])
  CFLAGS=$rbx_saved_cflags
])

# RUNBOX_HARDENING: the supervisor runs as root, so every program is built
# as isolate builds its own: fortified libc calls (level 3 where the compiler
# has __builtin_dynamic_object_size, else 2), stack protector and clash
# protection, PIE, and a read-only GOT bound at start (relro, now).
# --disable-hardening leaves them out (e.g. for a debugger session).
AC_DEFUN([RUNBOX_HARDENING], [
  AC_ARG_ENABLE([hardening],
    [AS_HELP_STRING([--disable-hardening], [build without the hardening flags])],
    [], [enable_hardening=yes])
  HARDEN_CFLAGS=""
  HARDEN_LDFLAGS=""
  HARDEN_STATIC_LDFLAGS="-static"
  AS_IF([test "x$enable_hardening" = xyes], [
    AC_MSG_CHECKING([for _FORTIFY_SOURCE=3])
    AC_COMPILE_IFELSE([AC_LANG_SOURCE([[
#if !defined(__has_builtin) || !__has_builtin(__builtin_dynamic_object_size)
#error no dynamic object size
#endif
int main(void) { return 0; }]])],
      [AC_MSG_RESULT([yes]); rbx_fortify=3], [AC_MSG_RESULT([no, 2]); rbx_fortify=2])
    dnl fortification needs the optimiser (glibc warns without it, and the
    dnl build makes warnings errors), so it goes in where CFLAGS optimise
    RUNBOX_CHECK_FLAG([HARDEN_CFLAGS], [-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$rbx_fortify],
      [[#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) { char *b = malloc(8); if (!b) return 1;
  strcpy(b, argc > 1 ? *argv : ""); return *b; }]])
    RUNBOX_CHECK_FLAG([HARDEN_CFLAGS], [-fstack-protector-strong])
    RUNBOX_CHECK_FLAG([HARDEN_CFLAGS], [-fstack-clash-protection])
    RUNBOX_CHECK_FLAG([HARDEN_CFLAGS], [-fPIE])
    RUNBOX_CHECK_FLAG([HARDEN_LDFLAGS], [-pie])
    RUNBOX_CHECK_FLAG([HARDEN_LDFLAGS], [-Wl,-z,relro])
    RUNBOX_CHECK_FLAG([HARDEN_LDFLAGS], [-Wl,-z,now])
    dnl the static box init: a static PIE where the C library has one
    rbx_static=""
    RUNBOX_CHECK_FLAG([rbx_static], [-static-pie])
    AS_IF([test -n "$rbx_static"], [HARDEN_STATIC_LDFLAGS="-static-pie"])
    AS_CASE([" $HARDEN_LDFLAGS "], [*" -Wl,-z,relro "*],
      [HARDEN_STATIC_LDFLAGS="$HARDEN_STATIC_LDFLAGS -Wl,-z,relro -Wl,-z,now"])
  ])
  AC_SUBST([HARDEN_CFLAGS])
  AC_SUBST([HARDEN_LDFLAGS])
  AC_SUBST([HARDEN_STATIC_LDFLAGS])
])
