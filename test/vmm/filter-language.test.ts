// Exit filters (--stop-on, Machine.setExitFilter) and the debugger's conditions are one
// language read by one parser (emulator/expression): the same text means the same thing on
// both sides, with the filter syntax's one published difference (& ^ | before comparisons).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExitFilter, ExitFilterError, type ExitRecord } from '../../emulator/machine';
import { parseExpression, compileCondition, type ExpressionScope } from '../../emulator/expression';
import { compileFilter, recordScope } from '../../debug-adapter/engine/exception-filters';

function rec(reason: number, qualification: number, more: Partial<ExitRecord> = {}): ExitRecord {
  return { seq: 0, reason, reasonName: '', qualification, eip: 0x100000, cs: 8, cpl: 0, bytes: new Uint8Array(), icount: 0, handler: 'x', cycles: 0, ...more };
}
const outF4 = rec(30, (0xf4 << 16) | 0x40);               // OUT 0xF4, AL
const in3fd = rec(30, (0x3fd << 16) | 0x08, { eip: 0x100010 }); // IN AL, DX from 0x3FD
const movCr3 = rec(28, 0x303, { eip: 0x100020 });          // MOV CR3, EBX
const pf = rec(0, 0xdeadb000, { vector: 14, errorCode: 2, icount: 6_000_000_000 });
const RECORDS = [outF4, in3fd, movCr3, pf];
const NOTHING: ExpressionScope = { name: () => undefined, read: () => null };

test('the same condition gives the same answer to --stop-on and to a debugger exception filter', () => {
  const texts = [
    'port == 0xf4', 'port != 0xf4', '!(port == 0xf4)', 'in && size == 1', 'cr == 3 && gpr == 3',
    'port == 0x3fd || eip == 0x100020', 'vector == 14 && (errorCode & 2) != 0', 'reason == CR_ACCESS',
    'eip - 0x100000 < 0x18', '(qualification >> 16) == 0x3fd', 'icount > 5000000000', 'linear >= 0xdead0000',
  ];
  for (const t of texts) {
    const stopOn = compileExitFilter(t);
    const debuggerFilter = compileFilter('vmexit', t);
    for (const r of RECORDS) {
      assert.equal(debuggerFilter.test(r, recordScope(r, NOTHING, () => 0)), stopOn(r), `${t} on reason ${r.reason} eip ${r.eip.toString(16)}`);
    }
  }
});

test('a field an exit does not have: comparisons false, ! true, || goes on to its other side', () => {
  assert.equal(compileExitFilter('port == 0xf4 || eip == 0x100020')(movCr3), true);
  assert.equal(compileExitFilter('port + 1 == 0xf5')(movCr3), false);
  assert.equal(compileExitFilter('!port')(movCr3), true);
  const scope = recordScope(movCr3, NOTHING, () => 0);
  assert.equal(compileCondition('port == 0xf4 || eip == 0x100020')(scope), true);
  assert.equal(compileCondition('!(port == 0xf4)')(scope), true);
  assert.equal(compileCondition('port == 0xf4')(scope), false);
});

test('the filter syntax binds & ^ | before comparisons; the debugger keeps C', () => {
  assert.equal(parseExpression('6 & 2 == 2', 'filter').evaluate(NOTHING), 1);
  assert.equal(parseExpression('6 & 2 == 2', 'c').evaluate(NOTHING), 0);        // 6 & (2 == 2)
  assert.equal(parseExpression('1 | 2 ^ 3 & 4', 'filter').evaluate(NOTHING), parseExpression('1 | 2 ^ 3 & 4', 'c').evaluate(NOTHING));
  assert.equal(compileExitFilter('qualification & 0x40 == 0x40')(outF4), true);
});

test('a filter names only exit fields and reasons, reads no memory, and never throws on an exit', () => {
  assert.throws(() => compileExitFilter('[0x1000] == 1'), (e) => e instanceof ExitFilterError && /memory/.test(e.message));
  assert.throws(() => compileExitFilter('eax == 1'), (e) => e instanceof ExitFilterError && /unknown name 'eax'/.test(e.message));
  assert.throws(() => compileExitFilter('port == "x'), ExitFilterError);
  const f = compileExitFilter('port / (size - 1) == 1');
  assert.equal(f(outF4), false); // size 1: division by zero is no match
  assert.deepEqual(parseExpression('a.b + c[d] + (e)').names, new Set(['a', 'c', 'd', 'e']));
});
