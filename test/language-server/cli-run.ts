// Runs the lint command exactly as the `paravirt` CLI wires it (commander + registerLint),
// for tests that want a real process with a real exit code.
import { Command } from 'commander';
import { registerLint } from '../../cli/lint';

const program = new Command('paravirt');
program.exitOverride();
registerLint(program);
try {
  program.parse(process.argv);
} catch (e) {
  process.exitCode = (e as { exitCode?: number }).exitCode ?? 2;
}
