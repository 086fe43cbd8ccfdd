// The far TLB (long-mode pages outside the sign-extended 32-bit range, far-tlb.ts) serves
// reads and writes straight from RAM on a hit, as the direct-mapped TLB does, so its write
// entries must go when dirty-page tracking restarts (a snapshot): otherwise a store into a far
// page after the snapshot is never seen, and restoring the snapshot leaves it in place.
// Run interpreted and with every block compiled at its first visit (compiled code reaches far
// pages through the CPU's rd*/wr*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { assemble } from './harness';
import { longKernelSource, STACKS } from './long-prelude';

/** FARBASE + 3 MiB is physical 3 MiB (the prelude maps the first 16 MiB there by 2 MiB pages). */
const PHYS = 0x300000;
const BODY = `
  mov rbx, FARBASE + 0x${PHYS.toString(16)}
  mov qword [rbx], 0
  mov rcx, FARBASE + 0x${(PHYS + 0x1ffe).toString(16)}
.loop:
  inc dword [rbx]
  mov eax, [rbx]
  mov [rbx + 8], rax
  mov [rcx], ax
  mov byte [rbx + 16], al
  jmp .loop
`;

function u32(m: Machine, a: number): number { const b = m.readPhysical(a, 4); return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0; }

for (const compiled of [false, true]) {
  test(`a store through a far TLB entry after a snapshot is undone by restoring it (${compiled ? 'compiled' : 'interpreted'})`, () => {
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    if (compiled) m.cpu.blockThreshold = 1;
    else m.cpu.blockThreshold = 0;
    const code = assemble(longKernelSource(BODY), 32, 0x100000);
    m.load({ memory: [{ paddr: 0x100000, bytes: code }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: STACKS.rsp } }, description: 'far TLB test' });
    m.run(300_000);
    const before = [u32(m, PHYS), u32(m, PHYS + 8), u32(m, PHYS + 16) & 0xff, u32(m, PHYS + 0x1ffe) & 0xffff];
    assert.ok(before[0]! > 100, `the loop ran (${before[0]} passes)`);
    const snap = m.snapshot();
    m.run(100_000);
    assert.ok(u32(m, PHYS) > before[0]!, 'the loop went on after the snapshot');
    m.restore(snap);
    assert.deepEqual([u32(m, PHYS), u32(m, PHYS + 8), u32(m, PHYS + 16) & 0xff, u32(m, PHYS + 0x1ffe) & 0xffff], before);
    m.releaseSnapshot(snap);
  });
}
