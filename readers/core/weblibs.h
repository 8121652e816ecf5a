/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OpenSSL, libyaml and libxcrypt, loaded only when a web configuration
 * file is read (--web.config.file). Why: linked, their load-time
 * relocations and pages cost every reader ~1.6 MB of peak RSS whether it
 * serves TLS or not (bench/notes.md); a reader without the option never
 * maps them.
 *
 * The headers give the types, constants and macros at compile time (the
 * -dev packages stay build dependencies); every function the web code
 * calls (tls.c, webconfig.c, basicauth.c) is a pointer in one table,
 * filled by weblibs_load() from the libraries' Debian sonames. Below the
 * table, each function's name is defined to its pointer, so that the code
 * and OpenSSL's function-like macros (SSL_CTX_set_mode -> SSL_CTX_ctrl,
 * sk_X509_NAME_num -> OPENSSL_sk_num) call through it unchanged. A
 * function used but missing from WEBLIBS_FUNCS is an undefined reference
 * at link time, since the libraries are not linked.
 *
 * Include this instead of the libraries' headers, and only in the web
 * code: the names it redefines are then pointers, valid after
 * weblibs_load() succeeded.
 */
#ifndef EBPF_WEBLIBS_H
#define EBPF_WEBLIBS_H

#include <crypt.h>
#include <yaml.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "diag.h"

/* The libraries, in the order they are loaded (libssl needs libcrypto). */
enum weblib { WEBLIB_CRYPTO, WEBLIB_SSL, WEBLIB_YAML, WEBLIB_CRYPT, WEBLIB_N };

/* X(library, function): every function the web code calls. */
#define WEBLIBS_FUNCS(X) \
	X(WEBLIB_CRYPTO, ASN1_STRING_get0_data) \
	X(WEBLIB_CRYPTO, ASN1_STRING_length) \
	X(WEBLIB_CRYPTO, CRYPTO_get_ex_new_index) \
	X(WEBLIB_CRYPTO, CRYPTO_memcmp) \
	X(WEBLIB_CRYPTO, ERR_clear_error) \
	X(WEBLIB_CRYPTO, ERR_error_string_n) \
	X(WEBLIB_CRYPTO, ERR_get_error) \
	X(WEBLIB_CRYPTO, EVP_DecodeBlock) \
	X(WEBLIB_CRYPTO, GENERAL_NAMES_free) \
	X(WEBLIB_CRYPTO, OPENSSL_sk_num) \
	X(WEBLIB_CRYPTO, OPENSSL_sk_pop_free) \
	X(WEBLIB_CRYPTO, OPENSSL_sk_value) \
	X(WEBLIB_CRYPTO, X509_NAME_free) \
	X(WEBLIB_CRYPTO, X509_STORE_CTX_get_current_cert) \
	X(WEBLIB_CRYPTO, X509_STORE_CTX_get_error_depth) \
	X(WEBLIB_CRYPTO, X509_STORE_CTX_get_ex_data) \
	X(WEBLIB_CRYPTO, X509_STORE_CTX_set_error) \
	X(WEBLIB_CRYPTO, X509_get_ext_d2i) \
	X(WEBLIB_SSL, SSL_CIPHER_get_name) \
	X(WEBLIB_SSL, SSL_CIPHER_standard_name) \
	X(WEBLIB_SSL, SSL_CTX_check_private_key) \
	X(WEBLIB_SSL, SSL_CTX_ctrl) \
	X(WEBLIB_SSL, SSL_CTX_free) \
	X(WEBLIB_SSL, SSL_CTX_get_ciphers) \
	X(WEBLIB_SSL, SSL_CTX_get_ex_data) \
	X(WEBLIB_SSL, SSL_CTX_load_verify_locations) \
	X(WEBLIB_SSL, SSL_CTX_new) \
	X(WEBLIB_SSL, SSL_CTX_set_cipher_list) \
	X(WEBLIB_SSL, SSL_CTX_set_client_CA_list) \
	X(WEBLIB_SSL, SSL_CTX_set_ex_data) \
	X(WEBLIB_SSL, SSL_CTX_set_options) \
	X(WEBLIB_SSL, SSL_CTX_set_session_id_context) \
	X(WEBLIB_SSL, SSL_CTX_set_verify) \
	X(WEBLIB_SSL, SSL_CTX_use_PrivateKey_file) \
	X(WEBLIB_SSL, SSL_CTX_use_certificate_chain_file) \
	X(WEBLIB_SSL, SSL_free) \
	X(WEBLIB_SSL, SSL_get_SSL_CTX) \
	X(WEBLIB_SSL, SSL_get_error) \
	X(WEBLIB_SSL, SSL_get_ex_data_X509_STORE_CTX_idx) \
	X(WEBLIB_SSL, SSL_load_client_CA_file) \
	X(WEBLIB_SSL, SSL_new) \
	X(WEBLIB_SSL, SSL_read_ex) \
	X(WEBLIB_SSL, SSL_set_accept_state) \
	X(WEBLIB_SSL, SSL_set_fd) \
	X(WEBLIB_SSL, SSL_shutdown) \
	X(WEBLIB_SSL, SSL_write_ex) \
	X(WEBLIB_SSL, TLS_server_method) \
	X(WEBLIB_YAML, yaml_document_delete) \
	X(WEBLIB_YAML, yaml_document_get_node) \
	X(WEBLIB_YAML, yaml_document_get_root_node) \
	X(WEBLIB_YAML, yaml_parser_delete) \
	X(WEBLIB_YAML, yaml_parser_initialize) \
	X(WEBLIB_YAML, yaml_parser_load) \
	X(WEBLIB_YAML, yaml_parser_set_input_file) \
	X(WEBLIB_CRYPT, crypt_rn)

#define WEBLIBS_FIELD(lib, fn) __typeof__(&fn) fn;
struct weblibs {
	WEBLIBS_FUNCS(WEBLIBS_FIELD)
};
#undef WEBLIBS_FIELD
extern struct weblibs weblibs_fn;

/* Load the four libraries and resolve WEBLIBS_FUNCS, once: 0, or -ELIBACC
 * with d set ("--web.config.file PATH: TLS support needs libssl.so.3:
 * <dlerror>"), nothing left loaded. Before capabilities are dropped,
 * though dlopen needs none: a reload finds them loaded. */
int weblibs_load(const char *path, struct diag *d);

/* The web code's calls, through the table (weblibs.c itself resolves the
 * names, so it does not want them redefined). */
#ifndef WEBLIBS_NO_REDIRECT
#define ASN1_STRING_get0_data (weblibs_fn.ASN1_STRING_get0_data)
#define ASN1_STRING_length (weblibs_fn.ASN1_STRING_length)
#define CRYPTO_get_ex_new_index (weblibs_fn.CRYPTO_get_ex_new_index)
#define CRYPTO_memcmp (weblibs_fn.CRYPTO_memcmp)
#define ERR_clear_error (weblibs_fn.ERR_clear_error)
#define ERR_error_string_n (weblibs_fn.ERR_error_string_n)
#define ERR_get_error (weblibs_fn.ERR_get_error)
#define EVP_DecodeBlock (weblibs_fn.EVP_DecodeBlock)
#define GENERAL_NAMES_free (weblibs_fn.GENERAL_NAMES_free)
#define OPENSSL_sk_num (weblibs_fn.OPENSSL_sk_num)
#define OPENSSL_sk_pop_free (weblibs_fn.OPENSSL_sk_pop_free)
#define OPENSSL_sk_value (weblibs_fn.OPENSSL_sk_value)
#define X509_NAME_free (weblibs_fn.X509_NAME_free)
#define X509_STORE_CTX_get_current_cert (weblibs_fn.X509_STORE_CTX_get_current_cert)
#define X509_STORE_CTX_get_error_depth (weblibs_fn.X509_STORE_CTX_get_error_depth)
#define X509_STORE_CTX_get_ex_data (weblibs_fn.X509_STORE_CTX_get_ex_data)
#define X509_STORE_CTX_set_error (weblibs_fn.X509_STORE_CTX_set_error)
#define X509_get_ext_d2i (weblibs_fn.X509_get_ext_d2i)
#define SSL_CIPHER_get_name (weblibs_fn.SSL_CIPHER_get_name)
#define SSL_CIPHER_standard_name (weblibs_fn.SSL_CIPHER_standard_name)
#define SSL_CTX_check_private_key (weblibs_fn.SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (weblibs_fn.SSL_CTX_ctrl)
#define SSL_CTX_free (weblibs_fn.SSL_CTX_free)
#define SSL_CTX_get_ciphers (weblibs_fn.SSL_CTX_get_ciphers)
#define SSL_CTX_get_ex_data (weblibs_fn.SSL_CTX_get_ex_data)
#define SSL_CTX_load_verify_locations (weblibs_fn.SSL_CTX_load_verify_locations)
#define SSL_CTX_new (weblibs_fn.SSL_CTX_new)
#define SSL_CTX_set_cipher_list (weblibs_fn.SSL_CTX_set_cipher_list)
#define SSL_CTX_set_client_CA_list (weblibs_fn.SSL_CTX_set_client_CA_list)
#define SSL_CTX_set_ex_data (weblibs_fn.SSL_CTX_set_ex_data)
#define SSL_CTX_set_options (weblibs_fn.SSL_CTX_set_options)
#define SSL_CTX_set_session_id_context (weblibs_fn.SSL_CTX_set_session_id_context)
#define SSL_CTX_set_verify (weblibs_fn.SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey_file (weblibs_fn.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate_chain_file (weblibs_fn.SSL_CTX_use_certificate_chain_file)
#define SSL_free (weblibs_fn.SSL_free)
#define SSL_get_SSL_CTX (weblibs_fn.SSL_get_SSL_CTX)
#define SSL_get_error (weblibs_fn.SSL_get_error)
#define SSL_get_ex_data_X509_STORE_CTX_idx (weblibs_fn.SSL_get_ex_data_X509_STORE_CTX_idx)
#define SSL_load_client_CA_file (weblibs_fn.SSL_load_client_CA_file)
#define SSL_new (weblibs_fn.SSL_new)
#define SSL_read_ex (weblibs_fn.SSL_read_ex)
#define SSL_set_accept_state (weblibs_fn.SSL_set_accept_state)
#define SSL_set_fd (weblibs_fn.SSL_set_fd)
#define SSL_shutdown (weblibs_fn.SSL_shutdown)
#define SSL_write_ex (weblibs_fn.SSL_write_ex)
#define TLS_server_method (weblibs_fn.TLS_server_method)
#define yaml_document_delete (weblibs_fn.yaml_document_delete)
#define yaml_document_get_node (weblibs_fn.yaml_document_get_node)
#define yaml_document_get_root_node (weblibs_fn.yaml_document_get_root_node)
#define yaml_parser_delete (weblibs_fn.yaml_parser_delete)
#define yaml_parser_initialize (weblibs_fn.yaml_parser_initialize)
#define yaml_parser_load (weblibs_fn.yaml_parser_load)
#define yaml_parser_set_input_file (weblibs_fn.yaml_parser_set_input_file)
#define crypt_rn (weblibs_fn.crypt_rn)
#endif

#endif
