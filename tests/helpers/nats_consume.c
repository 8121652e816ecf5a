// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nats_consume URL STREAM FILTER frames|ids [IDLE_MS]: read every message
 * of a JetStream stream on subjects FILTER from the start, until none
 * comes for IDLE_MS (default 1000). frames: each payload to stdout with a
 * varint length in front (what `ebpf-stream --decode` reads); ids: one line
 * "SUBJECT MSG-ID" per message. Exit 0, 1 on an error (said), 77 when
 * built without libnats.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if EBPF_HAVE_NATS
#include <nats/nats.h>

static void put_frame(const char *data, int len)
{
	uint8_t v[10];
	size_t n = 0;
	uint64_t x = (uint64_t)len;

	do {
		v[n++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
		x >>= 7;
	} while (x);
	fwrite(v, 1, n, stdout);
	fwrite(data, 1, (size_t)len, stdout);
}

static int fail(const char *what, natsStatus s)
{
	fprintf(stderr, "nats_consume: %s: %s\n", what,
		nats_GetLastError(NULL) ? nats_GetLastError(NULL) : natsStatus_GetText(s));
	return 1;
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	jsCtx *js = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	natsStatus s;
	bool frames;
	int64_t idle;

	if (argc < 5) {
		fprintf(stderr, "usage: nats_consume URL STREAM FILTER frames|ids [IDLE_MS]\n");
		return 2;
	}
	frames = !strcmp(argv[4], "frames");
	idle = argc > 5 ? atoll(argv[5]) : 1000;
	s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s != NATS_OK)
		return fail(argv[1], s);
	s = natsConnection_JetStream(&js, nc, NULL);
	if (s != NATS_OK)
		return fail("jetstream", s);
	jsSubOptions_Init(&so);
	so.Stream = argv[2];
	so.Config.AckPolicy = js_AckNone;
	so.Config.DeliverPolicy = js_DeliverAll;
	s = js_PullSubscribe(&sub, js, argv[3], NULL, NULL, &so, &jerr);
	if (s != NATS_OK)
		return fail("subscribe", s);
	for (;;) {
		natsMsgList list = { 0 };

		s = natsSubscription_Fetch(&list, sub, 4096, idle, &jerr);
		if (s == NATS_TIMEOUT)
			break;
		if (s != NATS_OK)
			return fail("fetch", s);
		for (int i = 0; i < list.Count; i++) {
			natsMsg *m = list.Msgs[i];
			const char *id = NULL;

			if (frames) {
				put_frame(natsMsg_GetData(m), natsMsg_GetDataLength(m));
			} else {
				natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
				printf("%s %s\n", natsMsg_GetSubject(m), id ? id : "-");
			}
		}
		natsMsgList_Destroy(&list);
	}
	fflush(stdout);
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "nats_consume: built without libnats\n");
	return 77;
}
#endif
