# Top-level convenience targets.  `make run` and `make test` do all the setup
# (system packages, configure, build) on a fresh Debian machine.
BUILD ?= build
BUILD_TYPE ?= Release
WERROR ?= OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
OUT ?= out

.PHONY: all setup configure build run test bench asan clean

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
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	bash bench/run_all.sh $(BUILD)

asan: setup
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSPECOT_SANITIZE=ON -DSPECOT_WERROR=$(WERROR)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) build-asan
