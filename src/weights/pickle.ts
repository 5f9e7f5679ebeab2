import { WeightsFormatError } from './tensors.js';

/**
 * A restricted unpickler for torch checkpoints: it interprets the pickle opcodes as data and
 * resolves only the globals that rebuild tensors and state dicts. Any other global (the way a
 * pickle runs code) is refused, so loading a model file never executes anything from it.
 */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | Map<PyValue, PyValue> | PyGlobal | PyObject;

/** A whitelisted callable, named by module and attribute. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The result of calling a whitelisted global: kept symbolic for the caller to interpret. */
export class PyObject {
  constructor(
    readonly callee: PyGlobal,
    readonly args: PyValue[],
  ) {}
}

const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._tensor._rebuild_from_type_v2',
  'torch.FloatStorage',
  'torch.HalfStorage',
  'torch.BFloat16Storage',
  'torch.DoubleStorage',
  'torch.LongStorage',
  'torch.IntStorage',
  'torch.ShortStorage',
  'torch.CharStorage',
  'torch.ByteStorage',
  'torch.BoolStorage',
  'torch.float32',
  'torch.float16',
  'torch.bfloat16',
  'torch.float64',
  'torch.int64',
  'torch.storage.UntypedStorage',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
]);

const MARK = Symbol('mark');

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode (legacy torch files hold several pickles back to back). */
  end: number;
}

/** Unpickles one object starting at `start`. `persistentLoad` resolves BINPERSID ids. */
export function unpickle(b: Uint8Array, start: number, persistentLoad: (pid: PyValue) => PyValue): UnpickleResult {
  const stack: (PyValue | typeof MARK)[] = [];
  const memo = new Map<number, PyValue>();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = start;
  const need = (n: number) => {
    if (p + n > b.length) throw new WeightsFormatError('pickle data ends early (truncated file?)');
  };
  const text = (n: number) => {
    need(n);
    const s = new TextDecoder().decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const line = () => {
    const nl = b.indexOf(0x0a, p);
    if (nl < 0) throw new WeightsFormatError('pickle data ends early (truncated file?)');
    const s = new TextDecoder().decode(b.subarray(p, nl));
    p = nl + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new WeightsFormatError('malformed pickle (stack underflow)');
    return v;
  };
  const popMark = (): PyValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new WeightsFormatError('malformed pickle (no mark)');
    const items = stack.splice(i) as PyValue[];
    items.shift();
    return items;
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!ALLOWED.has(`${module}.${name}`)) {
      throw new WeightsFormatError(`refusing to load: the pickle references ${module}.${name}, which is not tensor data (model files are read as data, never run)`);
    }
    return new PyGlobal(module, name);
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new WeightsFormatError('malformed pickle (stack underflow)');
    return v;
  };
  const setItems = (target: PyValue, items: PyValue[]) => {
    if (!(target instanceof Map)) throw new WeightsFormatError('malformed pickle (SETITEMS on a non-dict)');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
  };
  for (;;) {
    need(1);
    const op = b[p++]!;
    switch (op) {
      case 0x80: // PROTO
        need(1);
        p += 1;
        break;
      case 0x95: // FRAME
        need(8);
        p += 8;
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const m = new Map<PyValue, PyValue>();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b2 = pop();
        stack.push([pop(), b2]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c3 = pop();
        const b3 = pop();
        stack.push([pop(), b3, c3]);
        break;
      }
      case 0x71: // BINPUT
        need(1);
        memo.set(b[p++]!, top());
        break;
      case 0x72: // LONG_BINPUT
        need(4);
        memo.set(dv.getUint32(p, true), top());
        p += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const n = op === 0x68 ? 1 : 4;
        need(n);
        const key = n === 1 ? b[p]! : dv.getUint32(p, true);
        p += n;
        if (!memo.has(key)) throw new WeightsFormatError('malformed pickle (memo miss)');
        stack.push(memo.get(key)!);
        break;
      }
      case 0x4a: // BININT
        need(4);
        stack.push(dv.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        need(1);
        stack.push(b[p++]!);
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push(dv.getUint16(p, true));
        p += 2;
        break;
      case 0x8a: {
        // LONG1
        need(1);
        const n = b[p++]!;
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[p + i]!);
        if (n > 0 && b[p + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x58: // BINUNICODE
      case 0x54: // BINSTRING
        need(4);
        p += 4;
        stack.push(text(dv.getUint32(p - 4, true)));
        break;
      case 0x8c: // SHORT_BINUNICODE
      case 0x55: // SHORT_BINSTRING
        need(1);
        stack.push(text(b[p++]!));
        break;
      case 0x42: // BINBYTES
      case 0x43: {
        // SHORT_BINBYTES
        const n = op === 0x42 ? (need(4), dv.getUint32(p, true)) : (need(1), b[p]!);
        p += op === 0x42 ? 4 : 1;
        need(n);
        stack.push(b.slice(p, p + n));
        p += n;
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(global(String(module), String(name)));
        break;
      }
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const callee = pop();
        if (!(callee instanceof PyGlobal) || !Array.isArray(args)) throw new WeightsFormatError('malformed pickle (REDUCE)');
        stack.push(callee.qualified === 'collections.OrderedDict' ? new Map() : new PyObject(callee, args));
        break;
      }
      case 0x62: // BUILD: object state (an OrderedDict's _metadata, a Parameter's hooks); not needed for weights
        pop();
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const list = top();
        if (!Array.isArray(list)) throw new WeightsFormatError('malformed pickle (APPEND)');
        list.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) throw new WeightsFormatError('malformed pickle (APPENDS)');
        for (const item of items) list.push(item); // a spread of a huge mark would overflow the call stack
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        throw new WeightsFormatError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}
