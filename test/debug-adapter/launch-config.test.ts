// The launch configuration's one source of truth: package.json's debuggers contribution must
// be exactly what launch-config.ts declares, and validation names the attribute at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { debuggerContribution, defaultHistoryMiB, LAUNCH_ATTRIBUTES, validateLaunch, LaunchError, type LaunchArguments } from '../../debug-adapter/launch-config';
import { ROOT } from './harness';

test('package.json contributes.debuggers matches the TypeScript declaration', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.debuggers, JSON.parse(JSON.stringify(debuggerContribution())));
  const launch = pkg.contributes.debuggers[0].configurationAttributes.launch;
  // The attribute list, spelled out here independently of the declaration.
  for (const a of ['program', 'mode', 'memory', 'cmdline', 'stopOnEntry', 'exitControls', 'pvPrivileged', 'serial', 'sourceFileMap', 'maxInstructions']) {
    assert.ok(launch.properties[a], `package.json declares ${a}`);
  }
  assert.deepEqual(launch.required, ['program']);
  assert.equal(pkg.contributes.debuggers[0].type, 'paravirt');
});

test('every declared attribute is a LaunchArguments key and the other way round', () => {
  // The mapped type makes a missing key a compile error; this checks no extra key sneaks in.
  const sample: Required<LaunchArguments> = {
    program: 'k.elf', mode: 'hvm', memory: 64, cmdline: '', format: 'bzimage', initrd: 'initrd.gz', linuxEntry: '64', stopOnEntry: true, exitControls: 'ept', pvPrivileged: 'xen',
    serial: 'none', hypervisorConsole: 'separate', sourceFileMap: {}, symbols: 'vmlinux', sourceMap: { a: '/b' }, substitutePath: [{ from: 'c', to: '/d' }], maxInstructions: 1, maxTime: 600, disassemblySyntax: 'gas', cwd: '/', profile: false, historyMemory: 48,
  };
  assert.deepEqual(Object.keys(LAUNCH_ATTRIBUTES).sort(), Object.keys(sample).sort());
  const c = validateLaunch(sample);
  assert.equal(c.disassemblySyntax, 'gas');
  assert.equal(c.profile, null);
  assert.equal(c.serial.kind, 'none');
  assert.equal(c.hypervisorConsole, 'separate');
  assert.equal(validateLaunch({ program: 'k' }).hypervisorConsole, 'auto');
  assert.equal(c.historyBytes, 48 << 20);
  assert.deepEqual([c.format, c.initrd, c.linuxEntry], ['bzimage', '/initrd.gz', '64']);
  assert.equal(c.symbols, '/vmlinux');
  assert.deepEqual(c.sourceFileMap, [['a', '/b'], ['c', '/d']]);
  assert.equal(validateLaunch({ program: 'k' }).symbols, null);
  const d = validateLaunch({ program: 'k' });
  assert.deepEqual([d.format, d.initrd, d.linuxEntry], ['auto', null, '32']);
  assert.throws(() => validateLaunch({ program: 'k', format: 'flat' }), /launch attribute 'format': must be one of 'auto', 'elf', 'multiboot', 'multiboot2', 'bzimage'/);
  assert.throws(() => validateLaunch({ program: 'k', linuxEntry: 64 }), /launch attribute 'linuxEntry'/);
  assert.throws(() => validateLaunch({ program: 'k', initrd: '' }), /launch attribute 'initrd': must be a non-empty path/);
});

test('the history budget defaults to a sixteenth of the host memory, 64 MiB to 1 GiB', () => {
  assert.equal(defaultHistoryMiB(8 * 1024 ** 3), 512);
  assert.equal(defaultHistoryMiB(512 * 1024 ** 2), 64);
  assert.equal(defaultHistoryMiB(64 * 1024 ** 3), 1024);
  assert.equal(validateLaunch({ program: 'k' }).historyBytes, defaultHistoryMiB() << 20);
  assert.equal(validateLaunch({ program: 'k', historyMemory: 0 }).historyBytes, 0);
});

function rejects(args: unknown, attribute: string, why: RegExp): void {
  assert.throws(() => validateLaunch(args), (e: unknown) => {
    assert.ok(e instanceof LaunchError, String(e));
    assert.equal(e.attribute, attribute);
    assert.match(e.message, why);
    assert.ok(e.message.includes(`'${attribute}'`), 'the message names the attribute');
    return true;
  });
}

test('bad configurations are refused with the attribute and the reason', () => {
  rejects({}, 'program', /missing/);
  rejects(null, 'arguments', /object/);
  rejects({ program: 42 }, 'program', /non-empty path/);
  rejects({ program: 'k', mode: 'kvm' }, 'mode', /'hvm', 'pv'/);
  rejects({ program: 'k', memory: 0 }, 'memory', /1 to 3072/);
  rejects({ program: 'k', memory: 1.5 }, 'memory', /whole number/);
  rejects({ program: 'k', stopOnEntry: 'yes' }, 'stopOnEntry', /true or false/);
  rejects({ program: 'k', exitControls: 'npt' }, 'exitControls', /'ept', 'shadow-paging'/);
  rejects({ program: 'k', exitControls: { preset: 'ept', overrides: { hltExiting: 'no' } } }, 'exitControls.overrides.hltExiting', /true, false or a number/);
  rejects({ program: 'k', pvPrivileged: 'lenient' }, 'pvPrivileged', /'xen', 'strict'/);
  rejects({ program: 'k', serial: 3 }, 'serial', /debugConsole/);
  rejects({ program: 'k', hypervisorConsole: 'stdout' }, 'hypervisorConsole', /'auto', 'debugConsole', 'separate', 'none'/);
  rejects({ program: 'k', sourceFileMap: { '/a': 1 } }, 'sourceFileMap./a', /string/);
  rejects({ program: 'k', symbols: '' }, 'symbols', /path of a debug file/);
  rejects({ program: 'k', symbols: 7 }, 'symbols', /path of a debug file/);
  rejects({ program: 'k', sourceMap: ['a'] }, 'sourceMap', /object mapping recorded path prefixes/);
  rejects({ program: 'k', sourceMap: { a: null } }, 'sourceMap.a', /string path/);
  rejects({ program: 'k', substitutePath: { from: 'a', to: 'b' } }, 'substitutePath', /list of/);
  rejects({ program: 'k', substitutePath: [{ from: 'a' }] }, 'substitutePath[0].to', /must be a path/);
  rejects({ program: 'k', substitutePath: [{ from: '', to: 'b' }] }, 'substitutePath[0].from', /non-empty/);
  rejects({ program: 'k', substitutePath: [{ from: 'a', to: 'b', other: 1 }] }, 'substitutePath[0]', /unknown field 'other'/);
  rejects({ program: 'k', maxInstructions: -5 }, 'maxInstructions', /whole number/);
  rejects({ program: 'k', maxTime: 0 }, 'maxTime', /positive number of virtual seconds/);
  rejects({ program: 'k', maxTime: '10m' }, 'maxTime', /positive number of virtual seconds/);
  assert.equal(validateLaunch({ program: 'k' }).maxTime, Infinity);
  assert.equal(validateLaunch({ program: 'k', maxTime: 0.5 }).maxTime, 0.5);
  rejects({ program: 'k', progam: 'typo' }, 'progam', /unknown attribute/);
  rejects({ program: 'k', historyMemory: -1 }, 'historyMemory', /0 to 65536/);
  rejects({ program: 'k', historyMemory: '512' }, 'historyMemory', /whole number/);
});

test('defaults and client bookkeeping fields', () => {
  const c = validateLaunch({ type: 'paravirt', request: 'launch', name: 'x', program: 'k.elf', cwd: '/srv/kernels', __sessionId: 'abc' });
  assert.equal(c.program, '/srv/kernels/k.elf');
  assert.equal(c.mode, 'hvm');
  assert.equal(c.memoryMiB, 64);
  assert.deepEqual(c.exitControls, { preset: 'ept' });
  assert.equal(c.profile, '/srv/kernels/.paravirt/last-run.json');
  assert.equal(c.serial.kind, 'debugConsole');
});
