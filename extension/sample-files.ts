// The sample project: what the sample-project command copies and writes. No vscode import.

import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The sample's Makefile finds guest/ two levels up in the repository; in a copy it sits beside. */
export function rewriteSampleMakefile(text: string): string {
  return text.replace(/\.\.\/\.\.\/guest/g, 'guest');
}

export function sampleLaunchJson(): string {
  // The sample records source paths relative to its root (gcc -ffile-prefix-map=$(CURDIR)=.),
  // and the adapter resolves relative paths against the kernel's folder (build/): map them back.
  const sourceFileMap = Object.fromEntries(['common/', 'hvm/', 'hvm64/', 'pv/', 'pv64/', 'pvh/', 'guest/'].map((d) => [d, `\${workspaceFolder}/${d}`]));
  const common = { type: 'paravirt', request: 'launch', cwd: '${workspaceFolder}', sourceFileMap };
  return JSON.stringify({
    version: '0.2.0',
    configurations: [
      { ...common, name: 'Sample kernel (HVM)', program: '${workspaceFolder}/build/sample-hvm.elf', mode: 'hvm' },
      { ...common, name: 'Sample kernel (PV)', program: '${workspaceFolder}/build/sample-pv.elf', mode: 'pv' },
      { ...common, name: 'Sample kernel (HVM, x86-64)', program: '${workspaceFolder}/build/sample-hvm64.elf', mode: 'hvm' },
      { ...common, name: 'Sample kernel (PV, x86-64)', program: '${workspaceFolder}/build/sample-pv64.elf', mode: 'pv' },
      { ...common, name: 'Sample kernel (PVH, x86-64)', program: '${workspaceFolder}/build/sample-pvh.elf', mode: 'pvh' },
    ],
  }, null, 2) + '\n';
}

export function sampleTasksJson(): string {
  return JSON.stringify({
    version: '2.0.0',
    tasks: [
      {
        label: 'make', type: 'shell', command: 'make', group: { kind: 'build', isDefault: true },
        problemMatcher: ['$paravirt-gcc', '$paravirt-nasm'],
      },
      { label: 'make clean', type: 'shell', command: 'make clean', problemMatcher: [] },
    ],
  }, null, 2) + '\n';
}

export function copySample(extensionRoot: string, dest: string): void {
  const src = join(extensionRoot, 'examples', 'sample');
  if (!existsSync(src)) throw new Error('the sample is missing from the extension package');
  mkdirSync(dest, { recursive: true });
  // Object files are build leftovers; the prebuilt ELFs let F5 work without a toolchain.
  cpSync(src, dest, { recursive: true, filter: (p) => !/[\\/]build[\\/](hvm|hvm64|pv|pv64|pvh)-obj([\\/]|$)/.test(p) });
  cpSync(join(extensionRoot, 'guest'), join(dest, 'guest'), { recursive: true });
  const mk = join(dest, 'Makefile');
  writeFileSync(mk, rewriteSampleMakefile(readFileSync(mk, 'utf8')));
  mkdirSync(join(dest, '.vscode'), { recursive: true });
  writeFileSync(join(dest, '.vscode', 'launch.json'), sampleLaunchJson());
  writeFileSync(join(dest, '.vscode', 'tasks.json'), sampleTasksJson());
}
