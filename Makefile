# baton - roles, not people. See README.md.
#
#   make            build build/baton
#   make run        install missing packages, build, load examples/, serve
#   make check      install test packages, build with ASan+UBSan, run every test
#   make fuzz       build the libFuzzer targets with clang, run each FUZZ_SECONDS
#   make deps       install the Debian packages baton needs (when missing)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

PKGS = sqlite3 yaml-0.1 jansson libmicrohttpd libcmark libsodium
TEST_PKGS = check

BATON_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter \
	-Icore -I$(BUILD)/gen -MMD -MP
ifneq ($(SANITIZE),)
BATON_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BATON_LDFLAGS += -fsanitize=$(SANITIZE)
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -lpthread
# jemalloc for the programs (README, "Libraries"); not under the sanitizers,
# which bring their own allocator
ifeq ($(SANITIZE),)
MALLOC_LIBS = $(shell $(PKG_CONFIG) --libs jemalloc 2>/dev/null)
endif
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ALL_CFLAGS = $(BATON_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BATON_LDFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q =
else
Q = @
endif

CORE_SRC = $(sort $(wildcard core/*.c))
CLI_SRC = $(sort $(wildcard cli/*.c))
WEB_SRC = $(sort $(wildcard web/*.c))
TEST_SRC = $(sort $(wildcard tests/check_*.c))
MIGRATIONS = $(sort $(wildcard schemas/[0-9]*.sql))

CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
WEB_OBJ = $(WEB_SRC:%.c=$(BUILD)/%.o)
APP_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o) $(WEB_OBJ)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all run check check-valgrind test deps deps-test install uninstall clean bench \
	fuzz fuzz-build

all: $(BUILD)/baton

$(BUILD)/libbaton.a: $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/baton: $(APP_OBJ) $(BUILD)/libbaton.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(APP_OBJ) $(BUILD)/libbaton.a $(PKG_LIBS) $(MALLOC_LIBS) $(ALL_LDFLAGS)

$(BUILD)/gen/migrations.c: $(MIGRATIONS) tools/embed-sql.sh
	@mkdir -p $(dir $@)
	$(Q)sh tools/embed-sql.sh $@ $(MIGRATIONS)

$(BUILD)/gen/suites.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	$(Q)for f in $(TEST_SRC); do b=$${f##*/check_}; echo "SUITE($${b%.c})"; done > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/main.o: $(BUILD)/gen/suites.h

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/check_baton: $(TEST_OBJ) $(BUILD)/tests/main.o $(WEB_OBJ) $(BUILD)/libbaton.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJ) $(BUILD)/tests/main.o $(WEB_OBJ) \
		$(BUILD)/libbaton.a $(CHECK_LIBS) $(PKG_LIBS) $(ALL_LDFLAGS)

deps:
	@sh tools/deps.sh build

deps-test:
	@sh tools/deps.sh test

# The whole suite under AddressSanitizer and UBSan, in its own build tree.
check: deps-test
	$(Q)if command -v clang >/dev/null; then \
		$(MAKE) --no-print-directory CC=clang BUILD=build/clang all; fi
	$(Q)$(MAKE) --no-print-directory BUILD=build/san SANITIZE=address,undefined CFLAGS="-O1 -g" test

# The command-line tests again with the plain build under valgrind memcheck.
check-valgrind: deps-test
	$(Q)command -v valgrind >/dev/null || sh tools/deps.sh valgrind
	$(Q)$(MAKE) --no-print-directory all
	bash tests/cli/run.sh tests/valgrind-baton.sh

test: $(BUILD)/baton $(BUILD)/check_baton
	$(BUILD)/check_baton
	bash tests/cli/run.sh $(BUILD)/baton
	bash tests/schema/run.sh
	/usr/bin/python3 tests/web/http_test.py $(BUILD)/baton examples
	/usr/bin/python3 tests/web/test_concurrency.py $(BUILD)/baton examples
	/usr/bin/python3 tests/web/test_abuse.py $(BUILD)/baton examples
	sh tests/web/run-node.sh $(BUILD)/baton

# Fuzzing (docs/fuzzing.md): tests/fuzz/fuzz_NAME.c built with clang's
# libFuzzer, ASan and UBSan into build/fuzz/, each run FUZZ_SECONDS
# (FUZZ_TARGETS picks some); fails when any target crashes.
FUZZ_SECONDS ?= 60
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)

fuzz: deps
	$(Q)sh tools/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory CC=clang BUILD=build/fuzz \
		SANITIZE=fuzzer-no-link,address,undefined \
		CFLAGS="-O1 -g -DBATON_LIBFUZZER" fuzz-build
	sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(WEB_OBJ) $(BUILD)/libbaton.a
	@echo "  FUZZ    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests -o $@ $< $(WEB_OBJ) \
		$(BUILD)/libbaton.a $(PKG_LIBS) $(ALL_LDFLAGS)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	rm -f build/example.db build/example.db-wal build/example.db-shm
	$(BUILD)/baton --db build/example.db import examples/
	sh tools/tour.sh $(BUILD)/baton build/example.db

# Benchmarks: an optimised build of its own, figures against floors measured
# in the same run (tests/bench/bench.py). BENCH_PEOPLE=1000000 adds 1M.
bench: deps
	@sh tools/deps.sh bench
	$(Q)$(MAKE) --no-print-directory BUILD=build/bench CFLAGS="-O2 -g -DNDEBUG" build/bench/baton build/bench/yamlparse build/bench/routebench
	/usr/bin/python3 tests/bench/bench.py build/bench

$(BUILD)/yamlparse: tests/bench/yamlparse.c
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(PKG_LIBS) $(ALL_LDFLAGS)

$(BUILD)/routebench: tests/bench/routebench.c $(BUILD)/libbaton.a
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libbaton.a $(PKG_LIBS) $(MALLOC_LIBS) $(ALL_LDFLAGS)

install: $(BUILD)/baton
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(BUILD)/baton $(DESTDIR)$(PREFIX)/bin/baton
	install -m 644 doc/baton.1 $(DESTDIR)$(PREFIX)/share/man/man1/baton.1
	install -m 644 cli/baton.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/baton

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/baton $(DESTDIR)$(PREFIX)/share/man/man1/baton.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/baton

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
