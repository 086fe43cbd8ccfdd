// The files the sample-project command writes beside the copied sources. No vscode import.

/** The sample's Makefile finds guest/ two levels up in the repository; in a copy it sits beside. */
export function rewriteSampleMakefile(text: string): string {
  return text.replace(/\.\.\/\.\.\/guest/g, 'guest');
}

export function sampleLaunchJson(): string {
  const common = { type: 'paravirt', request: 'launch', cwd: '${workspaceFolder}' };
  return JSON.stringify({
    version: '0.2.0',
    configurations: [
      { ...common, name: 'Sample kernel (HVM)', program: '${workspaceFolder}/build/sample-hvm.elf', mode: 'hvm' },
      { ...common, name: 'Sample kernel (PV)', program: '${workspaceFolder}/build/sample-pv.elf', mode: 'pv' },
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
