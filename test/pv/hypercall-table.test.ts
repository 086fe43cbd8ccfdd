// The hypercall table (emulator/pv/hypercall-table.ts) against Xen's own public xen.h
// (Debian's libxen-dev), and every consumer against the table: the dispatcher, the cost
// model, record names, the debugger's conditions, the linter's completion, and the numbers
// and wrappers in guest/ (generated from the table; stale headers fail here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HC, HYPERCALL_TABLE, HYPERCALL_LIMIT, hypercallByName, hypercallByNumber, hypercallName } from '../../emulator/pv/abi';
import { hypercallHandled } from '../../emulator/pv/hypercalls';
import { DEFAULT_PV_COSTS } from '../../emulator/pv/pv-costs';
import { PvKind } from '../../emulator/trace/record-kinds';
import { recordScope } from '../../debug-adapter/engine/exception-filters';
import { WRAPPERS } from '../../language-server/analyzer/catalog';
import { INSTRUCTION_TABLE } from '../../emulator/isa';
import type { ExitRecord } from '../../emulator/machine';
import { xenPublicHeaders } from './xen-public-headers';

const REPO = new URL('../../', import.meta.url).pathname;

test('every hypercall Xen\'s public xen.h numbers is in the table with the same number, and nothing else is', () => {
  const xenH = readFileSync(join(xenPublicHeaders(), 'xen', 'xen.h'), 'utf8');
  const xen = new Map<string, number>();
  // Plain numeric definitions only: the compat aliases (#define __HYPERVISOR_sched_op __HYPERVISOR_sched_op_compat)
  // and the per-architecture slots arch_0..arch_7 are not hypercalls of their own.
  for (const m of xenH.matchAll(/^#define __HYPERVISOR_(\w+)\s+(\d+)\b/gm)) if (!/^arch_\d$/.test(m[1]!)) xen.set(m[1]!, Number(m[2]));
  assert.ok(xen.size >= 40, `read only ${xen.size} hypercalls from xen.h`);
  assert.deepEqual(new Map(HYPERCALL_TABLE.map((h) => [h.name, h.nr])), xen);
  // The arguments: at most the five registers x86_32 passes them in.
  for (const h of HYPERCALL_TABLE) assert.ok(h.args.length <= 5, h.name);
});

test('lookups, numbers by name and names in records agree with the table', () => {
  assert.equal(HYPERCALL_LIMIT, Math.max(...HYPERCALL_TABLE.map((h) => h.nr)) + 1);
  for (const h of HYPERCALL_TABLE) {
    assert.equal(hypercallByNumber(h.nr), h);
    assert.equal(hypercallByName(h.name), h);
    assert.equal((HC as Record<string, number>)[h.name], h.nr);
    assert.equal(hypercallName(h.nr), h.name);
  }
  assert.equal(hypercallName(11), 'hypercall_11');
  assert.equal(hypercallByNumber(-1), undefined);
});

test('the dispatcher answers the hypercalls a 32-bit PV kernel needs; the cost model prices only table rows', () => {
  for (const name of ['set_trap_table', 'mmu_update', 'set_gdt', 'stack_switch', 'set_callbacks', 'update_va_mapping', 'console_io',
    'sched_op', 'event_channel_op', 'vcpu_op', 'mmuext_op', 'xen_version', 'memory_op', 'multicall', 'iret', 'callback_op', 'vm_assist'] as const) {
    assert.ok(hypercallHandled(HC[name]), name);
  }
  // Control-domain hypercalls are refused (-ENOSYS), as Xen refuses them to a domU. (set_segment_base
  // has a handler for 64-bit guests that answers -ENOSYS to a 32-bit one: test/pv64/ runs both.)
  for (const name of ['sysctl', 'domctl', 'kexec_op'] as const) assert.equal(hypercallHandled(HC[name]), false, name);
  assert.equal(hypercallHandled(11), false);
  assert.equal(hypercallHandled(HYPERCALL_LIMIT), false);
  for (const [name, cycles] of Object.entries(DEFAULT_PV_COSTS.handler)) {
    assert.equal(hypercallByName(name)?.cycles, cycles, name);
  }
  assert.ok(Object.keys(DEFAULT_PV_COSTS.handler).length >= 20);
});

test('the hypercalls the instruction table names as PV replacements (the linter\'s hovers and fixes) are rows of the table', () => {
  let named = 0;
  for (const e of INSTRUCTION_TABLE) for (const h of e.hypercalls) { assert.ok(hypercallByName(h), `${e.id}: '${h}' is not a hypercall`); named++; }
  assert.ok(named >= 10, `only ${named} hypercall names in the instruction table`);
});

test('the debugger\'s conditions know every hypercall name; the linter offers one wrapper per wrapped row', () => {
  const r: ExitRecord = { seq: 0, reason: PvKind.HYPERCALL, reasonName: 'HYPERCALL', qualification: HC.console_io, eip: 0, cs: 0xe019, cpl: 1,
    bytes: new Uint8Array(0), icount: 0, handler: 'console_io', cycles: 0, value: 0 };
  const scope = recordScope(r, { read: () => null, name: () => undefined }, () => 0);
  for (const h of HYPERCALL_TABLE) assert.equal(scope.name(h.name), h.nr, h.name);
  assert.equal(scope.name('nr'), HC.console_io);
  assert.equal(scope.name('name'), 'console_io');
  const wrapped = HYPERCALL_TABLE.filter((h) => h.wrapper);
  const offered = WRAPPERS.filter((w) => w.name.startsWith('HYPERVISOR_'));
  assert.deepEqual(offered.map((w) => w.name), wrapped.map((h) => `HYPERVISOR_${h.name}`));
  for (const w of offered) {
    const h = hypercallByName(w.name.slice('HYPERVISOR_'.length))!;
    assert.deepEqual(w.params.map((p) => p.name), h.args.map((a) => a.name), w.name);
    assert.deepEqual(w.params.map((p) => p.constants), h.args.map((a) => a.constants), w.name);
  }
});

test('guest/ headers carry exactly the table\'s numbers and wrappers (scripts/gen-guest-headers.ts --check)', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gen-guest-headers.ts', '--check'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const headers: Array<[string, RegExp]> = [
    ['guest/paravirt.h', /^#define __HYPERVISOR_(\w+) (\d+)$/gm],
    ['guest/paravirt.inc', /^%define __HYPERVISOR_(\w+) (\d+)$/gm],
    ['guest/paravirt-gas.inc', /^\.set __HYPERVISOR_(\w+), (\d+)$/gm],
  ];
  for (const [path, re] of headers) {
    const found = new Map([...readFileSync(join(REPO, path), 'utf8').matchAll(re)].map((m) => [m[1]!, Number(m[2])]));
    assert.deepEqual(found, new Map(HYPERCALL_TABLE.map((h) => [h.name, h.nr])), path);
  }
});
