/*
 * Generic access to the fields of any protobuf-c message through its
 * descriptor, for the text and JSON printers of `lmig show`.
 */
#ifndef LMIG_SHOW_PB_WALK_H
#define LMIG_SHOW_PB_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/*
 * Number of values the field holds in m: the element count of a
 * repeated field, 1 for a set (or required) field, 0 for an unset one.
 */
size_t pb_field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Pointer to value i (i < pb_field_count()), typed by f->type. */
const void *pb_field_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t i);
/* Name of an enum value ("FD_REG"), NULL when the schema does not know it. */
const char *pb_enum_name(const ProtobufCFieldDescriptor *f, int value);

#endif
