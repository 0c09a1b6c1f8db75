/* digest.c — SHA-256 to lowercase hex over OpenSSL's EVP (see digest.h). */
#include "digest.h"

#include <openssl/evp.h>

void digest_begin(struct digest *d)
{
	d->ctx = EVP_MD_CTX_new();
	d->ok = d->ctx && EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) == 1;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
	if (d->ok && n)
		d->ok = EVP_DigestUpdate(d->ctx, p, n) == 1;
}

bool digest_end_hex(struct digest *d, char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	bool ok = d->ok && EVP_DigestFinal_ex(d->ctx, md, &mdlen) == 1 && nhex <= 2 * (size_t)mdlen;
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
	d->ok = false;
	out[0] = '\0';
	if (!ok)
		return false;
	for (size_t i = 0; i < nhex; i++)
		out[i] = hex[i % 2 ? md[i / 2] & 15 : md[i / 2] >> 4];
	out[nhex] = '\0';
	return true;
}

bool digest_sha256_hex(const void *p, size_t n, char out[DIGEST_SHA256_HEX])
{
	struct digest d;
	digest_begin(&d);
	digest_update(&d, p, n);
	return digest_end_hex(&d, out, DIGEST_SHA256_HEX - 1);
}
