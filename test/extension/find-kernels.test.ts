// find-kernels against references: readelf for ELF class and machine, readelf -n for Xen
// notes, file(1) for a real Linux bzImage (Debian's stock kernel, fetched by the repo's
// script), and the sample's real builds for the compare command's automatic pairing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { autoPick, findKernels, guessMode, isX86Elf32, isX86Elf64, kernelKind, kernelLabel } from '../../extension/find-kernels';

const ROOT = resolve(__dirname, '..', '..');
const BUILD = join(ROOT, 'examples/sample/build');
const HVM = join(BUILD, 'sample-hvm.elf');
const HVM64 = join(BUILD, 'sample-hvm64.elf');
const PV = join(BUILD, 'sample-pv.elf');
const PVH = join(BUILD, 'sample-pvh.elf');
const PV64 = join(BUILD, 'sample-pv64.elf');
const CACHE = process.env.PARAVIRT_CACHE ?? join(homedir(), '.cache', 'paravirt');

function readelf(args: string[], f: string): string {
  const r = spawnSync('readelf', [...args, f], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

function tempDir(): string { return mkdtempSync(join(tmpdir(), 'kfind-')); }

test('ELF kinds agree with readelf on 32- and 64-bit executables, objects and non-ELF files', () => {
  const files = [HVM, HVM64, PV, join(BUILD, 'hvm-obj/common/kmain.o'), join(BUILD, 'hvm64-obj/common/kmain.o'), join(ROOT, 'examples/sample/Makefile')]
    .filter(existsSync);
  assert.ok(files.includes(HVM64), 'the prebuilt x86-64 sample is present');
  for (const f of files) {
    const h = readelf(['-h'], f);
    const exec = /Type:\s+EXEC/.test(h);
    const want32 = exec && /Class:\s+ELF32/.test(h) && /Machine:\s+Intel 80386/.test(h);
    const want64 = exec && /Class:\s+ELF64/.test(h) && /Machine:\s+Advanced Micro Devices X86-64/.test(h);
    assert.equal(isX86Elf32(f), want32, f);
    assert.equal(isX86Elf64(f), want64, f);
    assert.equal(kernelKind(f), want32 ? 'elf32' : want64 ? 'elf64' : null, f);
  }
  assert.equal(kernelKind(join(ROOT, 'no-such-file')), null);
});

test('a truncated or foreign ELF header is not a kernel', () => {
  const dir = tempDir();
  try {
    const bytes = new Uint8Array(readFileSync(HVM64));
    writeFileSync(join(dir, 'short'), bytes.subarray(0, 40));             // ELF64 header cut before e_phoff ends
    const arm = Uint8Array.from(bytes); arm[18] = 183; arm[19] = 0;        // EM_AARCH64
    writeFileSync(join(dir, 'arm'), arm);
    const be = Uint8Array.from(bytes); be[5] = 2;                          // ELFDATA2MSB
    writeFileSync(join(dir, 'be'), be);
    for (const n of ['short', 'arm', 'be']) assert.equal(kernelKind(join(dir, n)), null, n);
    assert.deepEqual(findKernels(dir), []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the mode comes from the Xen notes (as readelf -n lists them), not the file name', () => {
  const dir = tempDir();
  try {
    // Swapped names: a name saying "pv" on the HVM build, a plain name on the PV build.
    copyFileSync(HVM, join(dir, 'kernel-pv.elf'));
    copyFileSync(PV, join(dir, 'kernel.elf'));
    for (const [f, src] of [[join(dir, 'kernel-pv.elf'), HVM], [join(dir, 'kernel.elf'), PV], [HVM64, HVM64], [PVH, PVH], [PV64, PV64]]) {
      const notes = readelf(['-n'], src);
      const xen = /\bXen\b/.test(notes);
      const pvh = /note type: \(0x00000012\)/.test(notes); // XEN_ELFNOTE_PHYS32_ENTRY: a PVH entry
      // XEN_ELFNOTE_ENTRY (type 1: readelf names it NT_VERSION for an owner it does not know): a PV entry point.
      const pvEntry = /NT_VERSION \(version\)|note type: \(0x00000001\)/.test(notes);
      assert.equal(guessMode(f), xen && !pvh ? 'pv' : xen && pvh && !pvEntry ? 'pvh' : 'hvm', f);
    }
    // A file that cannot be read is guessed from its name; the user confirms.
    assert.equal(guessMode(join(dir, 'missing-pv.elf')), 'pv');
    assert.equal(guessMode(join(dir, 'missing.elf')), 'hvm');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('labels: 32-bit, x86-64 and Linux bzImage with the mode', () => {
  assert.equal(kernelLabel(HVM), '32-bit · HVM');
  assert.equal(kernelLabel(PV), '32-bit · PV');
  assert.equal(kernelLabel(HVM64), 'x86-64 · HVM');
  assert.equal(kernelLabel(PVH), 'x86-64 · PVH');
  assert.equal(kernelLabel(PV64), 'x86-64 · PV');
});

test('a stock Linux bzImage (Debian vmlinuz) is found and labelled, as file(1) identifies it', () => {
  const vmlinuz = join(CACHE, 'debs', 'linux-image', 'vmlinuz');
  if (!existsSync(vmlinuz)) execFileSync('bash', [join(ROOT, 'scripts', 'fetch-debs.sh'), 'linux-image'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const magic = execFileSync('file', ['-b', vmlinuz], { encoding: 'utf8' });
  assert.match(magic, /Linux kernel x86 boot executable bzImage/);
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'boot'));
    copyFileSync(vmlinuz, join(dir, 'boot', 'vmlinuz'));
    copyFileSync(HVM64, join(dir, 'kernel64.elf'));
    assert.deepEqual(findKernels(dir).map((p) => p.slice(dir.length + 1)), ['boot/vmlinuz', 'kernel64.elf']);
    assert.equal(kernelKind(join(dir, 'boot', 'vmlinuz')), 'bzimage');
    assert.equal(kernelLabel(join(dir, 'boot', 'vmlinuz')), 'Linux bzImage · HVM');
    // The boot sector without "HdrS" (an old zImage or any MBR) is not one.
    const bytes = readFileSync(vmlinuz).subarray(0, 4096);
    bytes.write('XXXX', 0x202, 'latin1');
    writeFileSync(join(dir, 'boot', 'vmlinuz'), bytes);
    assert.equal(kernelKind(join(dir, 'boot', 'vmlinuz')), null);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('compare pairs kernels of one kind: the 32-bit sample pair is still chosen without a question', () => {
  const dir = tempDir();
  try {
    for (const f of [HVM, HVM64, PV]) copyFileSync(f, join(dir, f.split('/').pop()!));
    const found = findKernels(dir);
    assert.equal(found.length, 3);
    const hvm = autoPick('hvm', found);
    assert.equal(hvm, join(dir, 'sample-hvm.elf'));
    assert.equal(autoPick('pv', found.filter((p) => p !== hvm), hvm), join(dir, 'sample-pv.elf'));
    // Chosen by hand, the x86-64 HVM build has no PV partner of its kind: the user is asked.
    assert.equal(autoPick('pv', found.filter((p) => !p.endsWith('hvm64.elf')), join(dir, 'sample-hvm64.elf')), undefined);
    // Two HVM kernels and no PV one to pair by: asked too.
    rmSync(join(dir, 'sample-pv.elf'));
    assert.equal(autoPick('hvm', findKernels(dir)), undefined);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('compare with the PVH sample beside the others: the 32-bit HVM/PV pair is still chosen without a question', () => {
  const dir = tempDir();
  try {
    for (const f of [HVM, HVM64, PV, PVH, PV64]) copyFileSync(f, join(dir, f.split('/').pop()!));
    const all = findKernels(dir);
    const hvm = autoPick('hvm', all);
    assert.equal(hvm?.split('/').pop(), 'sample-hvm.elf');
    assert.equal(autoPick('pv', all.filter((p) => p !== hvm), hvm)?.split('/').pop(), 'sample-pv.elf');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
