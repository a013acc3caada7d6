# tests/parasite: the parasite blob and its driver (src/dump/infect*.c)
EXTRA_DIST += %reldir%/freestanding.sh
TESTS += %reldir%/freestanding.sh
