// The domain builder's error: a kernel that cannot be built into a domain, with the option
// (image or memory) the user should change.

import { MachineOptionError, type MachineOption } from '../option-error';

/** The kernel cannot be built into a domain: the image's fault, or too little memory for it. */
export class BuildError extends MachineOptionError {
  override name = 'BuildError';
  constructor(message: string, option: MachineOption = 'image') { super(option, message); }
}
