/*
 * sqldec.h — SQLite's decimal extension (ext/misc/decimal.c, compiled into
 * the sqlite3 shell) re-implemented on reckon's exact `dec`, so a report that
 * adds or compares money prints the same figures in `reckon query` and in
 * the plain sqlite3 shell. Registered on every connection journal_open makes.
 *
 * Functions (the extension's names and semantics, checked against the
 * sqlite3 3.40 shell by tests/test_sqldec.c):
 *   decimal_add(X, Y), decimal_sub(X, Y), decimal_mul(X, Y)  -> TEXT
 *   decimal_cmp(X, Y)                                        -> -1, 0 or 1
 *   decimal_sum(X)       aggregate and window function       -> TEXT
 *   COLLATE decimal      orders TEXT by decimal_cmp
 *
 * What the extension does, and so what these do:
 *   - An argument is read as its text (an INTEGER or REAL as SQLite prints
 *     it). Leading white space and one sign are skipped, then every digit,
 *     the last '.', and an exponent count; other characters are ignored
 *     ('abc' reads as 0).
 *   - NULL: add, sub, mul and cmp return NULL when either argument is NULL.
 *     decimal_sum skips NULLs; it is NULL over no rows and '0' over rows that
 *     are all NULL.
 *   - Digits after the point: add and sub keep the larger count of their
 *     operands ('1.10' + '2' = '3.10'); mul keeps every significant digit but
 *     no fewer than the shorter operand has ('1.000' * '2.00' = '2.00');
 *     decimal_sum keeps the largest count it has seen.
 *   - Zero keeps a sign: '-1.5' + '1.5' = '-0.0' and '-1.5' * '0' = '-0'
 *     (the sign of the first operand wins a tie). Sums of amounts that
 *     cancel can therefore print '-0.0', in reckon as in the shell.
 *   - decimal_cmp compares values, and between equal values calls the one
 *     with more digits the greater: decimal_cmp('1.0', '1') = 1, and
 *     decimal_cmp('-0', '0') = -1. Where equality matters, compare operands
 *     of the same scale, or test the sign of a difference of positive
 *     amounts (decimal_sub(a, b) NOT LIKE '-%' is a >= b).
 *
 * Where reckon differs: the extension has arbitrary precision; these work
 * within `dec` (|x| < 10^20, at most 18 fractional digits that are not
 * zero; zeros beyond the 18th are kept as formatting, up to
 * SQLDEC_DIGITS_MAX digits in all). An argument or a result outside that
 * range is an SQL error naming the function and the value, never a rounded
 * figure: e.g. decimal_mul of two amounts with 10 decimal places each, whose
 * product needs 20. Amounts reckon journals are within range by
 * construction (ingest refuses more than 18 places).
 */
#ifndef RECKON_SQLDEC_H
#define RECKON_SQLDEC_H

#include <sqlite3.h>

#include "err.h"

/* Longest digit string (integer, fraction and exponent zeros) accepted. */
#define SQLDEC_DIGITS_MAX 400

/* Registers the functions and the collation on `db` (borrowed). RK_EDB
 * with SQLite's message when SQLite refuses. */
enum rk_rc sqldec_register(sqlite3 *db, struct rk_err *err);

#endif
