/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ebpf-stream --publish: every frame as one NATS JetStream message
 * (docs/ebpf-stream.md, "Publishing to NATS JetStream").
 */
#ifndef EBPF_PUBLISH_NATS_H
#define EBPF_PUBLISH_NATS_H

#include <stdbool.h>
#include <stddef.h>
#include <getopt.h>

struct nats_opts {
	const char *servers;    /* --publish: nats://HOST:PORT[,...] */
	const char *prefix;     /* --subject-prefix (default "ebpf") */
	const char *host;       /* --host-name (default: the hostname) */
	const char *stream;     /* --jetstream-stream: create when missing */
	int replicas;           /* --replicas */
	size_t buffer;          /* --publish-buffer, bytes */
	size_t window;          /* --publish-window, messages awaiting an ack */
	const char *creds;      /* --nats-creds FILE (.creds) */
	const char *nkey;       /* --nats-nkey FILE (seed) */
	const char *auth_file;  /* --nats-auth-file FILE: user=, password=, token= */
	const char *ca, *cert, *key; /* --nats-ca, --nats-cert, --nats-key */
};

/* Option codes for getopt_long; NATS_LONGOPTS goes into its table. */
enum {
	NATS_OPT_PUBLISH = 0x200, NATS_OPT_PREFIX, NATS_OPT_HOST, NATS_OPT_STREAM,
	NATS_OPT_REPLICAS, NATS_OPT_BUFFER, NATS_OPT_WINDOW, NATS_OPT_CREDS,
	NATS_OPT_NKEY, NATS_OPT_AUTH, NATS_OPT_CA, NATS_OPT_CERT, NATS_OPT_KEY,
	NATS_OPT_END
};

#define NATS_LONGOPTS \
	{ "publish", required_argument, NULL, NATS_OPT_PUBLISH }, \
	{ "subject-prefix", required_argument, NULL, NATS_OPT_PREFIX }, \
	{ "host-name", required_argument, NULL, NATS_OPT_HOST }, \
	{ "jetstream-stream", required_argument, NULL, NATS_OPT_STREAM }, \
	{ "replicas", required_argument, NULL, NATS_OPT_REPLICAS }, \
	{ "publish-buffer", required_argument, NULL, NATS_OPT_BUFFER }, \
	{ "publish-window", required_argument, NULL, NATS_OPT_WINDOW }, \
	{ "nats-creds", required_argument, NULL, NATS_OPT_CREDS }, \
	{ "nats-nkey", required_argument, NULL, NATS_OPT_NKEY }, \
	{ "nats-auth-file", required_argument, NULL, NATS_OPT_AUTH }, \
	{ "nats-ca", required_argument, NULL, NATS_OPT_CA }, \
	{ "nats-cert", required_argument, NULL, NATS_OPT_CERT }, \
	{ "nats-key", required_argument, NULL, NATS_OPT_KEY }

#define NATS_USAGE \
	"  --publish nats://HOST:PORT[,...]  publish every frame to NATS JetStream\n" \
	"  --subject-prefix P    subjects P.HOST.BACKEND.MAP, P.HOST._control (default ebpf)\n" \
	"  --host-name NAME      HOST in subjects and message ids (default: the hostname)\n" \
	"  --jetstream-stream S  create stream S (subjects P.>, file storage) when missing\n" \
	"  --replicas N          replicas of a stream --jetstream-stream creates (default 1)\n" \
	"  --publish-buffer N    bytes of frames kept while NATS is away (default 64 MiB)\n" \
	"  --publish-window N    messages awaiting their ack at once (default 16384)\n" \
	"  --nats-creds FILE     NATS .creds file    --nats-nkey FILE  nkey seed file\n" \
	"  --nats-auth-file FILE lines user=, password=, token= (secrets not on the command line)\n" \
	"  --nats-ca FILE        CA to verify servers (TLS)\n" \
	"  --nats-cert FILE, --nats-key FILE  client certificate and key (TLS)\n"

/* One option of ours into o: 0, or 2 (said) for a bad value. */
int nats_opt(int c, const char *arg, struct nats_opts *o);

struct natspub;
/* Connect (or keep trying in the background: an absent server is not an
 * error) and make the stream when asked. 0 or -errno, said on stderr. */
int natspub_open(struct natspub **out, const struct nats_opts *o);
/* The stream's bytes (length-delimited frames, in pieces of any size),
 * queued for the sender thread; describe: the describe frame to repeat
 * after each reconnect, not sent now. Never waits on the network. */
int natspub_feed(void *np, const void *data, size_t len, bool describe);
/* Send what waits, for up to a few seconds, and disconnect. */
void natspub_close(struct natspub *np);

#endif
