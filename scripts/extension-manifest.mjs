// Writes the extension's keys of package.json: contributes (all but `debuggers`, which
// scripts of the debug adapter generate), activationEvents, icon, capabilities and the
// package/test:e2e scripts. Other keys are left as they are. The settings come from their
// TypeScript declaration (extension/settings.ts), so run it through tsx:
//   node --import tsx scripts/extension-manifest.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationContribution } from '../extension/settings.ts';

const ASM_LANGS = ['nasm', 'gas', 'asm', 'asm-intel-x86-generic'];
const SERVED = [...ASM_LANGS, 'c', 'cpp'];

const commands = [
  { command: 'paravirt.createSampleProject', title: 'Create Sample Guest Project', category: 'Paravirt', icon: '$(new-folder)' },
  { command: 'paravirt.compare', title: 'Compare HVM and PV', category: 'Paravirt', icon: '$(graph)', enablement: 'isWorkspaceTrusted' },
  { command: 'paravirt.exportExitTrace', title: 'Export Exit Trace', category: 'Paravirt', icon: '$(export)' },
  { command: 'paravirt.fixAll', title: 'Apply All Hypercall Fixes in File', category: 'Paravirt', icon: '$(wand)' },
  { command: 'paravirt.showGuestScreen', title: 'Show Guest Screen', category: 'Paravirt', icon: '$(screen-full)' },
  { command: 'paravirt.debugKernel', title: 'Debug Kernel', category: 'Paravirt', icon: '$(debug-alt)', enablement: 'isWorkspaceTrusted' },
  { command: 'paravirt.restartLanguageServer', title: 'Restart Language Server', category: 'Paravirt' },
  { command: 'paravirt.revealExit', title: 'Reveal Exit Source', category: 'Paravirt' },
  { command: 'paravirt.showMemory', title: 'Show Memory', category: 'Paravirt', icon: '$(file-binary)' },
  { command: 'paravirt.openSampleFile', title: 'Open the Sample\'s hvm/boot.asm', category: 'Paravirt' },
];

const langWhen = `resourceLangId =~ /^(${SERVED.join('|')})$/`;

const contributes = {
  languages: [
    { id: 'nasm', aliases: ['NASM', 'nasm'], extensions: ['.asm', '.nasm', '.inc', '.mac'], configuration: './syntaxes/asm-language-configuration.json' },
    { id: 'gas', aliases: ['GNU Assembler (GAS)', 'gas'], extensions: ['.s', '.S', '.sx'], configuration: './syntaxes/gas-language-configuration.json' },
  ],
  grammars: [
    { language: 'nasm', scopeName: 'source.asm.nasm.paravirt', path: './syntaxes/nasm.tmLanguage.json' },
    { language: 'gas', scopeName: 'source.asm.gas.paravirt', path: './syntaxes/gas.tmLanguage.json' },
  ],
  breakpoints: SERVED.map((language) => ({ language })),
  problemMatchers: [
    {
      name: 'paravirt-nasm', owner: 'nasm', source: 'nasm', fileLocation: ['relative', '${workspaceFolder}'],
      pattern: { regexp: '^(.+?):(\\d+): (error|warning|fatal): (.*)$', file: 1, line: 2, severity: 3, message: 4 },
    },
    {
      name: 'paravirt-gcc', owner: 'gcc', source: 'gcc', fileLocation: ['autoDetect', '${workspaceFolder}'],
      pattern: { regexp: '^(.+?):(\\d+):(\\d+): (?:fatal )?(error|warning|note): (.*)$', file: 1, line: 2, column: 3, severity: 4, message: 5 },
    },
  ],
  configuration: configurationContribution(),
  commands,
  menus: {
    commandPalette: [
      { command: 'paravirt.revealExit', when: 'false' },
      { command: 'paravirt.openSampleFile', when: 'false' },
      { command: 'paravirt.fixAll', when: langWhen },
    ],
    'editor/context': [{ command: 'paravirt.fixAll', when: langWhen, group: '1_modification' }],
    'debug/variables/context': [{ command: 'paravirt.showMemory', when: "debugType == 'paravirt' && canViewMemory", group: 'navigation' }],
    'view/title': [
      { command: 'paravirt.exportExitTrace', when: 'view == paravirt.exits', group: 'navigation' },
      { command: 'paravirt.compare', when: 'view == paravirt.exits', group: 'navigation' },
    ],
  },
  views: {
    debug: [
      { id: 'paravirt.exits', name: 'VM Exits', icon: 'media/icon.png', contextualTitle: 'Paravirt' },
      { type: 'webview', id: 'paravirt.guestScreen', name: 'Guest Screen', contextualTitle: 'Paravirt' },
    ],
  },
  viewsWelcome: [
    { view: 'paravirt.exits', contents: 'VM exits, hypercalls and traps appear here while a Paravirt session runs.\n[Create Sample Guest Project](command:paravirt.createSampleProject)\n[Debug Kernel](command:paravirt.debugKernel)' },
  ],
  walkthroughs: [
    {
      id: 'paravirt.gettingStarted', title: 'Debug a paravirtualized kernel', description: 'From a sample kernel to its VM exits, in five steps.',
      steps: [
        { id: 'sample', title: 'Create the sample kernel', description: 'A small C + NASM kernel in three flavours: HVM (bare PC, 32-bit and x86-64) and PV (Xen).\n[Create Sample Guest Project](command:paravirt.createSampleProject)', media: { markdown: 'media/walkthrough/sample.md' }, completionEvents: ['onCommand:paravirt.createSampleProject'] },
        { id: 'lint', title: 'See privileged instructions flagged', description: 'Open `hvm/boot.asm`: its first line marks it `paravirt: target=hvm`, so `cli` and `lgdt` are hints, each a VM exit. Delete that line and they are errors for a PV kernel: Ctrl+. offers the PV wrapper (what `pv/` uses) or puts the marker back.\n[Open hvm/boot.asm](command:paravirt.openSampleFile)', media: { markdown: 'media/walkthrough/lint.md' }, completionEvents: ['onCommand:editor.action.quickFix', 'onCommand:paravirt.fixAll'] },
        { id: 'debug', title: 'Press F5', description: 'Set a breakpoint in `common/kmain.c` or `hvm/boot.asm` and press F5. Breakpoints in C and assembly, registers (control and segment too, decoded), memory and disassembly.\n[Debug Kernel](command:paravirt.debugKernel)', media: { markdown: 'media/walkthrough/debug.md' }, completionEvents: ['onContext:inDebugMode'] },
        { id: 'exits', title: 'Watch the VM exits', description: 'The VM Exits view counts exits and hypercalls live; the Guest Screen shows the VGA text.\n[Show Guest Screen](command:paravirt.showGuestScreen)', media: { markdown: 'media/walkthrough/exits.md' }, completionEvents: ['onView:paravirt.exits'] },
        { id: 'compare', title: 'Compare HVM and PV', description: 'Run both flavours and compare exits, hypercalls and estimated cycles.\n[Compare HVM and PV](command:paravirt.compare)', media: { markdown: 'media/walkthrough/compare.md' }, completionEvents: ['onCommand:paravirt.compare'] },
      ],
    },
  ],
};

const p = JSON.parse(readFileSync('package.json', 'utf8'));
p.icon = 'media/icon.png';
p.activationEvents = [
  'onDebugResolve:paravirt', 'onDebugDynamicConfigurations:paravirt', 'onDebugInitialConfigurations',
  ...SERVED.map((l) => `onLanguage:${l}`),
  ...commands.map((c) => `onCommand:${c.command}`),
  'onView:paravirt.exits', 'onView:paravirt.guestScreen',
];
p.capabilities = {
  untrustedWorkspaces: {
    supported: 'limited',
    description: 'In an untrusted folder Paravirt only lints: it does not launch guest kernels, run comparisons or read include paths from workspace settings.',
    restrictedConfigurations: ['paravirt.includePaths', 'paravirt.debugAdapter.mode'],
  },
  virtualWorkspaces: { supported: false, description: 'The emulator reads the kernel ELF and its sources from disk.' },
};
p.contributes = { ...contributes, debuggers: p.contributes?.debuggers };
if (!p.contributes.debuggers) delete p.contributes.debuggers;
p.scripts = { ...p.scripts, package: 'node scripts/package-vsix.mjs', 'test:e2e': 'node scripts/run-tests.mjs test/e2e' };
writeFileSync('package.json', JSON.stringify(p, null, 2) + '\n');
console.log('package.json: extension keys written');
