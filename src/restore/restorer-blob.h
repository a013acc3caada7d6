/* The restorer blob embedded in lmig (restorer/, src/restore/restorer-args.h). */
#ifndef LMIG_RESTORE_RESTORER_BLOB_H
#define LMIG_RESTORE_RESTORER_BLOB_H

#include <stddef.h>

extern const unsigned char restorer_blob[];
extern const unsigned char restorer_blob_end[];

static inline size_t restorer_blob_size(void)
{
	return (size_t)(restorer_blob_end - restorer_blob);
}

#endif
