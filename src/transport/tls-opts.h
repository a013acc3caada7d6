/*
 * The TLS options of the page stream, spelled as CRIU's page server
 * spells them, parsed once here for every command that opens a
 * transport (`lmig precopy`, `lmig pageserver`):
 *
 *   --tls                 encrypt and authenticate the stream with TLS
 *   --tls-cacert FILE     CA certificate(s) (PEM) the peer's must chain to
 *   --tls-cert FILE       this side's certificate (PEM)
 *   --tls-key FILE        this side's private key (PEM)
 *   --tls-no-cn-verify    the client does not check the server's name
 *
 * TLS is mutual: both sides present a certificate and verify the
 * other's against the CA. There are no default paths: with --tls all
 * three files are required.
 *
 * A command lists TP_TLS_LONGOPTS in its getopt_long table, hands
 * every option value it does not know to tp_tls_opt(), and calls
 * tp_tls_opts_check() once the line is parsed.
 */
#ifndef LMIG_TRANSPORT_TLS_OPTS_H
#define LMIG_TRANSPORT_TLS_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

struct tp_tls_opts {
	bool on;			/* --tls */
	const char *cacert;		/* point into argv */
	const char *cert;
	const char *key;
	bool no_cn_verify;
};

/* getopt_long values, above any command's own (which start at 256). */
enum {
	TP_OPT_TLS = 0x7000,
	TP_OPT_TLS_CACERT,
	TP_OPT_TLS_CERT,
	TP_OPT_TLS_KEY,
	TP_OPT_TLS_NO_CN_VERIFY,
};

#define TP_TLS_LONGOPTS \
	{ "tls", no_argument, NULL, TP_OPT_TLS }, \
	{ "tls-cacert", required_argument, NULL, TP_OPT_TLS_CACERT }, \
	{ "tls-cert", required_argument, NULL, TP_OPT_TLS_CERT }, \
	{ "tls-key", required_argument, NULL, TP_OPT_TLS_KEY }, \
	{ "tls-no-cn-verify", no_argument, NULL, TP_OPT_TLS_NO_CN_VERIFY }

/* The --help lines of the options above. */
extern const char tp_tls_usage[];

/* Take option value opt (with arg); true if it was a TLS option. */
bool tp_tls_opt(int opt, const char *arg, struct tp_tls_opts *o);
/*
 * After parsing: 0, or -EINVAL after one line naming the missing option
 * (--tls without one of the files, a file option without --tls).
 */
int tp_tls_opts_check(const struct tp_tls_opts *o);

/*
 * For `lmig check`: 0 if TLS can be used (GnuTLS initialises; why says
 * its version), else -errno with why. Does not log.
 */
int tp_tls_probe(char *why, size_t len);
/*
 * 0 if the kernel can seal TLS records itself (kTLS: the "tls" TCP
 * ULP), else -ENODEV; *why is a static one-line reason. Does not log.
 */
int tp_ktls_probe(const char **why);

#endif
