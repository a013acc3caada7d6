/* lmig show: option parsing and the text and JSON printers. */
#include <stdint.h>

#include "cmd.h"
#include "img-sample.h"
#include "log.h"
#include "show/pb-print.h"
#include "show/show.h"
#include "test-utils.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "mm.pb-c.h"
#include "pstree.pb-c.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

/* Parse argv; returns the result, and checks a usage error logs one line. */
static int parse(int argc, char **argv, struct show_opts *o)
{
	struct capture cap;
	char *err;
	int rc;

	capture_start(&cap);
	rc = show_parse_opts(argc, argv, o);
	err = capture_end(&cap);
	if (rc == 0)
		CHECK(err[0] == '\0');
	else
		CHECK(one_error_line(err, "see 'lmig show --help'", argv[1] ? argv[1] : "no args"));
	free(err);
	return rc;
}

static void test_opts(void)
{
	struct show_opts o;

	{
		char *argv[] = { "show", "-D", "/tmp/x", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0);
		CHECK(strcmp(o.dir, "/tmp/x") == 0 && !o.json && !o.help);
	}
	{
		char *argv[] = { "show", "--json", "--images-dir=/d", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0);
		CHECK(strcmp(o.dir, "/d") == 0 && o.json);
	}
	{
		char *argv[] = { "show", "--images-dir", "/d", "-j", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0 && o.json && strcmp(o.dir, "/d") == 0);
	}
	{
		char *argv[] = { "show", "--help", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0 && o.help);
	}
	{
		char *argv[] = { "show", "-D", "/a", "-h", "--bogus", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0 && o.help);	/* help wins */
	}
	{
		char *argv[] = { "show", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "--json", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "-D", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "-D", "", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "-D", "/d", "--bogus", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "-x", "-D", "/d", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "-D", "/d", "extra", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	{
		char *argv[] = { "show", "--json=yes", "-D", "/d", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == LMIG_EXIT_USAGE);
	}
	/* Parsing twice in one process works (optind is reset). */
	{
		char *argv[] = { "show", "-D", "/again", NULL };

		CHECK(parse(ARGC(argv), argv, &o) == 0 && strcmp(o.dir, "/again") == 0);
	}
}

/* What a printer wrote, as a malloc'd string. */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *sink_open(struct sink *s)
{
	s->buf = NULL;
	s->f = open_memstream(&s->buf, &s->len);
	return s->f;
}

static int sink_is(struct sink *s, const char *want)
{
	int ok;

	fclose(s->f);
	ok = strcmp(s->buf, want) == 0;
	if (!ok)
		fprintf(stderr, "printed:\n%s\nwanted:\n%s\n", s->buf, want);
	free(s->buf);
	return ok;
}

static void test_json(void)
{
	struct sink s;

	json_print_string(sink_open(&s), "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/", 14);
	CHECK(sink_is(&s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f/\""));
	/* Valid UTF-8 passes; invalid bytes, overlongs, surrogates and cut sequences become U+FFFD. */
	json_print_string(sink_open(&s), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
	CHECK(sink_is(&s, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""));
	json_print_string(sink_open(&s), "\xff\xc0\xaf\xed\xa0\x80\xe2\x82", 8);
	CHECK(sink_is(&s, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""));
	json_print_string(sink_open(&s), "a\0b", 3);
	CHECK(sink_is(&s, "\"a\\u0000b\""));

	/* Bytes as base64 at each padding length; enums by name; negatives; unset fields absent. */
	{
		FileEntry f = FILE_ENTRY__INIT;
		PipeEntry p = PIPE_ENTRY__INIT;
		UnixSkEntry u = UNIX_SK_ENTRY__INIT;
		ProtobufCBinaryData q[4] = {
			{ 0, NULL }, { 1, (uint8_t *)"f" }, { 2, (uint8_t *)"fo" }, { 4, (uint8_t *)"foob" },
		};

		f.id = 3;
		f.kind = FD_KIND__FD_UNIX_SK;
		f.unix_sk = &u;
		f.pipe = &p;
		p.pipe_id = UINT64_MAX;
		p.write_end = 1;
		u.ino = 1;
		u.type = 2;
		u.state = 3;
		u.n_queue = 4;
		u.queue = q;
		pb_print_json(sink_open(&s), &f.base);
		CHECK(sink_is(&s, "{\"id\": 3, \"kind\": \"FD_UNIX_SK\", "
			      "\"pipe\": {\"pipe_id\": 18446744073709551615, \"write_end\": true, \"flags\": 0}, "
			      "\"unix_sk\": {\"ino\": 1, \"type\": 2, \"state\": 3, "
			      "\"queue\": [\"\", \"Zg==\", \"Zm8=\", \"Zm9vYg==\"]}}"));
		/* An enum value the schema does not know prints as its number. */
		f.kind = 99;
		f.unix_sk = NULL;
		f.pipe = NULL;
		pb_print_json(sink_open(&s), &f.base);
		CHECK(sink_is(&s, "{\"id\": 3, \"kind\": 99}"));
	}
	{
		CoreEntry c = CORE_ENTRY__INIT;
		X86Regs r = X86_REGS__INIT;

		c.tid = 1;
		c.regs = &r;
		c.has_nice = 1;
		c.nice = -20;
		c.has_syscall_nr = 1;
		c.syscall_nr = INT64_MIN;
		pb_print_json(sink_open(&s), &c.base);
		CHECK(sink_is(&s, "{\"tid\": 1, \"regs\": {\"r15\": 0, \"r14\": 0, \"r13\": 0, \"r12\": 0, "
			      "\"bp\": 0, \"bx\": 0, \"r11\": 0, \"r10\": 0, \"r9\": 0, \"r8\": 0, \"ax\": 0, "
			      "\"cx\": 0, \"dx\": 0, \"si\": 0, \"di\": 0, \"orig_ax\": 0, \"ip\": 0, "
			      "\"cs\": 0, \"flags\": 0, \"sp\": 0, \"ss\": 0, \"fs_base\": 0, \"gs_base\": 0, "
			      "\"ds\": 0, \"es\": 0, \"fs\": 0, \"gs\": 0}, \"nice\": -20, "
			      "\"syscall_nr\": -9223372036854775808}"));
	}
}

static void test_text(void)
{
	struct sink s;
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry v1 = VMA_ENTRY__INIT, v2 = VMA_ENTRY__INIT;
	VmaEntry *vmas[] = { &v1, &v2 };
	uint64_t auxv[] = { 1, 255 };
	PstreeEntry p = PSTREE_ENTRY__INIT;
	SiginfoEntry si = SIGINFO_ENTRY__INIT;
	uint8_t raw[40];

	mm.start_code = 0x400000;
	mm.n_auxv = 2;
	mm.auxv = auxv;
	mm.exe_path = "/bin/a \"b\"\n";
	mm.n_vmas = 2;
	mm.vmas = vmas;
	v1.start = 0x1000;
	v1.end = 0x2000;
	v1.kind = VMA_KIND__VMA_HEAP;
	v2.kind = VMA_KIND__VMA_VDSO;
	v2.name = "[vdso]";
	pb_print_text(sink_open(&s), &mm.base, 2, NULL);
	CHECK(sink_is(&s,
		"  start_code=0x400000 end_code=0x0 start_data=0x0 end_data=0x0 start_brk=0x0 brk=0x0 "
		"start_stack=0x0 arg_start=0x0 arg_end=0x0 env_start=0x0 env_end=0x0 auxv=[0x1,0xff] "
		"exe_path=\"/bin/a \\\"b\\\"\\n\"\n"
		"    vmas[0]: start=0x1000 end=0x2000 prot=0 flags=0 kind=VMA_HEAP\n"
		"    vmas[1]: start=0x0 end=0x0 prot=0 flags=0 kind=VMA_VDSO name=\"[vdso]\"\n"));

	p.pid = 5;
	p.n_threads = 0;
	p.has_exit_code = 1;
	p.exit_code = -3;
	pb_print_text(sink_open(&s), &p.base, 0, "tree");
	CHECK(sink_is(&s, "tree: pid=5 ppid=0 pgid=0 sid=0 exit_code=-3\n"));

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	si.siginfo.data = raw;
	si.siginfo.len = 3;
	pb_print_text(sink_open(&s), &si.base, 0, NULL);
	CHECK(sink_is(&s, "siginfo=<3 bytes: 000102>\n"));
	si.siginfo.len = 40;
	pb_print_text(sink_open(&s), &si.base, 0, NULL);
	CHECK(sink_is(&s, "siginfo=<40 bytes: 000102030405060708090a0b0c0d0e0f"
		      "101112131415161718191a1b1c1d1e1f...>\n"));
	si.siginfo.len = 0;
	pb_print_text(sink_open(&s), &si.base, 0, NULL);
	CHECK(sink_is(&s, "siginfo=<0 bytes>\n"));
}

/* Every sample message prints in both forms without trouble (the shell test checks the JSON parses). */
static void test_samples(void)
{
	for (enum img_type t = 1; t < IMG_TYPE_MAX; t++) {
		struct sink s;

		pb_print_json(sink_open(&s), sample_msg(t));
		fclose(s.f);
		CHECK(s.len > 2 && s.buf[0] == '{' && s.buf[s.len - 1] == '}' && !strchr(s.buf, '\n'));
		free(s.buf);
		pb_print_text(sink_open(&s), sample_msg(t), 0, NULL);
		fclose(s.f);
		CHECK(s.len > 2 && s.buf[s.len - 1] == '\n');
		free(s.buf);
	}
}

int main(void)
{
	test_opts();
	test_json();
	test_text();
	test_samples();
	return unit_result();
}
