# Unit tests of src/image, src/crc32c and src/show (included from local.mk).
IMG_TEST_SAMPLE = %reldir%/img-sample.c %reldir%/img-sample.h %reldir%/test-utils.h

UNIT_TESTS += %reldir%/test-crc32c %reldir%/test-image %reldir%/test-pages \
	%reldir%/test-show %reldir%/show.sh
check_PROGRAMS += %reldir%/test-crc32c %reldir%/test-image %reldir%/test-pages \
	%reldir%/test-show %reldir%/img-gen
EXTRA_DIST += %reldir%/show.sh

%canon_reldir%_test_crc32c_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_test_image_SOURCES = %reldir%/test-image.c $(IMG_TEST_SAMPLE)
%canon_reldir%_test_image_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_test_pages_SOURCES = %reldir%/test-pages.c $(IMG_TEST_SAMPLE)
%canon_reldir%_test_pages_LDADD = liblmig.a $(LMIG_LIBS)
%canon_reldir%_test_show_SOURCES = %reldir%/test-show.c $(IMG_TEST_SAMPLE)
%canon_reldir%_test_show_LDADD = liblmig.a $(LMIG_LIBS)
# Writes sample image sets for show.sh and seeds for tests/fuzz/run.sh.
%canon_reldir%_img_gen_SOURCES = %reldir%/img-gen.c $(IMG_TEST_SAMPLE)
%canon_reldir%_img_gen_LDADD = liblmig.a $(LMIG_LIBS)
