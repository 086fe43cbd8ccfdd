// Builds the loader's test images from the sources in fixtures/ with nasm, gcc -m32 and ld.
// Each test file builds into its own folder under build/ so parallel test files never race.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(here, 'fixtures');

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

export interface Built { path: string; bytes: Uint8Array }

function built(path: string): Built {
  return { path, bytes: new Uint8Array(readFileSync(path)) };
}

export class FixtureBuilder {
  readonly dir: string;
  private cache = new Map<string, Built>();

  constructor(name: string) {
    this.dir = join(here, 'build', name);
    mkdirSync(this.dir, { recursive: true });
  }

  private once(key: string, make: () => string): Built {
    let b = this.cache.get(key);
    if (!b) { b = built(make()); this.cache.set(key, b); }
    return b;
  }

  private nasmElf(src: string, out: string, defines: string[] = []): string {
    const obj = join(this.dir, out);
    run('nasm', ['-f', 'elf32', ...defines.map((d) => `-D${d}`), '-o', obj, join(FIXTURES, src)], this.dir);
    return obj;
  }

  private link(out: string, objs: string[], args: string[]): string {
    const path = join(this.dir, out);
    run('ld', ['-m', 'elf_i386', '-z', 'max-page-size=0x1000', '-o', path, ...args, ...objs], this.dir);
    return path;
  }

  /** ELF multiboot kernel linked at 1 MiB. */
  mbElf(): Built {
    return this.once('mb-elf', () => this.link('mb-elf.elf', [this.nasmElf('mb-elf.asm', 'mb-elf.o')], ['-T', join(FIXTURES, 'mb-elf.ld')]));
  }

  /** The same kernel linked at 0xC0100000 and loaded at 1 MiB (AT()). */
  higherHalf(): Built {
    return this.once('hh', () => this.link('higher-half.elf', [this.nasmElf('mb-elf.asm', 'hh.o')], ['-T', join(FIXTURES, 'higher-half.ld')]));
  }

  /** Flat binary with the a.out-kludge address fields; returns the image and nasm's symbol map. */
  mbKludge(variant: { pad?: number; loadEndZero?: boolean; noBss?: boolean } = {}): Built & { symbols: Map<string, number> } {
    const defs: string[] = [];
    if (variant.pad) defs.push(`PAD=${variant.pad}`);
    if (variant.loadEndZero) defs.push('LOAD_END_ZERO');
    if (variant.noBss) defs.push('NO_BSS');
    const key = `kludge-${defs.join('-')}`;
    const sub = join(this.dir, key);
    const b = this.once(key, () => {
      mkdirSync(sub, { recursive: true });
      const out = join(sub, 'mb-kludge.bin');
      run('nasm', ['-f', 'bin', ...defs.map((d) => `-D${d}`), '-o', out, join(FIXTURES, 'mb-kludge.asm')], sub);
      return out;
    });
    return { ...b, symbols: parseNasmMap(readFileSync(join(sub, 'mb-kludge.map'), 'utf8')) };
  }

  /** The kernel that reports its multiboot information (ELF, or flat with address fields). */
  mbReport(kludge: boolean): Built {
    return this.once(`report-${kludge}`, () => {
      if (kludge) {
        const out = join(this.dir, 'mb-report.bin');
        run('nasm', ['-f', 'bin', '-DKLUDGE', '-o', out, join(FIXTURES, 'mb-report.asm')], this.dir);
        return out;
      }
      return this.link('mb-report.elf', [this.nasmElf('mb-report.asm', 'mb-report.o')], ['--no-warn-rwx-segments', '-T', join(FIXTURES, 'mb-elf.ld')]);
    });
  }

  /** ELF64 file with a multiboot header using the address fields. */
  mbElf64(): Built {
    return this.once('elf64', () => {
      const obj = join(this.dir, 'mb-elf64.o');
      run('nasm', ['-f', 'elf64', '-o', obj, join(FIXTURES, 'mb-elf64.asm')], this.dir);
      const path = join(this.dir, 'mb-elf64.elf');
      run('ld', ['-m', 'elf_x86_64', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '-T', join(FIXTURES, 'mb-elf64.ld'), '-o', path, obj], this.dir);
      return path;
    });
  }

  /** A higher-half x86-64 kernel (nasm -f elf64 + gcc -m64 -mcmodel=kernel), linked at 0xffffffff80100000, loaded at 1 MiB. */
  higherHalf64(): Built {
    return this.once('hh64', () => {
      const asm = join(this.dir, 'hh64-entry.o');
      run('nasm', ['-f', 'elf64', '-o', asm, join(FIXTURES, 'hh64-entry.asm')], this.dir);
      const c = join(this.dir, 'hh64-kernel.o');
      run('gcc', ['-m64', '-mcmodel=kernel', '-ffreestanding', '-fno-pie', '-fno-stack-protector', '-mno-red-zone', '-O1', '-c', '-o', c, join(FIXTURES, 'hh64-kernel.c')], this.dir);
      const path = join(this.dir, 'hh64.elf');
      run('ld', ['-m', 'elf_x86_64', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '-T', join(FIXTURES, 'hh64.ld'), '-o', path, asm, c], this.dir);
      return path;
    });
  }

  /** A minimal bzImage (boot protocol 2.15) that reports its zero page: nasm -f bin. */
  bzReport(): Built {
    return this.once('bz-report', () => {
      const path = join(this.dir, 'bz-report.bin');
      run('nasm', ['-f', 'bin', '-o', path, join(FIXTURES, 'bz-report.asm')], this.dir);
      return path;
    });
  }

  /** An ELF32 Multiboot2 kernel that reports its boot information tag by tag. */
  mb2Report(): Built {
    return this.once('mb2-report', () => this.link('mb2-report.elf', [this.nasmElf('mb2-report.asm', 'mb2-report.o')], ['--no-warn-rwx-segments', '-T', join(FIXTURES, 'mb2.ld')]));
  }

  plainElf(): Built {
    return this.once('plain', () => this.link('plain.elf', [this.nasmElf('plain.asm', 'plain.o')], ['-Ttext', '0x200000', '-e', 'start']));
  }

  cKernel(): Built {
    return this.once('c', () => {
      const cObj = join(this.dir, 'c-kernel.o');
      run('gcc', ['-m32', '-ffreestanding', '-fno-pie', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-O1', '-c', '-o', cObj, join(FIXTURES, 'c-kernel.c')], this.dir);
      return this.link('c-kernel.elf', [this.nasmElf('c-entry.asm', 'c-entry.o'), cObj], ['-T', join(FIXTURES, 'mb-elf.ld')]);
    });
  }

  xenPv(wide = false): Built {
    return this.once(`xen-${wide}`, () => this.link(wide ? 'xen-pv-wide.elf' : 'xen-pv.elf',
      [this.nasmElf('xen-pv.asm', wide ? 'xen-wide.o' : 'xen.o', wide ? ['WIDE'] : [])], ['-T', join(FIXTURES, 'xen-pv.ld')]));
  }

  xenLegacy(): Built {
    return this.once('xen-legacy', () => this.link('xen-legacy.elf', [this.nasmElf('xen-legacy.asm', 'xen-legacy.o')], ['-Ttext', '0xC0001000', '-e', '_start']));
  }

  flatBin(src: 'rom.asm' | 'boot-sector.asm'): Built {
    return this.once(src, () => {
      const out = join(this.dir, src.replace('.asm', '.bin'));
      run('nasm', ['-f', 'bin', '-o', out, join(FIXTURES, src)], this.dir);
      return out;
    });
  }
}

/** nasm's "[map symbols]" file: lines "<real addr>  <virtual addr>  <name>". */
function parseNasmMap(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9A-Fa-f]+)\s+([0-9A-Fa-f]+)\s+(\S+)\s*$/.exec(line);
    if (m) out.set(m[3], parseInt(m[2], 16));
  }
  return out;
}
