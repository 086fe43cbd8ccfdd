// Unwinding through a trap frame: the kernel (src/trap.c) executes int3 inside fault_here; its
// handler stub carries CFI for the frame the CPU pushed (a signal frame). Stopped in the C
// handler, the stack must lead through the stub back into fault_here at the instruction after
// int3, whose locals must read as the kernel set them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { loadImage } from '../../emulator/loader/index';
import { parseElf32, readSymbols } from '../../emulator/loader/elf';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { Regs } from '../../emulator/loader/dwarf';
import { VARIANTS, buildC, read } from './programs';

for (const v of [VARIANTS[0]!, VARIANTS[4]!]) {
  test(`${v.name}: a stack through an int3 trap frame reaches the interrupted function and its locals`, () => {
    const bytes = read(buildC('trap', v));
    const di = DebugInfo.fromElf(bytes);
    const syms = readSymbols(parseElf32(bytes));
    const sym = (n: string) => syms.find((s) => s.name === n)!.value;
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    m.load(loadImage(bytes, { ramBytes: 16 << 20 }));
    const handler = di.functionByName('trap_handler')!;
    m.addBreakpoint(handler.lowPc);
    assert.deepEqual(m.run(1_000_000), { kind: 'breakpoint', address: handler.lowPc });
    const readMemory = (a: number, n: number) => m.readLinear(a, n);
    const frames = di.stack(m.getRegisters() as unknown as Regs, readMemory);
    const isr3 = sym('isr3');
    assert.equal(frames[0]!.function?.name, 'trap_handler');
    assert.ok(frames[1]!.regs.eip! > isr3 && frames[1]!.regs.eip! < isr3 + 0x20, 'frame 1 is the stub, after its call');
    assert.equal(frames[1]!.exactPc, false);
    assert.equal(frames[2]!.regs.eip, sym('after_int3'), 'frame 2 resumes after int3');
    assert.equal(frames[2]!.exactPc, true, 'a trapped frame has an exact PC');
    assert.deepEqual(frames.slice(2).map((f) => f.function?.name), ['fault_here', 'kmain', '_start']);
    const f2 = frames[2]!;
    const va = di.variablesAt(f2.regs.eip!)!;
    const state = { regs: f2.regs, readMemory, innermost: f2.exactPc };
    const local = va.locals.find((x) => x.name === 'local')!;
    const r = di.readVariable(local, state, va.function);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.text, '42');
    // EFLAGS came back from the trap frame: IF clear, as the kernel runs with interrupts off, bit 1 set.
    assert.equal(f2.regs.eflags! & 0x202, 0x2);
    // Resuming: the handler prints the trap EIP it was given, which must be the unwound EIP.
    m.removeBreakpoint(handler.lowPc);
    m.run(1_000_000);
    const printed = /trap_eip=([0-9a-f]{8})/.exec(m.serialOutput());
    assert.ok(printed, m.serialOutput());
    assert.equal(parseInt(printed[1]!, 16), f2.regs.eip);
    assert.match(m.serialOutput(), /result=0000002b/);
  });
}
