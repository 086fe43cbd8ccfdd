// What is wrong with compressed data: a message and, where known, the offset in the input.
// The loader turns it into an ImageError naming the kernel's payload.

export class XzError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at compressed offset 0x${offset.toString(16)})`);
    this.name = 'XzError';
  }
}
