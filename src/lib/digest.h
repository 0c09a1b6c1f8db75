/*
 * digest.h — SHA-256 as lowercase hex, with OpenSSL's failures kept.
 *
 * One streaming context whose first failure sticks (every later call is a
 * no-op), so a caller checks once, at the end, instead of after each update;
 * and a one-shot helper. No domain types; not thread-shared (one context per
 * thread). A failure (OpenSSL out of memory, in practice) is never a hash:
 * the output is "" and the result false.
 */
#ifndef RECKON_DIGEST_H
#define RECKON_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_SHA256_HEX 65 /* 64 hex digits + NUL */

struct digest {
	void *ctx; /* EVP_MD_CTX, owned until digest_end_hex */
	bool ok;   /* false after the first failure */
};

/* Starts a SHA-256; a failure is remembered in d->ok. */
void digest_begin(struct digest *d);
/* Adds n bytes at p (p may be NULL when n is 0). */
void digest_update(struct digest *d, const void *p, size_t n);
/* Writes the first `nhex` hex digits (at most 64) and a NUL to out, which
 * holds nhex + 1 bytes, and frees the context. False, with out = "", when
 * any step failed. */
bool digest_end_hex(struct digest *d, char *out, size_t nhex);

/* SHA-256 of n bytes at p as 64 hex digits. False (out = "") on failure. */
bool digest_sha256_hex(const void *p, size_t n, char out[DIGEST_SHA256_HEX]);

#endif
