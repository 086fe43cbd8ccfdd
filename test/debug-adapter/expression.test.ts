// The expression language against the host's C compiler: random unsigned 32-bit expressions
// are compiled by gcc and evaluated by us; the two must agree. Our language is documented as
// all-unsigned (values are register-like), so the C side casts the int that C's !, relational
// and logical operators yield back to unsigned; precedence and everything else is C's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCondition, compileExpression, ExpressionError, type ExpressionScope } from '../../emulator/expression';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

const BINOPS = ['+', '-', '*', '&', '|', '^', '==', '!=', '<', '<=', '>', '>=', '&&', '||'];

const INT_RESULT = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);

/**
 * A random expression as [ours, C]; shifts and divisions only by literals that keep C's
 * behaviour defined. Int-valued C operators are parenthesized and cast on the C side only, so
 * both sides parse the same tree.
 */
function gen(r: () => number, depth: number): [string, string] {
  if (depth === 0 || r() < 0.25) {
    const lit = r() < 0.5 ? `${Math.floor(r() * 100)}` : `0x${Math.floor(r() * 2 ** 32).toString(16)}`;
    return [lit, `${lit}u`];
  }
  const k = r();
  if (k < 0.12) {
    const op = ['-', '~', '!'][Math.floor(r() * 3)]!;
    const [a, c] = gen(r, depth - 1);
    return [`${op}(${a})`, op === '!' ? `((unsigned)!(${c}))` : `${op}(${c})`];
  }
  if (k < 0.22) {
    const [a, c] = gen(r, depth - 1); const op = r() < 0.5 ? '<<' : '>>'; const n = Math.floor(r() * 32);
    return [`(${a} ${op} ${n})`, `(${c} ${op} ${n}u)`];
  }
  if (k < 0.3) {
    const [a, c] = gen(r, depth - 1); const op = r() < 0.5 ? '/' : '%'; const n = 1 + Math.floor(r() * 9);
    return [`(${a} ${op} ${n})`, `(${c} ${op} ${n}u)`];
  }
  const op = BINOPS[Math.floor(r() * BINOPS.length)]!;
  const [a, ca] = gen(r, depth - 1), [b, cb] = gen(r, depth - 1);
  if (INT_RESULT.has(op)) return [`(${a} ${op} ${b})`, `((unsigned)(${ca} ${op} ${cb}))`];
  return r() < 0.5 ? [`(${a} ${op} ${b})`, `(${ca} ${op} ${cb})`] : [`${a} ${op} ${b}`, `${ca} ${op} ${cb}`];
}

const NO_NAMES: ExpressionScope = { name: () => undefined, read: () => null };

test('400 random expressions evaluate as gcc evaluates them (unsigned int)', () => {
  const r = rng(0x5eed);
  const pairs = Array.from({ length: 400 }, () => gen(r, 4));
  const exprs = pairs.map((p) => p[1]);
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-expr-'));
  const src = join(dir, 'e.c');
  writeFileSync(src, '#include <stdio.h>\nint main(void) {\n' + exprs.map((e) => `  printf("%u\\n", (unsigned)(${e}));\n`).join('') + '  return 0;\n}\n');
  const exe = join(dir, 'e');
  const cc = spawnSync('gcc', ['-w', '-O0', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const expected = spawnSync(exe, [], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
  assert.equal(expected.length, exprs.length);
  exprs.forEach((e, i) => {
    const ours = compileExpression(pairs[i]![0])(NO_NAMES);
    assert.equal(ours, expected[i], `${pairs[i]![0]}  (C: ${e})`);
  });
});

test('memory reads, names and conditions', () => {
  const mem = new Map<number, number>([[0x1000, 0x78], [0x1001, 0x56], [0x1002, 0x34], [0x1003, 0x12]]);
  const scope: ExpressionScope = {
    name: (id) => (id === 'eax' ? 0x1000 : id === 'label' ? 'text' : undefined),
    read: (a, size) => {
      let v = 0;
      for (let i = size - 1; i >= 0; i--) { const b = mem.get(a + i); if (b === undefined) return null; v = v * 256 + b; }
      return v;
    },
  };
  assert.equal(compileExpression('[eax]')(scope), 0x12345678);
  assert.equal(compileExpression('word [eax + 2]')(scope), 0x1234);
  assert.equal(compileExpression('byte [eax]')(scope), 0x78);
  assert.equal(compileExpression('*eax')(scope), 0x12345678);
  assert.throws(() => compileExpression('[0x2000]')(scope), /not mapped/);
  assert.equal(compileCondition('label == "text" && [eax] > 5')(scope), true);
  // A name that does not apply makes a condition false rather than an error.
  assert.equal(compileCondition('port == 0x3f8')(scope), false);
  for (const bad of ['', '1 +', '(1', '1 2', '@', '[1', 'a.', '99999999999999999999']) {
    assert.throws(() => compileExpression(bad)(scope), ExpressionError, bad);
  }
  assert.throws(() => compileExpression('1 / 0')(scope), /division by zero/);
});
