// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The engine's own limit, for bench/80-nats.sh: the plainest libnats
 * JetStream publisher.
 *   nats_minpub pub URL STREAM SUBJECT N SIZE WINDOW [ID_PREFIX]
 *     makes STREAM (SUBJECT's first token.>, file storage) if missing and
 *     publishes N messages of SIZE bytes asynchronously, at most WINDOW
 *     awaiting their ack, each with its own Nats-Msg-Id (ID_PREFIX/I, so
 *     that its headers can be as long as ebpf-stream's); waits for every
 *     ack. Prints "rate=MSGS_PER_S acked=N errors=E".
 *   nats_minpub count URL STREAM
 *     prints "msgs=M bytes=B" of the stream.
 *   nats_minpub wait URL STREAM N TIMEOUT_S
 *     asks for the stream's state every 2 ms over one connection until it
 *     holds N messages; prints "t=REALTIME_S" of that moment. A process
 *     per poll (count) costs ~20 ms of CPU here: polled every 10 ms, that
 *     took most of a core from the publisher being measured.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if EBPF_HAVE_NATS
#include <nats/nats.h>

static atomic_long acked, errors;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *c)
{
	(void)js; (void)pa; (void)c;
	atomic_fetch_add(pae ? &errors : &acked, 1);
	natsMsg_Destroy(m); /* the handler owns it (nats.h) */
}

static int die(const char *what, natsStatus s)
{
	fprintf(stderr, "nats_minpub: %s: %s\n", what,
		nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s));
	return 1;
}

static int count(jsCtx *js, const char *stream)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);

	if (s != NATS_OK)
		return die(stream, s);
	printf("msgs=%llu bytes=%llu\n", (unsigned long long)si->State.Msgs,
	       (unsigned long long)si->State.Bytes);
	jsStreamInfo_Destroy(si);
	return 0;
}

/* Until STREAM holds N messages: one connection, a request every 2 ms. */
static int wait_for(jsCtx *js, const char *stream, unsigned long long n, double timeout)
{
	double end = now_s() + timeout;
	struct timespec ts, pause = { 0, 2 * 1000 * 1000 };
	jsStreamInfo *si;
	jsErrCode jerr;
	natsStatus s;
	bool there;

	do {
		si = NULL;
		jerr = 0;
		s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
		if (s != NATS_OK && jerr != JSStreamNotFoundErr)
			return die(stream, s);
		there = si && si->State.Msgs >= n;
		jsStreamInfo_Destroy(si);
		if (there) {
			clock_gettime(CLOCK_REALTIME, &ts);
			printf("t=%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
			return 0;
		}
		nanosleep(&pause, NULL);
	} while (now_s() < end);
	fprintf(stderr, "nats_minpub: %s: fewer than %llu messages after %.0f s\n", stream, n,
		timeout);
	return 1;
}

static int publish(jsCtx *js, char **argv)
{
	const char *stream = argv[3], *subj = argv[4], *prefix = argv[8] ? argv[8] : "minpub";
	long n = atol(argv[5]), size = atol(argv[6]);
	char filter[256], id[512], *data = calloc(1, (size_t)size + 1);
	const char *subjects[1] = { filter };
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsPubOptions po;
	jsErrCode jerr = 0;
	natsStatus s;
	double t0, t1;

	snprintf(filter, sizeof(filter), "%.*s.>", (int)strcspn(subj, "."), subj);
	jsStreamConfig_Init(&cfg);
	cfg.Name = stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	s = js_AddStream(&si, js, &cfg, NULL, &jerr);
	if (s != NATS_OK && jerr != JSStreamNameExistErr)
		return die(stream, s);
	jsStreamInfo_Destroy(si);
	memset(data, 'x', (size_t)size);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		jsPubOptions_Init(&po);
		snprintf(id, sizeof(id), "%s/%ld", prefix, i);
		po.MsgId = id;
		s = js_PublishAsync(js, subj, data, (int)size, &po);
		if (s != NATS_OK)
			return die("publish", s);
	}
	jsPubOptions_Init(&po);
	po.MaxWait = 60000;
	s = js_PublishAsyncComplete(js, &po);
	t1 = now_s();
	if (s != NATS_OK)
		return die("waiting for acks", s);
	printf("rate=%.0f acked=%ld errors=%ld\n", n / (t1 - t0), atomic_load(&acked),
	       atomic_load(&errors));
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	natsStatus s;
	int r;

	if (argc < 4 || (!strcmp(argv[1], "pub") && argc < 8) ||
	    (!strcmp(argv[1], "wait") && argc < 6)) {
		fprintf(stderr, "usage: nats_minpub pub URL STREAM SUBJECT N SIZE WINDOW [ID_PREFIX]"
			" | count URL STREAM | wait URL STREAM N TIMEOUT_S\n");
		return 2;
	}
	s = natsConnection_ConnectTo(&nc, argv[2]);
	if (s != NATS_OK)
		return die(argv[2], s);
	jsOptions_Init(&jo);
	if (!strcmp(argv[1], "pub")) {
		jo.PublishAsync.MaxPending = atol(argv[7]);
		jo.PublishAsync.AckHandler = on_ack;
	}
	s = natsConnection_JetStream(&js, nc, &jo);
	if (s != NATS_OK)
		return die("jetstream", s);
	if (!strcmp(argv[1], "pub"))
		r = publish(js, argv);
	else if (!strcmp(argv[1], "wait"))
		r = wait_for(js, argv[3], strtoull(argv[4], NULL, 10), atof(argv[5]));
	else
		r = count(js, argv[3]);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return r;
}
#else
int main(void)
{
	fprintf(stderr, "nats_minpub: built without libnats\n");
	return 77;
}
#endif
