// A page that starts holding compiled code must make every cached write translation of it
// take the path that invalidates blocks. Here the interpreter stores to a page (caching a
// write entry) before any code on it is compiled; then a function on that page gets compiled;
// then a 16-bit store (a form compiled blocks leave to the interpreter) patches that function
// through the same translation. The patched function must run as patched: a write entry left
// as it was cached would let the store reach RAM beside the stale block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../emulator/machine';
import { assemble } from './harness';

const SOURCE = `
bits 32
start:
  mov esp, 0x90000
  mov byte [data], 7          ; caches page P's write entry while P holds no code
  mov ecx, 6
.again:
  call f                      ; f is compiled at its third visit
  dec ecx
  jnz .again
  mov word [f + 1], 2         ; f now returns 2
  call f
  mov ebx, eax
  hlt

align 4096
f:                            ; page P
  mov eax, 1
  ret
data: db 0
`;

for (const threshold of [3, 1]) {
  test(`an interpreted store into code compiled after its page's write entry was cached runs patched (threshold ${threshold})`, () => {
    const m = new Machine({ mode: 'hvm', memoryMiB: 16 });
    m.cpu.blockThreshold = threshold;
    m.load({ memory: [{ paddr: 0x100000, bytes: assemble(SOURCE, 32, 0x100000) }], entry: { kind: 'flat32', eip: 0x100000, regs: { esp: 0x90000 } }, description: 'code page TLB' });
    m.run(10_000);
    assert.ok(m.cpu.blocks!.compiled > 0, 'f was compiled');
    assert.equal(m.cpu.regs[3], 2, 'f returned what the patched code returns');
  });
}
