// Package safetensors reads and writes the safetensors tensor file format: weights,
// token ids and reference outputs of the golden bundles, and weight files written by
// Hugging Face, Archai or PyTorch tools.
//
// A file is a little-endian u64 header length N, N bytes of UTF-8 JSON, then the data
// section. The header maps each tensor name to its dtype, shape and [begin, end) byte
// offsets in the data section; the optional "__metadata__" key is a string→string map.
// Data is row-major and little-endian.
//
// The reader trusts nothing in the header: it checks the header length against the file
// and a 100 MB limit, the JSON, every dtype, shape and offset pair (end − begin must equal
// the element count times the dtype size, computed without overflow), that every tensor
// lies inside the data section and that no two tensors share a byte. A bad file is a
// one-line error naming the file, the tensor (or "header") and the problem; no header
// value can make the reader panic or allocate more than the file's own size. Tensors
// may be in any order, with gaps between them, and the header need not be padded, so
// files from other writers load too.
//
// The writer lays tensors out in sorted-name order after a header padded with spaces to a
// multiple of 8 bytes, and Write replaces the destination atomically (temporary file in
// the same directory, fsync, rename), so a crash never leaves a half-written file.
//
// Supported dtypes: F32, F16, BF16, F64, I64, I32. Float32 converts any float dtype to
// float32 and Int64 any integer dtype to int64; F16 and BF16 conversions round to nearest
// even and keep infinities, NaNs and subnormals.
package safetensors
