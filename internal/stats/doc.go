// Package stats holds the statistics ltsbench reports: rank correlations for the
// proxy study (Spearman's ρ with average ranks for ties, Kendall's τ-b) and the order
// statistics of latency samples (median, p10/p90, mean, sample standard deviation,
// coefficient of variation).
//
// Quantiles use linear interpolation between closest ranks, numpy's default
// ("linear", Hyndman and Fan's type 7): for n sorted values s[0..n-1] and 0 ≤ q ≤ 1,
// h = (n−1)·q and Quantile = s[⌊h⌋] + (h−⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]). So the median of an
// even count is the mean of the two middle values, p10 of [1, 2, 3, 4] is 1.3 and p90
// is 3.7.
//
// Functions take the data as given and never modify it. Undefined results (no data, a
// correlation of a constant series, NaN in the input) are NaN, except where a report
// needs a number: Std of fewer than two values is 0 and CV with a zero mean is 0, so a
// Summary always encodes as JSON.
package stats
