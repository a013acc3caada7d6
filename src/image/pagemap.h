/*
 * Conventions of the page images, shared by dump/ and restore/.
 *
 * pagemap-<pid>.img holds PagemapEntry records (images/pagemap.proto),
 * sorted by vaddr, never overlapping, each inside one vma of mm-<pid>.img.
 * pages-<pid>.img is raw page data with no header: the data of every
 * record without PE_ZERO, nr_pages * page size bytes each, concatenated
 * in record order. A record's crc32c (when present) is over its data.
 *
 * Pages of a vma that no record covers were not saved because they hold
 * nothing the restore must put back:
 *   - anonymous and private areas: never touched (restore leaves them
 *     unpopulated, which reads as zero), or, for a private file mapping,
 *     still identical to the file (restore maps the file and gets them);
 *   - shared file mappings: the file holds the data (unless file_deleted);
 *   - vdso, vvar, vsyscall: supplied by the restoring kernel.
 */
#ifndef LMIG_IMAGE_PAGEMAP_H
#define LMIG_IMAGE_PAGEMAP_H

/* PagemapEntry.flags */
#define PE_ZERO		(1u << 0)	/* the pages are all zero: no data in pages-<pid>.img */

/* Name of the raw page data file of a process. */
#define PAGES_FILE_FMT	"pages-%u.img"

#endif
