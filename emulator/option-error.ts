// Errors a machine's configuration can cause, typed by the option at fault, so that a front
// end (the debug adapter's launch attributes, the CLI's flags) names its own setting without
// reading the message.

/** The machine option an error is about: the kernel image, the RAM size, or the exit controls and cost model. */
export type MachineOption = 'image' | 'memory' | 'exitControls';

export class MachineOptionError extends Error {
  constructor(readonly option: MachineOption, message: string) {
    super(message);
  }
}
