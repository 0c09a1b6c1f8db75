/*
 * raw.h — the baseline: the same ingest lines plainly inserted with
 * libsqlite3 (tools/bench).
 *
 * One row per line into a table shaped like the journal's events (seq
 * INTEGER PRIMARY KEY, ts, type, venue, account, symbol, payload = the line
 * as read), no other index, one prepared INSERT, with the journal's settings
 * (journal_mode=WAL, synchronous=FULL) and a commit every `batch` lines, as
 * `reckon ingest` commits. This is the rate SQLite itself reaches on these
 * rows on this machine; the suite divides reckon's figures by it.
 */
#ifndef RECKON_BENCH_RAW_H
#define RECKON_BENCH_RAW_H

/* `reckon-bench raw-insert DB FILE BATCH`: creates DB (which must not
 * exist), inserts every line of FILE, prints "inserted N". Returns the exit
 * code: 0, or 1 after printing the error. */
int raw_insert_main(int argc, char **argv);

#endif
