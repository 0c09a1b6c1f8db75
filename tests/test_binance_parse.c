/*
 * test_binance_parse.c — conformance of the Binance USDⓈ-M payload reader
 * (src/venues/binance_parse.c) with the venue's published payloads in
 * tests/fixtures/binance-usdm/, field by field; the error-code mapping;
 * the placement parameters and their signing (the documented HMAC example
 * through reckon's own request builder); the fills cursor.
 *
 * Every venue payload in the fixtures folder has a test here, and
 * test_every_fixture_file_is_checked fails when a file appears that none
 * covers. The *.ccxt-parsed.json files are ccxt's reading of the same
 * payloads; they serve as independent expected values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "binance_parse.h"
#include "tu_core.h"

#define FIXDIR RECKON_SHARED_DIR "/fixtures/binance-usdm/"

/* ---- helpers ---------------------------------------------------------------- */

static char *load(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", FIXDIR, name);
	return tu_read_file(path, len);
}

/* A member of a ccxt-parsed file (first element if it is an array),
 * following a NULL-terminated key path. */
static const cJSON *ccxt_item(const cJSON *root, ...)
{
	const cJSON *it = cJSON_IsArray(root) ? cJSON_GetArrayItem(root, 0) : root;
	va_list ap;
	va_start(ap, root);
	for (const char *k = va_arg(ap, const char *); k && it; k = va_arg(ap, const char *))
		it = cJSON_GetObjectItemCaseSensitive(it, k);
	va_end(ap);
	if (!it)
		fail_msg("ccxt-parsed value missing");
	return it;
}

/* ccxt's number as printed in the file (no float arithmetic in reckon). */
static struct dec ccxt_dec(const cJSON *item)
{
	char *text = cJSON_PrintUnformatted(item);
	struct dec d = tu_dec(text);
	cJSON_free(text);
	return d;
}

static cJSON *load_ccxt(const char *name)
{
	size_t len;
	char *text = load(name, &len);
	cJSON *root = cJSON_ParseWithLength(text, len);
	free(text);
	assert_non_null(root);
	return root;
}

/* The canonical timestamp of a ccxt-parsed "timestamp" (ms). */
static void assert_ts_is_ccxt(const char *ts, const cJSON *ms)
{
	char *text = cJSON_PrintUnformatted(ms);
	char want[64];
	long long v = strtoll(text, NULL, 10);
	cJSON_free(text);
	/* same instant: ccxt's ms equal reckon's ".fff000Z" and the date/time */
	snprintf(want, sizeof want, ".%03lld000Z", v % 1000);
	assert_non_null(strstr(ts, want));
	char day[32];
	time_t secs = (time_t)(v / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_memory_equal(ts, day, strlen(day));
}

/* ---- every file is covered ------------------------------------------------------ */

/* The venue payloads of the folder and the test that checks each. */
static const char *const PAYLOADS[] = {
	"account--ccxt-static-1.json",       "account--ccxt-static-2.json",
	"algo_cancel--binance-docs-1.json",  "algo_open_orders--binance-docs-1.json",
	"algo_order_new--binance-docs-1.json", "balances--binance-docs-1.json",
	"cancel--binance-docs-1.json",       "create_order--binance-docs-1.json",
	"create_order--ccxt-static-1.json",  "error--binance-docs-1.json",
	"exchange_info--binance-docs-1.json", "exchange_info--nautilus-1.json",
	"open_order--ccxt-static-1.json",    "open_orders--binance-docs-1.json",
	"positions--binance-docs-1.json",    "positions--ccxt-static-1.json",
	"positions--ccxt-static-2.json",     "user_trades--binance-docs-1.json",
	"user_trades--ccxt-static-1.json",
};

static void test_every_fixture_file_is_checked(void **state)
{
	(void)state;
	DIR *d = opendir(FIXDIR);
	size_t npayloads = sizeof PAYLOADS / sizeof PAYLOADS[0], found = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (n[0] == '.' || len < 5 || strcmp(n + len - 5, ".json") != 0)
			continue;
		const char *parsed = ".ccxt-parsed.json";
		if (len > strlen(parsed) && strcmp(n + len - strlen(parsed), parsed) == 0)
			continue;
		bool known = false;
		for (size_t i = 0; i < npayloads; i++)
			known = known || strcmp(PAYLOADS[i], n) == 0;
		if (!known)
			fail_msg("fixture %s has no conformance test", n);
		found++;
	}
	closedir(d);
	assert_int_equal(found, npayloads);
}

/* ---- orders ------------------------------------------------------------------------ */

static void test_create_order_ccxt_is_an_open_limit_sell(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("create_order--ccxt-static-1.json", &len);
	struct order_rec *o = NULL;
	struct rk_err err = {0};
	cJSON *cx = load_ccxt("create_order--ccxt-static-1.ccxt-parsed.json");

	assert_int_equal(binance_parse_orders(body, len, "main", &o, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].order_id, "4087922044");
	assert_string_equal(o[0].order_id, ccxt_item(cx, "id", NULL)->valuestring);
	assert_string_equal(o[0].client_order_id, "x-xcKtGhcu04075babaeb34c55af79ba");
	assert_string_equal(o[0].client_order_id, ccxt_item(cx, "clientOrderId", NULL)->valuestring);
	assert_string_equal(o[0].symbol, "BTCUSDT");
	assert_string_equal(o[0].account, "main");
	assert_int_equal(o[0].venue, VENUE_BINANCE_USDM);
	assert_int_equal(o[0].side, SIDE_SELL);
	assert_int_equal(o[0].type, OTYPE_LIMIT);
	assert_int_equal(o[0].status, OSTATUS_OPEN);
	assert_false(o[0].reduce_only);
	assert_dec(o[0].qty, "0.2");
	assert_true(dec_eq(o[0].qty, ccxt_dec(ccxt_item(cx, "amount", NULL))));
	assert_true(o[0].has_price);
	assert_dec(o[0].price, "110001");
	assert_true(dec_eq(o[0].price, ccxt_dec(ccxt_item(cx, "price", NULL))));
	assert_false(o[0].has_stop_price);
	assert_true(o[0].has_filled_qty);
	assert_dec(o[0].filled_qty, "0");
	assert_string_equal(o[0].ts, "2025-02-17T08:43:51.932000Z");
	assert_ts_is_ccxt(o[0].ts, ccxt_item(cx, "timestamp", NULL));
	free(o);
	free(body);
	cJSON_Delete(cx);
}

static void test_create_order_docs_reads_numbers_as_numbers(void **state)
{
	(void)state;
	size_t len;
	char *body = load("create_order--binance-docs-1.json", &len);
	struct order_rec o;
	bool close_position = true;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_order(body, len, "", &o, &close_position, &err), RK_OK);
	assert_string_equal(o.order_id, "22542179");
	assert_string_equal(o.client_order_id, "testOrder");
	assert_string_equal(o.account, "default");
	assert_int_equal(o.side, SIDE_BUY);
	assert_int_equal(o.type, OTYPE_LIMIT);
	assert_int_equal(o.status, OSTATUS_OPEN);
	assert_dec(o.qty, "10");
	/* the example's price "0" is "no price", not a price of zero */
	assert_false(o.has_price);
	assert_false(o.has_stop_price);
	assert_false(close_position);
	assert_string_equal(o.ts, "2019-08-26T11:25:24.722000Z");
	free(body);
}

static void test_open_order_ccxt_accepts_stringified_ids_and_times(void **state)
{
	(void)state;
	size_t len;
	char *body = load("open_order--ccxt-static-1.json", &len);
	struct order_rec o;
	struct rk_err err = {0};
	cJSON *cx = load_ccxt("open_order--ccxt-static-1.ccxt-parsed.json");
	assert_int_equal(binance_parse_order(body, len, "", &o, NULL, &err), RK_OK);
	assert_string_equal(o.order_id, ccxt_item(cx, "id", NULL)->valuestring);
	assert_string_equal(o.order_id, "664082074");
	assert_string_equal(o.client_order_id, "x-xcKtGhcu68f8383451844295b3e8b9");
	assert_string_equal(o.symbol, "LTCUSDT");
	assert_int_equal(o.side, SIDE_BUY);
	assert_int_equal(o.type, OTYPE_LIMIT);
	assert_int_equal(o.status, OSTATUS_OPEN);
	assert_dec(o.qty, "0.2");
	assert_true(dec_eq(o.qty, ccxt_dec(ccxt_item(cx, "amount", NULL))));
	assert_dec(o.price, "50");
	assert_true(dec_eq(o.price, ccxt_dec(ccxt_item(cx, "price", NULL))));
	/* updateTime is the order's time in reckon (ccxt: lastUpdateTimestamp) */
	assert_string_equal(o.ts, "2024-02-14T10:42:03.991000Z");
	assert_ts_is_ccxt(o.ts, ccxt_item(cx, "lastUpdateTimestamp", NULL));
	free(body);
	cJSON_Delete(cx);
}

static void test_open_orders_docs_is_a_trailing_stop(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("open_orders--binance-docs-1.json", &len);
	struct order_rec *o = NULL;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_orders(body, len, "", &o, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].order_id, "1917641");
	assert_string_equal(o[0].client_order_id, "abc");
	assert_int_equal(o[0].type, OTYPE_TRAILING_STOP);
	assert_int_equal(o[0].side, SIDE_BUY);
	assert_int_equal(o[0].status, OSTATUS_OPEN);
	assert_dec(o[0].qty, "0.4");
	assert_true(o[0].has_stop_price);
	assert_dec(o[0].stop_price, "9300");
	assert_false(o[0].has_price);
	assert_string_equal(o[0].ts, "2020-01-17T15:59:16.075000Z");
	free(o);
	free(body);
}

/* ---- cancels ------------------------------------------------------------------------- */

static void test_cancel_docs_confirms_only_that_order(void **state)
{
	(void)state;
	size_t len;
	char *body = load("cancel--binance-docs-1.json", &len);
	struct venue_cancel_result r = {0};
	struct order_rec o;
	struct rk_err err = {0};

	binance_parse_cancel(body, len, "283194212", &r);
	assert_int_equal(r.outcome, VOUT_OK);
	/* an answer about another order is not this order's success */
	memset(&r, 0, sizeof r);
	binance_parse_cancel(body, len, "283194213", &r);
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
	/* the body is also the cancelled order */
	assert_int_equal(binance_parse_order(body, len, "", &o, NULL, &err), RK_OK);
	assert_int_equal(o.status, OSTATUS_CANCELLED);
	assert_int_equal(o.type, OTYPE_TRAILING_STOP);
	assert_string_equal(o.client_order_id, "myOrder1");
	assert_dec(o.qty, "11");
	assert_dec(o.filled_qty, "0");
	assert_dec(o.stop_price, "9300");
	free(body);
}

static void test_cancel_answer_that_is_not_cancelled_is_not_success(void **state)
{
	(void)state;
	const char *filled = "{\"orderId\":5,\"symbol\":\"BTCUSDT\",\"status\":\"FILLED\"}";
	struct venue_cancel_result r = {0};
	binance_parse_cancel(filled, strlen(filled), "5", &r);
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
	assert_non_null(strstr(r.reason, "FILLED"));
	memset(&r, 0, sizeof r);
	binance_parse_cancel("not json", 8, "5", &r);
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
}

static void test_algo_cancel_code_200_string_is_success(void **state)
{
	(void)state;
	size_t len;
	char *body = load("algo_cancel--binance-docs-1.json", &len);
	struct venue_cancel_result r = {0};
	int code = 0;
	char msg[64];
	/* "code":"200" in a success body is not an error */
	assert_false(binance_parse_error(body, len, &code, msg, sizeof msg));
	binance_parse_cancel(body, len, "algo:2146760", &r);
	assert_int_equal(r.outcome, VOUT_OK);
	memset(&r, 0, sizeof r);
	binance_parse_cancel(body, len, "algo:2146761", &r);
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
	/* a regular order id never matches an algo answer */
	memset(&r, 0, sizeof r);
	binance_parse_cancel(body, len, "2146760", &r);
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
	free(body);
}

/* ---- algo orders ------------------------------------------------------------------------ */

static void test_algo_order_new_docs_is_a_take_profit_algo(void **state)
{
	(void)state;
	size_t len;
	char *body = load("algo_order_new--binance-docs-1.json", &len);
	struct binance_algo_order a;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_algo_order(body, len, "", &a, &err), RK_OK);
	assert_string_equal(a.rec.order_id, "algo:2146760");
	assert_string_equal(a.rec.client_order_id, "6B2I9XVcJpCjqPAJ4YoFX7");
	assert_string_equal(a.rec.symbol, "BNBUSDT");
	assert_int_equal(a.rec.side, SIDE_SELL);
	assert_int_equal(a.rec.type, OTYPE_TAKE_PROFIT);
	assert_int_equal(a.rec.status, OSTATUS_OPEN);
	assert_int_equal(a.algo_status, BINANCE_ALGO_NEW);
	assert_dec(a.rec.qty, "0.01");
	assert_dec(a.rec.price, "750");
	assert_dec(a.rec.stop_price, "750");
	assert_false(a.close_position);
	assert_false(a.rec.reduce_only);
	assert_string_equal(a.actual_order_id, "");
	assert_string_equal(a.rec.ts, "2025-06-21T05:58:12.076000Z");
	free(body);
}

static void test_algo_open_orders_docs_lists_one_untriggered_order(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("algo_open_orders--binance-docs-1.json", &len);
	struct binance_algo_order *a = NULL;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_algo_orders(body, len, "", &a, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].rec.order_id, "algo:2148627");
	assert_string_equal(a[0].rec.client_order_id, "MRumok0dkhrP4kCm12AHaB");
	assert_int_equal(a[0].rec.type, OTYPE_TAKE_PROFIT);
	assert_int_equal(a[0].algo_status, BINANCE_ALGO_NEW);
	assert_string_equal(a[0].actual_order_id, ""); /* "" means not triggered */
	assert_dec(a[0].rec.qty, "0.01");
	assert_dec(a[0].rec.stop_price, "750");
	assert_string_equal(a[0].rec.ts, "2025-06-21T14:09:01.540000Z");
	free(a);
	free(body);
}

static void test_algo_stop_market_close_position_has_zero_qty(void **state)
{
	(void)state;
	const char *body = "{\"algoId\":77,\"clientAlgoId\":\"rk-1\",\"algoType\":\"CONDITIONAL\","
			   "\"orderType\":\"STOP_MARKET\",\"symbol\":\"ATOMUSDT\",\"side\":\"BUY\","
			   "\"quantity\":\"0\",\"algoStatus\":\"TRIGGERED\",\"actualOrderId\":"
			   "8389765999,\"triggerPrice\":\"2.534\",\"price\":\"0\","
			   "\"closePosition\":true,\"reduceOnly\":false,\"updateTime\":1763867022000}";
	struct binance_algo_order a;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_algo_order(body, strlen(body), "", &a, &err), RK_OK);
	assert_int_equal(a.rec.type, OTYPE_STOP_MARKET);
	assert_true(a.close_position);
	assert_true(a.rec.reduce_only);
	assert_true(dec_is_zero(a.rec.qty)); /* zero-size stop: covers the whole position */
	assert_false(a.rec.has_price);
	assert_dec(a.rec.stop_price, "2.534");
	assert_int_equal(a.algo_status, BINANCE_ALGO_TRIGGERED);
	assert_string_equal(a.actual_order_id, "8389765999");
}

/* ---- fills -------------------------------------------------------------------------------- */

static void test_user_trades_ccxt_buy_001_at_36567_1(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("user_trades--ccxt-static-1.json", &len);
	struct fill_rec *f = NULL;
	struct rk_err err = {0};
	cJSON *cx = load_ccxt("user_trades--ccxt-static-1.ccxt-parsed.json");
	assert_int_equal(binance_parse_trades(body, len, "main", &f, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].fill_id, "272536245");
	assert_string_equal(f[0].fill_id, ccxt_item(cx, "id", NULL)->valuestring);
	assert_string_equal(f[0].order_id, "3524852987");
	assert_string_equal(f[0].order_id, ccxt_item(cx, "order", NULL)->valuestring);
	assert_string_equal(f[0].symbol, "BTCUSDT");
	assert_string_equal(f[0].account, "main");
	assert_int_equal(f[0].venue, VENUE_BINANCE_USDM);
	assert_int_equal(f[0].side, SIDE_BUY);
	assert_dec(f[0].qty, "0.01");
	assert_true(dec_eq(f[0].qty, ccxt_dec(ccxt_item(cx, "amount", NULL))));
	assert_dec(f[0].price, "36567.1");
	assert_true(dec_eq(f[0].price, ccxt_dec(ccxt_item(cx, "price", NULL))));
	assert_dec(f[0].fee, "0.1462684");
	assert_true(dec_eq(f[0].fee, ccxt_dec(ccxt_item(cx, "fee", "cost", NULL))));
	assert_string_equal(f[0].fee_currency, "USDT");
	assert_int_equal(f[0].liquidity, LIQ_TAKER);
	assert_false(f[0].inferred);
	assert_string_equal(f[0].ts, "2023-11-14T14:40:36.419000Z");
	assert_ts_is_ccxt(f[0].ts, ccxt_item(cx, "timestamp", NULL));
	free(f);
	free(body);
	cJSON_Delete(cx);
}

static void test_user_trades_docs_sell_with_numeric_ids(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("user_trades--binance-docs-1.json", &len);
	struct fill_rec *f = NULL;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_trades(body, len, "", &f, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].fill_id, "698759");
	assert_string_equal(f[0].order_id, "25851813");
	assert_int_equal(f[0].side, SIDE_SELL);
	assert_dec(f[0].qty, "0.002");
	assert_dec(f[0].price, "7819.01");
	assert_dec(f[0].fee, "0.0781901");
	assert_string_equal(f[0].fee_currency, "USDT");
	assert_int_equal(f[0].liquidity, LIQ_TAKER);
	assert_string_equal(f[0].ts, "2019-09-26T16:22:58.020000Z");
	free(f);
	free(body);
}

static void test_negative_commission_is_read_as_its_magnitude(void **state)
{
	(void)state;
	const char *body = "[{\"symbol\":\"BTCUSDT\",\"id\":1,\"orderId\":2,\"side\":\"SELL\","
			   "\"qty\":\"0.002\",\"price\":\"7819.01\",\"commission\":\"-0.07819010\","
			   "\"commissionAsset\":\"USDT\",\"maker\":true,\"time\":1569514978020}]";
	struct fill_rec *f = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_trades(body, strlen(body), "", &f, &n, &err), RK_OK);
	assert_dec(f[0].fee, "0.0781901");
	assert_int_equal(f[0].liquidity, LIQ_MAKER);
	free(f);
}

/* ---- positions ------------------------------------------------------------------------------ */

static void test_positions_ccxt_btcusdt_long_0_009_entry_67445_9(void **state)
{
	(void)state;
	static const char *const files[][2] = {
		{"positions--ccxt-static-1.json", "positions--ccxt-static-1.ccxt-parsed.json"},
		{"positions--ccxt-static-2.json", "positions--ccxt-static-2.ccxt-parsed.json"},
	};
	for (size_t i = 0; i < 2; i++) {
		size_t len, n = 0;
		char *body = load(files[i][0], &len);
		struct venue_position *p = NULL;
		bool hedge = true;
		struct rk_err err = {0};
		cJSON *cx = load_ccxt(files[i][1]);
		assert_int_equal(binance_parse_positions(body, len, &p, &n, &hedge, &err), RK_OK);
		assert_int_equal(n, 1);
		assert_false(hedge);
		assert_string_equal(p[0].symbol, "BTCUSDT");
		assert_dec(p[0].qty, "0.009");
		assert_true(dec_eq(p[0].qty, ccxt_dec(ccxt_item(cx, "contracts", NULL))));
		assert_string_equal(ccxt_item(cx, "side", NULL)->valuestring, "long");
		assert_true(p[0].has_entry);
		assert_dec(p[0].entry_price, "67445.9");
		assert_true(dec_eq(p[0].entry_price, ccxt_dec(ccxt_item(cx, "entryPrice", NULL))));
		free(p);
		free(body);
		cJSON_Delete(cx);
	}
}

static void test_positions_docs_hedge_mode_is_flagged(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("positions--binance-docs-1.json", &len);
	struct venue_position *p = NULL;
	bool hedge = false;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_positions(body, len, &p, &n, &hedge, &err), RK_OK);
	assert_true(hedge);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].symbol, "ADAUSDT");
	assert_dec(p[0].qty, "30");
	assert_dec(p[0].entry_price, "0.385");
	assert_string_equal(p[1].symbol, "COMPUSDT");
	assert_dec(p[1].qty, "-1"); /* short < 0 */
	assert_true(p[1].has_entry);
	assert_dec(p[1].entry_price, "70.92841");
	free(p);
	free(body);
}

static void test_hedge_sides_of_one_symbol_are_netted(void **state)
{
	(void)state;
	const char *body = "[{\"symbol\":\"X\",\"positionSide\":\"LONG\",\"positionAmt\":\"3\","
			   "\"entryPrice\":\"10\"},{\"symbol\":\"X\",\"positionSide\":\"SHORT\","
			   "\"positionAmt\":\"-1\",\"entryPrice\":\"12\"},{\"symbol\":\"Y\","
			   "\"positionSide\":\"BOTH\",\"positionAmt\":\"0\",\"entryPrice\":\"0\"}]";
	struct venue_position *p = NULL;
	size_t n = 0;
	bool hedge = false;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_positions(body, strlen(body), &p, &n, &hedge, &err), RK_OK);
	assert_true(hedge);
	assert_int_equal(n, 2);
	assert_dec(p[0].qty, "2");
	assert_false(p[0].has_entry); /* two legs: no single entry price */
	assert_string_equal(p[1].symbol, "Y"); /* flat positions are listed too */
	assert_true(dec_is_zero(p[1].qty));
	assert_false(p[1].has_entry);
	free(p);
}

static void test_account_payloads_give_positions_without_entry(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("account--ccxt-static-1.json", &len);
	struct venue_position *p = NULL;
	bool hedge = true;
	struct rk_err err = {0};
	cJSON *cx = load_ccxt("account--ccxt-static-1.ccxt-parsed.json");
	assert_int_equal(binance_parse_positions(body, len, &p, &n, &hedge, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_false(hedge);
	assert_string_equal(p[0].symbol, "BTCUSDT");
	assert_dec(p[0].qty, "0.009");
	assert_true(dec_eq(p[0].qty, ccxt_dec(ccxt_item(cx, "contracts", NULL))));
	assert_false(p[0].has_entry); /* v3 account positions carry no entry price */
	free(p);
	free(body);
	cJSON_Delete(cx);

	body = load("account--ccxt-static-2.json", &len);
	assert_int_equal(binance_parse_positions(body, len, &p, &n, &hedge, &err), RK_OK);
	assert_int_equal(n, 0);
	free(p);
	free(body);
}

static void test_balances_payload_is_not_a_position_listing(void **state)
{
	(void)state;
	/* GET /fapi/v3/balance: futures wallet balances, which reckon does not
	 * reconcile (positions are). It must not be mistaken for positions. */
	size_t len, n = 0;
	char *body = load("balances--binance-docs-1.json", &len);
	struct venue_position *p = NULL;
	bool hedge = false;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_positions(body, len, &p, &n, &hedge, &err), RK_ENOTFOUND);
	assert_null(p);
	assert_non_null(strstr(err.msg, "symbol"));
	free(body);
}

/* ---- exchange info ------------------------------------------------------------------------------ */

static void test_exchange_info_docs_filters(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("exchange_info--binance-docs-1.json", &len);
	struct instrument *ins = NULL;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_exchange_info(body, len, &ins, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ins[0].symbol, "BLZUSDT");
	assert_dec(ins[0].tick_size, "0.0001");
	assert_dec(ins[0].step_size, "1");
	assert_dec(ins[0].min_qty, "1");
	assert_dec(ins[0].min_notional, "5");
	free(ins);
	free(body);
}

static void test_exchange_info_nautilus_unsorted_filter_keys(void **state)
{
	(void)state;
	size_t len, n = 0;
	char *body = load("exchange_info--nautilus-1.json", &len);
	struct instrument *ins = NULL;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_exchange_info(body, len, &ins, &n, &err), RK_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ins[0].symbol, "BTCUSDT");
	assert_dec(ins[0].tick_size, "0.1");
	assert_dec(ins[0].step_size, "0.001");
	assert_dec(ins[0].min_qty, "0.001");
	assert_dec(ins[0].min_notional, "10");
	assert_string_equal(ins[1].symbol, "ETHUSDT");
	assert_dec(ins[1].tick_size, "0.01");
	assert_dec(ins[1].step_size, "0.001");
	assert_string_equal(ins[2].symbol, "BTCUSDT_220325");
	assert_dec(ins[2].tick_size, "0.1");
	assert_dec(ins[2].min_notional, "10");
	free(ins);
	free(body);
}

/* ---- errors ---------------------------------------------------------------------------------------- */

static void test_error_2021_maps_to_would_trigger(void **state)
{
	(void)state;
	size_t len;
	char *body = load("error--binance-docs-1.json", &len);
	int code = 0;
	char msg[128], reason[VENUE_REASON_MAX];
	enum venue_outcome o;
	enum venue_reject r;
	assert_true(binance_parse_error(body, len, &code, msg, sizeof msg));
	assert_int_equal(code, -2021);
	assert_string_equal(msg, "Order would immediately trigger.");
	binance_classify_error(code, BINANCE_OP_PLACE, &o, &r);
	assert_int_equal(o, VOUT_REJECTED);
	assert_int_equal(r, VREJ_WOULD_TRIGGER);
	binance_error_reason(code, msg, reason, sizeof reason);
	assert_non_null(strstr(reason, "Order would immediately trigger."));
	assert_non_null(strstr(reason, "-2021"));
	/* the minified wire form reads the same */
	const char *wire = "{\"code\":-2021,\"msg\":\"Order would immediately trigger.\"}";
	assert_true(binance_parse_error(wire, strlen(wire), &code, msg, sizeof msg));
	assert_int_equal(code, -2021);
	free(body);
}

static void test_unknown_order_codes_depend_on_the_request(void **state)
{
	(void)state;
	static const int codes[] = {-2011, -2013};
	for (size_t i = 0; i < 2; i++) {
		enum venue_outcome o;
		enum venue_reject r;
		binance_classify_error(codes[i], BINANCE_OP_LOOKUP, &o, &r);
		assert_int_equal(o, VOUT_NOT_FOUND);
		binance_classify_error(codes[i], BINANCE_OP_CANCEL, &o, &r);
		assert_int_equal(o, VOUT_NOT_FOUND);
		assert_int_equal(r, VREJ_UNKNOWN_ORDER);
		binance_classify_error(codes[i], BINANCE_OP_PLACE, &o, &r);
		assert_int_equal(o, VOUT_REJECTED);
		assert_int_equal(r, VREJ_UNKNOWN_ORDER);
	}
}

static void test_error_classes(void **state)
{
	(void)state;
	static const struct {
		int code;
		enum venue_outcome o;
		enum venue_reject r;
	} cases[] = {
		{-2019, VOUT_REJECTED, VREJ_INSUFFICIENT_FUNDS},
		{-2018, VOUT_REJECTED, VREJ_INSUFFICIENT_FUNDS},
		{-1111, VOUT_REJECTED, VREJ_INVALID},
		{-4164, VOUT_REJECTED, VREJ_INVALID},
		{-1013, VOUT_REJECTED, VREJ_INVALID},
		{-4120, VOUT_REJECTED, VREJ_INVALID},
		{-1007, VOUT_UNKNOWN, VREJ_NONE},
		{-1001, VOUT_UNKNOWN, VREJ_NONE},
		{-1022, VOUT_REJECTED, VREJ_OTHER},
		{-9999, VOUT_REJECTED, VREJ_OTHER},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum venue_outcome o;
		enum venue_reject r;
		binance_classify_error(cases[i].code, BINANCE_OP_PLACE, &o, &r);
		assert_int_equal(o, cases[i].o);
		assert_int_equal(r, cases[i].r);
	}
}

static void test_error_4120_says_wrong_endpoint(void **state)
{
	(void)state;
	char reason[VENUE_REASON_MAX];
	binance_error_reason(-4120, "Order type not supported for this endpoint.", reason,
			     sizeof reason);
	assert_non_null(strstr(reason,
			       "wrong endpoint: conditional orders must use the algo order API"));
	assert_non_null(strstr(reason, "Order type not supported for this endpoint."));
}

static void test_ids_beyond_2_pow_53_are_refused(void **state)
{
	(void)state;
	const char *body = "{\"orderId\":9007199254740993,\"symbol\":\"BTCUSDT\",\"side\":\"BUY\","
			   "\"type\":\"LIMIT\",\"status\":\"NEW\",\"origQty\":\"1\"}";
	struct order_rec o;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_order(body, strlen(body), "", &o, NULL, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "orderId"));
}

static void test_unknown_order_type_is_an_error_not_a_guess(void **state)
{
	(void)state;
	const char *body = "[{\"orderId\":1,\"symbol\":\"BTCUSDT\",\"side\":\"BUY\","
			   "\"type\":\"LIQUIDATION\",\"status\":\"NEW\",\"origQty\":\"1\"}]";
	struct order_rec *o = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_orders(body, strlen(body), "", &o, &n, &err), RK_EINVAL);
	assert_null(o);
	assert_non_null(strstr(err.msg, "orders[0]"));
	assert_non_null(strstr(err.msg, "LIQUIDATION"));
}

static void test_prices_and_server_time(void **state)
{
	(void)state;
	const char *all = "[{\"symbol\":\"BTCUSDT\",\"price\":\"6000.01\",\"time\":1589437530011},"
			  "{\"symbol\":\"ATOMUSDT\",\"price\":\"2.534\",\"time\":1589437530011}]";
	const char *one = "{\"symbol\":\"BTCUSDT\",\"price\":\"6000.01\",\"time\":1589437530011}";
	const char *time = "{\"serverTime\":1499827319559}";
	struct venue_price *p = NULL;
	size_t n = 0;
	int64_t ms = 0;
	struct rk_err err = {0};
	assert_int_equal(binance_parse_prices(all, strlen(all), &p, &n, &err), RK_OK);
	assert_int_equal(n, 2);
	assert_string_equal(p[1].symbol, "ATOMUSDT");
	assert_dec(p[1].last, "2.534");
	free(p);
	assert_int_equal(binance_parse_prices(one, strlen(one), &p, &n, &err), RK_OK);
	assert_int_equal(n, 1);
	assert_dec(p[0].last, "6000.01");
	free(p);
	assert_int_equal(binance_parse_server_time(time, strlen(time), &ms, &err), RK_OK);
	assert_int_equal(ms, 1499827319559LL);
}

/* ---- requests ---------------------------------------------------------------------------------------- */

static struct venue_order_req order_req(const char *symbol, enum side side, enum order_type t,
					const char *qty)
{
	struct venue_order_req r = {0};
	snprintf(r.symbol, sizeof r.symbol, "%s", symbol);
	r.side = side;
	r.type = t;
	r.qty = tu_dec(qty);
	return r;
}

static void test_signing_matches_the_documented_vector(void **state)
{
	(void)state;
	/* USDⓈ-M General Info, SIGNED example (fixtures README, vector 1). */
	static const char secret[] =
		"2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
	struct venue_order_req req = order_req("BTCUSDT", SIDE_BUY, OTYPE_LIMIT, "1");
	struct binance_place_req p;
	char *signed_q = NULL;
	struct rk_err err = {0};
	req.has_price = true;
	req.price = tu_dec("9000");
	assert_int_equal(binance_place_params(&req, &p, &err), RK_OK);
	assert_false(p.algo);
	assert_string_equal(p.path, "/fapi/v1/order");
	assert_string_equal(p.query,
			    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC");
	assert_int_equal(binance_sign_query(secret, strlen(secret), p.query, 1591702613943LL, 5000,
					    &signed_q, &err),
			 RK_OK);
	assert_string_equal(signed_q,
			    "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
			    "&recvWindow=5000&timestamp=1591702613943"
			    "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
	free(signed_q);
}

static void test_close_position_stop_goes_to_the_algo_api_without_reduce_only(void **state)
{
	(void)state;
	struct venue_order_req req = order_req("ATOMUSDT", SIDE_BUY, OTYPE_STOP_MARKET, "494.07");
	struct binance_place_req p;
	struct rk_err err = {0};
	snprintf(req.client_order_id, sizeof req.client_order_id, "rk-0123456789abcdef01234567");
	req.has_stop_price = true;
	req.stop_price = tu_dec("2.534");
	req.reduce_only = true; /* what the reconciler sends for futures */
	req.close_position = true;
	assert_int_equal(binance_place_params(&req, &p, &err), RK_OK);
	assert_true(p.algo);
	assert_string_equal(p.path, "/fapi/v1/algoOrder");
	assert_string_equal(p.query, "algoType=CONDITIONAL&symbol=ATOMUSDT&side=BUY&type=STOP_MARKET"
				     "&triggerPrice=2.534&clientAlgoId=rk-0123456789abcdef01234567"
				     "&closePosition=true");
	assert_null(strstr(p.query, "reduceOnly"));
	assert_null(strstr(p.query, "quantity"));
}

static void test_sized_stop_carries_quantity_and_reduce_only(void **state)
{
	(void)state;
	struct venue_order_req req = order_req("ATOMUSDT", SIDE_BUY, OTYPE_STOP_MARKET, "494.07");
	struct binance_place_req p;
	struct rk_err err = {0};
	snprintf(req.client_order_id, sizeof req.client_order_id, "rk-1");
	req.has_stop_price = true;
	req.stop_price = tu_dec("2.534");
	req.reduce_only = true;
	assert_int_equal(binance_place_params(&req, &p, &err), RK_OK);
	assert_string_equal(p.query, "algoType=CONDITIONAL&symbol=ATOMUSDT&side=BUY&type=STOP_MARKET"
				     "&quantity=494.07&triggerPrice=2.534&clientAlgoId=rk-1"
				     "&reduceOnly=true");
}

static void test_reduce_only_market_goes_to_the_order_api(void **state)
{
	(void)state;
	struct venue_order_req req = order_req("ICXUSDT", SIDE_SELL, OTYPE_MARKET, "2630");
	struct binance_place_req p;
	struct rk_err err = {0};
	snprintf(req.client_order_id, sizeof req.client_order_id, "rk-2");
	req.reduce_only = true;
	assert_int_equal(binance_place_params(&req, &p, &err), RK_OK);
	assert_false(p.algo);
	assert_string_equal(p.query, "symbol=ICXUSDT&side=SELL&type=MARKET&quantity=2630"
				     "&newClientOrderId=rk-2&reduceOnly=true");
}

static void test_stop_limit_and_take_profit_map_to_algo_types(void **state)
{
	(void)state;
	struct venue_order_req sl = order_req("BTCUSDT", SIDE_SELL, OTYPE_STOP_LIMIT, "0.01");
	struct venue_order_req tp = order_req("BTCUSDT", SIDE_SELL, OTYPE_TAKE_PROFIT, "0.01");
	struct binance_place_req p;
	struct rk_err err = {0};
	sl.has_price = sl.has_stop_price = tp.has_stop_price = true;
	sl.price = tu_dec("59000");
	sl.stop_price = tp.stop_price = tu_dec("60000");
	assert_int_equal(binance_place_params(&sl, &p, &err), RK_OK);
	assert_true(p.algo);
	assert_non_null(strstr(p.query, "&type=STOP&"));
	assert_non_null(strstr(p.query, "&price=59000&timeInForce=GTC&triggerPrice=60000"));
	assert_int_equal(binance_place_params(&tp, &p, &err), RK_OK);
	assert_non_null(strstr(p.query, "&type=TAKE_PROFIT_MARKET&"));
}

static void test_unsendable_placements_are_refused_before_sending(void **state)
{
	(void)state;
	struct binance_place_req p;
	struct rk_err err = {0};
	struct venue_order_req r;

	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_TRAILING_STOP, "1");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "callbackRate"));
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_BRACKET, "1");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_LIMIT, "1"); /* no price */
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_STOP_MARKET, "1"); /* no trigger */
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_NONE, OTYPE_MARKET, "1");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_MARKET, "0");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_MARKET, "1");
	r.close_position = true; /* closePosition is for conditional orders only */
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("BTCUSDT", SIDE_SELL, OTYPE_MARKET, "1");
	snprintf(r.client_order_id, sizeof r.client_order_id, "has space&x=1");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
	r = order_req("btc&usdt", SIDE_SELL, OTYPE_MARKET, "1");
	assert_int_equal(binance_place_params(&r, &p, &err), RK_EINVAL);
}

static void test_callback_rate_range_is_checked(void **state)
{
	(void)state;
	struct rk_err err = {0};
	assert_int_equal(binance_check_callback_rate(tu_dec("0.1"), &err), RK_OK);
	assert_int_equal(binance_check_callback_rate(tu_dec("20"), &err), RK_OK);
	assert_int_equal(binance_check_callback_rate(tu_dec("0.09"), &err), RK_EINVAL);
	assert_int_equal(binance_check_callback_rate(tu_dec("20.1"), &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "20.1"));
}

static void test_algo_ids_are_recognised(void **state)
{
	(void)state;
	const char *digits = NULL;
	assert_true(binance_is_algo_id("algo:2146760", &digits));
	assert_string_equal(digits, "2146760");
	assert_false(binance_is_algo_id("2146760", NULL));
	assert_false(binance_is_algo_id("algo:", NULL));
	assert_false(binance_is_algo_id("algo:12x", NULL));
	assert_false(binance_is_algo_id(NULL, NULL));
}

/* ---- fills cursor ---------------------------------------------------------------------------------------- */

static void test_fills_cursor_round_trip_and_defaults(void **state)
{
	(void)state;
	const int64_t hour = 3600LL * 1000, day = 24 * hour, now = 1763867022000LL;
	char cur[MODEL_ID_MAX];
	int64_t from = 0;
	struct rk_err err = {0};

	binance_cursor_format(now - 60000, cur);
	assert_string_equal(cur, "bn1:1763866962000");
	assert_int_equal(binance_cursor_parse(cur, now, 0, &from, &err), RK_OK);
	assert_int_equal(from, now - 60000);
	/* "" reads the default look-back */
	assert_int_equal(binance_cursor_parse("", now, 0, &from, &err), RK_OK);
	assert_int_equal(from, now - BINANCE_DEFAULT_LOOKBACK_HOURS * hour);
	/* the policy's fill_lookback_hours */
	assert_int_equal(binance_cursor_parse("", now, 30 * 24, &from, &err), RK_OK);
	assert_int_equal(from, now - 30 * day);
	assert_int_equal(binance_cursor_parse("", now, 12, &from, &err), RK_OK);
	assert_int_equal(from, now - 12 * hour);
	/* never older than the venue keeps */
	assert_int_equal(binance_cursor_parse("bn1:0", now, 0, &from, &err), RK_OK);
	assert_int_equal(from, now - BINANCE_MAX_LOOKBACK_DAYS * day);
	/* another venue's cursor is an error, not "from the start" */
	assert_int_equal(binance_cursor_parse("17", now, 0, &from, &err), RK_EINVAL);
	assert_int_equal(binance_cursor_parse("bn1:x", now, 0, &from, &err), RK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_file_is_checked),
		cmocka_unit_test(test_create_order_ccxt_is_an_open_limit_sell),
		cmocka_unit_test(test_create_order_docs_reads_numbers_as_numbers),
		cmocka_unit_test(test_open_order_ccxt_accepts_stringified_ids_and_times),
		cmocka_unit_test(test_open_orders_docs_is_a_trailing_stop),
		cmocka_unit_test(test_cancel_docs_confirms_only_that_order),
		cmocka_unit_test(test_cancel_answer_that_is_not_cancelled_is_not_success),
		cmocka_unit_test(test_algo_cancel_code_200_string_is_success),
		cmocka_unit_test(test_algo_order_new_docs_is_a_take_profit_algo),
		cmocka_unit_test(test_algo_open_orders_docs_lists_one_untriggered_order),
		cmocka_unit_test(test_algo_stop_market_close_position_has_zero_qty),
		cmocka_unit_test(test_user_trades_ccxt_buy_001_at_36567_1),
		cmocka_unit_test(test_user_trades_docs_sell_with_numeric_ids),
		cmocka_unit_test(test_negative_commission_is_read_as_its_magnitude),
		cmocka_unit_test(test_positions_ccxt_btcusdt_long_0_009_entry_67445_9),
		cmocka_unit_test(test_positions_docs_hedge_mode_is_flagged),
		cmocka_unit_test(test_hedge_sides_of_one_symbol_are_netted),
		cmocka_unit_test(test_account_payloads_give_positions_without_entry),
		cmocka_unit_test(test_balances_payload_is_not_a_position_listing),
		cmocka_unit_test(test_exchange_info_docs_filters),
		cmocka_unit_test(test_exchange_info_nautilus_unsorted_filter_keys),
		cmocka_unit_test(test_error_2021_maps_to_would_trigger),
		cmocka_unit_test(test_unknown_order_codes_depend_on_the_request),
		cmocka_unit_test(test_error_classes),
		cmocka_unit_test(test_error_4120_says_wrong_endpoint),
		cmocka_unit_test(test_ids_beyond_2_pow_53_are_refused),
		cmocka_unit_test(test_unknown_order_type_is_an_error_not_a_guess),
		cmocka_unit_test(test_prices_and_server_time),
		cmocka_unit_test(test_signing_matches_the_documented_vector),
		cmocka_unit_test(test_close_position_stop_goes_to_the_algo_api_without_reduce_only),
		cmocka_unit_test(test_sized_stop_carries_quantity_and_reduce_only),
		cmocka_unit_test(test_reduce_only_market_goes_to_the_order_api),
		cmocka_unit_test(test_stop_limit_and_take_profit_map_to_algo_types),
		cmocka_unit_test(test_unsendable_placements_are_refused_before_sending),
		cmocka_unit_test(test_callback_rate_range_is_checked),
		cmocka_unit_test(test_algo_ids_are_recognised),
		cmocka_unit_test(test_fills_cursor_round_trip_and_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
