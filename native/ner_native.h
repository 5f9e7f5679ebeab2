// Shared by the addon's kernels (native/*.c): argument reading with bounds checks.
#ifndef NER_NATIVE_H
#define NER_NATIVE_H
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

bool ner_float_view(napi_env env, napi_value v, float **data, size_t *length);
int64_t ner_int_arg(napi_env env, napi_value v);
double ner_double_arg(napi_env env, napi_value v);

// Reads `count` (Float32Array, float offset) pairs from argv; operand i must hold need[i] floats
// from its offset. On failure throws a RangeError naming `name` and returns false.
bool ner_operands(napi_env env, napi_value *argv, int count, const int64_t *need, float **out, const char *name);

// The callback's arguments; false (and a TypeError naming `name`) unless exactly `expected`.
bool ner_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *name);

// The dropout mask's uniform for element i under seed (a splitmix64 hash, see elementwise.c): shared
// by every kernel that drops, so the attention core and plain dropout regenerate masks alike.
static inline float ner_dropout_uniform(uint64_t seed, uint64_t i) {
  uint64_t z = (seed << 32) ^ (i + 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (float)(z >> 40) * (1.0f / 16777216.0f);
}
#endif
