/*
 * sign.c — Binance HMAC-SHA256 signatures and Coinbase CDP JWTs (see sign.h).
 *
 * OpenSSL 3 EVP APIs only. OpenSSL errors are turned into rk_rc codes here,
 * with the library's reason copied into the message once and the thread's
 * error queue cleared, so nothing leaks into a later, unrelated check.
 */
#include "sign.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#define JOSE_SIG_LEN 64   /* ES256 R||S and Ed25519 signatures are both 64 bytes */
#define P256_COORD_LEN 32 /* bytes in R or S */
#define NONCE_BYTES 16    /* 32 hex digits in the header */
#define ED25519_KEY_LEN 32
#define CDP_ED25519_RAW_LEN 64 /* CDP portal form: seed || public key */

enum jwt_alg {
	JWT_ES256, /* EC P-256, ECDSA with SHA-256 */
	JWT_EDDSA  /* Ed25519 */
};

static const char *jwt_alg_name(enum jwt_alg alg)
{
	return alg == JWT_ES256 ? "ES256" : "EdDSA";
}

/* Records rc with "what: <OpenSSL's reason>" and clears the error queue. */
static enum rk_rc ossl_fail(struct rk_err *err, enum rk_rc rc, const char *what)
{
	char reason[256] = "no detail from OpenSSL";
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	return rk_err_set(err, rc, "%s: %s", what, reason);
}

static void hex_lower(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

enum rk_rc sign_hmac_sha256_hex(const char *key, size_t keylen, const char *msg, size_t msglen,
				char out[SIGN_HMAC_HEX_LEN + 1], struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;

	if (out)
		out[0] = '\0';
	if (!key || keylen == 0 || (!msg && msglen > 0) || !out) {
		rc = rk_err_set(err, RK_EINVAL, "HMAC-SHA256: empty key or missing argument");
		goto out;
	}
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen,
		       (const unsigned char *)(msg ? msg : ""), msglen, mac, sizeof mac, &maclen)) {
		rc = ossl_fail(err, RK_EINVAL, "HMAC-SHA256 failed");
		goto out;
	}
	if (maclen != SIGN_HMAC_HEX_LEN / 2) {
		rc = rk_err_set(err, RK_EINVAL, "HMAC-SHA256 gave %zu bytes", maclen);
		goto out;
	}
	hex_lower(mac, maclen, out);
out:
	OPENSSL_cleanse(mac, sizeof mac);
	return rc;
}

/* --- base64 ------------------------------------------------------------- */

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of one base64 digit, or -1. `url` picks "-_" over "+/". */
static int b64_digit(char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * Decodes base64: url-safe and unpadded when `url`, else the standard
 * alphabet with optional '=' padding (the CDP portal's Ed25519 keys).
 * Non-zero unused trailing bits are refused in both.
 */
static enum rk_rc b64_decode(const char *in, size_t len, bool url, unsigned char **out,
			     size_t *outlen, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	unsigned char *buf = NULL;
	size_t n = len;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	*out = NULL;
	*outlen = 0;
	if (!url && len % 4 == 0) {
		for (int pad = 0; pad < 2 && n > 0 && in[n - 1] == '='; pad++)
			n--;
	}
	if (n % 4 == 1) {
		rc = rk_err_set(err, RK_EINVAL, "base64: impossible length %zu", len);
		goto out;
	}
	buf = malloc(n / 4 * 3 + 3);
	if (!buf) {
		rc = rk_err_set(err, RK_ENOMEM, "base64: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int v = b64_digit(in[i], url);
		if (v < 0) {
			rc = rk_err_set(err, RK_EINVAL, "base64: invalid character at offset %zu", i);
			goto out;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) {
		rc = rk_err_set(err, RK_EINVAL, "base64: non-zero trailing bits");
		goto out;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	buf = NULL;
out:
	if (buf) {
		OPENSSL_cleanse(buf, n / 4 * 3 + 3);
		free(buf);
	}
	return rc;
}

enum rk_rc sign_base64url_encode(const unsigned char *in, size_t len, char **out,
				 struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char *buf = NULL;
	size_t o = 0;
	size_t i = 0;

	if (out)
		*out = NULL;
	if ((!in && len > 0) || !out) {
		rc = rk_err_set(err, RK_EINVAL, "base64url: missing argument");
		goto out;
	}
	if (len > (SIZE_MAX - 4) / 4 * 3) {
		rc = rk_err_set(err, RK_EOVERFLOW, "base64url: input too long");
		goto out;
	}
	buf = malloc((len + 2) / 3 * 4 + 1);
	if (!buf) {
		rc = rk_err_set(err, RK_ENOMEM, "base64url: out of memory");
		goto out;
	}
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		buf[o++] = b64url_alphabet[v >> 18];
		buf[o++] = b64url_alphabet[(v >> 12) & 63];
		buf[o++] = b64url_alphabet[(v >> 6) & 63];
		buf[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		buf[o++] = b64url_alphabet[v >> 18];
		buf[o++] = b64url_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		buf[o++] = b64url_alphabet[v >> 18];
		buf[o++] = b64url_alphabet[(v >> 12) & 63];
		buf[o++] = b64url_alphabet[(v >> 6) & 63];
	}
	buf[o] = '\0';
	*out = buf;
out:
	return rc;
}

enum rk_rc sign_base64url_decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
				 struct rk_err *err)
{
	if (out)
		*out = NULL;
	if (outlen)
		*outlen = 0;
	if ((!in && len > 0) || !out || !outlen)
		return rk_err_set(err, RK_EINVAL, "base64url: missing argument");
	return b64_decode(in ? in : "", len, true, out, outlen, err);
}

/* --- keys --------------------------------------------------------------- */

/* Refuses to prompt on the terminal for an encrypted key's passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The CDP portal's Ed25519 secret: base64 of seed (32) || public key (32). */
static enum rk_rc load_cdp_raw_ed25519(const char *text, EVP_PKEY **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	EVP_PKEY *pkey = NULL;
	unsigned char pub[ED25519_KEY_LEN];
	size_t publen = sizeof pub;

	if (b64_decode(text, strlen(text), false, &raw, &rawlen, NULL) != RK_OK ||
	    rawlen != CDP_ED25519_RAW_LEN) {
		rc = rk_err_set(err, RK_EINVAL,
				"key is neither PEM nor a base64 Ed25519 key of %d bytes",
				CDP_ED25519_RAW_LEN);
		goto out;
	}
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, ED25519_KEY_LEN);
	if (!pkey) {
		rc = ossl_fail(err, RK_EINVAL, "cannot load Ed25519 key");
		goto out;
	}
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 || publen != ED25519_KEY_LEN ||
	    CRYPTO_memcmp(pub, raw + ED25519_KEY_LEN, ED25519_KEY_LEN) != 0) {
		ERR_clear_error();
		rc = rk_err_set(err, RK_EINVAL,
				"Ed25519 key: the public half does not match the private seed");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	if (raw) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	return rc;
}

/*
 * Parses a key: a private key PEM (SEC1 or PKCS#8, unencrypted), the CDP
 * raw Ed25519 form, or, when `allow_public`, a "PUBLIC KEY" PEM.
 */
static enum rk_rc load_key(const char *text, bool allow_public, EVP_PKEY **out,
			   struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (!strstr(text, "-----BEGIN")) {
		rc = load_cdp_raw_ed25519(text, out, err);
		goto out;
	}
	bio = BIO_new_mem_buf(text, -1);
	if (!bio) {
		rc = ossl_fail(err, RK_ENOMEM, "cannot read key");
		goto out;
	}
	if (strstr(text, "-----BEGIN PUBLIC KEY-----")) {
		if (!allow_public) {
			rc = rk_err_set(err, RK_EINVAL, "a public key cannot sign: need the private key");
			goto out;
		}
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	} else {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	}
	if (!pkey) {
		rc = ossl_fail(err, RK_EINVAL, "cannot parse key PEM (encrypted keys are not supported)");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return rc;
}

/* The JWT algorithm for a key: ES256 for EC P-256, EdDSA for Ed25519. */
static enum rk_rc key_jwt_alg(EVP_PKEY *pkey, enum jwt_alg *alg, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char group[64] = "";
	size_t grouplen = 0;

	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*alg = JWT_EDDSA;
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &grouplen) != 1) {
			rc = ossl_fail(err, RK_EINVAL, "EC key without a named curve");
			goto out;
		}
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0) {
			rc = rk_err_set(err, RK_EINVAL, "EC key on curve %s: CDP keys must be P-256",
					group);
			goto out;
		}
		*alg = JWT_ES256;
	} else {
		const char *type = EVP_PKEY_get0_type_name(pkey);
		rc = rk_err_set(err, RK_EINVAL,
				"unsupported key type %s: CDP keys are EC P-256 or Ed25519",
				type ? type : "(unknown)");
	}
out:
	return rc;
}

/* --- signatures ---------------------------------------------------------- */

/* Signs msg with pkey; writes the JOSE signature (64 bytes) to sig. */
static enum rk_rc jws_sign(EVP_PKEY *pkey, enum jwt_alg alg, const unsigned char *msg,
			   size_t msglen, unsigned char sig[JOSE_SIG_LEN], struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *der = NULL;
	size_t derlen = 0;
	ECDSA_SIG *esig = NULL;
	const unsigned char *p = NULL;
	const BIGNUM *r = NULL;
	const BIGNUM *s = NULL;

	ctx = EVP_MD_CTX_new();
	if (!ctx) {
		rc = ossl_fail(err, RK_ENOMEM, "cannot sign JWT");
		goto out;
	}
	if (EVP_DigestSignInit_ex(ctx, NULL, alg == JWT_ES256 ? "SHA256" : NULL, NULL, NULL, pkey,
				  NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &derlen, msg, msglen) != 1) {
		rc = ossl_fail(err, RK_EINVAL, "cannot sign JWT");
		goto out;
	}
	der = malloc(derlen);
	if (!der) {
		rc = rk_err_set(err, RK_ENOMEM, "cannot sign JWT: out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, der, &derlen, msg, msglen) != 1) {
		rc = ossl_fail(err, RK_EINVAL, "cannot sign JWT");
		goto out;
	}
	if (alg == JWT_EDDSA) {
		if (derlen != JOSE_SIG_LEN) {
			rc = rk_err_set(err, RK_EINVAL, "Ed25519 signature of %zu bytes", derlen);
			goto out;
		}
		memcpy(sig, der, JOSE_SIG_LEN);
		goto out;
	}
	/* ES256: OpenSSL gives DER SEQUENCE{r, s}; JOSE wants R||S, each
	 * left-padded to 32 bytes (RFC 7518 §3.4). */
	p = der;
	esig = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
	if (!esig) {
		rc = ossl_fail(err, RK_EINVAL, "cannot decode ECDSA signature");
		goto out;
	}
	ECDSA_SIG_get0(esig, &r, &s);
	if (BN_bn2binpad(r, sig, P256_COORD_LEN) != P256_COORD_LEN ||
	    BN_bn2binpad(s, sig + P256_COORD_LEN, P256_COORD_LEN) != P256_COORD_LEN) {
		rc = ossl_fail(err, RK_EINVAL, "ECDSA signature does not fit P-256");
		goto out;
	}
out:
	ECDSA_SIG_free(esig);
	free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* RK_OK when sig (JOSE form) is pkey's signature over msg, else
 * RK_EREJECTED. */
static enum rk_rc jws_verify(EVP_PKEY *pkey, enum jwt_alg alg, const unsigned char *msg,
			     size_t msglen, const unsigned char *sig, size_t siglen,
			     struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *esig = NULL;
	BIGNUM *r = NULL;
	BIGNUM *s = NULL;
	unsigned char *der = NULL;
	int derlen = 0;
	const unsigned char *check = sig;
	size_t checklen = siglen;

	if (siglen != JOSE_SIG_LEN) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT signature is %zu bytes; %s needs %d", siglen,
				jwt_alg_name(alg), JOSE_SIG_LEN);
		goto out;
	}
	if (alg == JWT_ES256) {
		esig = ECDSA_SIG_new();
		r = BN_bin2bn(sig, P256_COORD_LEN, NULL);
		s = BN_bin2bn(sig + P256_COORD_LEN, P256_COORD_LEN, NULL);
		if (!esig || !r || !s || ECDSA_SIG_set0(esig, r, s) != 1) {
			rc = ossl_fail(err, RK_ENOMEM, "cannot check JWT signature");
			goto out;
		}
		r = NULL; /* owned by esig now */
		s = NULL;
		derlen = i2d_ECDSA_SIG(esig, &der);
		if (derlen <= 0) {
			rc = ossl_fail(err, RK_ENOMEM, "cannot check JWT signature");
			goto out;
		}
		check = der;
		checklen = (size_t)derlen;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit_ex(ctx, NULL, alg == JWT_ES256 ? "SHA256" : NULL, NULL,
					    NULL, pkey, NULL) != 1) {
		rc = ossl_fail(err, RK_EINVAL, "cannot check JWT signature");
		goto out;
	}
	if (EVP_DigestVerify(ctx, check, checklen, msg, msglen) != 1) {
		ERR_clear_error();
		rc = rk_err_set(err, RK_EREJECTED, "JWT signature does not verify (%s)",
				jwt_alg_name(alg));
		goto out;
	}
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(esig);
	return rc;
}

/* --- JWT ----------------------------------------------------------------- */

/* "METHOD host/path" without the query string, after checking the parts. */
static enum rk_rc cdp_uri(const char *method, const char *host, const char *path, char **out,
			  struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	size_t mlen = 0;
	size_t hlen = 0;
	size_t plen = 0;
	char *uri = NULL;

	*out = NULL;
	if (!method || !host || !path) {
		rc = rk_err_set(err, RK_EINVAL, "JWT uri: missing method, host or path");
		goto out;
	}
	mlen = strlen(method);
	if (mlen == 0 || strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != mlen) {
		rc = rk_err_set(err, RK_EINVAL, "JWT uri: HTTP method must be upper-case letters");
		goto out;
	}
	hlen = strlen(host);
	if (hlen == 0 || strcspn(host, "/?# \t\r\n") != hlen) {
		rc = rk_err_set(err, RK_EINVAL, "JWT uri: host must be a bare host name");
		goto out;
	}
	if (path[0] != '/') {
		rc = rk_err_set(err, RK_EINVAL, "JWT uri: path must start with '/'");
		goto out;
	}
	plen = strcspn(path, "?");
	uri = malloc(mlen + 1 + hlen + plen + 1);
	if (!uri) {
		rc = rk_err_set(err, RK_ENOMEM, "JWT uri: out of memory");
		goto out;
	}
	memcpy(uri, method, mlen);
	uri[mlen] = ' ';
	memcpy(uri + mlen + 1, host, hlen);
	memcpy(uri + mlen + 1 + hlen, path, plen);
	uri[mlen + 1 + hlen + plen] = '\0';
	*out = uri;
out:
	return rc;
}

/* base64url(JSON of obj), unformatted. */
static enum rk_rc json_b64url(const cJSON *obj, char **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char *json = NULL;

	*out = NULL;
	json = cJSON_PrintUnformatted(obj);
	if (!json) {
		rc = rk_err_set(err, RK_ENOMEM, "JWT: out of memory printing JSON");
		goto out;
	}
	rc = sign_base64url_encode((const unsigned char *)json, strlen(json), out, err);
out:
	cJSON_free(json);
	return rc;
}

/* Joins "a.b" into a new malloc'd string. */
static char *dot_join(const char *a, const char *b)
{
	size_t alen = strlen(a);
	size_t blen = strlen(b);
	char *s = malloc(alen + 1 + blen + 1);

	if (!s)
		return NULL;
	memcpy(s, a, alen);
	s[alen] = '.';
	memcpy(s + alen + 1, b, blen + 1);
	return s;
}

enum rk_rc sign_cdp_jwt(const char *key_name, const char *private_key_pem, const char *method,
			const char *host, const char *path, int64_t now_unix, char **jwt_out,
			struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char *uri = NULL;
	EVP_PKEY *pkey = NULL;
	enum jwt_alg alg = JWT_ES256;
	unsigned char nonce_raw[NONCE_BYTES];
	char nonce[2 * NONCE_BYTES + 1];
	char nbf[24];
	char exp[24];
	cJSON *header = NULL;
	cJSON *claims = NULL;
	char *header_b64 = NULL;
	char *claims_b64 = NULL;
	char *signing_input = NULL;
	unsigned char sig[JOSE_SIG_LEN];
	char *sig_b64 = NULL;

	if (jwt_out)
		*jwt_out = NULL;
	if (!key_name || !*key_name || !private_key_pem || !jwt_out) {
		rc = rk_err_set(err, RK_EINVAL, "CDP JWT: missing key name, key or output");
		goto out;
	}
	if (now_unix < 0 || now_unix > INT64_MAX - SIGN_CDP_JWT_LIFETIME) {
		rc = rk_err_set(err, RK_EINVAL, "CDP JWT: time %" PRId64 " out of range", now_unix);
		goto out;
	}
	rc = cdp_uri(method, host, path, &uri, err);
	if (rc != RK_OK)
		goto out;
	rc = load_key(private_key_pem, false, &pkey, err);
	if (rc == RK_OK)
		rc = key_jwt_alg(pkey, &alg, err);
	if (rc != RK_OK) {
		rk_err_prefix(err, "CDP JWT key %s", key_name);
		goto out;
	}
	if (RAND_bytes(nonce_raw, sizeof nonce_raw) != 1) {
		rc = ossl_fail(err, RK_EIO, "CDP JWT: random nonce");
		goto out;
	}
	hex_lower(nonce_raw, sizeof nonce_raw, nonce);
	/* Raw numbers: exact for any int64, where cJSON numbers are doubles. */
	snprintf(nbf, sizeof nbf, "%" PRId64, now_unix);
	snprintf(exp, sizeof exp, "%" PRId64, now_unix + SIGN_CDP_JWT_LIFETIME);

	header = cJSON_CreateObject();
	claims = cJSON_CreateObject();
	if (!header || !claims || !cJSON_AddStringToObject(header, "alg", jwt_alg_name(alg)) ||
	    !cJSON_AddStringToObject(header, "kid", key_name) ||
	    !cJSON_AddStringToObject(header, "nonce", nonce) ||
	    !cJSON_AddStringToObject(header, "typ", "JWT") ||
	    !cJSON_AddStringToObject(claims, "sub", key_name) ||
	    !cJSON_AddStringToObject(claims, "iss", "cdp") ||
	    !cJSON_AddRawToObject(claims, "nbf", nbf) || !cJSON_AddRawToObject(claims, "exp", exp) ||
	    !cJSON_AddStringToObject(claims, "uri", uri)) {
		rc = rk_err_set(err, RK_ENOMEM, "CDP JWT: out of memory building JSON");
		goto out;
	}
	rc = json_b64url(header, &header_b64, err);
	if (rc == RK_OK)
		rc = json_b64url(claims, &claims_b64, err);
	if (rc != RK_OK)
		goto out;
	signing_input = dot_join(header_b64, claims_b64);
	if (!signing_input) {
		rc = rk_err_set(err, RK_ENOMEM, "CDP JWT: out of memory");
		goto out;
	}
	rc = jws_sign(pkey, alg, (const unsigned char *)signing_input, strlen(signing_input), sig,
		      err);
	if (rc == RK_OK)
		rc = sign_base64url_encode(sig, sizeof sig, &sig_b64, err);
	if (rc != RK_OK)
		goto out;
	*jwt_out = dot_join(signing_input, sig_b64);
	if (!*jwt_out)
		rc = rk_err_set(err, RK_ENOMEM, "CDP JWT: out of memory");
out:
	free(sig_b64);
	free(signing_input);
	free(claims_b64);
	free(header_b64);
	cJSON_Delete(claims);
	cJSON_Delete(header);
	EVP_PKEY_free(pkey);
	free(uri);
	return rc;
}

/* Decodes one base64url JWT part holding a JSON object. */
static enum rk_rc jwt_part_json(const char *b64, size_t len, const char *what, cJSON **out,
				struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	cJSON *json = NULL;
	struct rk_err why;

	*out = NULL;
	if (sign_base64url_decode(b64, len, &raw, &rawlen, &why) != RK_OK) {
		rc = rk_err_set(err, RK_EREJECTED, "malformed JWT %s: %s", what, why.msg);
		goto out;
	}
	json = cJSON_ParseWithLength((const char *)raw, rawlen);
	if (!cJSON_IsObject(json)) {
		rc = rk_err_set(err, RK_EREJECTED, "malformed JWT %s: not a JSON object", what);
		goto out;
	}
	*out = json;
	json = NULL;
out:
	cJSON_Delete(json);
	free(raw);
	return rc;
}

/* Reads an integral numeric claim; RK_EREJECTED if absent or not an integer. */
static enum rk_rc claim_int(const cJSON *claims, const char *name, int64_t *out,
			    struct rk_err *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(claims, name);
	double d = 0;

	if (!cJSON_IsNumber(item))
		return rk_err_set(err, RK_EREJECTED, "JWT claim %s missing or not a number", name);
	d = item->valuedouble;
	/* 2^53: beyond it a double no longer holds every integer. */
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || (double)(int64_t)d != d)
		return rk_err_set(err, RK_EREJECTED, "JWT claim %s is not an integer", name);
	*out = (int64_t)d;
	return RK_OK;
}

enum rk_rc sign_cdp_jwt_verify(const char *jwt, const char *key_pem, const char *expect_method,
			       const char *expect_host, const char *expect_path, int64_t now_unix,
			       char *kid_out, size_t kid_out_len, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	char *uri = NULL;
	EVP_PKEY *pkey = NULL;
	enum jwt_alg alg = JWT_ES256;
	const char *dot1 = NULL;
	const char *dot2 = NULL;
	cJSON *header = NULL;
	cJSON *claims = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	const cJSON *item = NULL;
	const char *kid = NULL;
	int64_t nbf = 0;
	int64_t exp = 0;

	if (kid_out && kid_out_len > 0)
		kid_out[0] = '\0';
	if (!jwt || !key_pem) {
		rc = rk_err_set(err, RK_EINVAL, "CDP JWT verify: missing token or key");
		goto out;
	}
	if (now_unix > INT64_MAX - SIGN_CDP_JWT_SKEW) {
		rc = rk_err_set(err, RK_EINVAL, "CDP JWT verify: time out of range");
		goto out;
	}
	rc = cdp_uri(expect_method, expect_host, expect_path, &uri, err);
	if (rc != RK_OK)
		goto out;
	rc = load_key(key_pem, true, &pkey, err);
	if (rc == RK_OK)
		rc = key_jwt_alg(pkey, &alg, err);
	if (rc != RK_OK)
		goto out;

	dot1 = strchr(jwt, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || dot1 == jwt || dot2 == dot1 + 1 || dot2[1] == '\0' || strchr(dot2 + 1, '.')) {
		rc = rk_err_set(err, RK_EREJECTED, "malformed JWT: expected header.claims.signature");
		goto out;
	}

	/* The header first: alg decides how the signature is checked, and a
	 * token's alg must agree with the key, never choose it ("none", HS256). */
	rc = jwt_part_json(jwt, (size_t)(dot1 - jwt), "header", &header, err);
	if (rc != RK_OK)
		goto out;
	item = cJSON_GetObjectItemCaseSensitive(header, "alg");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, jwt_alg_name(alg)) != 0) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT alg %.32s does not match the key (%s)",
				cJSON_IsString(item) ? item->valuestring : "(missing)",
				jwt_alg_name(alg));
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(header, "kid");
	if (!cJSON_IsString(item) || !*item->valuestring) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT header has no kid");
		goto out;
	}
	kid = item->valuestring;

	if (sign_base64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &siglen, err) != RK_OK) {
		rc = rk_err_set(err, RK_EREJECTED, "malformed JWT signature: not base64url");
		goto out;
	}
	rc = jws_verify(pkey, alg, (const unsigned char *)jwt, (size_t)(dot2 - jwt), sig, siglen,
			err);
	if (rc != RK_OK)
		goto out;

	/* Signed by the key: the claims can be read now. */
	rc = jwt_part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1), "claims", &claims, err);
	if (rc != RK_OK)
		goto out;
	item = cJSON_GetObjectItemCaseSensitive(claims, "iss");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, "cdp") != 0) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT iss is not \"cdp\"");
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(claims, "sub");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, kid) != 0) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT sub does not match the kid");
		goto out;
	}
	rc = claim_int(claims, "nbf", &nbf, err);
	if (rc == RK_OK)
		rc = claim_int(claims, "exp", &exp, err);
	if (rc != RK_OK)
		goto out;
	if (nbf > now_unix + SIGN_CDP_JWT_SKEW) {
		rc = rk_err_set(err, RK_EREJECTED,
				"JWT not valid yet: nbf %" PRId64 " is after now %" PRId64
				" (+%d s skew)",
				nbf, now_unix, SIGN_CDP_JWT_SKEW);
		goto out;
	}
	if (now_unix >= exp) {
		rc = rk_err_set(err, RK_EREJECTED,
				"JWT expired: exp %" PRId64 ", now %" PRId64, exp, now_unix);
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(claims, "uri");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, uri) != 0) {
		rc = rk_err_set(err, RK_EREJECTED, "JWT uri \"%.200s\" does not match the request \"%.200s\"",
				cJSON_IsString(item) ? item->valuestring : "(missing)", uri);
		goto out;
	}
	if (kid_out) {
		if (strlen(kid) >= kid_out_len) {
			rc = rk_err_set(err, RK_EREJECTED, "JWT kid longer than %zu bytes",
					kid_out_len ? kid_out_len - 1 : 0);
			goto out;
		}
		memcpy(kid_out, kid, strlen(kid) + 1);
	}
out:
	free(sig);
	cJSON_Delete(claims);
	cJSON_Delete(header);
	EVP_PKEY_free(pkey);
	free(uri);
	return rc;
}
