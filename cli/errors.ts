// An error meant for the user: printed as one line "paravirt: <message>", never a stack.

import { EXIT_USAGE } from './exit-status';

export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitStatus = EXIT_USAGE) {
    super(message);
  }
}
