// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The process_* metrics, named and computed as the Prometheus client
 * libraries do (client_golang's process collector): CPU time, memory, start
 * time from /proc/self/stat, descriptors from /proc/self/fd and the
 * RLIMIT_NOFILE soft limit. A few small reads per scrape; a value that
 * cannot be read is left out, not written as 0.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include "exporter.h"
#include "util.h"

struct proc_stat {
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
};

/* Fields 14, 15, 22, 23 and 24 of /proc/self/stat (proc(5)), counted after
 * the command name: it is in parentheses and may hold spaces or ')'. */
static int read_stat(struct proc_stat *ps)
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* From field 3 (state): skip 11 to utime (14). */
	return sscanf(p + 1,
		      " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d"
		      " %*d %llu %llu %lld",
		      &ps->utime, &ps->stime, &ps->starttime, &ps->vsize, &ps->rss) == 5 ? 0 : -1;
}

/* Boot time in seconds since the epoch: "btime" of /proc/stat. It does
 * not change while the system runs, so it is read once. */
static double boot_time(void)
{
	static double btime = -1;
	char line[256];
	FILE *f;

	if (btime >= 0)
		return btime;
	f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "btime ", 6)) {
			btime = strtod(line + 6, NULL);
			break;
		}
	fclose(f);
	return btime;
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void one(struct strbuf *out, bool om, const char *name, const char *type,
		const char *unit, const char *help, double v)
{
	char num[FMT_DOUBLE_MAX];

	metrics_header(out, om, name, type, unit, help);
	sb_printf(out, "%s %.*s\n", name, (int)fmt_double(num, v), num);
}

void process_metrics(struct strbuf *out, bool om)
{
	long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE), fds = open_fds();
	double btime = boot_time();
	struct proc_stat ps;
	struct rlimit rl;

	if (read_stat(&ps) == 0 && ticks > 0) {
		one(out, om, "process_cpu_seconds_total", "counter", "seconds",
		    "Total user and system CPU time spent in seconds.",
		    (double)(ps.utime + ps.stime) / (double)ticks);
		one(out, om, "process_virtual_memory_bytes", "gauge", "bytes",
		    "Virtual memory size in bytes.", (double)ps.vsize);
		one(out, om, "process_resident_memory_bytes", "gauge", "bytes",
		    "Resident memory size in bytes.", (double)ps.rss * (double)page);
		if (btime >= 0)
			one(out, om, "process_start_time_seconds", "gauge", "seconds",
			    "Start time of the process since unix epoch in seconds.",
			    btime + (double)ps.starttime / (double)ticks);
	}
	if (fds >= 0)
		one(out, om, "process_open_fds", "gauge", NULL, "Number of open file descriptors.",
		    (double)fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		one(out, om, "process_max_fds", "gauge", NULL,
		    "Maximum number of open file descriptors.",
		    (double)rl.rlim_cur);
}
