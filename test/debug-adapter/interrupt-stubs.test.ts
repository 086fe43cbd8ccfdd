// The interrupt-frame map on hand-written stubs, assembled by nasm and placed by ld (nm gives
// the labels' addresses): offsets worked out from the pushes in guests/stubs.asm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GUESTS, nmAddress } from './harness';
import { StubMap, type HandlerEntry } from '../../debug-adapter/engine/interrupt-frames';

const BASE = 0x1000;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

test('stub map: shared common stub, PUSHA, pushed vector, untracked ESP, disagreeing paths', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stubs-'));
  try {
    run('nasm', ['-f', 'elf32', '-o', join(dir, 's.o'), join(GUESTS, 'stubs.asm')]);
    run('ld', ['-m', 'elf_i386', '-Ttext=0x1000', '-e', 'entry_a', '-o', join(dir, 's.elf'), join(dir, 's.o')]);
    run('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 's.elf'), join(dir, 's.bin')]);
    const code = new Uint8Array(readFileSync(join(dir, 's.bin')));
    const at = (name: string) => nmAddress(join(dir, 's.elf'), name);
    const read = (addr: number, len: number) => addr >= BASE && addr + len <= BASE + code.length ? code.slice(addr - BASE, addr - BASE + len) : null;
    const entries = new Map<number, HandlerEntry>([
      [at('entry_a'), { vector: 3, before: 0 }],
      [at('entry_b'), { vector: 14, before: 4 }],
      [at('odd'), { vector: 5, before: 0 }],
      [at('conflict'), { vector: 6, before: 0 }],
    ]);
    const m = new StubMap(entries, read);

    assert.deepEqual(m.at(at('entry_b')), { eipOffset: 4, vector: 14, ebpKept: true });
    // a: dummy + vector = 8 bytes; b: vector + the CPU's error code = 8 bytes. The vector
    // differs, but each stub's `push N` lies at the same place: ESP + 0.
    assert.deepEqual(m.at(at('shared')), { eipOffset: 8, vectorOffset: 0, ebpKept: true });
    // PUSHA (32), then `mov ebp, esp`; the branch around push/pop joins at the same depth.
    assert.deepEqual(m.at(at('skip_done')), { eipOffset: 40, pushaOffset: 0, vectorOffset: 32, ebpKept: false });
    assert.deepEqual(m.at(at('after_ds')), { eipOffset: 44, pushaOffset: 4, vectorOffset: 36, ebpKept: false });
    assert.deepEqual(m.at(at('after_call')), m.at(at('after_ds')), 'a call returns to the depth it left');
    assert.equal(m.at(at('handler')), null, 'calls are not followed');

    assert.deepEqual(m.at(at('odd')), { eipOffset: 0, vector: 5, ebpKept: true });
    assert.equal(m.at(at('after_and')), null, 'and esp, -16: nothing is claimed past it');
    assert.equal(m.at(at('merged')), null, 'reached with 0 and with 4 bytes pushed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
