// The interrupt-frame map on 64-bit stubs: guest/boot64.inc's vector stubs and common stub,
// assembled by nasm -f elf64 and linked by ld (nm gives the labels). Oracles: the CPU's 64-bit
// frame (SDM Vol. 3 6.14.2: RIP, CS, RFLAGS, RSP, SS, with an error code below RIP for some
// vectors) and gcc's offsetof for struct boot64_frame in guest/boot64.h, the layout the common
// stub builds; at every instruction from a stub's entry to the call into C, the map must say
// where RIP, the vector and each pushed register are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GUESTS, ROOT } from './harness';
import { StubMap, type HandlerEntry } from '../../debug-adapter/engine/interrupt-frames';
import { decodeInfo } from '../../emulator/isa';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

const REGS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

test('64-bit stub map: boot64.inc stubs, every vector, the CPU frame and struct boot64_frame by offsetof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stubs64-'));
  try {
    const guest = join(ROOT, 'guest');
    run('nasm', ['-f', 'elf64', '-I', GUESTS + '/', '-I', guest + '/', '-o', join(dir, 'b.o'), join(GUESTS, 'boot64.asm')]);
    // The entry calls kmain and on_trap: empty ones are enough to link.
    writeFileSync(join(dir, 'k.c'), 'void kmain(void) {}\nvoid on_trap(void *f) { (void)f; }\n');
    run('gcc', ['-m64', '-ffreestanding', '-fno-pic', '-c', join(dir, 'k.c'), '-o', join(dir, 'k.o')]);
    const elf = join(dir, 'k.elf');
    run('ld', ['-m', 'elf_x86_64', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link64.ld'), '-o', elf, join(dir, 'b.o'), join(dir, 'k.o')]);
    run('objcopy', ['-O', 'binary', '-j', '.text', elf, join(dir, 't.bin')]);
    const code = new Uint8Array(readFileSync(join(dir, 't.bin')));
    const base = parseInt(/\.text\s+PROGBITS\s+([0-9a-f]+)/.exec(run('readelf', ['-SW', elf]))![1]!, 16);
    // nm's addresses (binutils), read once.
    const syms = new Map(run('nm', [elf]).trim().split('\n').map((l) => l.split(' ')).map(([a, , n]) => [n!, parseInt(a!, 16)] as const));
    const nmAddress = (_elf: string, name: string): number => { const a = syms.get(name); if (a === undefined) throw new Error(`nm: no ${name}`); return a; };
    const read = (addr: number, len: number) => addr >= base && addr + len <= base + code.length ? code.slice(addr - base, addr - base + len) : null;

    // offsetof in struct boot64_frame, from gcc.
    const fields = [...REGS.filter((r) => r !== 'rsp'), 'vector', 'error_code', 'rip', 'cs', 'rflags', 'rsp_cpu', 'ss'];
    writeFileSync(join(dir, 'o.c'), `#include <stdio.h>\n#include <stddef.h>\n#include "boot64.h"\nint main(void) {\n${fields.map((f) => `  printf("${f} %zu\\n", offsetof(struct boot64_frame, ${f === 'rsp_cpu' ? 'rsp' : f}));\n`).join('')}  return 0;\n}\n`);
    run('gcc', ['-I', guest, '-o', join(dir, 'o'), join(dir, 'o.c')]);
    const offsetof = Object.fromEntries(run(join(dir, 'o'), []).trim().split('\n').map((l) => { const [k, v] = l.split(' '); return [k!, Number(v)]; }));

    const errorCode = new Set([8, 10, 11, 12, 13, 14, 17]);
    const entries = new Map<number, HandlerEntry>();
    for (let v = 0; v < 256; v++) entries.set(nmAddress(elf, `boot64_isr_${v}`), { vector: v, before: errorCode.has(v) ? 8 : 0 });
    const m = new StubMap(entries, read, 64);

    // At each vector's entry RIP is on top, or just above the CPU's error code.
    for (const [addr, e] of entries) assert.deepEqual(m.at(addr), { eipOffset: e.before, vector: e.vector, ebpKept: true, savedOffsets: {} }, `vector ${e.vector}`);

    // Walk the common stub instruction by instruction up to the call into C: depth grows by 8
    // per push; at the call, everything is where struct boot64_frame says.
    const common = nmAddress(elf, 'boot64_isr_common');
    let pc = common, pushes = 0;
    for (;;) {
      const b = read(pc, 16)!;
      const ins = decodeInfo(b, 64)!;
      const p = m.at(pc);
      assert.ok(p, `a point at 0x${pc.toString(16)}`);
      // Vector and dummy/real error code pushed by the entry: RIP 16 bytes above the stub's RSP.
      assert.equal(p.eipOffset, 16 + 8 * pushes, `RIP offset at 0x${pc.toString(16)} (${ins.mnemonic})`);
      assert.equal(p.vectorOffset, 8 * pushes, 'the vector the entry pushed');
      assert.equal(p.vector, undefined, 'shared by every vector');
      if (ins.mnemonic === 'call') {
        for (const r of REGS.filter((x) => x !== 'rsp')) assert.equal(p.savedOffsets?.[REGS.indexOf(r)], offsetof[r], `${r} saved where struct boot64_frame has it`);
        assert.equal(p.eipOffset, offsetof.rip);
        assert.equal(p.vectorOffset, offsetof.vector);
        assert.equal(p.ebpKept, true, 'RBP was pushed, not changed');
        break;
      }
      if (ins.mnemonic === 'push') pushes++;
      pc += ins.length;
      assert.ok(pc < common + 200, 'the call into C comes within the stub');
    }
    assert.equal(pushes, 15, 'RAX..R15 except RSP');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
