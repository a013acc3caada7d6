#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "net/addr.h"

const char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		if (in6->sin6_scope_id)
			snprintf(buf, len, "[%s%%%u]:%u", a, in6->sin6_scope_id, ntohs(in6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

socklen_t net_addr_make(struct sockaddr_storage *ss, int family, const uint8_t *addr,
			size_t alen, uint16_t port, uint32_t scope_id)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && alen == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, addr, 4);
		return sizeof(*in);
	}
	if (family == AF_INET6 && alen == 16) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_scope_id = scope_id;
		memcpy(&in6->sin6_addr, addr, 16);
		return sizeof(*in6);
	}
	return 0;
}
