/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libnats, loaded only when --publish is given. Why: linked, libnats
 * brings libssl and libcrypto with it, and their load-time relocations and
 * pages cost every ebpf-stream process peak RSS whether it publishes or
 * not (bench/notes.md); one without --publish never maps them.
 *
 * As weblibs.h does for the web code: <nats/nats.h> and <openssl/evp.h>
 * give the types and constants at compile time (libnats-dev stays a build
 * dependency); every function the NATS code calls (publish_nats.c,
 * nats_conn.c) is a pointer in one table, filled by natslibs_load()
 * (libload.c), and each name is defined to its pointer below, so the code
 * calls through it unchanged. A function used but missing from
 * NATSLIBS_FUNCS is an undefined reference at link time, since neither
 * library is linked: add it here.
 */
#ifndef EBPF_NATSLIBS_H
#define EBPF_NATSLIBS_H

#include "diag.h"

/* Load libcrypto and libnats (Debian's sonames libcrypto.so.3 and
 * libnats.so.3.4) and resolve the table, once, before capabilities are
 * dropped: 0, or -ELIBACC with d set ("--publish: NATS support needs
 * libnats.so.3.4: <dlerror>", or libcrypto.so.3), nothing
 * left loaded. Built without NATS (NATS=0): 0, and natspub_open() says so. */
int natslibs_load(struct diag *d);

#if EBPF_HAVE_NATS
#include <nats/nats.h>
#include <openssl/evp.h>

/* The libraries, in load order: libcrypto, which libnats needs anyway,
 * for the Ed25519 public key of an nkey seed (--nats-nkey, nats_conn.c). */
enum natslib { NATSLIB_CRYPTO, NATSLIB_NATS, NATSLIB_N };

/* X(library, function): every function the NATS code calls. */
#define NATSLIBS_FUNCS(X) \
	X(NATSLIB_CRYPTO, EVP_PKEY_free) \
	X(NATSLIB_CRYPTO, EVP_PKEY_get_raw_public_key) \
	X(NATSLIB_CRYPTO, EVP_PKEY_new_raw_private_key) \
	X(NATSLIB_NATS, jsCtx_Destroy) \
	X(NATSLIB_NATS, jsOptions_Init) \
	X(NATSLIB_NATS, jsPubOptions_Init) \
	X(NATSLIB_NATS, jsStreamConfig_Init) \
	X(NATSLIB_NATS, jsStreamInfo_Destroy) \
	X(NATSLIB_NATS, js_AddStream) \
	X(NATSLIB_NATS, js_GetStreamInfo) \
	X(NATSLIB_NATS, js_PublishAsync) \
	X(NATSLIB_NATS, natsConnection_Close) \
	X(NATSLIB_NATS, natsConnection_Connect) \
	X(NATSLIB_NATS, natsConnection_Destroy) \
	X(NATSLIB_NATS, natsConnection_GetLastError) \
	X(NATSLIB_NATS, natsConnection_JetStream) \
	X(NATSLIB_NATS, natsConnection_Status) \
	X(NATSLIB_NATS, natsMsgHeader_Get) \
	X(NATSLIB_NATS, natsMsg_Destroy) \
	X(NATSLIB_NATS, natsMsg_GetData) \
	X(NATSLIB_NATS, natsMsg_GetDataLength) \
	X(NATSLIB_NATS, natsMsg_GetSubject) \
	X(NATSLIB_NATS, natsOptions_Create) \
	X(NATSLIB_NATS, natsOptions_Destroy) \
	X(NATSLIB_NATS, natsOptions_LoadCATrustedCertificates) \
	X(NATSLIB_NATS, natsOptions_LoadCertificatesChain) \
	X(NATSLIB_NATS, natsOptions_SetClosedCB) \
	X(NATSLIB_NATS, natsOptions_SetCustomReconnectDelay) \
	X(NATSLIB_NATS, natsOptions_SetDisconnectedCB) \
	X(NATSLIB_NATS, natsOptions_SetMaxReconnect) \
	X(NATSLIB_NATS, natsOptions_SetNKeyFromSeed) \
	X(NATSLIB_NATS, natsOptions_SetName) \
	X(NATSLIB_NATS, natsOptions_SetReconnectedCB) \
	X(NATSLIB_NATS, natsOptions_SetRetryOnFailedConnect) \
	X(NATSLIB_NATS, natsOptions_SetSecure) \
	X(NATSLIB_NATS, natsOptions_SetServers) \
	X(NATSLIB_NATS, natsOptions_SetToken) \
	X(NATSLIB_NATS, natsOptions_SetUserCredentialsFromFiles) \
	X(NATSLIB_NATS, natsOptions_SetUserInfo) \
	X(NATSLIB_NATS, natsStatus_GetText) \
	X(NATSLIB_NATS, nats_Close) \
	X(NATSLIB_NATS, nats_GetLastError)

#define NATSLIBS_FIELD(lib, fn) __typeof__(&fn) fn;
struct natslibs {
	NATSLIBS_FUNCS(NATSLIBS_FIELD)
};
#undef NATSLIBS_FIELD
extern struct natslibs natslibs_fn;

/* The NATS code's calls, through the table (natslibs.c itself resolves
 * the names, so it does not want them redefined). */
#ifndef NATSLIBS_NO_REDIRECT
#define EVP_PKEY_free (natslibs_fn.EVP_PKEY_free)
#define EVP_PKEY_get_raw_public_key (natslibs_fn.EVP_PKEY_get_raw_public_key)
#define EVP_PKEY_new_raw_private_key (natslibs_fn.EVP_PKEY_new_raw_private_key)
#define jsCtx_Destroy (natslibs_fn.jsCtx_Destroy)
#define jsOptions_Init (natslibs_fn.jsOptions_Init)
#define jsPubOptions_Init (natslibs_fn.jsPubOptions_Init)
#define jsStreamConfig_Init (natslibs_fn.jsStreamConfig_Init)
#define jsStreamInfo_Destroy (natslibs_fn.jsStreamInfo_Destroy)
#define js_AddStream (natslibs_fn.js_AddStream)
#define js_GetStreamInfo (natslibs_fn.js_GetStreamInfo)
#define js_PublishAsync (natslibs_fn.js_PublishAsync)
#define natsConnection_Close (natslibs_fn.natsConnection_Close)
#define natsConnection_Connect (natslibs_fn.natsConnection_Connect)
#define natsConnection_Destroy (natslibs_fn.natsConnection_Destroy)
#define natsConnection_GetLastError (natslibs_fn.natsConnection_GetLastError)
#define natsConnection_JetStream (natslibs_fn.natsConnection_JetStream)
#define natsConnection_Status (natslibs_fn.natsConnection_Status)
#define natsMsgHeader_Get (natslibs_fn.natsMsgHeader_Get)
#define natsMsg_Destroy (natslibs_fn.natsMsg_Destroy)
#define natsMsg_GetData (natslibs_fn.natsMsg_GetData)
#define natsMsg_GetDataLength (natslibs_fn.natsMsg_GetDataLength)
#define natsMsg_GetSubject (natslibs_fn.natsMsg_GetSubject)
#define natsOptions_Create (natslibs_fn.natsOptions_Create)
#define natsOptions_Destroy (natslibs_fn.natsOptions_Destroy)
#define natsOptions_LoadCATrustedCertificates (natslibs_fn.natsOptions_LoadCATrustedCertificates)
#define natsOptions_LoadCertificatesChain (natslibs_fn.natsOptions_LoadCertificatesChain)
#define natsOptions_SetClosedCB (natslibs_fn.natsOptions_SetClosedCB)
#define natsOptions_SetCustomReconnectDelay (natslibs_fn.natsOptions_SetCustomReconnectDelay)
#define natsOptions_SetDisconnectedCB (natslibs_fn.natsOptions_SetDisconnectedCB)
#define natsOptions_SetMaxReconnect (natslibs_fn.natsOptions_SetMaxReconnect)
#define natsOptions_SetNKeyFromSeed (natslibs_fn.natsOptions_SetNKeyFromSeed)
#define natsOptions_SetName (natslibs_fn.natsOptions_SetName)
#define natsOptions_SetReconnectedCB (natslibs_fn.natsOptions_SetReconnectedCB)
#define natsOptions_SetRetryOnFailedConnect (natslibs_fn.natsOptions_SetRetryOnFailedConnect)
#define natsOptions_SetSecure (natslibs_fn.natsOptions_SetSecure)
#define natsOptions_SetServers (natslibs_fn.natsOptions_SetServers)
#define natsOptions_SetToken (natslibs_fn.natsOptions_SetToken)
#define natsOptions_SetUserCredentialsFromFiles (natslibs_fn.natsOptions_SetUserCredentialsFromFiles)
#define natsOptions_SetUserInfo (natslibs_fn.natsOptions_SetUserInfo)
#define natsStatus_GetText (natslibs_fn.natsStatus_GetText)
#define nats_Close (natslibs_fn.nats_Close)
#define nats_GetLastError (natslibs_fn.nats_GetLastError)
#endif

#endif /* EBPF_HAVE_NATS */
#endif
