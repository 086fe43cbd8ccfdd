// Builds the fuzz bootstraps (guest/fuzz-boot.asm, one per CPU mode) with nasm.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'guest', 'fuzz-boot.asm');

export const FUZZ_MODES = ['real', 'pm16', 'pm32', 'ring3', 'paging', 'pae'] as const;
export type FuzzMode = (typeof FUZZ_MODES)[number];

/** Linear (and physical) address where every bootstrap jumps to the fuzzed code. */
export const FUZZ_ADDR = 0x10000;
/** The bootstrap's tables (fuzz-boot.asm): 256 GDT entries, of which the first 8 are its own. */
export const GDT_BASE = 0x1000;
export const GDT_FIXED_ENTRIES = 8;
export const IDT_BASE = 0x1800;

/** Where the bootstrap is loaded and entered in real mode. */
export const BOOT_ADDR = 0x7c00;

export function buildBootstrap(mode: FuzzMode): Uint8Array {
  const index = FUZZ_MODES.indexOf(mode);
  const out = join(HERE, 'build', `fuzz-boot-${index}.bin`);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}`;          // built aside and renamed: concurrent builders never see half a file
    const res = spawnSync('nasm', ['-f', 'bin', `-DMODE=${index}`, '-o', tmp, SOURCE], { encoding: 'utf8' });
    if (res.error) throw new Error(`cannot run nasm: ${res.error.message}`);
    if (res.status !== 0) throw new Error(`nasm failed on fuzz-boot.asm (MODE=${index}):\n${res.stderr}`);
    renameSync(tmp, out);
  }
  return new Uint8Array(readFileSync(out));
}
