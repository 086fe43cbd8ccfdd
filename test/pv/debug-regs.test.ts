// A PV kernel's debug registers (guests/debugregs.asm), against Xen's set_debugreg rules
// (xen/arch/x86/pv/misc-hypercalls.c): a DR7 write takes effect at once (the data breakpoint
// traps on the next store, as the XTF debug-regs test demands), DR4/DR5 alias DR6/DR7 while
// CR4.DE is clear, GD and I/O breakpoints without CR4.DE are -EPERM, registers past DR7
// -ENODEV; a MOV to CR4 that sets DE changes both, as pv_fixup_guest_cr4 lets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildPvGuest, runPv, signed } from './harness';

const EPERM = -1, ENODEV = -19;

test('debug registers: DR7 latches at once through MOV and set_debugreg, aliases, refusals', () => {
  const elf = buildPvGuest('debugregs');
  const r = runPv(elf);
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k} missing:\n${r.out}`); return x!; };
  assert.equal(r.stop.kind, 'shutdown', r.out);
  const afterStore = parseInt(spawnSync('nm', [elf], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.endsWith(' after_store'))!.split(' ')[0]!, 16);
  // One #DB, a trap after the store, with B0 in DR6 (read through the emulated MOV).
  assert.equal(v('mov_db_count'), 1);
  assert.equal(v('mov_db_eip'), afterStore);
  assert.equal(v('mov_db_dr6') & 0xf, 1);
  assert.equal((v('mov_db_dr6') & 0xffff0ff0) >>> 0, 0xffff0ff0);
  assert.equal(v('mov_dr7'), 0x000d0602);          // bit 10 reads as 1
  assert.equal(v('mov_dr5'), v('mov_dr7'));
  assert.equal(v('after_disarm_count'), 1);
  // The same through the hypercalls.
  assert.equal(v('set_dr7'), 0);
  assert.equal(v('hc_db_count'), 1);
  assert.equal(v('hc_db_dr6') & 0xf, 1);
  assert.equal(v('get_dr6'), 0xffff0ff0);           // cleared by the handler's MOV to DR6
  assert.equal(v('get_dr4'), v('get_dr6'));
  assert.equal(signed(v('set_dr7_gd')), EPERM);
  assert.equal(signed(v('set_dr7_io')), EPERM);
  assert.equal(signed(v('set_dr8')), ENODEV);
  assert.equal(signed(v('get_dr8')), ENODEV);
  // MOV to CR4 (emul-priv-op.c write_cr, pv_fixup_guest_cr4): DE is in PV_CR4_GUEST_MASK and
  // taken, PGE is not and is dropped; the kernel sees PAE. With DE, DR4 is -ENODEV and an I/O
  // breakpoint is accepted (set_debugreg).
  assert.equal(v('cr4_before'), 0x20);
  assert.equal(v('cr4_de'), 0x28);
  assert.equal(signed(v('get_dr4_de')), ENODEV);
  assert.equal(v('set_dr7_io_de'), 0);
});
