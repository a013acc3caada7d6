/*
 * Handshake proofs with libsodium (see auth.h).
 */
#define LOG_PREFIX "transport: "
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "log.h"
#include "transport/auth.h"

_Static_assert(crypto_auth_BYTES == TPW_MAC_SIZE, "MAC size");
_Static_assert(crypto_auth_KEYBYTES == TP_KEY_SIZE, "key size");

#define AUTH_LABEL "lmig-auth-1"

int tp_key_load(const char *path, struct tp_key *key)
{
	uint8_t buf[TP_KEY_FILE_MAX + 1];
	struct stat st;
	size_t len = 0;
	int fd, rc = 0;

	if (sodium_init() < 0) {
		pr_err("%s: libsodium failed to initialise", path);
		return -EIO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		pr_perror("%s: cannot open the auth key", path);
		return rc;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		pr_warn("%s: the auth key is readable by others (chmod 600 it)", path);
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			pr_perror("%s: cannot read the auth key", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len < TP_KEY_FILE_MIN || len > TP_KEY_FILE_MAX) {
		pr_err("%s: auth key of %zu%s bytes, need %u to %u random bytes", path,
		       len, len > TP_KEY_FILE_MAX ? "+" : "", TP_KEY_FILE_MIN, TP_KEY_FILE_MAX);
		rc = -EINVAL;
		goto out;
	}
	crypto_generichash(key->k, sizeof(key->k), buf, len, NULL, 0);
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

void tp_key_wipe(struct tp_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

int tp_nonce(uint8_t nonce[TPW_NONCE_SIZE])
{
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(nonce, TPW_NONCE_SIZE);
	return 0;
}

static void auth_input(uint8_t *in, uint32_t role, const uint8_t *cnonce,
		       const uint8_t *snonce)
{
	size_t l = sizeof(AUTH_LABEL) - 1;

	memcpy(in, AUTH_LABEL, l);
	in[l] = (uint8_t)role;
	in[l + 1] = (uint8_t)(role >> 8);
	in[l + 2] = (uint8_t)(role >> 16);
	in[l + 3] = (uint8_t)(role >> 24);
	memcpy(in + l + 4, cnonce, TPW_NONCE_SIZE);
	memcpy(in + l + 4 + TPW_NONCE_SIZE, snonce, TPW_NONCE_SIZE);
}

#define AUTH_INPUT_LEN (sizeof(AUTH_LABEL) - 1 + 4 + 2 * TPW_NONCE_SIZE)

void tp_auth_mac(const struct tp_key *key, uint32_t role,
		 const uint8_t cnonce[TPW_NONCE_SIZE], const uint8_t snonce[TPW_NONCE_SIZE],
		 uint8_t mac[TPW_MAC_SIZE])
{
	uint8_t in[AUTH_INPUT_LEN];

	auth_input(in, role, cnonce, snonce);
	crypto_auth(mac, in, sizeof(in), key->k);
}

bool tp_auth_verify(const struct tp_key *key, uint32_t role,
		    const uint8_t cnonce[TPW_NONCE_SIZE], const uint8_t snonce[TPW_NONCE_SIZE],
		    const uint8_t mac[TPW_MAC_SIZE])
{
	uint8_t in[AUTH_INPUT_LEN];

	auth_input(in, role, cnonce, snonce);
	return crypto_auth_verify(mac, in, sizeof(in), key->k) == 0;
}
