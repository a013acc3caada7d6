#define LOG_PREFIX "pageserver-images: "
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "log.h"
#include "crc32c.h"
#include "image/image.h"
#include "image/pages.h"
#include "pageserver/pageserver.h"

/* Every record of pagemap-<pid>.img. */
static int read_runs(int dirfd, uint32_t pid, PagemapEntry ***out, size_t *nr)
{
	PagemapEntry **runs = NULL;
	ProtobufCMessage *m;
	size_t n = 0, cap = 0;
	struct img *img;
	int ret;

	ret = img_open_read(dirfd, IMG_PAGEMAP, pid, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) == 1) {
		if (n == cap) {
			PagemapEntry **nr2;

			cap = cap ? cap * 2 : 64;
			nr2 = realloc(runs, cap * sizeof(*runs));
			if (!nr2) {
				protobuf_c_message_free_unpacked(m, NULL);
				ret = -ENOMEM;
				break;
			}
			runs = nr2;
		}
		runs[n++] = (PagemapEntry *)m;
	}
	img_close(img);
	*out = runs;
	*nr = n;
	return ret < 0 ? ret : 0;
}

static int write_run(struct img *pm, struct pages_file *pf, uint64_t ps, uint64_t vaddr,
		     const char *data, uint64_t nr, bool zero)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int ret;

	pe.vaddr = vaddr;
	pe.nr_pages = (uint32_t)nr;
	if (zero) {
		pe.has_flags = true;
		pe.flags = PE_ZERO;
	} else {
		pe.has_crc32c = true;
		pe.crc32c = crc32c(0, data, nr * ps);
		ret = pages_append(pf, data, nr * ps);
		if (ret)
			return ret;
	}
	return img_write_msg(pm, &pe.base);
}

static bool page_is_zero(const char *p, uint64_t ps)
{
	const uint64_t *w = (const uint64_t *)p;

	for (uint64_t i = 0; i < ps / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* One kept run, split into zero and data runs. */
static int write_kept(struct img *pm, struct pages_file *pf, uint64_t ps, uint64_t vaddr,
		      const char *data, uint64_t nr)
{
	uint64_t run = 0;
	bool run_zero = false;

	for (uint64_t i = 0; i < nr; i++) {
		bool z = page_is_zero(data + i * ps, ps);

		if (run && z != run_zero) {
			int ret = write_run(pm, pf, ps, vaddr + (i - run) * ps, data + (i - run) * ps,
					    run, run_zero);
			if (ret)
				return ret;
			run = 0;
		}
		run_zero = z;
		run++;
	}
	return run ? write_run(pm, pf, ps, vaddr + (nr - run) * ps, data + (nr - run) * ps, run,
			       run_zero) : 0;
}

int ps_write_pages(int dirfd, const char *dir, struct staging *s, uint32_t pid)
{
	struct pages_file *pf = NULL;
	PagemapEntry **runs = NULL;
	struct img *pm = NULL;
	size_t nr = 0;
	int ret, cret;

	ret = read_runs(dirfd, pid, &runs, &nr);
	if (ret) {
		if (ret == -ENOENT)
			pr_err("%s: the sender sent no pagemap-%u.img", dir, pid);
		goto out;
	}
	ret = pages_open_write(dirfd, pid, &pf);
	if (!ret)
		ret = img_open_write(dirfd, IMG_PAGEMAP, pid, &pm);
	for (size_t i = 0; !ret && i < nr; i++) {
		uint64_t len = (uint64_t)runs[i]->nr_pages * s->page_size;
		const char *src = staging_dest(s, pid, runs[i]->vaddr, len);

		if (!src) {
			pr_err("pid %u: kept pages %#" PRIx64 " (%u) were never staged",
			       pid, runs[i]->vaddr, runs[i]->nr_pages);
			ret = -EPROTO;
			break;
		}
		ret = write_kept(pm, pf, s->page_size, runs[i]->vaddr, src, runs[i]->nr_pages);
	}
	cret = img_close(pm);
	if (!ret)
		ret = cret;
	cret = pages_close(pf);
	if (!ret)
		ret = cret;
out:
	for (size_t i = 0; i < nr; i++)
		protobuf_c_message_free_unpacked(&runs[i]->base, NULL);
	free(runs);
	return ret;
}
