# ltsbench — the two commands a new machine needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/ltsbench
QEMU    ?= qemu-aarch64-static
PYTHON  ?= /usr/bin/python3
export CGO_CFLAGS ?= -Wno-deprecated-declarations

.PHONY: build run test test-noasm test-arm64 test-all lint fuzz bench bench-compare kernels check-kernels golden-check gpu-check dist clean

# The commit goes into the binary also where Go records no VCS stamp (bench.Version).
COMMIT   := $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED := $(shell git diff --quiet HEAD 2>/dev/null || echo true)
LDFLAGS  := -X github.com/ltsbench/ltsbench/bench.commit=$(COMMIT) -X github.com/ltsbench/ltsbench/bench.modified=$(MODIFIED)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ltsbench

# A quick search on the CPU with the embedded defaults.
# A previous out/quick is kept as out/quick.<time> (and said so), not deleted.
run: build
	@if [ -e out/quick ]; then t=out/quick.$$(date +%Y%m%d-%H%M%S); mv out/quick $$t; echo "make run: the previous run moved to $$t"; fi
	./$(BIN) run --device cpu --space gpt2 --budget quick --out out/quick --plot out/quick/front.svg

# Every test on the default path (assembly kernels where the CPU has them).
test:
	$(GO) vet ./...
	$(GO) test ./...

# The same tests with the pure-Go kernels forced.
test-noasm:
	$(GO) test -tags noasm ./...

# The tests for linux/arm64 under user-mode emulation (Debian's qemu-user-static).
test-arm64:
	@command -v $(QEMU) >/dev/null || { echo "test-arm64: $(QEMU) not found (apt-get install qemu-user-static)"; exit 1; }
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -short -exec $(QEMU) ./...

test-all: test test-noasm test-arm64

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseArch$$' -fuzztime 30s ./space/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./internal/safetensors/
	$(GO) test -run '^$$' -fuzz '^FuzzArchive$$' -fuzztime 30s ./results/
	$(GO) test -run '^$$' -fuzz '^FuzzRunInfo$$' -fuzztime 30s ./results/
	$(GO) test -run '^$$' -fuzz '^FuzzDevices$$' -fuzztime 30s ./results/

# SGEMM GFLOP/s at the preset shapes (1 and 2 cores), then the forward latency of the
# presets bench-compare uses, on 2 threads. The fastest kernel the CPU runs; another with
# LTSBENCH_CPU_KERNEL=avx512|avx2|neon|generic make bench.
bench:
	$(GO) test -run '^$$' -bench 'Sgemm|FMAPeak' -count 1 -cpu 1 ./backend/cpu/kern/
	$(GO) test -run '^$$' -bench 'Sgemm' -count 1 -cpu 2 ./backend/cpu/kern/
	$(GO) test -run '^$$' -bench 'Forward' -benchtime 5x -timeout 60m ./backend/cpu/ \
		-args -threads 2 -presets gpt2-mini,gpt2-distil,gpt2-small,gpt2-flex-small,gpt2-medium,txl-base

# ltsbench against ONNX Runtime (npm onnxruntime-node, installed into ~/.cache/ltsbench;
# the models exported from PYTHON's PyTorch) and eager PyTorch (Debian python3-torch with
# OpenBLAS) on the same models, threads and shapes, interleaved over several rounds
# (docs/PERF.md). Needs npm and minutes, so it is not part of make test.
bench-compare: build
	$(PYTHON) scripts/bench-compare --ltsbench $(BIN) --python $(PYTHON) $(BENCH_COMPARE_FLAGS)

# Regenerate the committed PTX from kernels/*.cu with NVRTC (Debian non-free libnvrtc11.2).
kernels:
	scripts/gen-kernels.sh

# CI: regenerate the PTX (installing NVRTC if needed) and fail if it differs from the commit.
check-kernels:
	scripts/gen-kernels.sh --install
	git diff --exit-code -- kernels/ptx

# Regenerate the golden bundles from their config.json (weights, token ids, outputs in
# float64 with PyTorch) and compare them with the committed files (scripts/golden/README.md).
golden-check:
	$(PYTHON) scripts/golden/golden.py check testdata/golden/*/

# Build the self-contained folder for a GPU machine (no Go there): run gpu-check/run.sh on it.
gpu-check:
	scripts/gpu-check/build.sh gpu-check

dist:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o dist/ltsbench-linux-amd64 ./cmd/ltsbench
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o dist/ltsbench-linux-arm64 ./cmd/ltsbench

clean:
	rm -rf bin dist gpu-check out
