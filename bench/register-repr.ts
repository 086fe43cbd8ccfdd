// How should the CPU hold 64-bit registers? The same 64-bit loop (add, shift, multiply,
// store, load, unsigned compare-and-branch) written the ways an emulator in JavaScript can
// do it, timed side by side. `node --import tsx bench/register-repr.ts [iterations]`.
//
// - halves-array: Int32Array low halves + Int32Array high halves, every operation reading
//   and writing the register arrays (what the interpreter does);
// - halves-local: the same halves held in locals (what the block compiler emits);
// - bigint-array: BigInt64Array registers and BigInt arithmetic (the interpreter's way);
// - bigint-local: BigInt values in locals;
// - wasm-per-op: registers in WebAssembly memory, one exported i64 function per operation
//   called from the JavaScript interpreter loop;
// - wasm-block: the whole loop as one WebAssembly function on i64 locals (what a
//   WebAssembly back end, as v86 has, would compile a block to).
// Every variant must produce the same checksum; the BigInt one is the reference.

const K_LO = 0x7f4a7c15 | 0, K_HI = 0x9e3779b9 | 0;
const A0 = 0x0123456789abcdefn, B0 = 0xfedcba9876543210n, K = 0x9e3779b97f4a7c15n;
const M64 = (1n << 64n) - 1n;

/** High 32 bits of the unsigned 32x32 product. */
function mulHiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lo = a0 * b0, m1 = a1 * b0, m2 = a0 * b1;
  const mid = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  return (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16)) | 0;
}

function bigintLocal(n: number): bigint {
  let a = A0, b = B0, c = 0n, d = 0n, cnt = 0n;
  const mem = new BigUint64Array(1024);
  for (let i = 0; i < n; i++) {
    a = (a + b) & M64;
    b = ((b << 3n) & M64) ^ (a >> 5n);
    c = (a * K) & M64;
    mem[i & 1023] = c;
    d = mem[(i * 7) & 1023];
    if (d < a) cnt++;
  }
  return a ^ b ^ cnt;
}

function bigintArray(n: number): bigint {
  const r = new BigInt64Array(16);
  const mem = new BigInt64Array(1024);
  r[0] = BigInt.asIntN(64, A0); r[1] = BigInt.asIntN(64, B0); r[5] = 0n;
  const k = BigInt.asIntN(64, K);
  for (let i = 0; i < n; i++) {
    r[0] = BigInt.asIntN(64, r[0] + r[1]);
    r[1] = BigInt.asIntN(64, (r[1] << 3n)) ^ BigInt.asIntN(64, BigInt.asUintN(64, r[0]) >> 5n);
    r[2] = BigInt.asIntN(64, r[0] * k);
    mem[i & 1023] = r[2];
    r[3] = mem[(i * 7) & 1023];
    if (BigInt.asUintN(64, r[3]) < BigInt.asUintN(64, r[0])) r[5] = r[5] + 1n;
  }
  return BigInt.asUintN(64, r[0] ^ r[1] ^ r[5]);
}

function halvesArray(n: number): bigint {
  const lo = new Int32Array(16), hi = new Int32Array(16);
  const mem = new Int32Array(2048);
  lo[0] = 0x89abcdef | 0; hi[0] = 0x01234567; lo[1] = 0x76543210; hi[1] = 0xfedcba98 | 0;
  for (let i = 0; i < n; i++) {
    // add r0, r1
    const al = lo[0], s = (al + lo[1]) | 0;
    hi[0] = (hi[0] + hi[1] + ((s >>> 0) < (al >>> 0) ? 1 : 0)) | 0; lo[0] = s;
    // r1 = (r1 << 3) ^ (r0 >>> 5)
    const bl = lo[1], bh = hi[1];
    lo[1] = (bl << 3) ^ ((lo[0] >>> 5) | (hi[0] << 27));
    hi[1] = ((bh << 3) | (bl >>> 29)) ^ (hi[0] >>> 5);
    // r2 = r0 * K
    const xl = lo[0], xh = hi[0];
    lo[2] = Math.imul(xl, K_LO);
    hi[2] = (mulHiU32(xl, K_LO) + Math.imul(xl, K_HI) + Math.imul(xh, K_LO)) | 0;
    const st = (i & 1023) << 1;
    mem[st] = lo[2]; mem[st + 1] = hi[2];
    const ld = ((i * 7) & 1023) << 1;
    lo[3] = mem[ld]; hi[3] = mem[ld + 1];
    const dh = hi[3] >>> 0, ah = hi[0] >>> 0;
    if (dh < ah || (dh === ah && (lo[3] >>> 0) < (lo[0] >>> 0))) {
      const c = (lo[5] + 1) | 0; if (c === 0) hi[5] = (hi[5] + 1) | 0; lo[5] = c;
    }
  }
  return (BigInt((lo[0] ^ lo[1] ^ lo[5]) >>> 0) | (BigInt((hi[0] ^ hi[1] ^ hi[5]) >>> 0) << 32n));
}

function halvesLocal(n: number): bigint {
  let al = 0x89abcdef | 0, ah = 0x01234567, bl = 0x76543210, bh = 0xfedcba98 | 0;
  let cl = 0, ch = 0;
  const mem = new Int32Array(2048);
  for (let i = 0; i < n; i++) {
    const s = (al + bl) | 0;
    ah = (ah + bh + ((s >>> 0) < (al >>> 0) ? 1 : 0)) | 0; al = s;
    const nl = (bl << 3) ^ ((al >>> 5) | (ah << 27));
    bh = ((bh << 3) | (bl >>> 29)) ^ (ah >>> 5); bl = nl;
    const ml = Math.imul(al, K_LO);
    const mh = (mulHiU32(al, K_LO) + Math.imul(al, K_HI) + Math.imul(ah, K_LO)) | 0;
    const st = (i & 1023) << 1;
    mem[st] = ml; mem[st + 1] = mh;
    const ld = ((i * 7) & 1023) << 1;
    const dl = mem[ld], dh = mem[ld + 1] >>> 0, uah = ah >>> 0;
    if (dh < uah || (dh === uah && (dl >>> 0) < (al >>> 0))) { cl = (cl + 1) | 0; if (cl === 0) ch = (ch + 1) | 0; }
  }
  return BigInt((al ^ bl ^ cl) >>> 0) | (BigInt((ah ^ bh ^ ch) >>> 0) << 32n);
}

// ---- WebAssembly, emitted as bytes (no toolchain needed) -------------------------------

function uleb(v: number): number[] { const o: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; o.push(b); } while (v); return o; }
function sleb64(v: bigint): number[] {
  const o: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn); v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && (b & 0x40))) { o.push(b); return o; }
    o.push(b | 0x80);
  }
}
function sleb32(v: number): number[] { return sleb64(BigInt(v | 0)); }
function section(id: number, body: number[]): number[] { return [id, ...uleb(body.length), ...body]; }
function vec(items: number[][]): number[] { return [...uleb(items.length), ...items.flat()]; }
function name(s: string): number[] { return [...uleb(s.length), ...Buffer.from(s)]; }

const I32 = 0x7f, I64 = 0x7e;
const GET = 0x20, SET = 0x21;
const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], end: [0x0b], br: 0x0c, brIf: 0x0d,
  i32c: 0x41, i64c: 0x42, i32geu: 0x4f, i32and: 0x71, i32shl: 0x74, i32mul: 0x6c, i32add: 0x6a,
  i64add: 0x7c, i64mul: 0x7e, i64xor: 0x85, i64shl: 0x86, i64shru: 0x88, i64ltu: 0x54,
  i64load: [0x29, 3, 0], i64store: [0x37, 3, 0],
};

/** The block: func(n i32) -> i64 with locals i, a, b, c, d, cnt. */
function blockBody(): number[] {
  const [n, i, a, b, c, d, cnt] = [0, 1, 2, 3, 4, 5, 6];
  const g = (x: number) => [GET, x], s = (x: number) => [SET, x];
  return [
    op.i64c, ...sleb64(BigInt.asIntN(64, A0)), ...s(a), op.i64c, ...sleb64(BigInt.asIntN(64, B0)), ...s(b),
    ...op.block, ...op.loop,
    ...g(i), ...g(n), op.i32geu, op.brIf, 1,
    ...g(a), ...g(b), op.i64add, ...s(a),
    ...g(b), op.i64c, 3, op.i64shl, ...g(a), op.i64c, 5, op.i64shru, op.i64xor, ...s(b),
    ...g(a), op.i64c, ...sleb64(BigInt.asIntN(64, K)), op.i64mul, ...s(c),
    ...g(i), op.i32c, ...sleb32(1023), op.i32and, op.i32c, 3, op.i32shl, ...g(c), ...op.i64store,
    ...g(i), op.i32c, 7, op.i32mul, op.i32c, ...sleb32(1023), op.i32and, op.i32c, 3, op.i32shl, ...op.i64load, ...s(d),
    ...g(d), ...g(a), op.i64ltu, ...op.if, ...g(cnt), op.i64c, 1, op.i64add, ...s(cnt), ...op.end,
    ...g(i), op.i32c, 1, op.i32add, ...s(i), op.br, 0,
    ...op.end, ...op.end,
    ...g(a), ...g(b), op.i64xor, ...g(cnt), op.i64xor, ...op.end,
  ];
}

// Per-operation functions over a register file at byte 8192 of memory (8 bytes a register).
const REG = 8192;
function regAddr(rIdx: number): number[] { return [GET, rIdx, op.i32c, 3, op.i32shl]; }
function loadReg(rIdx: number): number[] { return [...regAddr(rIdx), 0x29, 3, ...uleb(REG)]; }
function storeRegPrefix(rIdx: number): number[] { return regAddr(rIdx); }
const STORE_REG = [0x37, 3, ...uleb(REG)];
const perOp: Record<string, number[]> = {
  // add(d, s): r[d] += r[s]
  add: [...storeRegPrefix(0), ...loadReg(0), ...loadReg(1), op.i64add, ...STORE_REG, ...op.end],
  // mix(d, s): r[d] = (r[d] << 3) ^ (r[s] >>> 5)
  mix: [...storeRegPrefix(0), ...loadReg(0), op.i64c, 3, op.i64shl, ...loadReg(1), op.i64c, 5, op.i64shru, op.i64xor, ...STORE_REG, ...op.end],
  // mulk(d, s): r[d] = r[s] * K
  mulk: [...storeRegPrefix(0), ...loadReg(1), op.i64c, ...sleb64(BigInt.asIntN(64, K)), op.i64mul, ...STORE_REG, ...op.end],
  // st(addr, s): mem[addr] = r[s]
  st: [GET, 0, ...loadReg(1), ...op.i64store, ...op.end],
  // ld(d, addr): r[d] = mem[addr]
  ld: [...storeRegPrefix(0), GET, 1, ...op.i64load, ...STORE_REG, ...op.end],
  // ltu(x, y): r[x] <u r[y]
  ltu: [...loadReg(0), ...loadReg(1), op.i64ltu, ...op.end],
  // inc(d)
  inc: [...storeRegPrefix(0), ...loadReg(0), op.i64c, 1, op.i64add, ...STORE_REG, ...op.end],
};

function buildModule(): Uint8Array {
  const names = Object.keys(perOp);
  const types = vec([
    [0x60, ...vec([[I32]]), ...vec([[I64]])],            // 0: block (i32) -> i64
    [0x60, ...vec([[I32], [I32]]), ...vec([])],          // 1: (i32, i32) -> ()
    [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])],     // 2: (i32, i32) -> i32
  ]);
  const funcs = vec([[0], ...names.map((n) => [n === 'ltu' ? 2 : 1])]);
  const memory = vec([[0x00, 1]]);
  const exports = vec([
    [...name('block'), 0x00, 0], [...name('mem'), 0x02, 0],
    ...names.map((n, k) => [...name(n), 0x00, k + 1]),
  ]);
  const blockCode = [...vec([[1, I32], [5, I64]]), ...blockBody()];
  const codes = [blockCode, ...names.map((n) => [...vec([]), ...perOp[n]])].map((c) => [...uleb(c.length), ...c]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types), ...section(3, funcs), ...section(5, memory), ...section(7, exports),
    ...section(10, vec(codes)),
  ]);
}

// The ES2022 lib has no WebAssembly declarations: the little this file uses.
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi { Module: new (bytes: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } }
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmOps {
  block(n: number): bigint; mem: WasmMemory;
  add(d: number, s: number): void; mix(d: number, s: number): void; mulk(d: number, s: number): void;
  st(a: number, s: number): void; ld(d: number, a: number): void; ltu(x: number, y: number): number; inc(d: number): void;
}

const wasm = new WebAssembly.Instance(new WebAssembly.Module(buildModule())).exports as unknown as WasmOps;

function wasmBlock(n: number): bigint {
  new Uint8Array(wasm.mem.buffer, 0, REG).fill(0);
  return BigInt.asUintN(64, wasm.block(n));
}

function wasmPerOp(n: number): bigint {
  const regs = new BigInt64Array(wasm.mem.buffer, REG, 16);
  new Uint8Array(wasm.mem.buffer, 0, REG).fill(0);
  regs.fill(0n); regs[0] = BigInt.asIntN(64, A0); regs[1] = BigInt.asIntN(64, B0);
  for (let i = 0; i < n; i++) {
    wasm.add(0, 1);
    wasm.mix(1, 0);
    wasm.mulk(2, 0);
    wasm.st((i & 1023) << 3, 2);
    wasm.ld(3, ((i * 7) & 1023) << 3);
    if (wasm.ltu(3, 0)) wasm.inc(5);
  }
  return BigInt.asUintN(64, regs[0] ^ regs[1] ^ regs[5]);
}

const VARIANTS: Record<string, (n: number) => bigint> = {
  'halves-array': halvesArray, 'halves-local': halvesLocal, 'bigint-array': bigintArray,
  'bigint-local': bigintLocal, 'wasm-per-op': wasmPerOp, 'wasm-block': wasmBlock,
};

function main(): void {
  const n = Number(process.argv[2] ?? 5_000_000);
  const reference = bigintLocal(10_000);
  for (const [name, f] of Object.entries(VARIANTS)) {
    const got = f(10_000);
    if (got !== reference) throw new Error(`${name}: checksum ${got.toString(16)} != ${reference.toString(16)}`);
  }
  const rows: { name: string; ns: number }[] = [];
  for (const [name, f] of Object.entries(VARIANTS)) {
    f(n >> 4);  // warm up (V8 optimises the loop)
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      f(n);
      best = Math.min(best, Number(process.hrtime.bigint() - t0));
    }
    rows.push({ name, ns: best / n });
  }
  const base = rows.find((r) => r.name === 'halves-local')!.ns;
  console.log(`64-bit loop, ${n} iterations (6 operations each), best of 5; checksums agree`);
  for (const r of rows) console.log(`${r.name.padEnd(14)} ${r.ns.toFixed(2).padStart(8)} ns/iteration  ${(r.ns / base).toFixed(2).padStart(6)}x halves-local`);
}

main();
