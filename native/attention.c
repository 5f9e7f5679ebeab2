// BERT's attention core as two native kernels (src/kernels/attention.ts): per (sequence, head) the
// scores Q·Kᵀ·scale + mask, a row softmax, inverted dropout on the probabilities, and P·V, reading
// Q, K, V straight from the [batch, seq, hidden] outputs of their dense layers (each head is a
// column block: leading dimension = hidden) and writing the context the same way, so the head
// split and merge need no transposes; the backward pass likewise. Composed of tfjs ops this is
// 4 Transposes, 2 batched products, Softmax, dropout's 4 kernels and ~8 more for the gradients.
#include "ner_native.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

typedef struct {
  int64_t B, S, H, heads, d;
  float scale, rate;
  uint64_t seed;
} dims;

static bool read_dims(napi_env env, napi_value *argv, dims *o, const char *name) {
  o->B = ner_int_arg(env, argv[0]);
  o->S = ner_int_arg(env, argv[1]);
  o->H = ner_int_arg(env, argv[2]);
  o->heads = ner_int_arg(env, argv[3]);
  o->scale = (float)ner_double_arg(env, argv[4]);
  o->seed = (uint64_t)ner_int_arg(env, argv[5]);
  o->rate = (float)ner_double_arg(env, argv[6]);
  if (o->B <= 0 || o->S <= 0 || o->H <= 0 || o->heads <= 0 || o->H % o->heads != 0 || !(o->rate >= 0 && o->rate < 1)) {
    napi_throw_range_error(env, NULL, name);
    return false;
  }
  o->d = o->H / o->heads;
  return true;
}

// attentionForward(q, k, v, mask, probs, context (array, offset pairs), batch, seq, hidden, heads, scale, seed, rate)
//   q, k, v, context [batch, seq, hidden]; mask [batch, seq] (additive, over keys); probs [batch, heads, seq, seq]
//   (softmax before dropout, kept for the backward pass)
napi_value ner_attention_forward(napi_env env, napi_callback_info info) {
  napi_value argv[19];
  if (!ner_args(env, info, 19, argv, "ner_native.attentionForward: expected 6 (array, offset) pairs and 7 numbers")) return NULL;
  dims g;
  if (!read_dims(env, argv + 12, &g, "ner_native.attentionForward: bad dimensions or rate")) return NULL;
  const int64_t n = g.B * g.S * g.H, need[6] = {n, n, n, g.B * g.S, g.B * g.heads * g.S * g.S, n};
  float *p[6];
  if (!ner_operands(env, argv, 6, need, p, "ner_native.attentionForward: an operand lies outside its array")) return NULL;
  const float *q = p[0], *k = p[1], *v = p[2], *mask = p[3];
  float *probs = p[4], *ctx = p[5];
  float *dropped = malloc(sizeof(float) * (size_t)(g.S * g.S));
  if (!dropped) {
    napi_throw_error(env, NULL, "ner_native.attentionForward: out of memory");
    return NULL;
  }
  const float keep = 1.0f / (1.0f - g.rate);
  for (int64_t b = 0; b < g.B; b++) {
    for (int64_t h = 0; h < g.heads; h++) {
      const int64_t base = b * g.S * g.H + h * g.d, pair = b * g.heads + h;
      float *P = probs + pair * g.S * g.S;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g.S, (int)g.S, (int)g.d, g.scale, q + base, (int)g.H, k + base, (int)g.H, 0.0f, P, (int)g.S);
      for (int64_t r = 0; r < g.S; r++) {
        float *row = P + r * g.S, mx = -INFINITY, sum = 0;
        for (int64_t c = 0; c < g.S; c++) {
          row[c] += mask[b * g.S + c];
          mx = row[c] > mx ? row[c] : mx;
        }
        for (int64_t c = 0; c < g.S; c++) {
          row[c] = expf(row[c] - mx);
          sum += row[c];
        }
        const float inv = 1.0f / sum;
        for (int64_t c = 0; c < g.S; c++) {
          row[c] *= inv;
          const uint64_t at = (uint64_t)((pair * g.S + r) * g.S + c);
          dropped[r * g.S + c] = g.rate > 0 ? (ner_dropout_uniform(g.seed, at) >= g.rate ? row[c] * keep : 0.0f) : row[c];
        }
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.S, (int)g.d, (int)g.S, 1.0f, dropped, (int)g.S, v + base, (int)g.H, 0.0f, ctx + base, (int)g.H);
    }
  }
  free(dropped);
  return NULL;
}

// attentionBackward(dctx, q, k, v, probs, dq, dk, dv (array, offset pairs), batch, seq, hidden, heads, scale, seed, rate)
napi_value ner_attention_backward(napi_env env, napi_callback_info info) {
  napi_value argv[23];
  if (!ner_args(env, info, 23, argv, "ner_native.attentionBackward: expected 8 (array, offset) pairs and 7 numbers")) return NULL;
  dims g;
  if (!read_dims(env, argv + 16, &g, "ner_native.attentionBackward: bad dimensions or rate")) return NULL;
  const int64_t n = g.B * g.S * g.H, need[8] = {n, n, n, n, g.B * g.heads * g.S * g.S, n, n, n};
  float *p[8];
  if (!ner_operands(env, argv, 8, need, p, "ner_native.attentionBackward: an operand lies outside its array")) return NULL;
  const float *dctx = p[0], *q = p[1], *k = p[2], *v = p[3], *probs = p[4];
  float *dq = p[5], *dk = p[6], *dv = p[7];
  float *work = malloc(sizeof(float) * (size_t)(2 * g.S * g.S));
  if (!work) {
    napi_throw_error(env, NULL, "ner_native.attentionBackward: out of memory");
    return NULL;
  }
  float *dropped = work, *dP = work + g.S * g.S;
  const float keep = 1.0f / (1.0f - g.rate);
  for (int64_t b = 0; b < g.B; b++) {
    for (int64_t h = 0; h < g.heads; h++) {
      const int64_t base = b * g.S * g.H + h * g.d, pair = b * g.heads + h;
      const float *P = probs + pair * g.S * g.S;
      for (int64_t i = 0; i < g.S * g.S; i++) {
        const uint64_t at = (uint64_t)(pair * g.S * g.S + i);
        dropped[i] = g.rate > 0 ? (ner_dropout_uniform(g.seed, at) >= g.rate ? P[i] * keep : 0.0f) : P[i];
      }
      // dV = P̃ᵀ·dC;  dP̃ = dC·Vᵀ
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.S, (int)g.d, (int)g.S, 1.0f, dropped, (int)g.S, dctx + base, (int)g.H, 0.0f, dv + base, (int)g.H);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g.S, (int)g.S, (int)g.d, 1.0f, dctx + base, (int)g.H, v + base, (int)g.H, 0.0f, dP, (int)g.S);
      // through dropout, then softmax: dS = P ⊙ (dP − Σ_c dP·P), times the scale
      for (int64_t r = 0; r < g.S; r++) {
        float *dr = dP + r * g.S, dot = 0;
        const float *pr = P + r * g.S;
        for (int64_t c = 0; c < g.S; c++) {
          if (g.rate > 0) dr[c] = ner_dropout_uniform(g.seed, (uint64_t)((pair * g.S + r) * g.S + c)) >= g.rate ? dr[c] * keep : 0.0f;
          dot += dr[c] * pr[c];
        }
        for (int64_t c = 0; c < g.S; c++) dr[c] = pr[c] * (dr[c] - dot) * g.scale;
      }
      // dQ = dS·K;  dK = dSᵀ·Q
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.S, (int)g.d, (int)g.S, 1.0f, dP, (int)g.S, k + base, (int)g.H, 0.0f, dq + base, (int)g.H);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.S, (int)g.d, (int)g.S, 1.0f, dP, (int)g.S, q + base, (int)g.H, 0.0f, dk + base, (int)g.H);
    }
  }
  free(work);
  return NULL;
}
