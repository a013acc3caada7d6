/*
 * Internet socket addresses for messages and images.
 */
#ifndef LMIG_NET_ADDR_H
#define LMIG_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "1.2.3.4:80", "[::1]:80", "[fe80::1%2]:80", or "?" for other families. */
#define NET_ADDR_STRLEN	64
const char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/*
 * A sockaddr of family from raw address bytes (4 or 16, network order),
 * a port in host order and a scope id. Returns its length, or 0 when
 * alen does not fit the family.
 */
socklen_t net_addr_make(struct sockaddr_storage *ss, int family, const uint8_t *addr,
			size_t alen, uint16_t port, uint32_t scope_id);

#endif
