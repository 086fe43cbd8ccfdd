// The Linux boot protocol. A minimal bzImage that reports its zero page runs under QEMU
// (-kernel -initrd -append, through its real-mode setup stub, as Linux's setup runs) and on our
// machine (entered at its 32-bit entry, as GRUB's linux command does): both must hand it the
// same command line, initrd (bytes, and placement under initrd_addr_max) and low memory map, in
// the entry state the protocol asks for. Debian's stock kernel's setup header is read, and
// malformed or unsuitable images are refused with the field at fault.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine, firmwareInfo } from '../../emulator/machine';
import { ImageError, loadImage } from '../../emulator/loader/index';
import { FixtureBuilder } from './build-fixtures';
import { hasQemu } from './report-kernel';
import { linuxFixture } from '../linux/debian-kernel';

const fx = new FixtureBuilder('linux-boot');
const MiB = 0x100000;
const RAM = 32 * MiB;
const INITRD_MAX = 0x00ffffff;   // bz-report.asm's initrd_addr_max

interface BzReport { fields: Record<string, number>; cmdline: string; initrd: number[]; map: Array<[bigint, bigint, number]> }

function parse(text: string): BzReport {
  const r: BzReport = { fields: {}, cmdline: '', initrd: [], map: [] };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'cmdline') r.cmdline = value;
    else if (key === 'initrd') r.initrd = value.split(' ').map((w) => parseInt(w, 16));
    else if (key === 'map') { const w = value.split(' '); r.map.push([BigInt('0x' + w[0]), BigInt('0x' + w[1]), parseInt(w[2], 16)]); }
    else r.fields[key] = parseInt(value, 16);
  }
  return r;
}

const initrd = new Uint8Array(5000).map((_, i) => (i * 37 + 11) & 0xff);
const cmdline = 'console=ttyS0 root=/dev/ram0 quiet';

function ours(bytes: Uint8Array): BzReport {
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM / MiB });
  m.load(loadImage(bytes, { ramBytes: RAM, cmdline, initrd, ...firmwareInfo() }));
  const stop = m.run(2_000_000);
  assert.deepEqual(stop, { kind: 'debug-exit', code: 1 }, `stopped with ${JSON.stringify(stop)}: ${m.serialOutput()}`);
  return parse(m.serialOutput());
}

function qemu(path: string): BzReport {
  writeFileSync(join(fx.dir, 'initrd.bin'), initrd);
  const out = join(fx.dir, 'bz.e9.txt');
  writeFileSync(out, '');
  const res = spawnSync('qemu-system-i386', ['-m', String(RAM / MiB), '-display', 'none', '-nodefaults', '-no-reboot',
    '-kernel', path, '-initrd', join(fx.dir, 'initrd.bin'), '-append', cmdline, '-debugcon', `file:${out}`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=1'], { timeout: 60_000 });
  assert.equal(res.status, 1, `QEMU should exit through isa-debug-exit: ${res.stderr}`);
  return parse(readFileSync(out, 'utf8'));
}

test('a bzImage gets the same command line, initrd and low memory map from us as from QEMU, in the protocol\'s entry state', { skip: hasQemu ? false : 'qemu-system-i386 is not installed' }, () => {
  const k = fx.bzReport();
  const q = qemu(k.path);
  const o = ours(k.bytes);
  const sum = initrd.reduce((a, b) => a + b, 0);

  assert.equal(q.cmdline, cmdline);
  assert.equal(o.cmdline, q.cmdline);
  assert.deepEqual(q.initrd.slice(1), [initrd.length, sum]);
  assert.deepEqual(o.initrd.slice(1), q.initrd.slice(1));
  // Both put the initrd as high as initrd_addr_max allows (RAM goes higher), page-aligned.
  assert.equal(q.initrd[0] + initrd.length - 1 <= INITRD_MAX && q.initrd[0] % 4096, 0);
  assert.equal(o.initrd[0], q.initrd[0]);

  const low = (m: BzReport['map']) => m.filter((e) => e[0] < BigInt(MiB));
  assert.ok(low(q.map).length >= 2);
  assert.deepEqual(low(o.map), low(q.map));
  // Above 1 MiB QEMU keeps firmware tables at the top of RAM; our usable range may only be longer.
  const qHigh = q.map.find((e) => e[0] === BigInt(MiB))!;
  const oHigh = o.map.find((e) => e[0] === BigInt(MiB))!;
  assert.equal(oHigh[2], 1);
  assert.ok(oHigh[1] >= qHigh[1] && BigInt(MiB) + oHigh[1] <= BigInt(RAM));

  // The 32-bit entry state of the boot protocol: __BOOT_CS/__BOOT_DS, paging off, interrupts
  // off, EBP = EDI = EBX = 0, ESI = the zero page (QEMU's stub arranges the same).
  for (const f of ['cs', 'ds', 'ss', 'ebp', 'edi', 'ebx']) assert.equal(o.fields[f], q.fields[f], f);
  assert.deepEqual([o.fields.cs, o.fields.ds], [0x10, 0x18]);
  assert.equal(o.fields.cr0 & 0x80000001, 1, 'PE on, PG off');
  assert.equal(o.fields.eflags & 0x200, 0, 'IF clear');
  assert.ok(o.fields.esi > 0 && o.fields.esi < 0x9fc00 && o.fields.esi % 4096 === 0);
  // No assigned loader ID: 0xFF, as boot.rst asks of such loaders (QEMU has its own, 0xB0).
  assert.equal(q.fields.loader, 0xb0);
  assert.equal(o.fields.loader, 0xff);
  // The RSDP's address, where the machine's firmware left the RSDP.
  assert.equal(o.fields.rsdp, firmwareInfo().acpiRsdpAddr);
});

test('Debian\'s stock kernel: its setup header read, its initrd and command line placed, too little RAM refused', () => {
  const bytes = new Uint8Array(readFileSync(linuxFixture().kernelPath));
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const plan = loadImage(bytes, { ramBytes: 256 * MiB, cmdline: 'console=ttyS0', initrd, ...firmwareInfo() });
  // Facts of the file (boot.rst offsets), read here directly: protocol, init_size.
  const version = view.getUint16(0x206, true);
  assert.match(plan.description, new RegExp(`^Linux bzImage, boot protocol ${version >> 8}\\.${(version & 0xff).toString().padStart(2, '0')}, 64-bit kernel`));
  assert.equal(plan.entry.kind, 'flat32');
  if (plan.entry.kind !== 'flat32') return;
  assert.equal(plan.entry.eip, 0x100000);
  const esi = plan.entry.regs!.esi;
  const zp = plan.memory.find((m) => m.paddr === esi)!.bytes;
  const z = new DataView(zp.buffer, zp.byteOffset);
  // The header as the file has it, then the loader's fields.
  const hdrEnd = 0x202 + bytes[0x201];
  assert.deepEqual(zp.subarray(0x1f1, 0x210), bytes.subarray(0x1f1, 0x210));
  assert.deepEqual(zp.subarray(0x230, hdrEnd), bytes.subarray(0x230, hdrEnd));
  assert.equal(zp[0x210], 0xff);
  const cmd = plan.memory.find((m) => m.paddr === z.getUint32(0x228, true))!.bytes;
  assert.equal(new TextDecoder().decode(cmd), 'console=ttyS0\0');
  const rd = plan.memory.find((m) => m.paddr === z.getUint32(0x218, true))!.bytes;
  assert.deepEqual(rd, initrd);
  assert.equal(z.getUint32(0x21c, true), initrd.length);
  assert.ok(z.getUint32(0x218, true) + initrd.length <= Math.min(256 * MiB, view.getUint32(0x22c, true) + 1));
  // The kernel runs at LOAD_PHYSICAL_ADDR (pref_address) up to init_size: RAM must reach that.
  const need = Number(view.getBigUint64(0x258, true)) + view.getUint32(0x260, true);
  assert.throws(() => loadImage(bytes, { ramBytes: 64 * MiB }), (e: unknown) => e instanceof ImageError && e.field === 'init_size' && /give the machine more memory/.test(e.message) && need > 64 * MiB);
  // The 64-bit entry: long mode at load + 0x200, with page tables identity-mapping what the kernel touches.
  const p64 = loadImage(bytes, { ramBytes: 256 * MiB, linuxEntry: '64' });
  assert.equal(p64.entry.kind, 'long64');
  if (p64.entry.kind === 'long64') assert.equal(p64.entry.rip, 0x100200);
});

function plan64() {
  const plan = loadImage(fx.bzReport().bytes, { ramBytes: RAM, cmdline, linuxEntry: '64', ...firmwareInfo() });
  assert.equal(plan.entry.kind, 'long64');
  if (plan.entry.kind !== 'long64') throw new Error('not a 64-bit entry');
  return { plan, cr3: plan.entry.cr3 };
}

test('the 64-bit entry\'s state: paging on with PAE, the boot GDT\'s __BOOT_CS, RSI = zero page, RIP = load + 0x200', () => {
  const { plan, cr3 } = plan64();
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM / MiB });
  m.load(plan);
  const r = m.getRegisters();
  assert.equal(r.eip >>> 0, 0x100200);
  assert.equal(r.esi, 0x10000);
  assert.deepEqual([r.cs, r.ds, r.ss], [0x10, 0x18, 0x18]);
  assert.equal(r.cr0 & 0x80000001, 0x80000001 | 0);
  assert.equal(r.cr4 & 0x20, 0x20);
  assert.equal(r.cr3, cr3);
  assert.equal(r.eflags & 0x200, 0, 'IF clear');
  // The tables: PML4[0] -> PDPT, whose four entries map 0-4 GiB with 2 MiB pages.
  const t = plan.memory.find((x) => x.paddr === cr3)!.bytes;
  const v = new DataView(t.buffer, t.byteOffset);
  assert.equal(v.getUint32(0, true), (cr3 + 4096) | 3);
  for (let i = 0; i < 4; i++) {
    assert.equal(v.getUint32(4096 + i * 8, true), (cr3 + (2 + i) * 4096) | 3);
    for (const j of [0, 1, 511]) {
      const pde = v.getUint32((2 + i) * 4096 + j * 8, true);
      assert.equal((pde & ~0xfff) >>> 0, ((i * 512 + j) * 2 * MiB) >>> 0, `PD ${i}[${j}] maps its own address`);
      assert.equal(pde & 0x83, 0x83, 'present, writable, 2 MiB');
    }
  }
});

test('the 64-bit entry as the kernel sees it: the bz-report kernel\'s startup_64 reports RSI, CS, CR0, CR4, CR3, EFER and the command line', () => {
  const { plan, cr3 } = plan64();
  const m = new Machine({ mode: 'hvm', memoryMiB: RAM / MiB });
  m.load(plan);
  const stop = m.run(1_000_000);
  assert.deepEqual(stop, { kind: 'debug-exit', code: 1 }, `stopped with ${JSON.stringify(stop)}: ${m.serialOutput()}`);
  const f: Record<string, bigint> = {};
  let cmd = '';
  for (const line of m.serialOutput().split('\n')) {
    const [key, v] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
    if (key === 'cmdline') cmd = v; else if (key) f[key] = BigInt('0x' + v);
  }
  assert.equal(f.rsi, 0x10000n, 'RSI: the zero page, zero-extended');
  assert.equal(f.cs, 0x10n, '__BOOT_CS');
  assert.equal(f.cr0! & 0x80000001n, 0x80000001n, 'PG and PE');
  assert.equal(f.cr4! & 0x20n, 0x20n, 'PAE');
  assert.equal(f.efer! & 0x500n, 0x500n, 'EFER.LME and EFER.LMA');
  assert.equal(f.cr3, BigInt(cr3));
  assert.equal(cmd, cmdline, 'the zero page\'s cmd_line_ptr, read in 64-bit mode');
});

test('malformed or unsuitable bzImages are refused with the field at fault', () => {
  const good = fx.bzReport().bytes;
  const bad = (mutate: (v: DataView, b: Uint8Array) => void, re: RegExp, field: string, extra: Record<string, unknown> = {}) => {
    const b = good.slice();
    mutate(new DataView(b.buffer), b);
    assert.throws(() => loadImage(b, { ramBytes: RAM, format: 'bzimage', ...extra }), (e: unknown) => {
      assert.ok(e instanceof ImageError, String(e));
      assert.match(e.message, re);
      assert.equal(e.field, field);
      return true;
    });
  };
  bad((v) => v.setUint16(0x1fe, 0x1234, true), /boot_flag is 0x1234/, 'boot_flag');
  bad((v) => v.setUint16(0x206, 0x0201, true), /boot protocol 2\.01 is older than 2\.02/, 'version');
  bad((v) => v.setUint8(0x211, 0), /a zImage/, 'loadflags');
  bad((v) => v.setUint8(0x1f1, 200), /past the end/, 'setup_sects');
  bad((v) => v.setUint16(0x236, 0, true), /has no 64-bit entry point .* XLF_KERNEL_64/, 'xloadflags', { linuxEntry: '64' });
  bad((v) => v.setUint16(0x206, 0x020b, true), /has no 64-bit entry point \(boot protocol 2\.11/, 'xloadflags', { linuxEntry: '64' });
  bad(() => undefined, /command line is 300 bytes; this kernel takes at most 255/, 'cmdline_size', { cmdline: 'x'.repeat(300) });
  bad(() => undefined, /no room for the .* initrd/, 'initrd', { initrd: new Uint8Array(15 * MiB) });
  bad((v) => v.setUint32(0x230, 0x3000, true), /kernel_alignment 0x3000 is not a power of two/, 'kernel_alignment');
  bad((v) => v.setUint32(0x214, 0x8000, true), /code32_start 0x8000 is not a page-aligned address at or above 1 MiB/, 'code32_start');
  // A code32_start elsewhere is where the kernel is loaded and entered.
  const moved = good.slice();
  new DataView(moved.buffer).setUint32(0x214, 0x200000, true);
  const mp = loadImage(moved, { ramBytes: RAM, format: 'bzimage' });
  assert.ok(mp.entry.kind === 'flat32' && mp.entry.eip === 0x200000);
  assert.deepEqual(mp.memory.find((m) => m.paddr === 0x200000)?.bytes.subarray(0, 16), good.subarray(0x600, 0x610));
  bad((v) => v.setUint32(0x1f4, 0x1000, true), /the file is truncated: syssize says the protected-mode kernel is 65536 bytes/, 'syssize');
  assert.throws(() => loadImage(good.slice(0, 0x600 + 0x100), { ramBytes: RAM, linuxEntry: '64' }), /truncated|64-bit entry at \+0x200 lies outside it/);
  // Not a bzImage at all, under --format bzimage: what the file is instead is named.
  assert.throws(() => loadImage(fx.mbElf().bytes, { ramBytes: RAM, format: 'bzimage' }), /no "HdrS" magic.*by its headers this file is an ELF32 file with a Multiboot header/);
  // And a bzImage given as ELF.
  assert.throws(() => loadImage(good, { ramBytes: RAM, format: 'elf' }), /not an ELF file.*by its headers this file is a Linux bzImage \(boot protocol 2\.15\)/);
  // An initrd for a kernel that is not Linux.
  assert.throws(() => loadImage(fx.mbElf().bytes, { ramBytes: RAM, initrd }), /an initrd can only be passed to a Linux bzImage/);
});
