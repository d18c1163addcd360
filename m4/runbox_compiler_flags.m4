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
