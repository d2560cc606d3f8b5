/**
 * openpi's msgpack-numpy format (openpi_client/msgpack_numpy.py): an ndarray travels as a map with *binary* keys
 * {b"__ndarray__": true, b"data": <bytes>, b"dtype": "<f4", b"shape": [..]}. @msgpack/msgpack cannot write binary
 * map keys, so encoding is done here (a small subset of msgpack); decoding uses the library with a key converter.
 */
import { decode } from '@msgpack/msgpack';

/** An n-d array as it travels: little-endian typed data plus numpy dtype string and shape. */
export class NdArray {
  constructor(
    readonly dtype: '<f4' | '<f8' | '|u1' | '<i4' | '<i8' | string,
    readonly shape: number[],
    readonly data: Uint8Array,
  ) {}

  static float32(values: ArrayLike<number>, shape: number[] = [values.length]): NdArray {
    const f = Float32Array.from(values);
    return new NdArray('<f4', shape, new Uint8Array(f.buffer));
  }

  static uint8(values: Uint8Array, shape: number[]): NdArray {
    return new NdArray('|u1', shape, values);
  }

  /** Values as plain numbers (little-endian; the dtypes numpy writes on x86/arm). */
  toNumbers(): number[] {
    const dv = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    const kind = this.dtype.replace(/^[<>|=]/, '');
    const big = this.dtype.startsWith('>');
    const size = Number(kind.slice(1));
    const n = size > 0 ? Math.floor(this.data.byteLength / size) : 0;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (kind) {
        case 'f4': out[i] = dv.getFloat32(o, !big); break;
        case 'f8': out[i] = dv.getFloat64(o, !big); break;
        case 'f2': out[i] = halfToFloat(dv.getUint16(o, !big)); break;
        case 'u1': out[i] = dv.getUint8(o); break;
        case 'i1': out[i] = dv.getInt8(o); break;
        case 'u2': out[i] = dv.getUint16(o, !big); break;
        case 'i2': out[i] = dv.getInt16(o, !big); break;
        case 'u4': out[i] = dv.getUint32(o, !big); break;
        case 'i4': out[i] = dv.getInt32(o, !big); break;
        case 'i8': out[i] = Number(dv.getBigInt64(o, !big)); break;
        case 'u8': out[i] = Number(dv.getBigUint64(o, !big)); break;
        default: throw new Error(`unsupported ndarray dtype '${this.dtype}'`);
      }
    }
    return out;
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export type PackValue = null | boolean | number | string | Uint8Array | NdArray | PackValue[] | { [k: string]: PackValue | undefined };

const te = new TextEncoder();

class Writer {
  private buf = new Uint8Array(1024);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  be(v: number, n: 2 | 4): void {
    this.ensure(n);
    const dv = new DataView(this.buf.buffer, this.len, n);
    if (n === 2) dv.setUint16(0, v);
    else dv.setUint32(0, v);
    this.len += n;
  }
  f64(v: number): void {
    this.u8(0xcb);
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setFloat64(0, v);
    this.len += 8;
  }
  out(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeStr(w: Writer, s: string): void {
  const b = te.encode(s);
  if (b.length < 32) w.u8(0xa0 | b.length);
  else if (b.length < 0x100) { w.u8(0xd9); w.u8(b.length); }
  else if (b.length < 0x10000) { w.u8(0xda); w.be(b.length, 2); }
  else { w.u8(0xdb); w.be(b.length, 4); }
  w.bytes(b);
}

function writeBin(w: Writer, b: Uint8Array): void {
  if (b.length < 0x100) { w.u8(0xc4); w.u8(b.length); }
  else if (b.length < 0x10000) { w.u8(0xc5); w.be(b.length, 2); }
  else { w.u8(0xc6); w.be(b.length, 4); }
  w.bytes(b);
}

function writeInt(w: Writer, v: number): void {
  if (v >= 0 && v < 128) w.u8(v);
  else if (v < 0 && v >= -32) w.u8(0x100 + v);
  else if (v >= 0 && v <= 0xffffffff) { w.u8(0xce); w.be(v, 4); }
  else if (v < 0 && v >= -0x80000000) { w.u8(0xd2); w.be(v >>> 0, 4); }
  else w.f64(v);
}

function writeMapHeader(w: Writer, n: number): void {
  if (n < 16) w.u8(0x80 | n);
  else if (n < 0x10000) { w.u8(0xde); w.be(n, 2); }
  else { w.u8(0xdf); w.be(n, 4); }
}

function writeArrayHeader(w: Writer, n: number): void {
  if (n < 16) w.u8(0x90 | n);
  else if (n < 0x10000) { w.u8(0xdc); w.be(n, 2); }
  else { w.u8(0xdd); w.be(n, 4); }
}

function write(w: Writer, v: PackValue | undefined): void {
  if (v === null || v === undefined) w.u8(0xc0);
  else if (v === true) w.u8(0xc3);
  else if (v === false) w.u8(0xc2);
  else if (typeof v === 'number') {
    if (Number.isInteger(v)) writeInt(w, v);
    else w.f64(v);
  }
  else if (typeof v === 'string') writeStr(w, v);
  else if (v instanceof NdArray) {
    writeMapHeader(w, 4);
    writeBin(w, te.encode('__ndarray__'));
    w.u8(0xc3);
    writeBin(w, te.encode('data'));
    writeBin(w, v.data);
    writeBin(w, te.encode('dtype'));
    writeStr(w, v.dtype);
    writeBin(w, te.encode('shape'));
    writeArrayHeader(w, v.shape.length);
    for (const d of v.shape) writeInt(w, d);
  } else if (v instanceof Uint8Array) writeBin(w, v);
  else if (Array.isArray(v)) {
    writeArrayHeader(w, v.length);
    for (const x of v) write(w, x);
  } else {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    writeMapHeader(w, entries.length);
    for (const [k, x] of entries) {
      writeStr(w, k);
      write(w, x);
    }
  }
}

export function packb(value: PackValue): Uint8Array {
  const w = new Writer();
  write(w, value);
  return w.out();
}

const td = new TextDecoder();

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o = v as Record<string, unknown>;
    if (o.__ndarray__ === true && o.data instanceof Uint8Array && typeof o.dtype === 'string' && Array.isArray(o.shape))
      return new NdArray(o.dtype, o.shape.map(Number), o.data);
    if (o.__npgeneric__ === true) return o.data;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = revive(x);
    return out;
  }
  return v;
}

/** Decodes msgpack-numpy; binary map keys become strings, ndarrays become NdArray. */
export function unpackb(bytes: Uint8Array): unknown {
  const raw = decode(bytes, {
    mapKeyConverter: (key: unknown) => {
      if (key instanceof Uint8Array) return td.decode(key);
      if (typeof key === 'string' || typeof key === 'number') return key;
      throw new Error(`unsupported map key type ${typeof key}`);
    },
    useBigInt64: false,
  });
  return revive(raw);
}

/** Rows of a 2-d (or 1-d → one row) numeric array. */
export function toRows(v: unknown): number[][] | null {
  if (v instanceof NdArray) {
    const nums = v.toNumbers();
    if (v.shape.length === 1) return [nums];
    if (v.shape.length !== 2) return null;
    const [h, a] = v.shape;
    const rows: number[][] = [];
    for (let i = 0; i < h; i++) rows.push(nums.slice(i * a, (i + 1) * a));
    return rows;
  }
  if (Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) return v as number[][];
  return null;
}
