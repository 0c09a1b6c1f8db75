/*
 * fakex.h — the internal contract of reckon-fakex, the fake exchange.
 *
 * reckon-fakex serves the Coinbase Advanced Trade and Binance USDⓈ-M REST
 * APIs on loopback, at the exchanges' own paths and in their own JSON shapes,
 * so a client whose base URL can be changed talks to it as to the venue. Its
 * matching engine is the simulated venue (src/venues/sim.h): one sim instance
 * per venue, built from the same scenario file, and every request becomes
 * venue_ops calls on it (snapshot, place, cancel, get_order, order_fills).
 *
 * Modules (one job each):
 *   main.c            command line, lifecycle, signals (and the --make-jwt test aid)
 *   server.c          libmicrohttpd glue: assembles a struct fx_req, sends a struct fx_resp
 *   dispatch.c        one request end to end: lock, faults, auth, route, log
 *   request.c         query/form parsing, the signed payload, redaction
 *   auth.c            Binance HMAC + recvWindow, Coinbase CDP JWT
 *   faults.c          HTTP-level fault injection (control endpoint / --faults)
 *   reqlog.c          the request log (memory + --log file, JSON lines)
 *   book.c            the sim venues: snapshot passes, dumps, trigger tracking
 *   ids.c             Binance numeric ids for sim order / fill ids
 *   pages.c           Coinbase cursor pagination over a rendered listing
 *   render.c          shared JSON helpers and error bodies
 *   coinbase_api.c    Coinbase reads;  coinbase_trade.c  placement, cancel
 *   coinbase_render.c Coinbase JSON shapes
 *   binance_api.c     Binance reads;   binance_trade.c   order / algoOrder
 *   binance_render.c  Binance JSON shapes
 *   control.c         /__fakex/ control endpoints
 *
 * Where each documented choice lives:
 *   which JWT host Coinbase requests may be signed for, Binance's signature
 *   and recvWindow rules ........................................ auth.c
 *   plain vs algo views of Binance orders, numeric ids ... binance_render.c, ids.c
 *   snapshot passes (when the sim's snapshot faults fire) ...... book.c
 *   page sizes and cursors .............................. pages.c, coinbase_api.c
 *   the fault format and kinds ................................. faults.c
 *   the control API ........................................... control.c
 *
 * Threads: libmicrohttpd runs one thread per connection; dispatch holds
 * fakex.lock for the whole of a request (state, faults, log), and releases it
 * before a "slow" fault's sleep. Nothing else touches shared state.
 *
 * Ownership: struct fakex is created by main and lives for the process;
 * every malloc'd member is released by fakex_free. A struct fx_resp's body is
 * owned by the response until server.c hands it to libmicrohttpd.
 */
#ifndef RECKON_FAKEX_H
#define RECKON_FAKEX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "model.h"
#include "rk_clock.h"
#include "venue.h"

enum fx_venue { FX_COINBASE = 0, FX_BINANCE = 1, FX_NVENUES };

#define FX_BODY_MAX (1024 * 1024)   /* larger request bodies get 413 */
#define FX_NOTE_MAX 256
#define FX_SERVED_MAX 64            /* listing keys one snapshot pass may serve */
#define FX_LISTINGS_MAX 8           /* Coinbase cursors remembered */
#define FX_BINANCE_RECV_WINDOW 5000 /* ms, Binance's default */
#define FX_BINANCE_RECV_WINDOW_MAX 60000
#define FX_COINBASE_HOST "api.coinbase.com"

/* The venue names used on the command line, in faults and in the log. */
const char *fx_venue_name(enum fx_venue v);
/* "coinbase" -> FX_COINBASE; "binance" or "binance-usdm" -> FX_BINANCE;
 * anything else -> FX_NVENUES. */
enum fx_venue fx_venue_parse(const char *s);

/* ---- request and response ---------------------------------------------- */

struct fx_param {
	char *key; /* url-decoded */
	char *val; /* url-decoded */
};

struct fx_req {
	enum fx_venue venue;        /* the daemon that received it */
	char method[16];
	char *path;                 /* raw path, without the query string */
	char *query;                /* raw query string ("" when none) */
	char *body;                 /* raw body, NUL-terminated ("" when none) */
	size_t body_len;
	struct fx_param *params;    /* query args, then form-body args */
	size_t nparams;
	char *authorization;        /* header values, NULL when absent */
	char *apikey;               /* X-MBX-APIKEY */
	char *host;                 /* Host */
	int64_t now_ms;             /* wall clock (+ the control clock offset) */
};

struct fx_resp {
	unsigned status;
	char *body;                 /* malloc'd, NUL-terminated */
	const char *content_type;   /* static */
	int retry_after;            /* seconds; > 0 adds Retry-After */
	long used_weight;           /* >= 0 adds X-MBX-USED-WEIGHT-1M */
	long delay_ms;              /* slow fault: sleep this long before answering */
	char auth_error[FX_NOTE_MAX]; /* why authentication failed ("" when it did not) */
	char fault[64];             /* the HTTP fault that fired ("" when none) */
};

/* Parses `query` and, when `form` is true, `body` as
 * application/x-www-form-urlencoded into req->params. */
enum rk_rc fx_req_parse_params(struct fx_req *req, bool form, struct rk_err *err);
/* First value of `key`, or NULL. */
const char *fx_param(const struct fx_req *req, const char *key);
/* Every value of `key` (repeated keys), up to `max`; returns the count. */
size_t fx_param_all(const struct fx_req *req, const char *key, const char **out, size_t max);
/* Releases what fx_req owns (not the struct). NULL-safe. */
void fx_req_free(struct fx_req *req);

/* `text` (a query string or form body) without its `key` parameters, the
 * others kept byte for byte and joined with '&'. malloc'd; NULL on OOM. */
char *fx_strip_param(const char *text, const char *key);
/* `text` with every value of `key` replaced by "REDACTED". malloc'd. */
char *fx_redact_param(const char *text, const char *key);
/* Decodes %XX and '+' in place. */
void fx_url_decode(char *s);

/* Sets the response to `status` with `root` printed compactly (root is
 * deleted). On allocation failure the response becomes a 500. */
void fx_resp_json(struct fx_resp *resp, unsigned status, cJSON *root);
/* Sets a literal body. */
void fx_resp_text(struct fx_resp *resp, unsigned status, const char *content_type,
		  const char *text);
/* Binance error body {"code":code,"msg":msg}. */
void fx_binance_error(struct fx_resp *resp, unsigned status, int code, const char *msg);
/* Coinbase error body {"error":error,"error_details":details,"message":details}. */
void fx_coinbase_error(struct fx_resp *resp, unsigned status, const char *error,
		       const char *details);
/* The venue's own "internal error" for `v` (Binance -1001 / Coinbase INTERNAL). */
void fx_venue_internal_error(struct fx_resp *resp, enum fx_venue v, unsigned status,
			     const char *details);
/* The venue's "outcome unknown" answer (Binance 503 -1007 / Coinbase 503). */
void fx_venue_unknown(struct fx_resp *resp, enum fx_venue v, const char *details);
/* Releases the body. */
void fx_resp_free(struct fx_resp *resp);

/* ---- JSON helpers (render.c) -------------------------------------------- */

/* Adds `d` as a canonical decimal string. False on OOM. */
bool fx_add_dec(cJSON *o, const char *key, struct dec d);
/* Adds a string. False on OOM. */
bool fx_add_str(cJSON *o, const char *key, const char *val);
/* Adds an integer-valued JSON number (ids and ms times, exact below 2^53). */
bool fx_add_int(cJSON *o, const char *key, int64_t v);
bool fx_add_bool(cJSON *o, const char *key, bool v);
/* Milliseconds since the epoch of a canonical timestamp; 0 when unparsable. */
int64_t fx_ts_ms(const char *ts);
/* The decimal in `s`, or false (NULL, empty, not a decimal). */
bool fx_parse_dec(const char *s, struct dec *out);

/* ---- sets of ids --------------------------------------------------------- */

struct fx_idset {
	char (*v)[MODEL_ID_MAX];
	size_t n, cap;
};
bool fx_idset_has(const struct fx_idset *s, const char *id);
bool fx_idset_add(struct fx_idset *s, const char *id); /* false on OOM */
void fx_idset_free(struct fx_idset *s);

/* ---- Binance numeric ids (ids.c) ---------------------------------------- */

/* Binance ids are JSON numbers; sim ids are text. A sim id that is already a
 * positive decimal integer is its own number; any other ("sim-binance-usdm-3")
 * gets the next number above every id seen so far, so new ids sort after the
 * scenario's and fills keep their order. */
struct fx_ids {
	struct fx_id_entry {
		char sim[MODEL_ID_MAX];
		int64_t num;
	} *v;
	size_t n, cap;
	int64_t next; /* the next number to hand out */
};
/* Notes a numeric id so later synthetic ones exceed it. */
void fx_ids_seed(struct fx_ids *m, const char *sim_id);
/* The number of `sim_id` (assigning one when new); 0 on OOM or empty id. */
int64_t fx_ids_num(struct fx_ids *m, const char *sim_id);
/* The sim id of `num` into out[cap]. */
void fx_ids_sim(const struct fx_ids *m, int64_t num, char *out, size_t cap);
void fx_ids_free(struct fx_ids *m);

/* ---- the sim venues (book.c) -------------------------------------------- */

/* The state of one venue as sim_venue_dump shows it (no faults apply). */
struct fx_dump {
	struct order_rec *orders; /* every order, creation order */
	size_t norders;
	struct fill_rec *fills;   /* every fill, sequence order */
	size_t nfills;
	struct fx_balance {
		char asset[MODEL_SYM_MAX];
		struct dec qty;
	} *balances;              /* spot */
	size_t nbalances;
};

struct fx_book {
	enum fx_venue which;
	struct venue *venue;
	size_t page_size;           /* the scenario's open-order page size */
	/* The current snapshot pass: listings are served from one sim snapshot
	 * until a listing key repeats or the state changes, so one reconcile
	 * pass sees one snapshot and the sim's snapshot faults fire once per pass. */
	bool have_snap;
	struct venue_snapshot snap;
	struct order_rec *open_all; /* every open order when the snapshot was taken */
	bool *open_missing;         /* open_all[i] absent from snap (page_missing) */
	size_t nopen_all;
	char served[FX_SERVED_MAX][64];
	size_t nserved;
	struct fx_idset triggered;  /* stop orders whose trigger has fired */
	struct fx_idset close_position; /* futures orders with closePosition */
};

/* Builds the book of `which` from the scenario text. */
enum rk_rc fx_book_init(struct fx_book *b, enum fx_venue which, const char *scenario,
			struct rk_err *err);
void fx_book_free(struct fx_book *b);
/* The snapshot serving listing `key` (e.g. "openOrders:ATOMUSDT"): the
 * current pass's, or a fresh one when `key` was already served. NULL and
 * err set when the sim failed outright. */
const struct venue_snapshot *fx_book_pass(struct fx_book *b, const char *key, struct rk_err *err);
/* fx_book_pass, or NULL with the venue's internal error in resp. */
const struct venue_snapshot *fx_book_pass_or_fail(struct fx_book *b, const char *key,
						  struct fx_resp *resp);
/* The venue's 500 for a listing whose part of snapshot `s` failed. */
void fx_snapshot_part_failed(enum fx_venue v, const struct venue_snapshot *s,
			     struct fx_resp *resp);
/* Forgets the current pass (after any state change). */
void fx_book_invalidate(struct fx_book *b);
/* Reads sim_venue_dump into *out (OUT; release with fx_dump_free). */
enum rk_rc fx_dump_load(const struct fx_book *b, struct fx_dump *out, struct rk_err *err);
void fx_dump_free(struct fx_dump *d);
/* Advances the price paths one step at a time, noting stop triggers. */
enum rk_rc fx_book_advance(struct fx_book *b, int steps, struct rk_err *err);
enum rk_rc fx_book_set_price(struct fx_book *b, const char *symbol, struct dec price,
			     struct rk_err *err);
/* Places through the sim's venue_ops, raw: an acknowledgement without an
 * order id (the sim's place_no_order_id) stays VOUT_OK with "" so each API
 * can render it as its venue would. Starts a new snapshot pass. */
enum rk_rc fx_book_place(struct fx_book *b, const struct venue_order_req *req,
			 struct venue_place_result *out, struct rk_err *err);
/* Cancels one order (symbol may be NULL). Starts a new snapshot pass. */
enum rk_rc fx_book_cancel(struct fx_book *b, const char *symbol, const char *order_id,
			  struct venue_cancel_result *out, struct rk_err *err);
/* Has this stop order's trigger fired (it rests as a limit, or it filled)? */
bool fx_book_triggered(const struct fx_book *b, const struct order_rec *o);
/* Notes stops whose trigger the current price has reached (after a change). */
void fx_book_note_triggers(struct fx_book *b);

/* Fill totals of one order, from a dump. */
struct fx_fill_sum {
	size_t count;
	struct dec qty, value, fees; /* value = sum of qty * price */
	struct dec avg_price;        /* 0 when no fill */
};
void fx_fill_sum(const struct fx_dump *d, const char *order_id, struct fx_fill_sum *out);

/* ---- Coinbase pagination (pages.c) -------------------------------------- */

/* A rendered listing ("orders", "fills", "accounts") that cursor requests
 * page through. An item marked missing makes its page fail (a lost page). */
struct fx_listing {
	unsigned id;
	cJSON *items;   /* array, owned */
	bool *missing;  /* per item; NULL = none missing */
};
struct fx_pages {
	struct fx_listing slot[FX_LISTINGS_MAX];
	unsigned next_id;
};
/* Serves one page of a listing: with no `cursor` param, `items` (owned,
 * may be NULL on OOM) starts a new listing; with one, the page it names.
 * `key` is the array's name; `limit` the page size. */
void fx_pages_serve(struct fx_pages *p, const struct fx_req *req, const char *key,
		    cJSON *items, bool *missing /* owned, may be NULL */, size_t limit,
		    struct fx_resp *resp);
void fx_pages_free(struct fx_pages *p);

/* ---- faults (faults.c) --------------------------------------------------- */

enum fx_fault_kind {
	FXF_RATE_LIMIT = 0, /* 429 + Retry-After */
	FXF_SERVER_ERROR,   /* 500 (or "status") with the venue's internal error */
	FXF_ERROR,          /* any status with a given Binance code/msg or Coinbase error */
	FXF_SLOW,           /* the request is served, the answer waits delay_ms */
	FXF_MALFORMED,      /* the request is served, the body is cut in half */
	FXF_MISSING_PAGE,   /* a follow-up page (cursor=...) answers 500 or "status" */
	FXF_CANCEL_FAILS,   /* Coinbase: result success:false + reason; Binance: code */
	FXF_WOULD_TRIGGER,  /* placement refused: -2021 */
	FXF_UNKNOWN_ORDER,  /* cancel / query: -2011 / -2013, Coinbase UNKNOWN_CANCEL_ORDER */
	FXF_KIND_COUNT
};

struct fx_fault {
	enum fx_fault_kind kind;
	enum fx_venue venue;         /* FX_NVENUES = either */
	char method[16];             /* "" = any */
	char path[128];              /* prefix; "" = any */
	char order_id[MODEL_ID_MAX]; /* cancel_fails / unknown_order selector; "" = any */
	long count;                  /* firings left; -1 = always */
	long skip;                   /* matching requests to let through first */
	unsigned status;             /* 0 = the kind's default */
	int retry_after;             /* rate_limit, seconds */
	long delay_ms;               /* slow */
	int code;                    /* Binance code (0 = the kind's default) */
	char msg[FX_NOTE_MAX];       /* Binance msg ("" = the kind's default) */
	char reason[FX_NOTE_MAX];    /* Coinbase failure_reason / message */
	char error[64];              /* Coinbase error */
};

struct fx_faults {
	struct fx_fault *v;
	size_t n, cap;
};

/* Adds the fault(s) in `json` (one object or an array). Unknown keys and
 * kinds are errors naming them. */
enum rk_rc fx_faults_add_json(struct fx_faults *fs, const char *json, struct rk_err *err);
/* Applies the request-level faults due for `req`: a short-circuiting one
 * fills `resp` and returns true (the request is not served); "slow" and
 * "malformed" only mark resp / *malformed and return false. */
bool fx_faults_before(struct fx_faults *fs, const struct fx_req *req, struct fx_resp *resp,
		      bool *malformed /* OUT */);
/* Takes a handler-level fault (cancel_fails, would_trigger, unknown_order)
 * due for `req` and `order_id` (may be NULL): true with a copy in *out. */
bool fx_faults_take(struct fx_faults *fs, enum fx_fault_kind kind, const struct fx_req *req,
		    const char *order_id, struct fx_fault *out /* OUT */);
/* Cuts a served body in half (the malformed fault). */
void fx_faults_mangle(struct fx_resp *resp);
/* The faults still armed, as a JSON array text (malloc'd). */
char *fx_faults_json(const struct fx_faults *fs);
void fx_faults_clear(struct fx_faults *fs);
const char *fx_fault_kind_name(enum fx_fault_kind k);

/* ---- request log (reqlog.c) --------------------------------------------- */

struct fx_reqlog {
	char **lines; /* JSON lines, oldest first */
	size_t n, cap;
	FILE *file;   /* --log, NULL when none */
};
/* Records one served request: method, path, query and body with the
 * `signature` redacted, status, fault, auth failure. Never headers. */
void fx_reqlog_add(struct fx_reqlog *log, const struct fx_req *req, const struct fx_resp *resp);
/* All lines joined with '\n' (malloc'd). */
char *fx_reqlog_text(const struct fx_reqlog *log);
void fx_reqlog_reset(struct fx_reqlog *log);
void fx_reqlog_free(struct fx_reqlog *log);

/* ---- credentials and authentication (auth.c) ---------------------------- */

struct fx_creds {
	char *binance_key;      /* NULL: every signed Binance request is refused */
	char *binance_secret;
	char *coinbase_key_name; /* NULL: every private Coinbase request is refused */
	char *coinbase_pem;     /* private key; the verifier uses its public half */
};
/* Loads the four secrets (each also as NAME_FILE). A venue whose secrets
 * are absent is reported on stderr and refuses authenticated requests; any
 * other problem (bad file mode, bad key) is an error. */
enum rk_rc fx_creds_load(struct fx_creds *c, struct rk_err *err);
void fx_creds_free(struct fx_creds *c);
/* Checks a Binance SIGNED request; false with resp filled when refused. */
bool fx_auth_binance(const struct fx_creds *c, const struct fx_req *req, struct fx_resp *resp);
/* Checks a Coinbase JWT; false with resp filled (401) when refused. */
bool fx_auth_coinbase(const struct fx_creds *c, const struct fx_req *req, struct fx_resp *resp);

/* ---- the whole server ---------------------------------------------------- */

struct fakex {
	pthread_mutex_t lock;
	struct fx_book books[FX_NVENUES];
	struct fx_ids binance_ids;
	struct fx_pages pages;
	struct fx_faults faults;
	struct fx_reqlog log;
	struct fx_creds creds;
	struct rk_clock clock;          /* the wall clock requests are stamped with */
	int64_t clock_offset_ms;        /* added to it (control /clock) */
	int64_t weight_minute;          /* Binance used-weight accounting */
	long weight;
	unsigned long auto_client_id;   /* Binance ids made up for orders without one */
};

/* ---- HTTP servers (server.c) ---------------------------------------------- */

struct fx_server;
/* Starts the daemon of venue `v` on 127.0.0.1:`port` (0 = any free port). */
enum rk_rc fx_server_start(struct fakex *fx, enum fx_venue v, unsigned port,
			   struct fx_server **out /* OUT */, struct rk_err *err);
/* The port it listens on. */
unsigned fx_server_port(const struct fx_server *s);
/* Tells sleeping "slow" answers to finish now (before stopping). */
void fx_server_wake_all(void);
/* Stops the daemon and frees it. NULL-safe. */
void fx_server_stop(struct fx_server *s);

/* Serves one request end to end (called by server.c, takes the lock). */
void fx_dispatch(struct fakex *fx, struct fx_req *req, struct fx_resp *resp);

/* Venue handlers; called with the lock held. Return false when the path is
 * not one of theirs (404). */
bool fx_coinbase_route(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
bool fx_binance_route(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
/* /__fakex/ endpoints. */
void fx_control(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);

/* Coinbase handlers (coinbase_api.c, coinbase_trade.c). */
void fx_cb_list_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_get_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_list_fills(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_accounts(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_products(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_best_bid_ask(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_place(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_cb_batch_cancel(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);

/* Coinbase shapes (coinbase_render.c); NULL on OOM. */
const char *fx_cb_status_name(enum order_status s); /* OPEN, FILLED, ... */
cJSON *fx_cb_order_json(const struct fx_book *b, const struct order_rec *o,
			const struct fx_dump *d);
cJSON *fx_cb_fill_json(const struct fill_rec *f);
cJSON *fx_cb_account_json(const char *asset, struct dec total, struct dec hold);
cJSON *fx_cb_product_json(const struct instrument *ins, bool has_price, struct dec price);
cJSON *fx_cb_pricebook_json(const char *symbol, struct dec price, const char *time);

/* Binance handlers (binance_api.c, binance_trade.c). */
void fx_bn_open_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_open_algo_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_position_risk(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_user_trades(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_exchange_info(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_ticker_price(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
void fx_bn_algo_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);

/* Binance classification and shapes (binance_render.c). */
/* Conditional orders live in the Algo Order API. */
bool fx_bn_is_conditional(enum order_type t);
/* Shown by the plain order endpoints: not conditional, or triggered. */
bool fx_bn_is_plain_view(const struct fx_book *b, const struct order_rec *o);
cJSON *fx_bn_order_json(struct fakex *fx, const struct order_rec *o, const struct fx_dump *d,
			bool ack);
cJSON *fx_bn_algo_json(struct fakex *fx, const struct order_rec *o, bool ack);
cJSON *fx_bn_trade_json(struct fakex *fx, const struct fill_rec *f);
cJSON *fx_bn_position_json(const struct venue_position *p, bool has_mark, struct dec mark,
			   int64_t update_ms);
cJSON *fx_bn_symbol_json(const struct instrument *ins);

#endif
