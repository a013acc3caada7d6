/*
 * Private to transport/: TCP socket set-up shared by the tcp and uring
 * back ends (which differ only in how bytes move once connected).
 * Functions return -errno and log nothing; names are written to the
 * caller's buffers ("198.18.0.2:7000") for its messages.
 */
#ifndef LMIG_TRANSPORT_SOCK_H
#define LMIG_TRANSPORT_SOCK_H

#include <stddef.h>
#include <stdint.h>

#define SOCK_NAME_LEN 80

/* A listening socket on addr:port (addr numeric or a name). */
int sock_listen(const char *addr, uint16_t port, int *fd, uint16_t *bound_port,
		char *name, size_t namelen);
/* Wait at most timeout_ms for a connection; the new fd is tuned. */
int sock_accept(int lfd, unsigned int timeout_ms, int *fd, char *peer, size_t peerlen);
/* Connect within timeout_ms, trying each address of host; the fd is tuned. */
int sock_connect(const char *host, uint16_t port, unsigned int timeout_ms, int *fd,
		 char *peer, size_t peerlen);
/*
 * Poll fd for events within timeout_ms: 0 when ready, -ETIMEDOUT, or
 * -errno.
 */
int sock_wait(int fd, short events, unsigned int timeout_ms);

#endif
