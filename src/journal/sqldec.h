/*
 * sqldec.h — SQLite's decimal extension (ext/misc/decimal.c, compiled into
 * the sqlite3 shell) written again for reckon's connections, so a report
 * that adds, multiplies or compares money prints exactly the figures the
 * plain sqlite3 shell prints for the same query. Registered on every
 * connection journal_open makes.
 *
 * Functions (the extension's names and semantics, checked against the
 * sqlite3 3.40 shell by tests/test_sqldec.c):
 *   decimal_add(X, Y), decimal_sub(X, Y), decimal_mul(X, Y)  -> TEXT
 *   decimal_cmp(X, Y)                                        -> -1, 0 or 1
 *   decimal_sum(X)       aggregate and window function       -> TEXT
 *   COLLATE decimal      orders TEXT by decimal_cmp
 *
 * What the extension does, and so what these do:
 *   - Arithmetic is exact: a value is an array of decimal digits, nothing is
 *     ever rounded. decimal_mul of two amounts with 18 places each gives
 *     all 36 places; a product of a 1e15 quantity and a 1e12 price is a
 *     28-digit integer. (reckon's own `dec`, with 18 places below 1e20, is
 *     for the journal's amounts; these functions are for reports over them.)
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
 * Where reckon differs: the extension's digit arrays grow without bound (an
 * exponent of up to a million adds as many zeros); here an argument or a
 * result longer than SQLDEC_DIGITS_MAX digits is an SQL error naming the
 * function, never a rounded figure. Amounts reckon journals have at most 38
 * digits, their products at most 76.
 */
#ifndef RECKON_SQLDEC_H
#define RECKON_SQLDEC_H

#include <sqlite3.h>

#include "err.h"

/* Longest digit array (integer and fraction digits, exponent zeros and the
 * extension's spare leading zeros included) of an argument or a result. */
#define SQLDEC_DIGITS_MAX 1000

/* Registers the functions and the collation on `db` (borrowed). RK_EDB
 * with SQLite's message when SQLite refuses. */
enum rk_rc sqldec_register(sqlite3 *db, struct rk_err *err);

#endif
