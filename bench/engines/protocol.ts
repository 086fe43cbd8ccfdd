// What the bench's parent asks a child process to run, and what the child answers.
export type GuestKind = 'compute' | 'io';
export type EngineName = 'ours' | 'v86-nojit' | 'v86-jit' | 'qemu-tcg' | 'baseline';

export interface RunRequest {
  engine: EngineName;
  kind: GuestKind;
  image: string;            // ELF path
  memoryMiB: number;
  timeoutSeconds: number;
  /**
   * For engines timed by difference (QEMU): the same guest with one trip, and the factor
   * from (instructions of the image - those of the reference) to those of the timed region.
   */
  reference?: { image: string; scale: number };
  /** The guest needs an x86-64 CPU (QEMU runs qemu-system-x86_64 for it). */
  arch?: 'x86_64';
}

/** One guest run, measured inside the child. Times are wall-clock seconds. */
export interface GuestRun {
  /** From the 'S' marker byte to the 'E' marker byte. */
  timedSeconds: number;
  /**
   * CPU time (user + system) of the engine's process over the same region, for engines that
   * run in the child itself (ours, v86); for QEMU by difference, as its wall time is. On a
   * machine shared with other work the wall time of one run moved by up to 4x while this
   * moved by 15%.
   */
  cpuSeconds?: number;
  /**
   * The engine's own instruction counter, to check against the count derived from the
   * source: 'total' from the entry point through the exit OUT, 'after-start' from the
   * instruction after the 'S' OUT through the exit OUT (for engines that run a BIOS first).
   */
  engineCount: { value: number; span: 'total' | 'after-start' } | null;
  /**
   * The engine's counter read in the 'S' and 'E' callbacks, where it is exact (ours): the
   * real-code guests, whose counts cannot be read off their C sources, take theirs from it.
   */
  marks?: { atStart: number; atEnd: number };
  /** Checksum bytes the compute guest printed after 'E' (little-endian), or null. */
  checksum: number | null;
  /** Bytes seen between the markers (the I/O guest's OUTs). */
  bytesBetween: number;
  bootSeconds: number;
  /** Peak RSS of the process that ran the engine; null where it cannot be measured (QEMU). */
  peakRssMB: number | null;
}

export interface ChildAnswer { ok: true; run: GuestRun }
export interface ChildFailure { ok: false; error: string }
