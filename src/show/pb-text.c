#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "show/pb-print.h"
#include "show/pb-walk.h"

/* Bytes fields longer than this show only their first TEXT_BYTES_MAX bytes. */
#define TEXT_BYTES_MAX	32

static void print_cstring(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void print_bytes(FILE *out, const ProtobufCBinaryData *b)
{
	size_t n = b->len < TEXT_BYTES_MAX ? b->len : TEXT_BYTES_MAX;

	fprintf(out, "<%zu bytes", b->len);
	if (n)
		fputs(": ", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", b->data[i]);
	if (n < b->len)
		fputs("...", out);
	fputc('>', out);
}

static void print_scalar(FILE *out, const ProtobufCFieldDescriptor *f, const void *v)
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
		/* Mostly addresses, masks and register values: hex reads best. */
		fprintf(out, "0x%" PRIx64, *(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		fprintf(out, "%g", (double)*(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		fprintf(out, "%g", *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fputs(*(const protobuf_c_boolean *)v ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		name = pb_enum_name(f, *(const int *)v);
		if (name)
			fputs(name, out);
		else
			fprintf(out, "%d", *(const int *)v);
		break;
	case PROTOBUF_C_TYPE_STRING:
		print_cstring(out, *(const char *const *)v);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		print_bytes(out, v);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		break;	/* printed on lines of their own */
	}
}

void pb_print_text(FILE *out, const ProtobufCMessage *m, int indent, const char *label)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;

	fprintf(out, "%*s", indent, "");
	if (label) {
		fputs(label, out);
		fputc(':', out);
		first = false;
	}
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pb_field_count(m, f);

		if (n == 0 || f->type == PROTOBUF_C_TYPE_MESSAGE)
			continue;
		fprintf(out, "%s%s=", first ? "" : " ", f->name);
		first = false;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			print_scalar(out, f, pb_field_value(m, f, 0));
			continue;
		}
		fputc('[', out);
		for (size_t j = 0; j < n; j++) {
			if (j)
				fputc(',', out);
			print_scalar(out, f, pb_field_value(m, f, j));
		}
		fputc(']', out);
	}
	fputc('\n', out);

	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pb_field_count(m, f);

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		for (size_t j = 0; j < n; j++) {
			const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)pb_field_value(m, f, j);
			char sublabel[256];

			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				snprintf(sublabel, sizeof(sublabel), "%s[%zu]", f->name, j);
			else
				snprintf(sublabel, sizeof(sublabel), "%s", f->name);
			pb_print_text(out, sub, indent + 2, sublabel);
		}
	}
}
