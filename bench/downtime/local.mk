# The downtime benchmark (bench/downtime/run) runs as a test in --quick
# mode: it checks that the harness works and every integrity check
# passes, not the figures. The full run is by hand (docs/bench/downtime/).
BENCH_DOWNTIME_TESTS = %reldir%/quick.sh
TESTS += $(BENCH_DOWNTIME_TESTS)
EXTRA_DIST += $(BENCH_DOWNTIME_TESTS) %reldir%/run %reldir%/report.py %reldir%/prober.c \
	%reldir%/Counter.java
