// The LSTM recurrence (src/model/bilstm.ts lstmSequence) as two native kernels: per step one sgemm
// for the recurrent product and one pass over the gates, instead of ~12 tfjs kernels forward and
// ~15 backward per step (≈1,400 kernel calls per training step at 50 words, each 0.05–0.2 ms on
// wasm; docs/notes.md). Layouts as in bilstm.ts: gates grouped i f g o, each [fw ‖ bw] = 2H wide.
#include "ner_native.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

// batch, steps, 2H from argv[first…]; false (and a RangeError naming `name`) unless all positive.
static bool lstm_dims(napi_env env, napi_value *argv, int64_t *B, int64_t *S, int64_t *H2, const char *name) {
  *B = ner_int_arg(env, argv[0]);
  *S = ner_int_arg(env, argv[1]);
  *H2 = ner_int_arg(env, argv[2]);
  if (*B > 0 && *S > 0 && *H2 > 0) return true;
  napi_throw_range_error(env, NULL, name);
  return false;
}

// lstmForward(proj, U, hs, gates, cprev, tc, hprev (each array, offset), batch, steps, H2)
//   proj [batch, steps, 4·H2], U [H2, 4·H2] → hs [batch, steps, H2]; saved for the backward pass:
//   gates (activated i f g o) [batch, steps, 4·H2], cprev, tc = tanh(c), hprev: [batch, steps, H2]
napi_value ner_lstm_forward(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  if (!ner_args(env, info, 17, argv, "ner_native.lstmForward: expected 7 (array, offset) pairs, batch, steps, 2H")) return NULL;
  int64_t B, S, H2;
  if (!lstm_dims(env, argv + 14, &B, &S, &H2, "ner_native.lstmForward: bad dimensions")) return NULL;
  const int64_t G = 4 * H2;
  const int64_t need[7] = {B * S * G, H2 * G, B * S * H2, B * S * G, B * S * H2, B * S * H2, B * S * H2};
  float *o[7];
  if (!ner_operands(env, argv, 7, need, o, "ner_native.lstmForward: an operand lies outside its array")) return NULL;
  const float *proj = o[0], *U = o[1];
  float *hs = o[2], *gates = o[3], *cprev = o[4], *tc = o[5], *hprev = o[6];
  const int64_t rowG = S * G, rowH = S * H2;  // strides between batch rows
  float *c = calloc((size_t)(B * H2), sizeof(float));  // cell state, carried across steps
  if (!c) {
    napi_throw_error(env, NULL, "ner_native.lstmForward: out of memory");
    return NULL;
  }
  for (int64_t t = 0; t < S; t++) {
    float *gt = gates + t * G;
    // Pre-activations: proj, plus h_{t−1}·U from the second step on (h_0 = 0).
    for (int64_t b = 0; b < B; b++) memcpy(gt + b * rowG, proj + b * rowG + t * G, sizeof(float) * (size_t)G);
    if (t > 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)G, (int)H2, 1.0f, hs + (t - 1) * H2, (int)rowH, U, (int)G, 1.0f, gt, (int)rowG);
    for (int64_t b = 0; b < B; b++) {
      float *g = gt + b * rowG, *cb = c + b * H2;
      const int64_t at = b * rowH + t * H2;
      for (int64_t j = 0; j < H2; j++) {
        const float i = sigmoidf(g[j]), f = sigmoidf(g[H2 + j]), gg = tanhf(g[2 * H2 + j]), oo = sigmoidf(g[3 * H2 + j]);
        g[j] = i;
        g[H2 + j] = f;
        g[2 * H2 + j] = gg;
        g[3 * H2 + j] = oo;
        cprev[at + j] = cb[j];
        hprev[at + j] = t > 0 ? hs[at - H2 + j] : 0.0f;
        cb[j] = f * cb[j] + i * gg;
        tc[at + j] = tanhf(cb[j]);
        hs[at + j] = oo * tc[at + j];
      }
    }
  }
  free(c);
  return NULL;
}

// lstmBackward(dy, gates, cprev, tc, hprev, U, dproj, dU (each array, offset), batch, steps, H2)
//   BPTT of lstmForward: dproj [batch, steps, 4·H2] (= dG per step), dU = Σ_t h_{t−1}ᵀ·dG_t [H2, 4·H2]
napi_value ner_lstm_backward(napi_env env, napi_callback_info info) {
  napi_value argv[19];
  if (!ner_args(env, info, 19, argv, "ner_native.lstmBackward: expected 8 (array, offset) pairs, batch, steps, 2H")) return NULL;
  int64_t B, S, H2;
  if (!lstm_dims(env, argv + 16, &B, &S, &H2, "ner_native.lstmBackward: bad dimensions")) return NULL;
  const int64_t G = 4 * H2;
  const int64_t need[8] = {B * S * H2, B * S * G, B * S * H2, B * S * H2, B * S * H2, H2 * G, B * S * G, H2 * G};
  float *o[8];
  if (!ner_operands(env, argv, 8, need, o, "ner_native.lstmBackward: an operand lies outside its array")) return NULL;
  const float *dy = o[0], *gates = o[1], *cprev = o[2], *tc = o[3], *hprev = o[4], *U = o[5];
  float *dproj = o[6], *dU = o[7];
  const int64_t rowG = S * G, rowH = S * H2;
  float *dh = calloc((size_t)(2 * B * H2), sizeof(float));  // dh and dc, carried across steps
  if (!dh) {
    napi_throw_error(env, NULL, "ner_native.lstmBackward: out of memory");
    return NULL;
  }
  float *dcNext = dh + B * H2;
  for (int64_t t = S - 1; t >= 0; t--) {
    for (int64_t b = 0; b < B; b++) {
      const float *g = gates + b * rowG + t * G, *cp = cprev + b * rowH + t * H2, *tcb = tc + b * rowH + t * H2, *dyt = dy + b * rowH + t * H2;
      float *dg = dproj + b * rowG + t * G, *dhb = dh + b * H2, *dcb = dcNext + b * H2;
      for (int64_t j = 0; j < H2; j++) {
        const float i = g[j], f = g[H2 + j], gg = g[2 * H2 + j], oo = g[3 * H2 + j], tcv = tcb[j];
        const float dhv = dyt[j] + dhb[j];
        const float dc = dhv * oo * (1.0f - tcv * tcv) + dcb[j];
        dg[j] = dc * gg * i * (1.0f - i);
        dg[H2 + j] = dc * cp[j] * f * (1.0f - f);
        dg[2 * H2 + j] = dc * i * (1.0f - gg * gg);
        dg[3 * H2 + j] = dhv * tcv * oo * (1.0f - oo);
        dcb[j] = dc * f;
      }
    }
    // dh_{t−1} = dG_t·Uᵀ
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H2, (int)G, 1.0f, dproj + t * G, (int)rowG, U, (int)G, 0.0f, dh, (int)H2);
  }
  // dU = hprevᵀ·dproj over all (batch, step) rows
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)H2, (int)G, (int)(B * S), 1.0f, hprev, (int)H2, dproj, (int)G, 0.0f, dU, (int)G);
  free(dh);
  return NULL;
}
