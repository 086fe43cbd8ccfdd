// Issue 16 point 5 on a real OS: `paravirt compare` on Debian's stock kernel (one bzImage for
// the three flavours, the busybox initramfs of test/linux), each run ended at its first
// hypervisor entry after the /init marker. HVM's console is ttyS0, PV's and PVH's hvc0 (Xen's
// console ring). Independent checks: the marker line names the kernel package's release, HVM
// reaches its console through the UART's ports (exits at 0x3f8) where PV and PVH make
// hypercalls, and PVH's VMCALL exits are its hypercalls one for one. PARAVIRT_LINUX_BOOT=0
// skips it, as test/linux's boots.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { compareFlavours, formatComparison } from '../../cli/compare';
import type { Comparison, FlavourResult } from '../../cli/comparison';
import { linuxFixture, LINUX_CMDLINE, type LinuxFixture } from './debian-kernel';
import { INIT_MARKER } from './initramfs';

const SKIP = process.env.PARAVIRT_LINUX_BOOT === '0' ? 'PARAVIRT_LINUX_BOOT=0: the Linux boots are skipped' : false;
const XEN_CMDLINE = 'console=hvc0 panic=-1';

let fx: LinuxFixture | string = 'not fetched';
let c: Comparison | null = null;
let failure = '';
before(() => {
  if (SKIP) return;
  try { fx = linuxFixture(); } catch (e) { fx = `Debian's kernel or busybox could not be fetched: ${(e as Error).message}`; return; }
  try {
    c = compareFlavours([{ mode: 'hvm', kernel: fx.kernelPath }, { mode: 'pv', kernel: fx.kernelPath }, { mode: 'pvh', kernel: fx.kernelPath }], {
      memory: 256, initrd: fx.initrdPath, hvmCmdline: LINUX_CMDLINE, pvCmdline: XEN_CMDLINE, pvhCmdline: XEN_CMDLINE,
      // HVM reaches /init in about 6.2e9 instructions.
      maxInstructions: 9e9, exitControls: 'ept', pvPrivileged: 'xen', untilOutput: INIT_MARKER,
    });
  } catch (e) { failure = (e as Error).message; }
  // The table the README shows, from this run, when asked for.
  if (c && process.env.PARAVIRT_COMPARE_OUT) writeFileSync(process.env.PARAVIRT_COMPARE_OUT, `${formatComparison(c)}\n${JSON.stringify(c, (k, v) => (k === 'serial' ? undefined : v))}\n`);
});

function flavour(mode: 'hvm' | 'pv' | 'pvh'): FlavourResult {
  assert.equal(typeof fx, 'object', String(fx));
  assert.ok(c, `compare failed: ${failure}`);
  return c.flavours.find((f) => f.mode === mode)!;
}

function markerLine(f: FlavourResult): string {
  const line = f.serial.split(/\r?\n/).find((l) => l.includes(INIT_MARKER));
  assert.ok(line, `${f.mode}: no marker (stop ${JSON.stringify(f.stop)}, ${f.instructions} instructions); console tail:\n${f.serial.slice(-1500)}`);
  return line.slice(line.indexOf(INIT_MARKER) + INIT_MARKER.length).trim();
}

test('HVM: Linux to /init under compare, with its surface and the hypervisor memory it held', { skip: SKIP, timeout: 3_600_000 }, (t) => {
  const h = flavour('hvm');
  t.diagnostic(`HVM to /init: ${h.instructions} instructions, ${h.exits.total} exits ${JSON.stringify(h.exits.byReason)}, est. cycles guest ${h.cycles.guest} + hypervisor ${h.cycles.hypervisor}; ${JSON.stringify(h.resources)}`);
  assert.deepEqual(h.until, { output: INIT_MARKER, reached: true });
  assert.equal(h.stop.kind, 'output');
  const release = markerLine(h);
  assert.ok(release.length > 0 && (fx as LinuxFixture).kernelPackage.startsWith(`linux-image-${release}`), `release '${release}'`);
  // The console is the UART: its data port exits, handled by the uart model.
  assert.ok(h.surface['I/O ports'].includes('0x3f8 (uart)'), h.surface['I/O ports'].join(' '));
  assert.ok(h.surface['device models'].includes('uart'));
  assert.ok(h.exits.byReason.IO_INSTRUCTION > 0);
  assert.ok(h.cycles.hypervisor > 0 && h.cycles.guest >= h.instructions);
  // Linux's own 4-level tables, walked from CR3 at the marker.
  assert.ok(h.resources['guest page-table pages'] > 10, String(h.resources['guest page-table pages']));
  assert.ok(h.resources['hypervisor paging structures (bytes)'] > 0);
  // The EPT maps what Linux reached: more than its image (~8 MiB), at most its 256 MiB of RAM.
  const reached = h.resources['guest-physical pages reached (EPT-mapped)'];
  assert.ok(reached > 2048 && reached <= 65536, String(reached));
  assert.equal(h.resources['hypervisor paging structures (bytes)'], h.resources['EPT tables (PML4 + PDPT + PD + PT)'] * 4096);
  // The audit steps the HVM run one instruction at a time up to its limit (10M, far short of
  // /init): the boot code's paging set-up (CR3, CR4 loads) is in it.
  assert.equal(c!.compatibility.flavour, 'hvm');
  assert.equal(c!.compatibility.complete, false);
  assert.ok(c!.compatibility.kinds.some((k) => k.id === 'mov-to-cr'), c!.compatibility.kinds.map((k) => k.id).join(' '));
});

function xenFlavour(mode: 'pv' | 'pvh'): FlavourResult {
  const f = flavour(mode);
  assert.ok(f.until?.reached, `${mode.toUpperCase()} Linux did not reach /init (stop ${JSON.stringify(f.stop)} after ${f.instructions} instructions)`);
  return f;
}

test('PV: Linux to /init on hvc0 under compare, hypercalls instead of port exits', { skip: SKIP, timeout: 3_600_000 }, () => {
  const p = xenFlavour('pv');
  assert.equal(markerLine(p), markerLine(flavour('hvm')));
  assert.equal(p.exits.byReason.IO_INSTRUCTION, undefined);
  assert.ok(p.hypercalls.event_channel_op > 0 && p.hypercalls.mmu_update > 0, JSON.stringify(p.hypercalls));
  assert.ok(p.surface['event channels'].length > 0);
  assert.ok(p.resources['validated page tables (pinned)'] > 0);
  assert.ok(p.resources['validated page tables at the peak (bytes)'] >= p.resources['validated page tables at the end (bytes)']);
  assert.ok(p.resources['validated page tables at the end (bytes)'] > 0);
});

test('PVH: Linux to /init on hvc0 under compare, its VMCALLs its hypercalls', { skip: SKIP, timeout: 3_600_000 }, () => {
  const x = xenFlavour('pvh');
  assert.equal(markerLine(x), markerLine(flavour('hvm')));
  const hypercalls = Object.values(x.hypercalls).reduce((a, n) => a + n, 0);
  assert.equal(x.exits.byReason.VMCALL, hypercalls);
  assert.ok(!x.surface['device models'].includes('uart'));
});

test('PVH: Linux\'s grant frames, placed above 4 GiB by add_to_physmap, set up its grant table', { skip: SKIP, timeout: 3_600_000 }, () => {
  const x = xenFlavour('pvh');
  assert.match(x.serial, /Grant table initialized/);
  assert.doesNotMatch(x.serial, /add_to_physmap failed/);
  assert.equal(x.hypercallErrors.memory_op ?? 0, 0, JSON.stringify(x.hypercallErrors));
  assert.ok(x.resources['grant-table frames the guest set up (bytes)'] >= 4096, JSON.stringify(x.resources));
});

test('PVH: no device behind any port, as in Xen; Linux\'s one PIT probe is its CPU-frequency calibration', { skip: SKIP, timeout: 3_600_000 }, () => {
  const x = xenFlavour('pvh');
  // Every port reached is unassigned (Xen's PVH domU emulates only the local APIC), and the
  // debug port 0x80 never exits (Xen's I/O bitmap passes it through).
  const ports = x.surface['I/O ports'];
  assert.ok(ports.length > 0 && ports.every((p) => p.endsWith('(unassigned)')), ports.join(' '));
  assert.ok(!ports.some((p) => p.startsWith('0x80 ')), ports.join(' '));
  // The only device Xen emulates for it is the local APIC (in the hypervisor, at its MMIO page).
  assert.deepEqual(x.surface['device models'], ['local-apic', 'unassigned']);
  // The TSC's frequency comes from pvclock, the CPU's from quick_pit_calibrate (no CPUID leaf
  // 0x16 under Xen): reading 0xff from port 0x42, its first pit_expect_msb loop makes all
  // 50,000 rounds of two reads, and the second fails.
  assert.match(x.serial, /tsc: Fast TSC calibration failed/);
  assert.ok(ports.includes('0x42 (unassigned)'));
  assert.ok(x.exits.byReason.IO_INSTRUCTION >= 100_000, String(x.exits.byReason.IO_INSTRUCTION));
});
