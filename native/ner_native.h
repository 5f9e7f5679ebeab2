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
#endif
