// Snapshots copy only the pages written since the previous one, so a store that reaches RAM
// without marking its page would make a restore silently wrong. Each class of writer gets a
// guest (or a debugger) that writes heavily and at random through it; every snapshot taken
// along the run is restored, in shuffled order, and compared with a fingerprint of the whole
// machine (registers, icount and every byte of RAM, read straight from the full RAM) taken at
// the moment of that snapshot. After each restore the run goes on to the next snapshot's point
// and must match it too, which checks the tracking that restarts at a restore. Before every
// snapshot, and after every restore, the machine's self-check compares all of RAM with the
// image it believes RAM holds outside the pages marked written: a store that escaped tracking
// shows there even if nothing later happens to restore over it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Machine } from '../../emulator/machine';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { assemble } from '../cpu/harness';
import { buildPvGuest } from '../pv/harness';

const CODE = 0x100000;
const MIB = 8;

/**
 * An LCG picks, at each turn, one of eight kinds of store at a random place of a 4 MiB region
 * (unaligned, sometimes across a page boundary): byte, word and dword moves, REP STOSD and
 * REP MOVSB (the CPU's page-at-a-time string path), a read-modify-write, a push, and a store
 * into the page the loop's own code sits in (the path that invalidates compiled code).
 */
function randomWriter(paging: boolean): string {
  return `
  mov esp, 0x90000
${paging ? `
  ; Identity-map the first 8 MiB with 4 KiB pages (the walker sets A and D bits as it goes).
  mov edi, 0x11000
  mov eax, 0x007
  mov ecx, 2048
fill_pt:
  mov [edi], eax
  add eax, 0x1000
  add edi, 4
  dec ecx
  jnz fill_pt
  mov dword [0x10000], 0x11007
  mov dword [0x10004], 0x12007
  mov eax, 0x10000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80010000
  mov cr0, eax
` : ''}
  mov ebx, 0x2545f491
top:
  imul ebx, ebx, 1103515245
  add ebx, 12345
  mov eax, ebx
  shr eax, 7
  and eax, 0x3fffff
  mov ecx, ebx
  shr ecx, 28
  and ecx, 7
  jmp [kinds + ecx * 4]
kind0: mov [0x200000 + eax], bl
  jmp top
kind1: mov [0x200000 + eax], bx
  jmp top
kind2: mov [0x200000 + eax], ebx
  jmp top
kind3: lea edi, [0x200000 + eax]
  and edi, ~3
  mov ecx, ebx
  and ecx, 0x3ff
  mov eax, ebx
  cld
  rep stosd
  jmp top
kind4: lea esi, [0x200000 + eax]
  mov edi, ebx
  and edi, 0x3fffff
  add edi, 0x200000
  mov ecx, ebx
  and ecx, 0x1fff
  cmp edi, 0x5fe000
  jae top
  cmp esi, 0x5fe000
  jae top
  cld
  rep movsb
  jmp top
kind5: xor [0x200000 + eax], ebx
  add word [0x200000 + eax + 1], bx
  jmp top
kind6: push ebx
  push eax
  pop edx
  pop edx
  mov [0x200000 + eax], dl
  jmp top
kind7: and eax, 0x3ff
  mov [near_code + eax], bl
  jmp top
align 4
kinds: dd kind0, kind1, kind2, kind3, kind4, kind5, kind6, kind7
near_code: times 1024 db 0
`;
}

function hvm(source: string, compile: boolean): Machine {
  const m = new Machine({ mode: 'hvm', memoryMiB: MIB, blockCompiler: compile });
  m.load({ memory: [{ paddr: CODE, bytes: assemble(source) }], entry: { kind: 'flat32', eip: CODE, regs: { esp: 0x90000 } }, description: 'random writer' });
  return m;
}

/** Everything a restore must put back: the count, the registers, the CPU's full state and every byte of RAM. */
function fingerprint(m: Machine): string {
  const r = m.getRegisters();
  const ram = createHash('sha1').update(m.memory.u8).digest('hex');
  return `${m.icount} ${Object.values(r).join(',')} ${ram} ${m.serialOutput().length}`;
}

/** A deterministic shuffle (the order restores happen in matters: each starts from the last). */
function shuffled(n: number, seed: number): number[] {
  const a = [...Array(n).keys()];
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface Point { snap: unknown; icount: number; print: string }

/**
 * Runs `m` in `slices` of about `every` instructions (varied, so snapshots fall at all
 * sorts of places), calling `between` after each slice, with a snapshot and a fingerprint
 * after it; then restores every snapshot in shuffled order and checks it, and (when the run
 * is deterministic from a snapshot: `replays`) runs on to the next point and checks that.
 */
function roundTrip(m: Machine, slices: number, every: number, between?: (i: number) => void, replays = true): Point[] {
  const points: Point[] = [];
  const take = () => {
    // Every page that changed since the previous snapshot is marked: none escaped tracking.
    assert.deepEqual(m.untrackedPages(), [], `pages written without being tracked, before the snapshot at ${m.icount}`);
    points.push({ snap: m.snapshot(), icount: m.icount, print: fingerprint(m) });
  };
  take();
  for (let i = 0; i < slices; i++) {
    m.run(every + ((i * 7919) % every));
    between?.(i);
    take();
  }
  for (const k of shuffled(points.length, points.length)) {
    const p = points[k]!;
    m.restore(p.snap);
    assert.equal(fingerprint(m), p.print, `snapshot ${k} at instruction ${p.icount} restored`);
    assert.deepEqual(m.untrackedPages(), [], 'after a restore, live RAM is the restored image');
    const next = points[k + 1];
    if (replays && next) {
      while (m.icount < next.icount) m.run(next.icount - m.icount);
      assert.equal(fingerprint(m), next.print, `from snapshot ${k}, run on to instruction ${next.icount}`);
    }
  }
  return points;
}

test('CPU stores through the interpreter: every snapshot restores exactly', () => {
  roundTrip(hvm(randomWriter(false), false), 40, 5_000);
});

test('CPU stores from compiled blocks: every snapshot restores exactly', () => {
  const m = hvm(randomWriter(false), true);
  m.run(200_000); // the loop is hot and compiled before the first snapshot
  roundTrip(m, 40, 20_000);
  assert.ok(m.cpu.blocks!.compiled > 0, 'blocks were compiled');
});

test('with paging on (A/D bits written by the page walker): every snapshot restores exactly', () => {
  roundTrip(hvm(randomWriter(true), true), 40, 20_000);
});

test('the debugger writing memory between runs: every snapshot restores exactly', () => {
  const m = hvm(randomWriter(false), true);
  let s = 99;
  roundTrip(m, 30, 3_000, () => {
    for (let k = 0; k < 20; k++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const bytes = new Uint8Array(1 + (s % 300)).fill(s >>> 24);
      if (k % 2) m.writePhysical(0x200000 + (s % 0x3ff000), bytes);
      else assert.ok(m.writeLinear(0x600000 + (s % 0x1ff000), bytes));
    }
  }, false);
});

test('only the pages written since the previous snapshot are copied; untouched RAM is not', () => {
  // 256 MiB of RAM: a loop that writes one dword in each of 16 pages.
  const m = new Machine({ mode: 'hvm', memoryMiB: 256 });
  const code = assemble(`
  mov ecx, 0
again:
  mov eax, ecx
  and eax, 15
  shl eax, 12
  mov [0x800000 + eax], ecx
  inc ecx
  jmp again`);
  m.load({ memory: [{ paddr: CODE, bytes: code }], entry: { kind: 'flat32', eip: CODE }, description: 'sparse writer' });
  const first = m.snapshot();
  const atLoad = m.snapshotMemory().heldBytes;
  // The code page and the ACPI tables below 1 MiB, in one leaf of the table.
  assert.ok(atLoad <= 3 * 4096 + 4160, `the loaded image costs its few pages: ${atLoad}`);
  m.run(10_000);
  assert.equal(m.snapshotMemory().nextBytes, 16 * 4096 + 4160, 'sixteen pages written, in one leaf of the table');
  const second = m.snapshot();
  const after = m.snapshotMemory().heldBytes;
  assert.ok(after - atLoad <= 16 * 4096 + 4160, `the second snapshot copied the 16 written pages only: ${after - atLoad}`);
  m.run(10_000);
  m.snapshot();
  m.releaseSnapshot(second);
  m.restore(first);
  assert.equal(m.readPhysical(0x800000, 4)[0], 0);
  assert.throws(() => m.releaseSnapshot(second), /released already/);
  assert.throws(() => m.restore({}), /not a snapshot of this machine/);
});

for (const guest of ['memory', 'events'] as const) {
  test(`PV hypervisor writes (${guest} guest: hypercalls, events, time info): every snapshot restores exactly`, () => {
    const m = new Machine({ mode: 'pv', memoryMiB: 16, serialOut: () => undefined });
    m.load(loadPvImage(new Uint8Array(readFileSync(buildPvGuest(guest))), { ramBytes: 16 << 20 }));
    const points = roundTrip(m, 60, guest === 'memory' ? 1_500 : 6_000);
    assert.ok(points[points.length - 1]!.icount > 20_000, 'the guest ran its hypercalls');
  });
}
