// Mutates and truncates valid images (seeded, reproducible) and feeds them to the loader and
// the Xen note parser. Every outcome must be an ImageError or a sane plan: all writes inside
// RAM and outside the VGA/ROM hole, none overlapping, and an entry point inside what was loaded.
// PARAVIRT_FUZZ_COUNT sets the number of cases (default 2000); PARAVIRT_FUZZ_SEED the seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageError, loadImage, parseXenNotes, xenKernelImage } from '../../emulator/loader/index';
import type { ImageFormat, LoadOptions } from '../../emulator/loader/index';
import type { BootPlan } from '../../emulator/machine';
import { FixtureBuilder } from './build-fixtures';
import { checkPlan } from './plan-ram';

const fx = new FixtureBuilder('fuzz');
const COUNT = Number(process.env.PARAVIRT_FUZZ_COUNT ?? 2000);
const SEED = Number(process.env.PARAVIRT_FUZZ_SEED ?? 0x5eed1234);

/** mulberry32: small, fast, and the same sequence on every platform. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0, 1, 4, 0x20, 0x34, 0xff, 0x1000, 0x9fc00, 0xa0000, 0x100000, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, 0x1badb002];

function mutate(base: Uint8Array, r: () => number): { bytes: Uint8Array; what: string } {
  const pick = (n: number) => Math.floor(r() * n);
  const kind = pick(5);
  if (kind === 0) {
    const len = pick(base.length + 1);
    return { bytes: base.slice(0, len), what: `truncate to ${len}` };
  }
  const bytes = base.slice();
  const v = new DataView(bytes.buffer);
  const edits: string[] = [];
  const n = 1 + pick(6);
  for (let i = 0; i < n; i++) {
    // Headers live near the start: aim most edits there.
    const span = r() < 0.7 ? Math.min(bytes.length, 1024) : bytes.length;
    const at = pick(Math.max(1, span - 4)) & ~(r() < 0.5 ? 3 : 0);
    if (at + 4 > bytes.length) continue;
    if (kind === 1) { const b = pick(256); bytes[at] = b; edits.push(`[${at}]=${b}`); }
    else if (kind === 2) { const w = INTERESTING[pick(INTERESTING.length)]; v.setUint32(at, w, true); edits.push(`u32[${at}]=${w}`); }
    else if (kind === 3) { const w = (r() * 2 ** 32) >>> 0; v.setUint32(at, w, true); edits.push(`u32[${at}]=${w}`); }
    else { const w = pick(65536); v.setUint16(at, w, true); edits.push(`u16[${at}]=${w}`); }
  }
  return { bytes, what: edits.join(' ') };
}

function entryInsideLoaded(plan: BootPlan): void {
  const inside = (addr: number) => plan.memory.some((m) => addr >= m.paddr && addr < m.paddr + m.bytes.length);
  switch (plan.entry.kind) {
    case 'flat32': assert.ok(inside(plan.entry.eip), `flat32 entry ${plan.entry.eip.toString(16)} outside loaded memory`); break;
    case 'real': assert.ok(inside(plan.entry.cs * 16 + plan.entry.ip), 'real-mode entry outside loaded memory'); break;
    case 'reset': assert.ok(plan.rom && plan.rom.length >= 16 && plan.rom.length <= 0x100000, 'reset entry without a sane ROM'); break;
    case 'long64': assert.ok(inside(plan.entry.rip) && inside(plan.entry.cr3) && inside(plan.entry.gdt.base), 'long64 entry, page tables or GDT outside loaded memory'); break;
  }
}

test(`fuzz: ${COUNT} mutated images give an ImageError or a sane plan`, { timeout: 600_000 }, () => {
  const bases: Array<[string, Uint8Array]> = [
    ['mb-elf', fx.mbElf().bytes], ['plain', fx.plainElf().bytes], ['c-kernel', fx.cKernel().bytes],
    ['kludge', fx.mbKludge({ pad: 64 }).bytes], ['xen-pv', fx.xenPv().bytes], ['xen-legacy', fx.xenLegacy().bytes],
    ['higher-half', fx.higherHalf().bytes], ['elf64-kludge', fx.mbElf64().bytes], ['boot-sector', fx.flatBin('boot-sector.asm').bytes],
    ['elf64-higher-half', fx.higherHalf64().bytes], ['multiboot2', fx.mb2Report().bytes], ['bzimage', fx.bzReport().bytes],
  ];
  const formats: ImageFormat[] = ['auto', 'auto', 'auto', 'elf', 'multiboot', 'multiboot2', 'bzimage', 'xen', 'flat', 'rom'];
  const rsdp = new Uint8Array(36).fill(0x41);
  rsdp[15] = 2;
  const rams = [0x80000, 1 << 20, 2 << 20, 4 << 20, 16 << 20];
  const r = rng(SEED);
  const outcomes = { plans: 0, imageErrors: 0, xenInfos: 0 };
  for (let i = 0; i < COUNT; i++) {
    const [name, base] = bases[Math.floor(r() * bases.length)];
    const m = mutate(base, r);
    const opts: LoadOptions = {
      ramBytes: rams[Math.floor(r() * rams.length)],
      format: formats[Math.floor(r() * formats.length)],
      cmdline: r() < 0.5 ? 'fuzz' : undefined,
      modules: r() < 0.2 ? [{ bytes: new Uint8Array(Math.floor(r() * 9000)), cmdline: 'm' }] : undefined,
      initrd: r() < 0.2 ? new Uint8Array(Math.floor(r() * 9000)) : undefined,
      linuxEntry: r() < 0.5 ? '32' : '64',
      acpiRsdp: r() < 0.5 ? rsdp : undefined,
      acpiRsdpAddr: 0xf0000,
    };
    const label = `case ${i} (seed ${SEED}): ${name}, ${m.what}, ${JSON.stringify({ ...opts, modules: opts.modules?.length, initrd: opts.initrd?.length, acpiRsdp: opts.acpiRsdp !== undefined })}`;
    try {
      const plan = loadImage(m.bytes, opts);
      checkPlan(plan, opts.ramBytes);
      entryInsideLoaded(plan);
      outcomes.plans++;
    } catch (e) {
      if (!(e instanceof ImageError)) throw new Error(`${label}: ${e instanceof Error ? e.stack : String(e)}`);
      assert.ok(e.message.length > 10, `${label}: vague message`);
      outcomes.imageErrors++;
    }
    try {
      const xen = parseXenNotes(m.bytes);
      if (xen) {
        outcomes.xenInfos++;
        const k = xenKernelImage(m.bytes, xen, 4 << 20);
        assert.ok(k.image.length <= 4 << 20 && k.image.length === k.virtEnd - k.virtStart, `${label}: PV image size`);
        assert.ok(k.entry >= k.virtStart && k.entry <= k.virtEnd, `${label}: PV entry`);
      }
    } catch (e) {
      if (!(e instanceof ImageError)) throw new Error(`${label} (Xen): ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  // Both outcomes must occur, or the mutations are not exercising anything.
  assert.ok(outcomes.plans > COUNT / 20, `only ${outcomes.plans} plans`);
  assert.ok(outcomes.imageErrors > COUNT / 20, `only ${outcomes.imageErrors} errors`);
  assert.ok(outcomes.xenInfos > 0);
});
