# The thread-count benchmark (bench/threads/run.sh, by hand; figures in
# docs/bench/threads.md). Its target is built with the tests so that it
# keeps compiling; run.sh builds it on demand.
check_PROGRAMS += %reldir%/target
EXTRA_DIST += %reldir%/run.sh
