# Real services moved with their state (Redis, Tomcat) and fast start of
# copies from one checkpoint (lmig restore --new-pidns --netns). Each test
# skips (77), naming what is missing, when a service or a piece of lmig
# it needs is not there.
check_PROGRAMS += %reldir%/counter-server

SERVICES_TESTS = %reldir%/faststart.sh %reldir%/counter.sh %reldir%/counter-precopy.sh \
	%reldir%/redis.sh %reldir%/redis-precopy.sh %reldir%/tomcat.sh %reldir%/tomcat-precopy.sh
TESTS += $(SERVICES_TESTS)
EXTRA_DIST += $(SERVICES_TESTS) %reldir%/lib.sh \
	bench/services/CounterServlet.java bench/services/tomcat-instance.sh bench/services/resp.py \
	bench/services/first-answer.py \
	bench/services/resp-writer.py bench/services/redis-check.py \
	bench/services/http-counter.py bench/services/faststart.sh bench/services/README.md
# memcached -t 4 moved with its data and a held connection (mc-client.py).
TESTS += %reldir%/memcached.sh
# Accept queues: moved live (tests/sockets/acceptq.py), and Redis with clients waiting in one.
TESTS += %reldir%/acceptq-precopy.sh %reldir%/redis-acceptq.sh
EXTRA_DIST += %reldir%/acceptq-precopy.sh %reldir%/redis-acceptq.sh
EXTRA_DIST += %reldir%/memcached.sh %reldir%/mc-client.py
