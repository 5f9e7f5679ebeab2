import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';
import { backendMemory } from './memory.js';
import { registerNative } from './register.js';

/**
 * The LSTM recurrence of model/bilstm.ts as two native kernels (native/lstm.c) for wasm and cpu:
 * per step one sgemm and one pass over the gates, forward and backward, instead of ~27 tfjs
 * kernels per step (≈1,400 calls per training step at 50 words). proj [batch, steps, 8H] (gates
 * i f g o, each [fw ‖ bw]), U [2H, 8H]; the forward returns hs [batch, steps, 2H] and what the
 * backward needs: activated gates [batch, steps, 8H], c_{t−1}, tanh(c_t) and h_{t−1} [batch, steps, 2H].
 */
export const LSTM_FORWARD = 'NerLstmForward';
export const LSTM_BACKWARD = 'NerLstmBackward';

function forward(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { proj, U } = inputs as { proj: tf.TensorInfo; U: tf.TensorInfo };
    const [batch, steps, G] = proj.shape as [number, number, number];
    const H2 = G / 4;
    const mem = backendMemory(backendName, backend);
    const outs = [[batch, steps, H2], [batch, steps, G], [batch, steps, H2], [batch, steps, H2], [batch, steps, H2]].map((s) => mem.output(s)); // hs, gates, cprev, tc, hprev
    const args = [proj, U, ...outs].flatMap((t) => {
      const f = mem.floats(t);
      return [f.array, f.offset];
    });
    addon()!.lstmForward(...args, batch, steps, H2);
    return outs;
  };
}

function backward(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, gates, cprev, tc, hprev, U } = inputs as Record<string, tf.TensorInfo>;
    const [batch, steps, H2] = dy!.shape as [number, number, number];
    const mem = backendMemory(backendName, backend);
    const outs = [mem.output([batch, steps, 4 * H2]), mem.output([H2, 4 * H2])]; // dproj, dU
    const args = [dy!, gates!, cprev!, tc!, hprev!, U!, ...outs].flatMap((t) => {
      const f = mem.floats(t);
      return [f.array, f.offset];
    });
    addon()!.lstmBackward(...args, batch, steps, H2);
    return outs;
  };
}

/** Registers both kernels for the backend where the addon is loaded; returns whether it did. */
export function installLstm(backendName: 'wasm' | 'cpu'): boolean {
  return registerNative(backendName, [[LSTM_FORWARD, forward], [LSTM_BACKWARD, backward]]);
}
