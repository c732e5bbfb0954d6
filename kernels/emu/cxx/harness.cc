// harness.cc: a small interpreter of "programs": a list of kernel launches and cuBLAS-style GEMMs
// over three memory regions (weights, arena, state), written by the Go tests
// (package kernels/emu) in the format described in program.go.
//
//   harness IN OUT ORDER SEED      ORDER: forward | reverse | shuffle
//
// Exit status 0: OUT holds the regions after the program. Otherwise a one-line error
// on stderr names the step, its label and the problem.
#include "emu.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// ---- the program interpreter ----

namespace {

const size_t guard = 4096;

struct Region {
    std::vector<unsigned char> buf; // guard, data, guard
    size_t size = 0;
    unsigned char* data() { return buf.data() + guard; }
};

std::vector<Region> regions;

struct Reader {
    FILE* f;
    template <class T> T get() {
        T v;
        if (std::fread(&v, sizeof v, 1, f) != 1) {
            std::fprintf(stderr, "harness: truncated program\n");
            std::exit(2);
        }
        return v;
    }
    std::string str() {
        uint16_t n = get<uint16_t>();
        std::string s(n, '\0');
        if (n && std::fread(&s[0], 1, n, f) != n) {
            std::fprintf(stderr, "harness: truncated program\n");
            std::exit(2);
        }
        return s;
    }
};

struct Ptr {
    uint8_t region;
    uint64_t off;
};

Ptr read_ptr(Reader& r) {
    Ptr p;
    p.region = r.get<uint8_t>();
    p.off = r.get<uint64_t>();
    return p;
}

// resolve returns the host address of p, checking that bytes [off, off+need) lie in its region.
unsigned char* resolve(const Ptr& p, uint64_t need, const char* what) {
    if (p.region == 0xff) return nullptr;
    if (p.region >= regions.size()) emu::fail("%s: no region %d", what, p.region);
    Region& g = regions[p.region];
    if (p.off > g.size || need > g.size - p.off)
        emu::fail("%s: bytes [%llu, %llu) outside region %d of %zu bytes", what, (unsigned long long)p.off,
                  (unsigned long long)(p.off + need), p.region, g.size);
    return g.data() + p.off;
}

void check_guards() {
    for (size_t i = 0; i < regions.size(); ++i) {
        Region& g = regions[i];
        for (size_t k = 0; k < guard; ++k) {
            if (g.buf[k] != 0xff || g.buf[guard + g.size + k] != 0xff)
                emu::fail("write outside region %zu (guard band changed)", i);
        }
    }
}

void launch(Reader& r) {
    std::string name = r.str();
    uint32_t grid[3], block[3];
    for (auto& g : grid) g = r.get<uint32_t>();
    for (auto& b : block) b = r.get<uint32_t>();
    uint32_t smem = r.get<uint32_t>();
    uint32_t nargs = r.get<uint32_t>();
    const emu::Kernel* k = emu::find_kernel(name.c_str());
    if (!k) emu::fail("no kernel %s", name.c_str());
    if (std::strlen(k->kinds) != nargs) emu::fail("%s takes %zu arguments, got %u", name.c_str(), std::strlen(k->kinds), nargs);
    std::vector<uint64_t> args(nargs);
    for (uint32_t i = 0; i < nargs; ++i) {
        char kind = static_cast<char>(r.get<uint8_t>());
        if (kind != k->kinds[i]) emu::fail("%s argument %u: kind %c, the kernel takes %c", name.c_str(), i, kind, k->kinds[i]);
        if (kind == 'p') {
            Ptr p = read_ptr(r);
            args[i] = reinterpret_cast<uintptr_t>(resolve(p, 0, "pointer argument"));
        } else {
            args[i] = r.get<uint32_t>();
        }
    }
    emu::launch(k, grid, block, smem, args.data());
}

// gemm is cublasGemmStridedBatchedEx with fp32 data, column-major:
//   C[i + j·ldc] = alpha·Σ_l opA(i, l)·opB(l, j) + beta·C[i + j·ldc]
// opA(i, l) = transa ? A[l + i·lda] : A[i + l·lda] (m×k); opB likewise (k×n).
void gemm(Reader& r) {
    int ta = r.get<uint8_t>(), tb = r.get<uint8_t>();
    int m = r.get<int32_t>(), n = r.get<int32_t>(), k = r.get<int32_t>();
    Ptr pa = read_ptr(r);
    int lda = r.get<int32_t>();
    int64_t sa = r.get<int64_t>();
    Ptr pb = read_ptr(r);
    int ldb = r.get<int32_t>();
    int64_t sb = r.get<int64_t>();
    Ptr pc = read_ptr(r);
    int ldc = r.get<int32_t>();
    int64_t sc = r.get<int64_t>();
    float alpha = r.get<float>(), beta = r.get<float>();
    int batch = r.get<int32_t>();
    if (m < 0 || n < 0 || k < 0 || batch < 1) emu::fail("gemm: m %d n %d k %d batch %d", m, n, k, batch);
    int ra = ta ? k : m, ca = ta ? m : k, rb = tb ? n : k, cb = tb ? k : n;
    // cuBLAS's own argument checks (CUBLAS_STATUS_INVALID_VALUE)
    if (lda < std::max(1, ra) || ldb < std::max(1, rb) || ldc < std::max(1, m))
        emu::fail("gemm: leading dimensions lda %d ldb %d ldc %d too small for %dx%d, %dx%d, %dx%d", lda, ldb, ldc, ra, ca, rb, cb, m, n);
    auto need = [](int rows, int cols, int ld, int64_t stride, int batch) -> uint64_t {
        if (rows == 0 || cols == 0) return 0;
        return 4 * (uint64_t)((int64_t)(cols - 1) * ld + rows + (int64_t)(batch - 1) * stride);
    };
    float* A = reinterpret_cast<float*>(resolve(pa, need(ra, ca, lda, sa, batch), "gemm A"));
    float* B = reinterpret_cast<float*>(resolve(pb, need(rb, cb, ldb, sb, batch), "gemm B"));
    float* C = reinterpret_cast<float*>(resolve(pc, need(m, n, ldc, sc, batch), "gemm C"));
    std::vector<float> col(k);
    for (int p = 0; p < batch; ++p) {
        const float* a = A + p * sa;
        const float* b = B + p * sb;
        float* c = C + p * sc;
        for (int j = 0; j < n; ++j) {
            for (int l = 0; l < k; ++l) col[l] = tb ? b[j + (int64_t)l * ldb] : b[l + (int64_t)j * ldb];
            for (int i = 0; i < m; ++i) {
                float s = 0; // fp32 accumulation, as cuBLAS with CUBLAS_COMPUTE_32F
                for (int l = 0; l < k; ++l) s += (ta ? a[l + (int64_t)i * lda] : a[i + (int64_t)l * lda]) * col[l];
                float* ci = c + i + (int64_t)j * ldc;
                *ci = beta == 0.0f ? alpha * s : alpha * s + beta * *ci;
            }
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: harness IN OUT forward|reverse|shuffle SEED\n");
        return 2;
    }
    emu::set_order(argv[3], std::strtoull(argv[4], nullptr, 10));
    FILE* in = std::fopen(argv[1], "rb");
    if (!in) {
        std::perror(argv[1]);
        return 2;
    }
    Reader r{in};
    char magic[8];
    if (std::fread(magic, 1, 8, in) != 8 || std::memcmp(magic, "LTSBEMU1", 8) != 0) {
        std::fprintf(stderr, "harness: %s is not a program\n", argv[1]);
        return 2;
    }
    uint32_t nreg = r.get<uint32_t>();
    regions.resize(nreg);
    for (auto& g : regions) {
        g.size = r.get<uint64_t>();
        g.buf.assign(g.size + 2 * guard, 0xff);
        if (g.size && std::fread(g.data(), 1, g.size, in) != g.size) {
            std::fprintf(stderr, "harness: truncated program\n");
            return 2;
        }
    }
    uint32_t nsteps = r.get<uint32_t>();
    for (uint32_t s = 0; s < nsteps; ++s) {
        uint8_t kind = r.get<uint8_t>();
        std::string label = r.str();
        emu::where = "step " + std::to_string(s) + " (" + label + ")";
        if (kind == 1) {
            launch(r);
        } else if (kind == 2) {
            gemm(r);
        } else {
            emu::fail("unknown step kind %d", kind);
        }
        check_guards();
    }
    std::fclose(in);
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) {
        std::perror(argv[2]);
        return 2;
    }
    std::fwrite(&nreg, 4, 1, out);
    for (auto& g : regions) {
        uint64_t n = g.size;
        std::fwrite(&n, 8, 1, out);
        std::fwrite(g.data(), 1, g.size, out);
    }
    return std::fclose(out) == 0 ? 0 : 2;
}
