import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExitControls, ExitControlsError } from '../../emulator/vmm/controls';

test('ept preset: CR3 loads, INVLPG and #PF do not exit; HLT does; every port exits', () => {
  const c = createExitControls({ preset: 'ept' });
  assert.equal(c.cr3Load, false);
  assert.equal(c.cr3Store, false);
  assert.equal(c.invlpg, false);
  assert.equal(c.pageFault, false);
  assert.equal(c.exceptionBitmap & (1 << 14), 0);
  assert.equal(c.hltExiting, true);
  for (const port of [0, 0x3f8, 0xf4, 0xffff]) assert.equal(c.ioExits(port), true);
});

test('ept preset: CR0.PE/PG/CD/NW are host-owned, CR0.TS is the guest\'s; CR4.PAE/PSE/VMXE owned, PGE not', () => {
  const c = createExitControls();
  for (const bit of [0, 29, 30, 31]) assert.notEqual(c.cr0Mask & (1 << bit), 0, `CR0 bit ${bit}`);
  assert.equal(c.cr0Mask & (1 << 3), 0);
  for (const bit of [4, 5, 13]) assert.notEqual(c.cr4Mask & (1 << bit), 0, `CR4 bit ${bit}`);
  assert.equal(c.cr4Mask & (1 << 7), 0);
});

test('shadow-paging preset adds CR3 load/store, INVLPG and #PF (exception bitmap bit 14)', () => {
  const c = createExitControls({ preset: 'shadow-paging' });
  assert.equal(c.cr3Load, true);
  assert.equal(c.cr3Store, true);
  assert.equal(c.invlpg, true);
  assert.equal(c.pageFault, true);
  assert.notEqual(c.exceptionBitmap & (1 << 14), 0);
  assert.notEqual(c.cr0Mask & (1 << 16), 0); // WP matters to the shadow tables
});

test('MSR bitmap: SYSENTER_* and FS/GS base pass through; TSC reads pass, writes exit; APIC_BASE, EFER, out-of-range exit', () => {
  const c = createExitControls();
  for (const m of [0x174, 0x175, 0x176, 0xc0000100, 0xc0000101, 0xc0000102]) {
    assert.equal(c.msrExits(m, false), false, m.toString(16));
    assert.equal(c.msrExits(m, true), false, m.toString(16));
  }
  assert.equal(c.msrExits(0x10, false), false);
  assert.equal(c.msrExits(0x10, true), true);
  for (const m of [0x1b, 0x277, 0xc0000080, 0x40000000, 0xffffffff, 0x2174]) {
    assert.equal(c.msrExits(m, false), true, m.toString(16));
    assert.equal(c.msrExits(m, true), true, m.toString(16));
  }
});

test('overrides switch single controls and keep pageFault and exception bit 14 consistent', () => {
  const c = createExitControls({ preset: 'ept', overrides: { rdtsc: true, pageFault: true, cr0Mask: 0x80000001 } });
  assert.equal(c.rdtsc, true);
  assert.notEqual(c.exceptionBitmap & (1 << 14), 0);
  assert.equal(c.cr0Mask, 0x80000001);
  const s = createExitControls({ preset: 'shadow-paging', overrides: { pageFault: false, invlpg: false } });
  assert.equal(s.exceptionBitmap & (1 << 14), 0);
  assert.equal(s.invlpg, false);
  assert.equal(s.cr3Load, true);
});

test('bad specs are refused with the offending name', () => {
  assert.throws(() => createExitControls({ preset: 'npt' as never }), (e: unknown) => e instanceof ExitControlsError && /npt/.test(e.message));
  assert.throws(() => createExitControls({ preset: 'ept', overrides: { hltExit: true } as never }), /hltExit/);
  assert.throws(() => createExitControls({ preset: 'ept', overrides: { rdtsc: 1 } as never }), /rdtsc/);
});
