// The `paravirt` command. One file per command; this one only assembles them.

import { Command, CommanderError } from 'commander';
import { registerRun } from './run';
import { registerLint } from './lint';
import { registerCompare } from './compare';
import { STATUS_USAGE } from './exit-status';

// A reader that goes away (`paravirt run k | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
program
  .name('paravirt')
  .description('Run and inspect x86 guest kernels under an emulated VT-x (HVM) or Xen-PV hypervisor.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((err: CommanderError) => {
    // Help and version exit 0; every usage error exits with the CLI's usage status.
    process.exit(err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : STATUS_USAGE);
  });

registerRun(program);
registerLint(program);
registerCompare(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`paravirt: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = STATUS_USAGE;
});
