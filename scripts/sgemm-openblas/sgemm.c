// sgemm times OpenBLAS's cblas_sgemm at the shapes of kern's BenchmarkSgemm (row-major,
// C = A·op(B)) and prints, per shape, the median GFLOP/s over rounds (wall time, and per
// CPU second × threads) and the core type OpenBLAS picked. Built and run by run.sh.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
char *openblas_get_corename(void);
void openblas_set_num_threads(int);

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *x, const void *y) {
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

int main(int argc, char **argv) {
	int threads = argc > 1 ? atoi(argv[1]) : 1;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	struct { const char *name; int m, n, k, transB; } shapes[] = {
		{"square768", 768, 768, 768, 0},
		{"gpt2-qkv", 192, 2304, 768, 0},
		{"gpt2-fc", 192, 3072, 768, 0},
		{"gpt2-proj", 192, 768, 3072, 0},
		{"gpt2-attn-proj", 192, 768, 768, 0},
		{"gpt2-head-T", 192, 50257, 768, 1},
	};
	openblas_set_num_threads(threads);
	printf("openblas core %s, %d threads\n", openblas_get_corename(), threads);
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		int m = shapes[s].m, n = shapes[s].n, k = shapes[s].k, tb = shapes[s].transB;
		float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * n * k), *c = malloc(sizeof(float) * m * n);
		for (long i = 0; i < (long)m * k; i++) a[i] = (float)((i * 7919) % 1000) / 1000 - 0.5f;
		for (long i = 0; i < (long)n * k; i++) b[i] = (float)((i * 104729) % 1000) / 1000 - 0.5f;
		memset(c, 0, sizeof(float) * m * n);
		double flops = 2.0 * m * n * k, rate[64], cpurate[64];
		int reps = (int)(2e9 / flops) + 1; // about 20 ms a round at 100 GFLOP/s
		for (int w = 0; w < reps; w++)
			cblas_sgemm(RowMajor, NoTrans, tb ? Trans : NoTrans, m, n, k, 1, a, k, b, tb ? k : n, 0, c, n);
		for (int r = 0; r < rounds && r < 64; r++) {
			double t0 = now();
			clock_t c0 = clock();
			for (int i = 0; i < reps; i++)
				cblas_sgemm(RowMajor, NoTrans, tb ? Trans : NoTrans, m, n, k, 1, a, k, b, tb ? k : n, 0, c, n);
			rate[r] = flops * reps / (now() - t0) / 1e9;
			// per CPU second of the process × threads, as kern's cpu-GFLOP/s (OpenMP
			// threads that spin while waiting count as busy)
			cpurate[r] = flops * reps / ((double)(clock() - c0) / CLOCKS_PER_SEC) / 1e9 * threads;
		}
		qsort(rate, rounds, sizeof rate[0], cmp);
		qsort(cpurate, rounds, sizeof cpurate[0], cmp);
		char shape[64];
		snprintf(shape, sizeof shape, "%dx%dx%d", m, n, k);
		printf("%-16s %-15s median %6.1f GFLOP/s  (min %.1f max %.1f)  %6.1f cpu-GFLOP/s\n", shapes[s].name, shape,
		       rate[rounds / 2], rate[0], rate[rounds - 1], cpurate[rounds / 2]);
		free(a), free(b), free(c);
	}
	return 0;
}
