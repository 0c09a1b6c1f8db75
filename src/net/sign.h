/*
 * sign.h — request authentication for the venues.
 *
 *   Binance USDⓈ-M SIGNED endpoints: lowercase hex HMAC-SHA256 of the exact
 *   query string and/or body bytes, keyed with the API secret.
 *
 *   Coinbase Advanced Trade (CDP API keys): a short-lived JWT per request,
 *   signed with the key's private key: ES256 for EC P-256 keys, EdDSA for
 *   Ed25519 keys. The verifier is used by the fake exchange and the tests to
 *   accept or refuse tokens the way the venue does (401 <-> RK_EREJECTED).
 *
 * Nothing here logs; error messages never contain key material.
 */
#ifndef RECKON_SIGN_H
#define RECKON_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SIGN_HMAC_HEX_LEN 64      /* hex digits in an HMAC-SHA256, without NUL */
#define SIGN_CDP_JWT_LIFETIME 120 /* seconds from nbf to exp (Coinbase maximum) */
#define SIGN_CDP_JWT_SKEW 5       /* seconds a verifier tolerates an nbf in the future */

/*
 * Writes the lowercase hex HMAC-SHA256 of msg[0..msglen) keyed with
 * key[0..keylen) to `out` (64 digits and a NUL). An empty key is refused
 * with RK_EINVAL: it is always a configuration mistake.
 */
enum rk_rc sign_hmac_sha256_hex(const char *key, size_t keylen, const char *msg, size_t msglen,
				char out[SIGN_HMAC_HEX_LEN + 1] /* OUT */, struct rk_err *err);

/*
 * Makes a Coinbase CDP JWT for one request.
 *
 *   header {"alg":"ES256"|"EdDSA","kid":key_name,"nonce":<32 random hex>,"typ":"JWT"}
 *   claims {"sub":key_name,"iss":"cdp","nbf":now,"exp":now+120,
 *           "uri":"METHOD host/path"}
 *
 * `private_key_pem` is an EC P-256 key (SEC1 "EC PRIVATE KEY" or PKCS#8
 * "PRIVATE KEY" PEM) -> ES256, with the signature in JOSE form (raw R||S,
 * 64 bytes); or an Ed25519 key, as PKCS#8 PEM or as the CDP portal gives it
 * (base64 of the 64-byte seed||public key) -> EdDSA. Any other key is
 * RK_EINVAL.
 *
 * `method` is the upper-case HTTP method, `host` e.g. "api.coinbase.com",
 * `path` starts with '/'; a query string ('?' onwards) is left out of the
 * uri claim, as Coinbase expects.
 *
 * On RK_OK, *jwt_out is a malloc'd NUL-terminated token the caller frees
 * with free(). On failure it is NULL.
 */
enum rk_rc sign_cdp_jwt(const char *key_name, const char *private_key_pem, const char *method,
			const char *host, const char *path, int64_t now_unix,
			char **jwt_out /* OUT: malloc'd, caller frees */, struct rk_err *err);

/*
 * Checks a CDP JWT the way the venue does. `key_pem` is a public key PEM
 * ("PUBLIC KEY"), or any private key form sign_cdp_jwt accepts (its public
 * half is used). Checks, in order: three base64url parts; header alg matches
 * the key type (ES256 for P-256, EdDSA for Ed25519) and kid is a string;
 * the signature; claims iss == "cdp", sub == kid, nbf <= now + 5,
 * now < exp, uri == "METHOD host/path" (expect_path's query string ignored).
 *
 * Returns RK_OK when all pass; RK_EREJECTED with the failed check in
 * err->msg otherwise (the venue's 401); RK_EINVAL when the key or the
 * expectations themselves are unusable. On RK_OK and when kid_out is not
 * NULL, the kid is copied there (NUL-terminated); a kid that does not fit in
 * kid_out_len bytes is RK_EREJECTED.
 */
enum rk_rc sign_cdp_jwt_verify(const char *jwt, const char *key_pem, const char *expect_method,
			       const char *expect_host, const char *expect_path, int64_t now_unix,
			       char *kid_out /* OUT, may be NULL */, size_t kid_out_len,
			       struct rk_err *err);

/*
 * base64url (RFC 4648 §5) without padding. On RK_OK *out is a malloc'd
 * NUL-terminated string the caller frees with free().
 */
enum rk_rc sign_base64url_encode(const unsigned char *in, size_t len,
				 char **out /* OUT: malloc'd, caller frees */, struct rk_err *err);

/*
 * Decodes unpadded base64url. Refuses '=' padding, characters outside the
 * url-safe alphabet, an impossible length, and non-zero unused trailing bits
 * (so every byte string has exactly one accepted encoding): RK_EINVAL.
 * On RK_OK *out is a malloc'd buffer of *outlen bytes, followed by a NUL not
 * counted in *outlen (handy for JSON), that the caller frees with free().
 */
enum rk_rc sign_base64url_decode(const char *in, size_t len,
				 unsigned char **out /* OUT: malloc'd, caller frees */,
				 size_t *outlen /* OUT */, struct rk_err *err);

#endif
