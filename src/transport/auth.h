/*
 * Private to transport/: the shared-key proof of the handshake, with
 * libsodium (no cryptography of our own).
 *
 * The key file holds at least 32 bytes (random, e.g. from
 * `head -c 32 /dev/urandom`); the key is BLAKE2b-256 (crypto_generichash)
 * of the whole file, so every byte counts. A side proves it holds the
 * key with crypto_auth (HMAC-SHA512-256) over
 *     "lmig-auth-1" || role (u32 LE) || client nonce || server nonce
 * where the nonces are the 32 random bytes of each side's HELLO and
 * role is TPW_ROLE_CLIENT or TPW_ROLE_SERVER: a proof answers this
 * connection's nonces only, and one side's proof cannot be sent back
 * as the other's.
 */
#ifndef LMIG_TRANSPORT_AUTH_H
#define LMIG_TRANSPORT_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "transport/protocol.h"

#define TP_KEY_SIZE 32u
#define TP_KEY_FILE_MIN 32u
#define TP_KEY_FILE_MAX 4096u

struct tp_key {
	uint8_t k[TP_KEY_SIZE];
};

/*
 * Read the key file. Returns 0, or -errno after one error line naming
 * the file (missing, too short, too long). Warns if others can read it.
 */
int tp_key_load(const char *path, struct tp_key *key);
void tp_key_wipe(struct tp_key *key);

/* 32 random bytes; 0 or -errno (libsodium failed to initialise). */
int tp_nonce(uint8_t nonce[TPW_NONCE_SIZE]);

void tp_auth_mac(const struct tp_key *key, uint32_t role,
		 const uint8_t cnonce[TPW_NONCE_SIZE], const uint8_t snonce[TPW_NONCE_SIZE],
		 uint8_t mac[TPW_MAC_SIZE]);
/* Constant-time check of a peer's proof for its role. */
bool tp_auth_verify(const struct tp_key *key, uint32_t role,
		    const uint8_t cnonce[TPW_NONCE_SIZE], const uint8_t snonce[TPW_NONCE_SIZE],
		    const uint8_t mac[TPW_MAC_SIZE]);

#endif
