# SPDX-License-Identifier: ISC
# acinclude.m4 -- configure's test of whether a static link works

# PORTIER_LINKS_STATIC(LDFLAGS, LIBS, CFLAGS, INCLUDES, BODY, IF-YES, IF-NO)
# Links a program with the extra flags and libraries given, so a switch
# that asks for static libraries is only on where Debian ships the
# archives and they link.
AC_DEFUN([PORTIER_LINKS_STATIC], [
	portier_save_LDFLAGS=$LDFLAGS portier_save_LIBS=$LIBS
	portier_save_CFLAGS=$CFLAGS
	LDFLAGS="$LDFLAGS $1" LIBS="$2 $LIBS" CFLAGS="$CFLAGS $3"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([$4], [$5])],
		[portier_static_ok=yes], [portier_static_ok=no])
	LDFLAGS=$portier_save_LDFLAGS LIBS=$portier_save_LIBS
	CFLAGS=$portier_save_CFLAGS
	AS_IF([test "x$portier_static_ok" = xyes], [$6], [$7])
])
