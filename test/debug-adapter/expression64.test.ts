// The expression language in a 64-bit scope (a long-mode guest: `$rax` and friends hold 64
// bits) against the host's C compiler on unsigned long long: random expressions are compiled
// by gcc and evaluated by us; the two must agree bit for bit. As in the 32-bit test the
// language is all-unsigned, so the C side casts the int of !, relational and logical operators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCondition, compileExpression, ExpressionError, toBigInt, type ExpressionScope } from '../../emulator/expression';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

const BINOPS = ['+', '-', '*', '&', '|', '^', '==', '!=', '<', '<=', '>', '>=', '&&', '||'];
const INT_RESULT = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);
/** Named 64-bit registers of the scope, with values a kernel's registers hold (addresses in either half, small ints, all ones). */
const REGS: Record<string, bigint> = {
  rax: 0xffffffff80001234n, rbx: 0x00007fffffffe690n, rcx: 0xfedcba9876543210n, rdx: 42n, r8: 0xffffffffffffffffn, r15: 0x100000000n,
};

function gen(r: () => number, depth: number): [string, string] {
  if (depth === 0 || r() < 0.3) {
    const k = r();
    if (k < 0.3) { const name = Object.keys(REGS)[Math.floor(r() * 6)]!; return [`$${name}`, `${name}`]; }
    const lit = k < 0.55 ? `${Math.floor(r() * 100)}` : k < 0.8 ? `0x${Math.floor(r() * 2 ** 32).toString(16)}` : `0x${Math.floor(r() * 2 ** 32).toString(16)}${Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0')}`;
    return [lit, `${lit}ull`];
  }
  const k = r();
  if (k < 0.12) {
    const op = ['-', '~', '!'][Math.floor(r() * 3)]!;
    const [a, c] = gen(r, depth - 1);
    return [`${op}(${a})`, op === '!' ? `((unsigned long long)!(${c}))` : `${op}(${c})`];
  }
  if (k < 0.22) {
    const [a, c] = gen(r, depth - 1); const op = r() < 0.5 ? '<<' : '>>'; const n = Math.floor(r() * 64);
    return [`(${a} ${op} ${n})`, `(${c} ${op} ${n}ull)`];
  }
  if (k < 0.3) {
    const [a, c] = gen(r, depth - 1); const op = r() < 0.5 ? '/' : '%'; const n = 1 + Math.floor(r() * 9);
    return [`(${a} ${op} ${n})`, `(${c} ${op} ${n}ull)`];
  }
  const op = BINOPS[Math.floor(r() * BINOPS.length)]!;
  const [a, ca] = gen(r, depth - 1), [b, cb] = gen(r, depth - 1);
  if (INT_RESULT.has(op)) return [`(${a} ${op} ${b})`, `((unsigned long long)(${ca} ${op} ${cb}))`];
  return r() < 0.5 ? [`(${a} ${op} ${b})`, `(${ca} ${op} ${cb})`] : [`${a} ${op} ${b}`, `${ca} ${op} ${cb}`];
}

const SCOPE64: ExpressionScope = { width: 64, name: (id) => (id.startsWith('$') ? REGS[id.slice(1)] : undefined), read: () => null };

test('600 random 64-bit expressions evaluate as gcc evaluates them (unsigned long long)', () => {
  const r = rng(0x64bee);
  const pairs = Array.from({ length: 600 }, () => gen(r, 4));
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-expr64-'));
  const src = join(dir, 'e.c');
  const decl = Object.entries(REGS).map(([n, v]) => `  unsigned long long ${n} = 0x${v.toString(16)}ull;\n`).join('');
  writeFileSync(src, '#include <stdio.h>\nint main(void) {\n' + decl + Object.keys(REGS).map((n) => `  (void)${n};\n`).join('') +
    pairs.map((p) => `  printf("%llu\\n", (unsigned long long)(${p[1]}));\n`).join('') + '  return 0;\n}\n');
  const exe = join(dir, 'e');
  const cc = spawnSync('gcc', ['-w', '-O0', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const expected = spawnSync(exe, [], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => BigInt(l));
  assert.equal(expected.length, pairs.length);
  pairs.forEach(([ours, c], i) => {
    assert.equal(toBigInt(compileExpression(ours)(SCOPE64), SCOPE64), expected[i], `${ours}  (C: ${c})`);
  });
});

test('64-bit scope: qword reads, conditions on full registers, addresses in the top half', () => {
  const mem = new Map<number, number>();
  // 8 bytes at the canonical upper-half address 0xffffffff80002000, which the scope receives as its signed value.
  const at = Number(BigInt.asIntN(64, 0xffffffff80002000n));
  [0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe].forEach((b, i) => mem.set(at + i, b));
  const readBytes = (a: number, n: number): Uint8Array | null => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) { const b = mem.get(a + i); if (b === undefined) return null; out[i] = b; }
    return out;
  };
  const scope: ExpressionScope = {
    width: 64, name: (id) => (id === '$rdi' ? 0xffffffff80002000n : id === '$eax' ? 0x1234 : undefined), readBytes,
    read: (a, size) => { const b = readBytes(a, size); return b ? b.reduceRight((v, x) => v * 256 + x, 0) : null; },
  };
  assert.equal(compileExpression('qword [$rdi]')(scope), 0xfedcba9876543210n);
  assert.equal(compileExpression('dword [$rdi + 4]')(scope), 0xfedcba98);
  assert.equal(compileExpression('*$rdi')(scope), 0xfedcba9876543210n, 'a plain * reads a pointer-sized word');
  assert.equal(compileCondition('$rdi == 0xffffffff80002000')(scope), true);
  assert.equal(compileCondition('$rdi > 0x7fffffffffffffff')(scope), true, 'unsigned comparison');
  assert.equal(compileCondition('$eax == 0x1234 && ($rdi >> 32) == 0xffffffff')(scope), true);
  assert.equal(toBigInt(compileExpression('-1')(scope), scope), 0xffffffffffffffffn);
  assert.throws(() => compileExpression('qword [$rdi + 8]')(scope), /memory at 0xffffffff80002008 is not mapped/);
  assert.throws(() => compileExpression('0x10000000000000000')(scope), ExpressionError);
  // The 32-bit scope is unchanged: a 64-bit literal keeps its low 32 bits in 32-bit arithmetic.
  const s32: ExpressionScope = { name: () => undefined, read: () => null };
  assert.equal(compileExpression('0xffffffff + 1')(s32), 0);
  assert.equal(compileExpression('0x123456789abcdef0 + 0')(s32), 0x9abcdef0);
});
