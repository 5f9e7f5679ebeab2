// N-API addon: single-precision matrix products through the system BLAS (OpenBLAS's cblas_sgemm).
// Registered as the BatchMatMul kernel of tfjs's wasm and cpu backends (src/kernels/blas-matmul.ts):
// stock wasm multiplies at ~20 GFLOP/s on one thread and 1–2 GFLOP/s with a transposed operand;
// OpenBLAS reaches ~75 on one thread, transposed or not (docs/notes.md, "Native matrix products").
// Plain C against node_api.h only, so it builds with Node's own headers and no npm package.
#include "ner_native.h"
#include <cblas.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

// OpenBLAS extensions (declared in its cblas.h on Debian, but not in every cblas.h).
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "ner_blas: N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

bool ner_float_view(napi_env env, napi_value v, float **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset) != napi_ok || type != napi_float32_array) return false;
  *data = (float *)raw;
  return true;
}

int64_t ner_int_arg(napi_env env, napi_value v) {
  int64_t out = -1;
  napi_get_value_int64(env, v, &out);
  return out;
}

double ner_double_arg(napi_env env, napi_value v) {
  double out = 0;
  napi_get_value_double(env, v, &out);
  return out;
}

bool ner_operands(napi_env env, napi_value *argv, int count, const int64_t *need, float **out, const char *name) {
  for (int i = 0; i < count; i++) {
    float *data;
    size_t length;
    const int64_t off = ner_int_arg(env, argv[2 * i + 1]);
    if (!ner_float_view(env, argv[2 * i], &data, &length) || need[i] < 0 || off < 0 || off + need[i] > (int64_t)length) {
      napi_throw_range_error(env, NULL, name);
      return false;
    }
    out[i] = data + off;
  }
  return true;
}

bool ner_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv, const char *name) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_type_error(env, NULL, name);
    return false;
  }
  return true;
}

// sgemm(a, aOffset, aBatchStride, b, bOffset, bBatchStride, c, cOffset, batch, m, n, k, transA, transB)
// For each i < batch: C_i[m,n] = op(A_i)·op(B_i), row-major, where A_i starts at aOffset + i·aBatchStride
// (stride 0 broadcasts one matrix over the batch). Offsets and strides count floats. Every range is
// checked against its array before BLAS touches memory.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) {
    napi_throw_type_error(env, NULL, "ner_blas.sgemm: expected 14 arguments");
    return NULL;
  }
  float *a, *b, *c;
  size_t la, lb, lc;
  if (!ner_float_view(env, argv[0], &a, &la) || !ner_float_view(env, argv[3], &b, &lb) || !ner_float_view(env, argv[6], &c, &lc)) {
    napi_throw_type_error(env, NULL, "ner_blas.sgemm: a, b and c must be Float32Arrays");
    return NULL;
  }
  int64_t ao = ner_int_arg(env, argv[1]), as = ner_int_arg(env, argv[2]);
  int64_t bo = ner_int_arg(env, argv[4]), bs = ner_int_arg(env, argv[5]);
  int64_t co = ner_int_arg(env, argv[7]);
  int64_t batch = ner_int_arg(env, argv[8]), m = ner_int_arg(env, argv[9]), n = ner_int_arg(env, argv[10]), k = ner_int_arg(env, argv[11]);
  bool ta = false, tb = false;
  napi_get_value_bool(env, argv[12], &ta);
  napi_get_value_bool(env, argv[13], &tb);
  if (ao < 0 || as < 0 || bo < 0 || bs < 0 || co < 0 || batch < 0 || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) {
    napi_throw_range_error(env, NULL, "ner_blas.sgemm: negative or oversized dimension");
    return NULL;
  }
  if (batch > 0 && (ao + (batch - 1) * as + m * k > (int64_t)la || bo + (batch - 1) * bs + k * n > (int64_t)lb || co + batch * m * n > (int64_t)lc)) {
    napi_throw_range_error(env, NULL, "ner_blas.sgemm: an operand lies outside its array");
    return NULL;
  }
  const int lda = ta ? (int)m : (int)k, ldb = tb ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++) {
    float *ci = c + co + i * m * n;
    if (k == 0) {
      memset(ci, 0, sizeof(float) * (size_t)(m * n));
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f,
                a + ao + i * as, lda, b + bo + i * bs, ldb, 0.0f, ci, (int)n);
  }
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t t = argc == 1 ? ner_int_arg(env, argv[0]) : 1;
  openblas_set_num_threads(t < 1 ? 1 : (int)t);
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value config(napi_env env, napi_callback_info info) {
  napi_value out;
  const char *s = openblas_get_config();
  CHECK(napi_create_string_utf8(env, s ? s : "unknown", NAPI_AUTO_LENGTH, &out));
  return out;
}

napi_value ner_gelu(napi_env env, napi_callback_info info);
napi_value ner_gelu_grad(napi_env env, napi_callback_info info);
napi_value ner_layer_norm(napi_env env, napi_callback_info info);
napi_value ner_layer_norm_grad(napi_env env, napi_callback_info info);
napi_value ner_lstm_forward(napi_env env, napi_callback_info info);
napi_value ner_dropout(napi_env env, napi_callback_info info);
napi_value ner_adam(napi_env env, napi_callback_info info);
napi_value ner_attention_forward(napi_env env, napi_callback_info info);
napi_value ner_attention_backward(napi_env env, napi_callback_info info);
napi_value ner_lstm_backward(napi_env env, napi_callback_info info);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
      {"gelu", NULL, ner_gelu, NULL, NULL, NULL, napi_default, NULL},
      {"geluGrad", NULL, ner_gelu_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, ner_layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, ner_layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"lstmForward", NULL, ner_lstm_forward, NULL, NULL, NULL, napi_default, NULL},
      {"dropout", NULL, ner_dropout, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, ner_adam, NULL, NULL, NULL, napi_default, NULL},
      {"attentionForward", NULL, ner_attention_forward, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, ner_attention_backward, NULL, NULL, NULL, napi_default, NULL},
      {"lstmBackward", NULL, ner_lstm_backward, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
