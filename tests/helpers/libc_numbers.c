// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libc_numbers
 *
 * Print "NAME NUMBER" for a few syscall, errno and signal constants as the
 * C library defines them: the reference the generated name tables of the
 * reader core are checked against (tests/74-name-tables.bats), from headers
 * the generator never reads.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>

static const char *prog = "libc_numbers";
#include "helper.h"

static void usage(void)
{
	fprintf(stderr, "usage: %s\n  print NAME NUMBER of some libc constants\n", prog);
}

#define SHOW(c) printf("%s %lld\n", #c, (long long)(c))

int main(int argc, char **argv)
{
	if (argc != 1) {
		usage();
		return 2;
	}
	SHOW(SYS_getppid);
	SHOW(SYS_openat);
	SHOW(SYS_read);
	SHOW(ENOENT);
	SHOW(EACCES);
	SHOW(EAGAIN);
	SHOW(EWOULDBLOCK);
	SHOW(EDEADLK);
	SHOW(EDEADLOCK);
	SHOW(EOPNOTSUPP);
	SHOW(ENOTSUP);
	SHOW(SIGKILL);
	SHOW(SIGSEGV);
	SHOW(SIGABRT);
	SHOW(SIGIOT);
	SHOW(SIGSYS);
	SHOW(SIGIO);
	SHOW(SIGPOLL);
	SHOW(__SIGRTMIN);
	SHOW(__SIGRTMAX);
	return 0;
}
