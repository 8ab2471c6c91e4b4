# Top-level convenience targets.  `make run` and `make test` do all the setup
# (system packages, configure, build) on a fresh Debian machine.
BUILD ?= build
BUILD_TYPE ?= Release
WERROR ?= OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
OUT ?= out

FUZZ_SECONDS ?= 60

.PHONY: all setup configure build run test valgrind bench asan fuzz clean

all: build

setup:
	@bash scripts/setup-deps.sh

configure: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSPECOT_WERROR=$(WERROR)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/specot demo --out $(OUT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE valgrind

# valgrind memcheck over the cmocka executables (tests/CMakeLists.txt, tests/valgrind.supp).
valgrind: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L valgrind

bench: build
	bash bench/run_all.sh $(BUILD)

asan: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSPECOT_SANITIZE=ON -DSPECOT_WERROR=$(WERROR)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure -j $(JOBS) -LE valgrind

# libFuzzer targets (fuzz/), each run FUZZ_SECONDS (default 60) from fuzz/corpus/<target>/.
fuzz: setup
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPECOT_FUZZ=ON \
	  -DSPECOT_BUILD_TESTS=OFF -DSPECOT_PYTHON=OFF
	cmake --build build-fuzz -j $(JOBS) --target specot_fuzz_targets
	bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
