#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "show/pb-print.h"
#include "show/pb-walk.h"

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 when invalid. */
static size_t utf8_len(const uint8_t *p, size_t left)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (left < n)
		return 0;
	/* The second byte's range excludes overlong forms, surrogates, > U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void json_print_string(FILE *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		uint8_t c = p[i];
		size_t n;

		switch (c) {
		case '"':  fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
}

static void print_base64(FILE *out, const uint8_t *p, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	fputc('"', out);
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		fputc(tab[v >> 18], out);
		fputc(tab[(v >> 12) & 63], out);
		fputc(tab[(v >> 6) & 63], out);
		fputc(tab[v & 63], out);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		fputc(tab[v >> 18], out);
		fputc(tab[(v >> 12) & 63], out);
		fputs("==", out);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		fputc(tab[v >> 18], out);
		fputc(tab[(v >> 12) & 63], out);
		fputc(tab[(v >> 6) & 63], out);
		fputc('=', out);
	}
	fputc('"', out);
}

static void print_real(FILE *out, double v, int digits)
{
	if (isnan(v))
		fputs("\"NaN\"", out);
	else if (isinf(v))
		fputs(v > 0 ? "\"Infinity\"" : "\"-Infinity\"", out);
	else
		fprintf(out, "%.*g", digits, v);
}

static void print_value(FILE *out, const ProtobufCFieldDescriptor *f, const void *v)
{
	const char *name;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(out, "%" PRId32, *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(out, "%" PRIu32, *(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(out, "%" PRId64, *(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		fprintf(out, "%" PRIu64, *(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		print_real(out, *(const float *)v, 9);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		print_real(out, *(const double *)v, 17);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)v ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		name = pb_enum_name(f, *(const int *)v);
		if (name)
			json_print_string(out, name, strlen(name));
		else
			fprintf(out, "%d", *(const int *)v);
		break;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;

		json_print_string(out, s, strlen(s));
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;

		print_base64(out, b->data, b->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		pb_print_json(out, *(const ProtobufCMessage *const *)v);
		break;
	}
}

void pb_print_json(FILE *out, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;

	fputc('{', out);
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pb_field_count(m, f);

		if (n == 0)
			continue;
		if (!first)
			fputs(", ", out);
		first = false;
		json_print_string(out, f->name, strlen(f->name));
		fputs(": ", out);
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			print_value(out, f, pb_field_value(m, f, 0));
			continue;
		}
		fputc('[', out);
		for (size_t j = 0; j < n; j++) {
			if (j)
				fputs(", ", out);
			print_value(out, f, pb_field_value(m, f, j));
		}
		fputc(']', out);
	}
	fputc('}', out);
}
