#include <stdint.h>

#include "show/pb-walk.h"

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static const char *member(const ProtobufCMessage *m, unsigned int offset)
{
	return (const char *)m + offset;
}

size_t pb_field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *p;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)member(m, f->quantifier_offset);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)member(m, f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return 1;
	/* Optional, or proto3's implicit presence (LABEL_NONE): printed as is. */
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		/* No has_ flag: unset is NULL, or the default's own pointer. */
		p = *(const void *const *)member(m, f->offset);
		if (!p)
			return 0;
		if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->default_value && p == f->default_value)
			return 0;
		return 1;
	default:
		if (f->label == PROTOBUF_C_LABEL_NONE)
			return 1;
		return *(const protobuf_c_boolean *)member(m, f->quantifier_offset) ? 1 : 0;
	}
}

const void *pb_field_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t i)
{
	const char *p = member(m, f->offset);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const char *const *)p + i * type_size(f->type);
	return p;
}

const char *pb_enum_name(const ProtobufCFieldDescriptor *f, int value)
{
	const ProtobufCEnumValue *v;

	v = protobuf_c_enum_descriptor_get_value((const ProtobufCEnumDescriptor *)f->descriptor, value);
	return v ? v->name : NULL;
}
