// Front ends that hold a machine (the debug adapter, the CLI) use MachineApi's typed methods,
// never a cast or a reach past it into the CPU, the exit recorder or the platform
// (reach-through.ts says which forms count). The CLI's known reaches are listed so that the
// list only shrinks: an entry that no longer matches anything fails too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findReachThroughs, scanFolders, type ReachThrough } from './reach-through';

const root = join(import.meta.dirname, '..', '..');
const FRONT_ENDS = ['debug-adapter', 'cli'] as const;

/** Reaches that exist today, by file, with the work that removes them. Delete an entry when it is gone. */
const KNOWN: ReadonlyArray<{ file: string; removedBy: string }> = [
  { file: 'cli/compare-audit.ts', removedBy: "the audit's stepping loop reads the CPU's idle and halt state: a MachineApi method for an idle-skipping step" },
  { file: 'cli/compare-flavour.ts', removedBy: 'reads EFER through a cast: MachineApi.longModeState() gives it typed' },
];

const show = (r: ReachThrough) => `${r.file}:${r.line}: ${r.what}`;

test('the debug adapter and the CLI reach the machine through MachineApi only', () => {
  const found = scanFolders(root, FRONT_ENDS);
  const known = new Set(KNOWN.map((k) => k.file));
  assert.deepEqual(found.filter((r) => !known.has(r.file)).map(show), []);
  const stale = KNOWN.filter((k) => !found.some((r) => r.file === k.file)).map((k) => k.file);
  assert.deepEqual(stale, [], 'known reach-throughs that are gone: delete their entries');
});

test('each form of reach-through is found; comments, strings and typed calls are not', () => {
  const whats = (src: string) => findReachThroughs('x.ts', src).map((r) => r.what);
  assert.deepEqual(whats('const c = (m as unknown as { regs: Int32Array }).regs;'), ['double assertion (as unknown as)']);
  assert.deepEqual(whats('const v = (m as { vmm?: { snapshot(): unknown } }).vmm;'),
    ["assertion to a shape naming the Machine's parts", "member access to one of the Machine's parts"]);
  assert.deepEqual(whats('if (m instanceof Machine) m.platform.vgaText();'), ['instanceof Machine (narrows MachineApi to the class)']);
  assert.deepEqual(whats('const eip = machine.cpu.eip;\nconst d = engine.machine?.pvh;'),
    ["member access to one of the Machine's parts", "member access to one of the Machine's parts"]);
  // The line is the finding's own.
  assert.deepEqual(findReachThroughs('x.ts', 'a;\nb;\nconst x = m.cpu;').map((r) => r.line), [3]);
  // Not findings: a comment, a string (a DWARF member path), a method named like a part, a typed field elsewhere.
  assert.deepEqual(whats([
    '// the machine.cpu of old, and (m as unknown as X)',
    "const n = t.has('thread_info.cpu') ? 1 : 0;",
    'const c = m.cpuState(); const s = `${"m.cpu"}`;',
    '/* m instanceof Machine */ const tpr = lm.platform?.readTpr?.();',
  ].join('\n')), []);
});
