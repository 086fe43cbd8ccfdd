// `paravirt lint <files|dirs>`: the language server's analyzer on the command line.
// The CLI entry (cli/main.ts) calls registerLint(program).

import type { Command } from 'commander';
import { runLint } from '../language-server/analyzer/lint';

function collectRepeat(value: string, prev: string[] = []): string[] { return [...prev, value]; }

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('flag privileged and sensitive instructions in assembly and C inline asm (exit 1 when errors are found, 2 on bad input)')
    .argument('<paths...>', 'files or directories (.asm .nasm .inc .s .S .c .h .cpp ...)')
    .option('--target <target>', 'pv, hvm or pvh', 'pv')
    .option('--abi <abi>', 'xen or kvm', 'xen')
    .option('--format <format>', 'text, json or sarif', 'text')
    .option('-I, --include <dir>', 'include directory for %include/.include (repeatable)', collectRepeat, [])
    .option('--severity <rule=level>', 'override a rule, e.g. PV028=off (repeatable)', collectRepeat, [])
    .option('-D, --define <name[=value]>', 'a macro the code is compiled with, for #if/#ifdef (repeatable)', collectRepeat, [])
    .option('-U, --undefine <name>', 'a macro the build leaves undefined (repeatable)', collectRepeat, [])
    .action((paths: string[], opts: { target: string; abi: string; format: string; include: string[]; severity: string[]; define: string[]; undefine: string[] }) => {
      const r = runLint(paths, opts);
      for (const e of r.errors) process.stderr.write(e + '\n');
      if (r.output) process.stdout.write(r.output);
      process.exitCode = r.exitCode;
    });
}
