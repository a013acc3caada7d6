# Unit tests: small programs linked with liblmig.a (add them to
# check_PROGRAMS) or scripts. List every one in UNIT_TESTS as well: that
# is what puts it in TESTS, and what `make check-unit` runs again under
# the sanitizers (scripts/run-tests).
UNIT_TESTS =
