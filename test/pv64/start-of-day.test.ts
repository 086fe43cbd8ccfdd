// A 64-bit PV kernel's start of day against Xen's headers: the builder hands over start_info
// in RSI with the x86_64 layout, FLAT_KERNEL_CS/SS in ring 3, 4-level bootstrap tables whose
// L4 is the running root, an identity p2m list and the read-only M2P at Xen's
// MACH2PHYS_VIRT_START, readable by the ring-3 kernel; the hypercall page holds Xen's
// 64-bit stubs (checked with iced-x86), and an unknown hypercall number is -ENOSYS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { buildPv64Guest, runPv64, signed64 } from './harness';
import { fact } from './xen-facts';

const VIRT_BASE = 0xffffffff80000000n;

function u64At(bytes: Uint8Array, off: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(off, true);
}

test('hello64: start of day as the x86_64 headers lay it out, printed from ring 3', () => {
  const r = runPv64(buildPv64Guest('hello64'));
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  const v = (k: string) => { const x = r.values.get(k); assert.notEqual(x, undefined, `${k} missing in:\n${r.out}`); return x!; };
  assert.equal(v('cs'), fact('FLAT_KERNEL_CS'));
  assert.equal(v('ss'), fact('FLAT_KERNEL_SS'));
  assert.equal(r.machine.cpu.cpl, 3, 'the kernel runs in ring 3');
  // start_info, read by the test at the headers' offsets, agrees with what the kernel printed.
  const siVa = v('entry_rsi');
  const si = r.machine.readPhysical(Number(siVa - VIRT_BASE), 1168);
  assert.equal(new TextDecoder().decode(si.subarray(Number(fact('start_info.magic')), 14)), 'xen-3.0-x86_64');
  for (const [field, printed] of [['nr_pages', 'nr_pages'], ['shared_info', 'shared_info'], ['store_mfn', 'store_mfn'],
    ['console_mfn', 'console_mfn'], ['pt_base', 'pt_base'], ['nr_pt_frames', 'nr_pt_frames'], ['mfn_list', 'mfn_list']] as const) {
    assert.equal(u64At(si, Number(fact(`start_info.${field}`))), v(printed), field);
  }
  const dv = new DataView(si.buffer, si.byteOffset);
  assert.equal(BigInt(dv.getUint32(Number(fact('start_info.store_evtchn')), true)), v('store_evtchn'));
  assert.equal(BigInt(dv.getUint32(Number(fact('start_info.console_evtchn')), true)), v('console_evtchn'));
  // The bootstrap region: RSP and start_info above the kernel, inside the mapping, the L4 the running CR3.
  assert.ok(v('entry_rsp') > siVa && (v('entry_rsp') & 0xfn) === 0n);
  assert.equal(BigInt(r.machine.cpu.cr3 >>> 12), v('l4_mfn'));
  assert.equal(v('m2p_of_l4'), v('l4_mfn'), 'the M2P maps the L4 frame back to its pfn (p2m and M2P are identity)');
  assert.equal(v('xen_version') >> 16n, 4n);
  assert.equal(signed64(v('unknown_hypercall')), -fact('ENOSYS'));
  assert.match(r.out, /hello from a 64-bit PV kernel in ring 3/);
});

/** The page-table walk of `va` from the running CR3 (4-level, 4 KiB leaves): the leaf entry, or null where a level is not present. */
function leaf(r: ReturnType<typeof runPv64>, va: bigint): bigint | null {
  let table = BigInt(r.machine.cpu.cr3 >>> 0) & ~0xfffn;
  for (const shift of [39n, 30n, 21n, 12n]) {
    const e = u64At(r.machine.readPhysical(Number(table + ((va >> shift) & 0x1ffn) * 8n), 8), 0);
    if ((e & 1n) === 0n) return null;
    if (shift === 12n) return e;
    table = e & 0x000ffffffffff000n;
  }
  return null;
}

test('XEN_ELFNOTE_INIT_P2M: the p2m list is mapped where the kernel asked, in frames after the initial mapping, as libxc does', () => {
  const plain = runPv64(buildPv64Guest('hello64'));
  const r = runPv64(buildPv64Guest('hello64', ['INIT_P2M']));
  assert.deepEqual(r.stop, { kind: 'shutdown', code: 0, reason: 'sched_op shutdown: poweroff' }, r.out);
  assert.equal(fact('XEN_ELFNOTE_INIT_P2M'), 15n, 'the note hello64.asm writes');
  const v = (run: typeof r, k: string) => { const x = run.values.get(k); assert.notEqual(x, undefined, `${k} missing in:\n${run.out}`); return x!; };
  const si = r.machine.readPhysical(Number(v(r, 'entry_rsi') - VIRT_BASE), 1168);
  for (const f of ['first_p2m_pfn', 'nr_p2m_frames', 'mfn_list'] as const) assert.equal(u64At(si, Number(fact(`start_info.${f}`))), v(r, f), f);
  assert.equal(v(r, 'mfn_list'), 0x8000000000n);
  // Without the note the p2m list sits in the kernel's mapping and the p2m fields are 0.
  assert.ok(v(plain, 'mfn_list') > VIRT_BASE);
  assert.equal(v(plain, 'first_p2m_pfn'), 0n);
  assert.equal(v(plain, 'nr_p2m_frames'), 0n);
  // With it, the initial mapping holds the kernel, start_info, xenstore, console, the tables and
  // the stack only: the page tables follow the console page, and the mapping ends on a 4 MiB
  // boundary where the p2m frames begin.
  const siVa = v(r, 'entry_rsi');
  assert.equal(v(r, 'store_mfn'), (siVa - VIRT_BASE) / 4096n + 1n);
  assert.equal(v(r, 'console_mfn'), (siVa - VIRT_BASE) / 4096n + 2n);
  assert.equal(v(r, 'pt_base'), siVa + 3n * 4096n);
  let end = VIRT_BASE;
  while (leaf(r, end) !== null) end += 4096n;
  assert.equal(end % (4n << 20n), 0n, 'the initial mapping ends on a 4 MiB boundary');
  assert.equal(v(r, 'first_p2m_pfn'), (end - VIRT_BASE) / 4096n);
  // The p2m pages, writable, at the asked address; then one L3, one L2 and one L1 for them.
  const p2mPages = (v(r, 'nr_pages') * 8n + 4095n) / 4096n;
  assert.equal(v(r, 'nr_p2m_frames'), p2mPages + 3n);
  for (let i = 0n; i < p2mPages; i++) {
    const e = leaf(r, 0x8000000000n + i * 4096n);
    assert.ok(e !== null, `p2m page ${i} mapped`);
    assert.equal((e! & 0x000ffffffffff000n) >> 12n, v(r, 'first_p2m_pfn') + i);
    assert.equal(e! & 2n, 2n, 'writable');
  }
  assert.equal(leaf(r, 0x8000000000n + p2mPages * 4096n), null);
  assert.equal(v(r, 'p2m_first'), 0n);
  assert.equal(v(r, 'p2m_last'), v(r, 'nr_pages') - 1n, 'the p2m list is whole (identity)');
});

test('the 64-bit hypercall page: push rcx; push r11; mov eax, N; syscall; pop r11; pop rcx; ret, slot 23 jumps', () => {
  const r = runPv64(buildPv64Guest('hello64'));
  const hp = r.values.get('hypercall_page');
  assert.ok(hp !== undefined, r.out);
  const page = r.machine.readPhysical(Number(hp - VIRT_BASE), 4096);
  const text = (slot: number, len: number) => {
    const dec = new Decoder(64, page.subarray(slot * 32, slot * 32 + len), DecoderOptions.None);
    const fmt = new Formatter(FormatterSyntax.Intel);
    const out: string[] = [];
    while (dec.canDecode) { const i = dec.decode(); out.push(fmt.format(i)); i.free(); }
    dec.free(); fmt.free();
    return out;
  };
  for (const n of [0, 1, 17, 18, 29, 33]) {
    assert.deepEqual(text(n, 14), ['push rcx', 'push r11', `mov eax,${n.toString(16).toUpperCase()}${n > 9 ? 'h' : ''}`, 'syscall', 'pop r11', 'pop rcx', 'ret'], `slot ${n}`);
  }
  assert.deepEqual(text(23, 11), ['push rcx', 'push r11', 'push rax', 'mov eax,17h', 'syscall']);
});
