/*
 * The handshake: versions, features and (with a key) mutual proof.
 *
 *   client                               server
 *   HELLO (features, nonce_c)  ------>
 *                              <------   HELLO (features, nonce_s)
 *                                        or RESULT (refused: version, key)
 *   AUTH  (proof_c)            ------>   (only with keys)
 *                              <------   AUTH (proof_s) or RESULT (refused)
 *   RESULT (ok, or refused)    ------>
 *
 * The client has the last word, so both sides know the outcome when
 * their call returns, and the server's proof is only given to a client
 * that has proven itself. A refusal is a RESULT with a message, logged
 * on both sides.
 */
#define LOG_PREFIX "transport: "
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "transport/conn.h"

/* Refuse the peer: tell it why, log it here. */
static int refuse(struct tp_conn *c, int rc, enum tp_status status, const char *why)
{
	return conn_fail(c, rc, status, why);
}

static int status_errno(enum tp_status s)
{
	switch (s) {
	case TP_VERSION:
	case TP_PROTOCOL: return -EPROTO;
	case TP_AUTH_REFUSED: return -EACCES;
	default: return -ECONNREFUSED;
	}
}

/*
 * One handshake frame of type want, or the peer's RESULT refusing us
 * (logged, and turned into -errno).
 */
static int expect(struct tp_conn *c, enum tp_type want, struct tp_msg *m)
{
	char text[TPW_MAX_RESULT_MSG + 1] = "";
	char why[160];
	int rc;

	rc = conn_recv_frame(c, m, text);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		pr_err("%s: the peer closed the connection during the handshake", c->name);
		c->broken = true;
		return -ECONNRESET;
	}
	if (m->type == TP_RESULT && m->result.status != TP_OK) {
		pr_err("%s: the peer refused the connection: %s", c->name,
		       text[0] ? text : tp_status_name(m->result.status));
		c->broken = true;
		return status_errno(m->result.status);
	}
	if (m->type == want)
		return 0;
	snprintf(why, sizeof(why), "%s during the handshake, expected %s",
		 tp_type_name(m->type), tp_type_name(want));
	return refuse(c, -EPROTO, TP_PROTOCOL, why);
}

static int send_hello(struct tp_conn *c, const uint8_t *nonce)
{
	struct tp_msg m = { .type = TP_HELLO };

	m.hello.features = TPW_FEAT_LZ4 | TPW_FEAT_ACK | (c->has_key ? TPW_FEAT_AUTH : 0);
	m.hello.role = c->server ? TPW_ROLE_SERVER : TPW_ROLE_CLIENT;
	memcpy(m.hello.nonce, nonce, TPW_NONCE_SIZE);
	return conn_send(c, &m, NULL, 0, 0);
}

static int send_auth(struct tp_conn *c, const uint8_t *cn, const uint8_t *sn)
{
	struct tp_msg m = { .type = TP_AUTH };

	tp_auth_mac(&c->key, c->server ? TPW_ROLE_SERVER : TPW_ROLE_CLIENT, cn, sn,
		    m.auth.mac);
	return conn_send(c, &m, NULL, 0, 0);
}

static int check_peer_hello(struct tp_conn *c, const struct tp_msg *m)
{
	uint32_t want_role = c->server ? TPW_ROLE_CLIENT : TPW_ROLE_SERVER;
	bool peer_auth = m->hello.features & TPW_FEAT_AUTH;
	const char *me = c->server ? "receiver" : "sender";
	const char *peer = c->server ? "sender" : "receiver";
	char why[128];

	if (m->hello.role != want_role)
		return refuse(c, -EPROTO, TP_PROTOCOL,
			      "the peer is not a page sender/receiver pair for this side");
	if (c->has_key != peer_auth) {
		snprintf(why, sizeof(why), "authentication mismatch: the %s has an auth key "
			 "(--auth-key), the %s has none", c->has_key ? me : peer,
			 c->has_key ? peer : me);
		return refuse(c, -EACCES, TP_AUTH_REFUSED, why);
	}
	c->peer_lz4 = m->hello.features & TPW_FEAT_LZ4;
	c->peer_acks = m->hello.features & TPW_FEAT_ACK;
	return 0;
}

int tp_handshake_client(struct tp_conn *c)
{
	uint8_t cn[TPW_NONCE_SIZE], sn[TPW_NONCE_SIZE];
	struct tp_msg m;
	int rc;

	rc = tp_nonce(cn);
	if (rc)
		return rc;
	rc = send_hello(c, cn);
	if (rc)
		return rc;
	rc = expect(c, TP_HELLO, &m);
	if (rc)
		return rc;
	memcpy(sn, m.hello.nonce, sizeof(sn));
	rc = check_peer_hello(c, &m);
	if (rc)
		return rc;
	if (c->has_key) {
		rc = send_auth(c, cn, sn);
		if (rc)
			return rc;
		rc = expect(c, TP_AUTH, &m);
		if (rc)
			return rc;
		if (!tp_auth_verify(&c->key, TPW_ROLE_SERVER, cn, sn, m.auth.mac))
			return refuse(c, -EACCES, TP_AUTH_REFUSED,
				      "authentication failed: the peer's key differs");
	}
	rc = tp_send_result(c, TP_OK, NULL);
	if (rc)
		return rc;
	pr_info("%s: connected%s", c->name, c->has_key ? ", authenticated" : "");
	return 0;
}

int tp_handshake_server(struct tp_conn *c)
{
	uint8_t cn[TPW_NONCE_SIZE], sn[TPW_NONCE_SIZE];
	struct tp_msg m;
	int rc;

	rc = tp_nonce(sn);
	if (rc)
		return rc;
	rc = expect(c, TP_HELLO, &m);
	if (rc)
		return rc;
	memcpy(cn, m.hello.nonce, sizeof(cn));
	rc = check_peer_hello(c, &m);
	if (rc)
		return rc;
	rc = send_hello(c, sn);
	if (rc)
		return rc;
	if (c->has_key) {
		rc = expect(c, TP_AUTH, &m);
		if (rc)
			return rc;
		if (!tp_auth_verify(&c->key, TPW_ROLE_CLIENT, cn, sn, m.auth.mac))
			return refuse(c, -EACCES, TP_AUTH_REFUSED,
				      "authentication failed: the peer's key differs");
		rc = send_auth(c, cn, sn);
		if (rc)
			return rc;
	}
	/* The client's verdict: RESULT ok, or its refusal (logged by expect). */
	rc = expect(c, TP_RESULT, &m);
	if (rc)
		return rc;
	pr_info("%s: accepted%s", c->name, c->has_key ? ", authenticated" : "");
	return 0;
}
