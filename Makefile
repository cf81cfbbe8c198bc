# stackless-wasm build. `make test` builds and runs everything; `make wasm`
# and `make native` build one side. Output goes to build/ (not committed).

SHELL := /bin/bash
BUILD := build

CORE_SRC := csrc/errors.c csrc/sched.c csrc/tasklet.c csrc/channel.c \
            csrc/registry.c
NATIVE_SRC := $(CORE_SRC) csrc/switch_native.c
WASM_SRC := $(CORE_SRC) csrc/switch_asyncify.c
CORE_HDR := csrc/stackless.h csrc/sl_internal.h

C_TESTS := $(patsubst tests/c/%.c,%,$(wildcard tests/c/test_*.c))

# Warnings are errors everywhere (STYLE.md).
WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Werror
# Native tests: sanitizers plus the core's internal invariant checks.
NATIVE_CFLAGS := $(WARN) -g -O1 -DSL_DEBUG -fno-omit-frame-pointer \
                 -fsanitize=address,undefined -fno-sanitize-recover=undefined
NATIVE_BENCH_CFLAGS := $(WARN) -O2 -DNDEBUG

# --- Emscripten -----------------------------------------------------------
# Debian's emcc -O2 links need Debian's acorn, found through NODE_PATH.
export NODE_PATH := /usr/share/nodejs$(if $(NODE_PATH),:$(NODE_PATH))
EMCC := emcc
# Asyncify instruments every function that can reach a tasklet switch.
# Formatting an error message never switches, but printf's indirect calls
# make Asyncify assume it might: leaving it out saves ~16% of the code.
EM_ASYNCIFY := -sASYNCIFY \
  "-sASYNCIFY_REMOVE=['__fwritex','__vfprintf_internal','fmt_fp','out*','pad','printf_core','snprintf','vfprintf','vsnprintf','sl__fail','deadlock','sl_dump']"
# The asyncify.* imports the switch backend calls are rewritten by the
# Asyncify pass; this library only declares them to the linker.
EM_IMPORTS := --js-library wasm-build/library.js
# Binaryen must not inline the un-instrumented switch code into its
# instrumented callers, or tasklets silently stop interleaving.
EM_NOINLINE := "-sBINARYEN_EXTRA_PASSES=--flexible-inline-max-function-size=0,--one-caller-inline-max-function-size=0"
# Many tasklets need more than the initial 16 MiB. Static data starts at
# 256 KiB: below it lies the tasklet stack region, whose overflow runs below
# address 0 and traps (csrc/switch_asyncify.c).
EM_MEMORY := -sALLOW_MEMORY_GROWTH=1 -sGLOBAL_BASE=262144
# -O0 builds turn on ASSERTIONS, whose Asyncify checks trap on in-wasm
# switching (DESIGN.md); keep them off.
EM_NOASSERT := -sASSERTIONS=0
# Link-time optimisation lets the channel and scheduler paths inline into
# each other, so fewer frames are unwound per switch.
EM_LTO := -flto
# ... and the switch path (sl__switch_to, sl__wait) inlines into each
# channel operation (csrc/sl_internal.h SL_HOT).
EM_CFLAGS := -DSL_INLINE_SWITCH
EM_FLAGS := $(EM_CFLAGS) $(EM_LTO) $(EM_ASYNCIFY) $(EM_IMPORTS) $(EM_NOINLINE) $(EM_MEMORY) \
            $(EM_NOASSERT)
# Node >= 18 has fetch(), which 3.1.6's loader wrongly prefers for files.
NODE_RUN := node --no-experimental-fetch

.PHONY: all native wasm module test test-native test-wasm test-js bench \
        clean emcc-check

all: native wasm module

# ---- native (gcc + ASan/UBSan) -------------------------------------------
NATIVE_TESTS := $(addprefix $(BUILD)/native/,$(C_TESTS))

native: $(NATIVE_TESTS)

$(BUILD)/native/%: tests/c/%.c tests/c/test.h $(NATIVE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	gcc $(NATIVE_CFLAGS) -Icsrc $(NATIVE_SRC) $< -o $@

test-native: native
	@set -e; for t in $(NATIVE_TESTS); do \
	  echo "== native $$(basename $$t)"; \
	  ASAN_OPTIONS=detect_leaks=1 $$t 2>&1 | grep -v "ASan doesn't fully support makecontext"; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

# ---- wasm (emcc + Asyncify) ----------------------------------------------
emcc-check:
	@command -v $(EMCC) >/dev/null 2>&1 || { \
	  echo "emcc not found: installing Debian's emscripten"; \
	  SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq emscripten; }

WASM_TESTS := $(addprefix $(BUILD)/wasm/,$(addsuffix .js,$(C_TESTS))) \
              $(BUILD)/wasm/test_deep-O0.js

wasm: emcc-check $(BUILD)/package.json $(WASM_TESTS)

# emcc's test programs are CommonJS; the project's package.json says ESM.
$(BUILD)/package.json:
	@mkdir -p $(BUILD)
	echo '{ "type": "commonjs" }' > $@

$(BUILD)/wasm/%.js: tests/c/%.c tests/c/test.h $(WASM_SRC) $(CORE_HDR) Makefile \
                    wasm-build/library.js
	@mkdir -p $(dir $@)
	$(EMCC) $(WARN) -O2 -Icsrc $(WASM_SRC) $< -o $@ $(EM_FLAGS) $(EM_EXTRA)

# The memory-exhaustion test reaches the ceiling sooner with a lower one.
$(BUILD)/wasm/test_limits.js: EM_EXTRA := -sMAXIMUM_MEMORY=268435456

# The deep-stack test also runs unoptimised.
$(BUILD)/wasm/test_deep-O0.js: tests/c/test_deep.c tests/c/test.h \
                               $(WASM_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(EMCC) $(WARN) -O0 -Icsrc $(WASM_SRC) $< -o $@ $(EM_FLAGS)

test-wasm: wasm
	@set -e; for t in $(WASM_TESTS); do \
	  echo "== wasm $$(basename $$t .js)"; $(NODE_RUN) $$t; done

# ---- the npm module ---------------------------------------------------------
# One ES module for Node and browsers; the JS wrapper (index.mjs) is the API.
MODULE := wasm-build/core.mjs
CTASKLETS := $(wildcard csrc/ctasklets/*.c)
EM_MODULE := -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createCore \
             -sENVIRONMENT=web,worker,node --pre-js wasm-build/pre.js \
             -sEXPORTED_FUNCTIONS=_malloc,_free \
             -sEXPORTED_RUNTIME_METHODS=stackSave,stackRestore \
             -sINCOMING_MODULE_JS_API=instantiateWasm,print,printErr \
             -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0
module: emcc-check $(MODULE)

$(MODULE): $(WASM_SRC) csrc/wasm_exports.c $(CTASKLETS) $(CORE_HDR) \
           wasm-build/library.js wasm-build/pre.js Makefile
	$(EMCC) $(WARN) -O2 -Icsrc $(WASM_SRC) csrc/wasm_exports.c $(CTASKLETS) \
	  -o $@ $(EM_FLAGS) $(EM_MODULE)

# npm devDependencies (TypeScript, Chart.js, playwright-core), from the lockfile.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

test-js: module node_modules/.package-lock.json
	npx tsc -p tests/types/tsconfig.json
	node --test tests/*.test.mjs

# ---- everything -----------------------------------------------------------
test: test-native test-wasm test-js test-fuzz-smoke test-browser

# Long fuzzing: libFuzzer on the C API and the differential model fuzzer,
# FUZZ_SECONDS each.
.PHONY: fuzz
fuzz: fuzz-native fuzz-model

# ---- benchmarks ------------------------------------------------------------
$(BUILD)/bench/core-native: bench/core.c $(NATIVE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	gcc $(NATIVE_BENCH_CFLAGS) -Icsrc $(NATIVE_SRC) $< -o $@

$(BUILD)/bench/core-wasm.js: bench/core.c $(WASM_SRC) $(CORE_HDR) \
                             wasm-build/library.js
	@mkdir -p $(dir $@)
	$(EMCC) $(WARN) -O2 -DNDEBUG -Icsrc $(WASM_SRC) $< -o $@ $(EM_FLAGS)

# The module linked without Asyncify (it cannot switch): only to measure
# what Asyncify adds to the code size.
$(BUILD)/bench/noasyncify.wasm: $(MODULE)
	@mkdir -p $(dir $@)
	$(EMCC) $(WARN) -O2 -Icsrc $(WASM_SRC) csrc/wasm_exports.c $(CTASKLETS) \
	  -o $(BUILD)/bench/noasyncify.mjs $(EM_CFLAGS) $(EM_LTO) $(EM_IMPORTS) \
	  $(EM_MEMORY) $(EM_NOASSERT) $(EM_MODULE)

bench: emcc-check module node_modules/.package-lock.json $(BUILD)/package.json \
       $(BUILD)/bench/core-wasm.js $(BUILD)/bench/core-native \
       $(BUILD)/bench/noasyncify.wasm
	node bench/run.mjs

clean:
	rm -rf $(BUILD)

# ---- fuzzing (clang + libFuzzer, ASan/UBSan/LeakSanitizer) ------------------
# tests/fuzz/fuzz_ops.c drives the C API with operation sequences and checks
# the runtime's invariants after each one. `make fuzz-native` fuzzes for
# FUZZ_SECONDS; `make test-fuzz-smoke` replays the seeds (tests/fuzz/seeds,
# written by tests/fuzz/gen_seeds.py; regress-* are reduced bugs), then fuzzes
# with a fixed seed (reproducible). FUZZ_AVOID_KNOWN (a bit mask, 0 by
# default) makes the target steer clear of a bug not fixed yet, so that the
# rest can be explored meanwhile (tests/fuzz/fuzz_ops.c); none is open now.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 2000
FUZZ_AVOID_KNOWN ?= 0
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_BIN := $(FUZZ_DIR)/fuzz_ops$(if $(filter-out 0,$(FUZZ_AVOID_KNOWN)),-avoid$(FUZZ_AVOID_KNOWN))
FUZZ_CORPUS := $(FUZZ_DIR)/corpus
FUZZ_SEEDS := $(wildcard tests/fuzz/seeds/*)
# SL_DEBUG: the core's own invariant checks abort as well.
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
               -Wmissing-prototypes -Werror -g -O1 -fno-omit-frame-pointer \
               -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -DSL_DEBUG \
               -DFUZZ_AVOID_KNOWN=$(FUZZ_AVOID_KNOWN)
# -timeout: an input that runs for seconds is a hang. ASan's one-time
# makecontext warning is filtered out.
FUZZ_RUN = ASAN_OPTIONS=detect_leaks=1 $(FUZZ_BIN) -max_len=4096 \
           -timeout=10 -detect_leaks=1 -print_final_stats=1
FUZZ_FILTER := grep --line-buffered -v "ASan doesn't fully support makecontext"

.PHONY: fuzz-native fuzz-check test-fuzz-smoke soak

# clang's libFuzzer runtime ships in Debian's libclang-rt-14-dev.
fuzz-check:
	@mkdir -p $(FUZZ_DIR)
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	  > $(FUZZ_DIR)/check.c
	@clang -fsanitize=fuzzer $(FUZZ_DIR)/check.c -o $(FUZZ_DIR)/check \
	    2>/dev/null || { \
	  echo "libFuzzer runtime missing: installing libclang-rt-14-dev"; \
	  SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libclang-rt-14-dev; }

$(FUZZ_BIN): tests/fuzz/fuzz_ops.c $(NATIVE_SRC) $(CORE_HDR) Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -Icsrc $(NATIVE_SRC) $< -o $@

fuzz-native: fuzz-check $(FUZZ_BIN)
	@mkdir -p $(FUZZ_CORPUS)
	@if [ -n "$(FUZZ_SEEDS)" ]; then cp -n $(FUZZ_SEEDS) $(FUZZ_CORPUS)/; fi
	@set -o pipefail; $(FUZZ_RUN) -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_CORPUS) 2>&1 | $(FUZZ_FILTER)

# Replay the seeds (each must pass), then fuzz FUZZ_SMOKE_RUNS inputs
# (about 15 s) from them with seed 1 in a scratch corpus; the full log is
# kept in build/fuzz/smoke.log.
test-fuzz-smoke: fuzz-check $(FUZZ_BIN)
	@rm -rf $(FUZZ_DIR)/smoke && mkdir -p $(FUZZ_DIR)/smoke && \
	  cp $(FUZZ_SEEDS) $(FUZZ_DIR)/smoke/
	@echo "== fuzz: replay $(words $(FUZZ_SEEDS)) seeds, then $(FUZZ_SMOKE_RUNS) inputs"
	@{ $(FUZZ_RUN) -runs=0 $(FUZZ_DIR)/smoke && \
	   $(FUZZ_RUN) -seed=1 -runs=$(FUZZ_SMOKE_RUNS) \
	     -artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/smoke; } \
	  > $(FUZZ_DIR)/smoke.log 2>&1; rc=$$?; \
	  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|Done)|ERROR|SUMMARY|fuzz_ops:|invariant" \
	    $(FUZZ_DIR)/smoke.log | tail -n 20; exit $$rc

# ---- soak --------------------------------------------------------------------
# 10,000,000 tasklet lifetimes (spawn, exchange a value with main, finish),
# memory sampled along the way; it must end where the first batch left it.
# Optimised builds without sanitizers (they would measure their own memory).
SOAK_N ?= 10000000

$(BUILD)/soak/soak-native: tests/c/soak.c tests/c/test.h $(NATIVE_SRC) $(CORE_HDR)
	@mkdir -p $(dir $@)
	gcc $(NATIVE_BENCH_CFLAGS) -Icsrc $(NATIVE_SRC) $< -o $@

$(BUILD)/soak/soak.js: tests/c/soak.c tests/c/test.h $(WASM_SRC) $(CORE_HDR) \
                      Makefile wasm-build/library.js
	@mkdir -p $(dir $@)
	$(EMCC) $(WARN) -O2 -DNDEBUG -Icsrc $(WASM_SRC) $< -o $@ $(EM_FLAGS)

soak: emcc-check $(BUILD)/package.json $(BUILD)/soak/soak-native $(BUILD)/soak/soak.js
	@echo "== soak native ($(SOAK_N) lifetimes)"
	$(BUILD)/soak/soak-native $(SOAK_N)
	@echo "== soak wasm ($(SOAK_N) lifetimes)"
	$(NODE_RUN) $(BUILD)/soak/soak.js $(SOAK_N)

# ---- differential fuzzing against the reference model (tests/model/) -------
# Seeded random programs on the real runtime and on the model, compared
# after every step; stops at FUZZ_SECONDS or after MODEL_FUZZ_SEEDS seeds,
# printing a replay command on the first divergence. MODEL_FUZZ_EXCLUDE
# (e.g. insert,rebind) leaves out kinds of operation that hit known bugs.
MODEL_FUZZ_SEEDS ?= 200000
MODEL_FUZZ_STEPS ?= 50
MODEL_FUZZ_EXCLUDE ?=
.PHONY: fuzz-model
fuzz-model: module
	node tests/model/fuzz.mjs --seeds $(MODEL_FUZZ_SEEDS) --steps $(MODEL_FUZZ_STEPS) \
	  --seconds $(FUZZ_SECONDS) $(if $(MODEL_FUZZ_EXCLUDE),--exclude $(MODEL_FUZZ_EXCLUDE))

# ---- the demo page (web/) --------------------------------------------------
.PHONY: demo test-browser chromium-check

# Serves the page at http://127.0.0.1:8080/ (PORT overrides).
demo: module node_modules/.package-lock.json
	node web/server.mjs

# The browser test drives Debian's chromium, never a downloaded browser.
chromium-check:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "chromium not found: installing Debian's chromium"; \
	  SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# BROWSER_TEST=1 runs the browser test (node --test would otherwise skip it).
test-browser: module node_modules/.package-lock.json chromium-check
	BROWSER_TEST=1 node --test tests/browser/
