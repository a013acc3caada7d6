/*
 * Printers for any protobuf-c message, driven by its descriptor: the
 * text and JSON forms of `lmig show`. Field names are the .proto names.
 * Unset optional fields and empty repeated fields are left out.
 */
#ifndef LMIG_SHOW_PB_PRINT_H
#define LMIG_SHOW_PB_PRINT_H

#include <stddef.h>
#include <stdio.h>
#include <protobuf-c/protobuf-c.h>

/*
 * m as one compact JSON object, without a newline. Integers are JSON
 * numbers (64-bit ones too, exactly), enums their names (the number when
 * the schema does not know it), bytes base64 (RFC 4648, padded), floats
 * that are not finite the strings "NaN", "Infinity", "-Infinity".
 */
void pb_print_json(FILE *out, const ProtobufCMessage *m);
/*
 * A JSON string literal of s[0..len). Bytes that are not valid UTF-8
 * become U+FFFD, so the document stays valid whatever the image holds.
 */
void json_print_string(FILE *out, const char *s, size_t len);

/*
 * m as text: indent spaces, "label: " when label is not NULL, then the
 * scalar fields as key=value on that line; each nested message follows
 * on its own line, indented two more, labelled with its field name (and
 * [index] when repeated). Unsigned 64-bit values are hex, other integers
 * decimal; strings are quoted with C escapes; bytes are hex, the first
 * 32 of them when there are more.
 */
void pb_print_text(FILE *out, const ProtobufCMessage *m, int indent, const char *label);

#endif
