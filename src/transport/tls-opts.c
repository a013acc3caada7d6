/*
 * The --tls options, shared by every command that opens a transport.
 */
#define LOG_PREFIX ""
#include "config.h"

#include <errno.h>

#include "log.h"
#include "transport/tls-opts.h"

const char tp_tls_usage[] =
	"      --tls                encrypt the stream with TLS; both sides present\n"
	"                           a certificate and check the peer's\n"
	"      --tls-cacert FILE    CA certificate(s) the peer's must chain to (PEM)\n"
	"      --tls-cert FILE      this side's certificate (PEM)\n"
	"      --tls-key FILE       this side's private key (PEM)\n"
	"      --tls-no-cn-verify   do not check that the page server's certificate\n"
	"                           names the host dialled (the sender's check)\n";

bool tp_tls_opt(int opt, const char *arg, struct tp_tls_opts *o)
{
	switch (opt) {
	case TP_OPT_TLS:
		o->on = true;
		return true;
	case TP_OPT_TLS_CACERT:
		o->cacert = arg;
		return true;
	case TP_OPT_TLS_CERT:
		o->cert = arg;
		return true;
	case TP_OPT_TLS_KEY:
		o->key = arg;
		return true;
	case TP_OPT_TLS_NO_CN_VERIFY:
		o->no_cn_verify = true;
		return true;
	}
	return false;
}

int tp_tls_opts_check(const struct tp_tls_opts *o)
{
	const char *missing = !o->cacert ? "--tls-cacert FILE (the CA that signed the peer's certificate)" :
			      !o->cert ? "--tls-cert FILE (this side's certificate)" :
			      !o->key ? "--tls-key FILE (this side's private key)" : NULL;

	if (!o->on) {
		if (o->cacert || o->cert || o->key || o->no_cn_verify) {
			pr_err("--tls-cacert, --tls-cert, --tls-key and --tls-no-cn-verify "
			       "need --tls");
			return -EINVAL;
		}
		return 0;
	}
	if (missing) {
		pr_err("--tls needs %s", missing);
		return -EINVAL;
	}
	return 0;
}
