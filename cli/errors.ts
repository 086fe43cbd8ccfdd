// An error meant for the user: printed as one line "paravirt: <message>", never a stack.

import { STATUS_USAGE } from './exit-status';

export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitStatus = STATUS_USAGE) {
    super(message);
  }
}
