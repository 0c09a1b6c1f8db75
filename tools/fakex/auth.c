/*
 * auth.c — credentials and request authentication, the way the venues do it.
 *
 * Binance USDⓈ-M SIGNED endpoints: X-MBX-APIKEY must be the configured key
 * (absent: 401 -2014, wrong: 401 -2015); `timestamp` is mandatory (-1102);
 * `signature` must be the lowercase hex HMAC-SHA256, keyed with the secret,
 * of the query string followed directly by the body (no '&' between), both
 * without their `signature` parameter, byte for byte as sent (else 400
 * -1022); the timestamp must be less than 1000 ms ahead of server time and
 * no older than recvWindow (default 5000, at most 60000) (else 400 -1021).
 *
 * Coinbase: `Authorization: Bearer <JWT>` checked by sign_cdp_jwt_verify
 * against the public half of RECKON_COINBASE_PRIVATE_KEY, with kid equal to
 * RECKON_COINBASE_KEY_NAME, and uri "METHOD HOST/path" where HOST is
 * "api.coinbase.com" (a client signing for the real host) or the request's
 * Host header ("127.0.0.1:PORT", a client signing for the base URL it was
 * given). A refusal is Coinbase's real 401: text/plain "Unauthorized"; the
 * reason goes to the request log and the X-Fakex-Auth-Error header only.
 *
 * No secret ever reaches stderr, the log or a response.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret.h"
#include "sign.h"

/* ---- credentials ---------------------------------------------------------- */

/* Loads one secret; an absent one leaves *out NULL and is not an error. */
static enum rk_rc load_optional(const char *name, char **out, struct rk_err *err)
{
	enum rk_rc rc = secret_load(name, out, err);
	if (rc == RK_ENOTFOUND) {
		rk_err_clear(err);
		*out = NULL;
		return RK_OK;
	}
	return rc;
}

/* Signs a throwaway token so that a bad key fails at startup, not per request. */
static enum rk_rc check_coinbase_key(const struct fx_creds *c, struct rk_err *err)
{
	char *jwt = NULL;
	enum rk_rc rc = sign_cdp_jwt(c->coinbase_key_name, c->coinbase_pem, "GET", FX_COINBASE_HOST,
				     "/api/v3/brokerage/accounts", 0, &jwt, err);
	free(jwt);
	if (rc)
		rk_err_prefix(err, "RECKON_COINBASE_PRIVATE_KEY");
	return rc;
}

enum rk_rc fx_creds_load(struct fx_creds *c, struct rk_err *err)
{
	enum rk_rc rc;
	memset(c, 0, sizeof *c);
	if ((rc = load_optional("RECKON_BINANCE_API_KEY", &c->binance_key, err)) ||
	    (rc = load_optional("RECKON_BINANCE_API_SECRET", &c->binance_secret, err)) ||
	    (rc = load_optional("RECKON_COINBASE_KEY_NAME", &c->coinbase_key_name, err)) ||
	    (rc = load_optional("RECKON_COINBASE_PRIVATE_KEY", &c->coinbase_pem, err)))
		goto out;
	if (!c->binance_key || !c->binance_secret)
		fprintf(stderr, "reckon-fakex: RECKON_BINANCE_API_KEY / RECKON_BINANCE_API_SECRET "
				"not both set: signed Binance requests will be refused\n");
	if (!c->coinbase_key_name || !c->coinbase_pem)
		fprintf(stderr, "reckon-fakex: RECKON_COINBASE_KEY_NAME / "
				"RECKON_COINBASE_PRIVATE_KEY not both set: private Coinbase "
				"requests will be refused\n");
	else
		rc = check_coinbase_key(c, err);
out:
	if (rc)
		fx_creds_free(c);
	return rc;
}

void fx_creds_free(struct fx_creds *c)
{
	if (!c)
		return;
	secret_free(c->binance_key);
	secret_free(c->binance_secret);
	secret_free(c->coinbase_key_name);
	secret_free(c->coinbase_pem);
	memset(c, 0, sizeof *c);
}

/* ---- Binance -------------------------------------------------------------- */

static bool refuse_binance(struct fx_resp *resp, unsigned status, int code, const char *msg,
			   const char *why)
{
	fx_binance_error(resp, status, code, msg);
	snprintf(resp->auth_error, sizeof resp->auth_error, "%s", why);
	return false;
}

/* A non-negative decimal integer, or -1. */
static int64_t parse_ms(const char *s)
{
	char *end = NULL;
	if (!s || !s[0] || s[0] == '-')
		return -1;
	long long v = strtoll(s, &end, 10);
	return end && *end == '\0' ? (int64_t)v : -1;
}

/* Is `sig` the HMAC of the request's signed payload? */
static bool signature_ok(const struct fx_creds *c, const struct fx_req *req, const char *sig)
{
	char *q = fx_strip_param(req->query, "signature");
	char *b = fx_strip_param(req->body, "signature");
	char *payload = NULL, hex[SIGN_HMAC_HEX_LEN + 1];
	bool ok = false;
	if (q && b && (payload = malloc(strlen(q) + strlen(b) + 1))) {
		strcpy(payload, q);
		strcat(payload, b);
		ok = sign_hmac_sha256_hex(c->binance_secret, strlen(c->binance_secret), payload,
					  strlen(payload), hex, NULL) == RK_OK &&
		     strcasecmp(hex, sig) == 0;
	}
	free(q);
	free(b);
	free(payload);
	return ok;
}

bool fx_auth_binance(const struct fx_creds *c, const struct fx_req *req, struct fx_resp *resp)
{
	static const char BAD_KEY[] = "Invalid API-key, IP, or permissions for action.";
	const char *sig = fx_param(req, "signature");
	int64_t ts = parse_ms(fx_param(req, "timestamp"));
	int64_t window = FX_BINANCE_RECV_WINDOW;

	if (!c->binance_key || !c->binance_secret)
		return refuse_binance(resp, 401, -2015, BAD_KEY, "fakex has no Binance credentials");
	if (!req->apikey || !req->apikey[0])
		return refuse_binance(resp, 401, -2014, "API-key format invalid.",
				      "X-MBX-APIKEY missing");
	if (strcmp(req->apikey, c->binance_key) != 0)
		return refuse_binance(resp, 401, -2015, BAD_KEY, "X-MBX-APIKEY is not the configured key");
	if (ts < 0)
		return refuse_binance(resp, 400, -1102,
				      "Mandatory parameter 'timestamp' was not sent, was empty/null, "
				      "or malformed.", "timestamp missing");
	if (fx_param(req, "recvWindow")) {
		window = parse_ms(fx_param(req, "recvWindow"));
		if (window < 0 || window > FX_BINANCE_RECV_WINDOW_MAX)
			return refuse_binance(resp, 400, -1131, "recvWindow must be less than 60000",
					      "bad recvWindow");
	}
	if (!sig || !sig[0])
		return refuse_binance(resp, 400, -1102,
				      "Mandatory parameter 'signature' was not sent, was empty/null, "
				      "or malformed.", "signature missing");
	if (!signature_ok(c, req, sig))
		return refuse_binance(resp, 400, -1022, "Signature for this request is not valid.",
				      "signature mismatch");
	if (ts >= req->now_ms + 1000)
		return refuse_binance(resp, 400, -1021,
				      "Timestamp for this request was 1000ms ahead of the server's "
				      "time.", "timestamp ahead of server time");
	if (req->now_ms - ts > window)
		return refuse_binance(resp, 400, -1021,
				      "Timestamp for this request is outside of the recvWindow.",
				      "timestamp outside recvWindow");
	return true;
}

/* ---- Coinbase ------------------------------------------------------------- */

static bool refuse_coinbase(struct fx_resp *resp, const char *why)
{
	fx_resp_text(resp, 401, "text/plain", "Unauthorized\n");
	snprintf(resp->auth_error, sizeof resp->auth_error, "%s", why);
	return false;
}

/* Verifies `jwt` for `host`; RK_OK or the failed check in err. */
static enum rk_rc verify_for(const struct fx_creds *c, const struct fx_req *req, const char *jwt,
			     const char *host, struct rk_err *err)
{
	char kid[MODEL_ID_MAX * 2];
	enum rk_rc rc = sign_cdp_jwt_verify(jwt, c->coinbase_pem, req->method, host, req->path,
					    req->now_ms / 1000, kid, sizeof kid, err);
	if (rc == RK_OK && strcmp(kid, c->coinbase_key_name) != 0)
		rc = rk_err_set(err, RK_EREJECTED, "kid is not the configured key name");
	return rc;
}

bool fx_auth_coinbase(const struct fx_creds *c, const struct fx_req *req, struct fx_resp *resp)
{
	struct rk_err err1, err2;
	const char *auth = req->authorization;
	char why[FX_NOTE_MAX];

	if (!c->coinbase_key_name || !c->coinbase_pem)
		return refuse_coinbase(resp, "fakex has no Coinbase credentials");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7])
		return refuse_coinbase(resp, "no Authorization: Bearer token");
	rk_err_clear(&err1);
	rk_err_clear(&err2);
	if (verify_for(c, req, auth + 7, FX_COINBASE_HOST, &err1) == RK_OK)
		return true;
	if (req->host && verify_for(c, req, auth + 7, req->host, &err2) == RK_OK)
		return true;
	snprintf(why, sizeof why, "JWT refused: %.100s%s%.100s", err1.msg, err2.msg[0] ? " / " : "",
		 err2.msg);
	return refuse_coinbase(resp, why);
}
