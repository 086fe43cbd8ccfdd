// Launching: the launch configuration validated, the files it names read within their
// limits, and the debug engine built from them. Every failure names the launch attribute to fix.

import { readFileSync, statSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { validateLaunch, LaunchError, type LaunchConfig } from './launch-config';
import { openSymbols, type OpenedSymbols } from './symbols-file';
import { DebugEngine } from './engine/debug-engine';
import { workspaceOf } from './protocol-values';
import { MAX_KERNEL_FILE_BYTES, MAX_KERNEL_FILE_TEXT } from '../emulator/limits';
import { MachineOptionError, type MachineOption } from '../emulator/option-error';

/** The launch attribute that sets each machine option (errors name the attribute to fix). */
const LAUNCH_ATTRIBUTE_OF: { readonly [O in MachineOption]: string } = { image: 'program', memory: 'memory', exitControls: 'exitControls' };

/** `fd`: the serial output file, when the configuration writes serial to one. */
export interface CreatedEngine { engine: DebugEngine; config: LaunchConfig; fd: number | null; symbols: OpenedSymbols | null }

/**
 * Validates the configuration, reads the image (and initrd, and symbols file) and builds an
 * engine; an error says what is wrong, with the DAP error code the session answers with.
 * `serialOut` and `hypervisorOut` get the guest's console bytes.
 */
export function createEngine(args: unknown, serialOut: (b: number) => void, hypervisorOut: (b: number) => void): CreatedEngine | { error: string; code: number } {
  let config: LaunchConfig;
  try { config = validateLaunch(args); } catch (e) {
    return { error: e instanceof LaunchError ? e.message : String(e), code: 1001 };
  }
  let bytes: Uint8Array;
  try {
    const st = statSync(config.program);
    if (!st.isFile()) throw new LaunchError('program', `'${config.program}' is not a file`);
    if (st.size === 0) throw new LaunchError('program', `'${config.program}' is empty`);
    if (st.size > MAX_KERNEL_FILE_BYTES) throw new LaunchError('program', `'${config.program}' is larger than ${MAX_KERNEL_FILE_TEXT}`);
    bytes = new Uint8Array(readFileSync(config.program));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: e instanceof LaunchError ? e.message : `launch attribute 'program': cannot read '${config.program}' (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`, code: 1002 };
  }
  let initrd: Uint8Array | undefined;
  if (config.initrd !== null) {
    try {
      const st = statSync(config.initrd);
      if (!st.isFile()) throw new LaunchError('initrd', `'${config.initrd}' is not a file`);
      if (st.size > MAX_KERNEL_FILE_BYTES) throw new LaunchError('initrd', `'${config.initrd}' is larger than ${MAX_KERNEL_FILE_TEXT}`);
      initrd = new Uint8Array(readFileSync(config.initrd));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { error: e instanceof LaunchError ? e.message : `launch attribute 'initrd': cannot read '${config.initrd}' (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`, code: 1002 };
    }
  }
  const given = args as { profile?: unknown; cwd?: unknown };
  if (config.profile && given.profile === undefined && given.cwd === undefined) {
    config.profile = join(workspaceOf(config.program), '.paravirt', 'last-run.json');
  }
  let symbols: OpenedSymbols | null = null;
  if (config.symbols !== null) {
    const opened = openSymbols(config.symbols);
    if ('error' in opened) return { error: opened.error, code: 1005 };
    symbols = opened;
  }
  let engine: DebugEngine;
  try {
    engine = new DebugEngine(config, bytes, serialOut, hypervisorOut, { initrd, ...(symbols ? { symbols: symbols.file } : {}) });
  } catch (e) {
    symbols?.close();
    const attr = e instanceof MachineOptionError ? LAUNCH_ATTRIBUTE_OF[e.option] : e instanceof Error && e.name === 'ImageError' && /initrd/.test(e.message) ? 'initrd' : 'program';
    return { error: `launch attribute '${attr}': cannot start the guest: ${(e as Error).message}`, code: 1004 };
  }
  let fd: number | null = null;
  try {
    if (config.serial.kind === 'file') fd = openSync(config.serial.path, 'w');
  } catch (e) {
    symbols?.close();
    return { error: `launch attribute 'serial': cannot open '${(config.serial as { path: string }).path}' for writing (${(e as NodeJS.ErrnoException).code ?? e})`, code: 1003 };
  }
  return { engine, config, fd, symbols };
}
