// The DAP session: translates protocol requests into DebugEngine calls and engine events into
// protocol events. Addresses and source lines meet here and nowhere else. Runs the same over
// stdio (main.ts) and inline in the extension.

import {
  BreakpointEvent, Event, ExitedEvent, InitializedEvent, LoggingDebugSession, OutputEvent, Source, StoppedEvent,
  TerminatedEvent, Thread, Breakpoint, CapabilitiesEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize } from 'node:path';
import { localSourcePath } from '../emulator/loader/dwarf/source-paths';
import type { LaunchConfig } from './launch-config';
import { useSymbols, type OpenedSymbols } from './symbols-file';
import { createEngine } from './launch-engine';
import { GuestConsole } from './guest-console';
import { readMemoryBody, writeMemoryBody } from './memory-requests';
import { exceptionInfoBody, exitLogBody, exitsEventBody } from './exit-requests';
import { stackFrames } from './stack-frames';
import { evaluateBody } from './evaluate-request';
import { dataBreakpointInfo, placeInstructionBreakpoints, watchRequests } from './breakpoint-args';
import { frameScopes } from './scopes-view';
import { ADAPTER_CAPABILITIES } from './capabilities';
import { DebugEngine, type StopInfo } from './engine/debug-engine';
import { codeBits } from './engine/cpu-view';
import { Disassembler } from './disassembly';
import { disassembleAround } from './disassembly-view';
import { addressRef, exitJson, parseAddress } from './protocol-values';
import { EXITS_EVENT, EXIT_LOG_REQUEST, KERNEL_LOG_REQUEST, TASKS_REQUEST, EXIT_PROFILE_REQUEST, type ExitRecordJson } from './custom-protocol';
import { exitProfileBody, frameContext, linuxViewBody } from './kernel-requests';
import { vgaTextBody } from './vga-text-request';
import { hex, type Node } from './state-views';
import type { RawFrame } from './engine/stack';
import { VariableHandles } from './variable-handles';
import { formatNodeValue } from './value-format';
import type { ExitRecord } from '../emulator/machine';

const THREAD = 1;
const CONFIG_REQUESTS = new Set(['setBreakpoints', 'setFunctionBreakpoints', 'setInstructionBreakpoints', 'setDataBreakpoints', 'setExceptionBreakpoints']);

/**
 * Exits carried by one `paravirt.exits` event (one per 100 ms tick, one per stop, one at the
 * end): every exit of a session up to 40,000 a second, so the views and an export after the
 * session hold the whole run; past that the event says how many it left out.
 */
const EXITS_PER_EVENT = 4000;

export class ParavirtSession extends LoggingDebugSession {
  private engine: DebugEngine | null = null;
  private config: LaunchConfig | null = null;
  private readonly handles = new VariableHandles<() => Node[]>();
  private lastStop: StopInfo | null = null;
  private frameCache: RawFrame[] | null = null;
  /** Serial output, and console_io bytes kept apart from it (launch attribute hypervisorConsole). */
  private readonly console = new GuestConsole((event) => this.sendEvent(event));
  private timer: NodeJS.Timeout | null = null;
  private lastExitTotal = 0;
  private profileWritten = false;
  private disasm: Disassembler | null = null;
  private configured = false;
  private launchArgs: DebugProtocol.LaunchRequestArguments | null = null;
  private readonly configRequests = new Map<string, DebugProtocol.Request>();
  private muted = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { ...ADAPTER_CAPABILITIES };
    this.sendResponse(response);
  }

  private fail(response: DebugProtocol.Response, message: string, id = 2000): void {
    // The base class substitutes {name} in `format`; braces in our messages are literal.
    this.sendErrorResponse(response, { id, format: message.replace(/\{/g, '(').replace(/\}/g, ')'), showUser: true });
  }

  /** The engine, or an error response saying why there is none / why it cannot answer now. */
  private stopped(response: DebugProtocol.Response): DebugEngine | null {
    if (!this.engine) { this.fail(response, 'no guest is running: launch first'); return null; }
    if (this.engine.isEnded) { this.fail(response, 'the guest has ended'); return null; }
    if (this.engine.running) { this.fail(response, 'the guest is running: pause it first'); return null; }
    return this.engine;
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    if (this.engine) { this.fail(response, 'this session already runs a guest'); return; }
    const made = createEngine(args, this.console.serialOut, this.console.hypervisorOut);
    if ('error' in made) { this.fail(response, made.error, made.code); return; }
    this.launchArgs = args;
    this.engine = made.engine;
    this.config = made.config;
    this.console.route(made.config.serial.kind, made.fd);
    this.adoptSymbols(made.symbols);
    this.wireEngine(made.engine);
    this.sendResponse(response);
    // Reverse execution exists where the engine keeps snapshots of the whole state.
    this.sendEvent(new CapabilitiesEvent({ supportsStepBack: made.engine.history !== null }));
    this.sendEvent(new InitializedEvent());
  }

  /** Restart: a fresh machine from the (possibly updated) configuration, with the same breakpoints. */
  protected override restartRequest(response: DebugProtocol.RestartResponse, args: DebugProtocol.RestartArguments): void {
    const old = this.engine;
    if (!old || !this.launchArgs) { this.fail(response, 'nothing to restart: launch first'); return; }
    const raw = (args?.arguments as unknown) ?? this.launchArgs;
    const made = createEngine(raw, this.console.serialOut, this.console.hypervisorOut);
    if ('error' in made) { this.fail(response, made.error, made.code); return; }
    old.removeAllListeners();
    old.stop();
    this.endSession();
    this.launchArgs = raw as DebugProtocol.LaunchRequestArguments;
    this.engine = made.engine;
    this.config = made.config;
    this.console.route(made.config.serial.kind, made.fd);
    this.adoptSymbols(made.symbols);
    this.profileWritten = false;
    this.lastStop = null;
    this.frameCache = null;
    this.handles.dropAll();
    this.lastExitTotal = 0;
    this.wireEngine(made.engine);
    // Re-apply the breakpoint configuration the client set, without answering it again.
    this.muted = true;
    try { for (const req of this.configRequests.values()) this.dispatchRequest(req); } finally { this.muted = false; }
    this.sendResponse(response);
    made.engine.start();
  }

  override sendResponse(response: DebugProtocol.Response): void {
    if (this.muted) return;
    super.sendResponse(response);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    // Breakpoint configuration is kept (the latest per kind and source) for restart.
    const key = CONFIG_REQUESTS.has(request.command)
      ? request.command === 'setBreakpoints' ? `setBreakpoints:${(request.arguments as DebugProtocol.SetBreakpointsArguments | undefined)?.source?.path}` : request.command
      : null;
    if (key && !this.muted) this.configRequests.set(key, request);
    super.dispatchRequest(request);
  }

  private wireEngine(engine: DebugEngine): void {
    engine.on('stopped', (info) => {
      this.console.flush();
      // The views show the counts as of this stop, not as of the last timer tick.
      this.sendExitsEvent(false);
      this.lastStop = info;
      this.frameCache = null;
      this.handles.dropAll();
      const ev = new StoppedEvent(info.kind, THREAD, info.text) as DebugProtocol.StoppedEvent;
      ev.body.description = info.description;
      ev.body.allThreadsStopped = true;
      if (info.breakpointIds) ev.body.hitBreakpointIds = info.breakpointIds;
      this.sendEvent(ev);
    });
    engine.on('output', (text, category) => this.sendEvent(new OutputEvent(text, category)));
    // KASLR moved the kernel: the client's breakpoints say where they are now.
    engine.on('breakpointsMoved', (moved) => {
      for (const m of moved) {
        const bp = new Breakpoint(true) as DebugProtocol.Breakpoint;
        bp.id = m.id;
        bp.instructionReference = addressRef(m.address);
        this.sendEvent(new BreakpointEvent('changed', bp));
      }
    });
    engine.on('end', (info) => {
      this.console.flush();
      // The timer stops with the session: the exits since its last tick go out now, or the
      // views end short of the run's totals (a short run may never have had a tick at all).
      this.sendExitsEvent(false);
      this.sendEvent(new OutputEvent(`paravirt: ${info.message}\n`, 'console'));
      this.endSession();
      this.sendEvent(new ExitedEvent(info.exitCode));
      this.sendEvent(new TerminatedEvent());
    });
    this.timer = setInterval(() => { this.console.flush(); this.sendExitsEvent(false); }, 100);
    this.timer.unref();
  }

  /** `paravirt.exits`: counters by reason and the latest exits, at most every 100 ms (the timer's period). */
  private sendExitsEvent(force: boolean): void {
    const e = this.engine;
    if (!e) return;
    const stats = e.machine.exits;
    if (!force && stats.total === this.lastExitTotal) return;
    this.lastExitTotal = stats.total;
    this.sendEvent(new Event(EXITS_EVENT, exitsEventBody(e, EXITS_PER_EVENT, (r) => this.exitWithSource(r))));
  }

  /** An exit as JSON, with the source line of its instruction where the line table knows it. */
  private exitWithSource(r: ExitRecord): ExitRecordJson {
    const o = exitJson(r);
    // 64-bit code: the whole RIP, as the line table keeps 64-bit addresses (signed).
    const l = this.engine?.sourceAt(r.ripHi ? Number(BigInt.asIntN(64, (BigInt(r.ripHi >>> 0) << 32n) | BigInt(r.eip >>> 0))) : r.eip);
    if (l) o.source = { path: this.localPath(l.file), line: l.line };
    return o;
  }

  /** The debug file stays open for the session (units are read as they are needed); the Debug Console says what it holds. */
  private adoptSymbols(s: OpenedSymbols | null): void {
    const path = this.config?.symbols;
    const used = s && path ? useSymbols(s, path, this.engine?.inspect.orc?.size, (text) => this.sendEvent(new OutputEvent(text, 'console'))) : null;
    this.closeSymbols = used?.close ?? s?.close ?? null;
  }

  private closeSymbols: (() => void) | null = null;

  private endSession(): void {
    this.closeSymbols?.();
    this.closeSymbols = null;
    if (this.timer) { clearInterval(this.timer); this.timer = null; }
    this.console.close();
    this.writeProfile();
  }

  private writeProfile(): void {
    const e = this.engine, c = this.config;
    if (!e || !c || !c.profile || this.profileWritten) return;
    this.profileWritten = true;
    try {
      const json = e.profile.toJson({ program: c.program, mode: c.mode, instructions: e.machine.icount }, (a) => this.profileLine(a), (a) => this.functionName(a));
      mkdirSync(dirname(c.profile), { recursive: true });
      writeFileSync(c.profile, JSON.stringify(json, null, 1) + '\n');
    } catch (err) {
      this.sendEvent(new OutputEvent(`paravirt: cannot write the exit profile to '${c.profile}': ${(err as Error).message}\n`, 'stderr'));
    }
  }

  private profileLine(a: number): { file: string; line: number } | undefined {
    const l = this.engine?.sourceAt(a);
    return l ? { file: this.localPath(l.file), line: l.line } : undefined;
  }

  /** The function holding a code address: the ELF symbol (cheap for a vmlinux), else DWARF's. */
  private functionName(a: number): string | undefined {
    const e = this.engine;
    return e?.symbols.functionAt(a)?.name ?? e?.dwarf?.functionAt(a)?.name;
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    if (this.engine && !this.configured) { this.configured = true; this.engine.start(); }
  }

  // ---- paths ---------------------------------------------------------------------------

  /**
   * A path from the debug information (joined with its directories as DWARF defines) as a local
   * path: relative to the launch's cwd when still relative, then sourceFileMap. Every source the
   * adapter names (frames, breakpoints, disassembly, the exit profile) comes through here.
   */
  private localPath(file: string): string {
    const c = this.config;
    if (!c) return file;
    return localSourcePath(file, c);
  }

  private matcher(clientPath: string): (file: string) => boolean {
    const want = normalize(clientPath);
    return (file) => {
      const local = this.localPath(file);
      if (local === want) return true;
      const f = normalize(file);
      return !isAbsolute(f) && want.endsWith('/' + f.replace(/^\.\//, ''));
    };
  }

  private source(file: string): Source {
    const local = this.localPath(file);
    return new Source(basename(local), this.convertDebuggerPathToClient(local));
  }

  // ---- breakpoints ---------------------------------------------------------------------

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'launch before setting breakpoints'); return; }
    const path = args?.source?.path;
    if (typeof path !== 'string') { this.fail(response, 'setBreakpoints: source.path is missing'); return; }
    const list = Array.isArray(args.breakpoints) ? args.breakpoints : (args.lines ?? []).map((line) => ({ line }));
    const results = e.setSourceBreakpoints(this.matcher(this.convertClientPathToDebugger(path)), list.map((b) => ({
      line: this.convertClientLineToDebugger(Number(b.line)), condition: (b as DebugProtocol.SourceBreakpoint).condition,
      hitCondition: (b as DebugProtocol.SourceBreakpoint).hitCondition, logMessage: (b as DebugProtocol.SourceBreakpoint).logMessage,
    })), path);
    response.body = {
      breakpoints: results.map((r) => {
        const bp = new Breakpoint(r.verified, r.line !== undefined ? this.convertDebuggerLineToClient(r.line) : undefined) as DebugProtocol.Breakpoint;
        if (r.id !== undefined) bp.id = r.id;
        if (r.message) bp.message = r.message;
        if (r.address !== undefined) bp.instructionReference = addressRef(r.address);
        if (r.verified) bp.source = new Source(basename(path), path);
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'launch before setting breakpoints'); return; }
    if (!Array.isArray(args?.breakpoints)) { this.fail(response, 'setFunctionBreakpoints: breakpoints must be an array'); return; }
    const results = e.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: String(b.name ?? ''), condition: b.condition, hitCondition: b.hitCondition })));
    response.body = { breakpoints: results.map((r) => this.addrBreakpoint(r)) };
    this.sendResponse(response);
  }

  protected override setInstructionBreakpointsRequest(response: DebugProtocol.SetInstructionBreakpointsResponse, args: DebugProtocol.SetInstructionBreakpointsArguments): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'launch before setting breakpoints'); return; }
    if (!Array.isArray(args?.breakpoints)) { this.fail(response, 'setInstructionBreakpoints: breakpoints must be an array'); return; }
    const out = placeInstructionBreakpoints(args.breakpoints, (req) => e.setInstructionBreakpoints(req), (r) => this.addrBreakpoint(r));
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }

  private addrBreakpoint(r: { verified: boolean; id?: number; address?: number; message?: string }): DebugProtocol.Breakpoint {
    const bp: DebugProtocol.Breakpoint = { verified: r.verified };
    if (r.id !== undefined) bp.id = r.id;
    if (r.message) bp.message = r.message;
    if (r.address !== undefined) {
      bp.instructionReference = addressRef(r.address);
      const l = this.engine?.sourceAt(r.address);
      if (l) { bp.source = this.source(l.file); bp.line = this.convertDebuggerLineToClient(l.line); }
    }
    return bp;
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    const e = this.engine;
    const name = String(args?.name ?? '');
    response.body = dataBreakpointInfo(e && !e.running && !e.isEnded ? e : null, name);
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'launch before setting breakpoints'); return; }
    if (!Array.isArray(args?.breakpoints)) { this.fail(response, 'setDataBreakpoints: breakpoints must be an array'); return; }
    const req = watchRequests(args.breakpoints);
    if ('error' in req) { this.fail(response, req.error); return; }
    response.body = { breakpoints: e.setDataBreakpoints(req) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'launch before setting exception filters'); return; }
    const list = [
      ...(Array.isArray(args?.filters) ? args.filters : []).map((id) => ({ id: String(id) })),
      ...(Array.isArray(args?.filterOptions) ? args.filterOptions : []).map((o) => ({ id: String(o.filterId), condition: o.condition })),
    ];
    try { e.setExceptionFilters(list); } catch (err) { this.fail(response, `exception filter: ${(err as Error).message}`); return; }
    response.body = { breakpoints: list.map(() => ({ verified: true })) };
    this.sendResponse(response);
  }

  // ---- execution -----------------------------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, 'vCPU 0')] };
    this.sendResponse(response);
  }

  private resume(response: DebugProtocol.Response, go: (e: DebugEngine) => void): void {
    const e = this.stopped(response);
    if (!e) return;
    // The handles stay until the next stop: the client may still be fetching this stop's variables.
    this.frameCache = null;
    this.sendResponse(response);
    go(e);
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.resume(response, (e) => e.continue());
  }

  private step(response: DebugProtocol.Response, kind: 'over' | 'in' | 'out', granularity?: string): void {
    this.resume(response, (e) => (granularity === 'instruction' ? e.stepInstruction(kind) : e.stepLine(kind)));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void { this.step(response, 'over', args?.granularity); }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void { this.step(response, 'in', args?.granularity); }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void { this.step(response, 'out', args?.granularity); }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    if (!e.history) { this.fail(response, 'no execution history is kept for this guest'); return; }
    this.resume(response, (en) => en.stepBack(args?.granularity === 'instruction' ? 'instruction' : 'line'));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    const e = this.stopped(response);
    if (!e) return;
    if (!e.history) { this.fail(response, 'no execution history is kept for this guest'); return; }
    this.resume(response, (en) => en.reverseContinue());
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    if (!this.engine) { this.fail(response, 'no guest is running: launch first'); return; }
    this.engine.pause();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.engine?.stop();
    this.endSession();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments, request?: DebugProtocol.Request): void {
    this.engine?.stop();
    this.endSession();
    super.disconnectRequest(response, args, request);
  }

  // ---- state ---------------------------------------------------------------------------

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const frames = this.frameCache ??= e.frames();
    const start = Math.max(0, Number(args?.startFrame) || 0);
    const count = Number(args?.levels) > 0 ? Number(args.levels) : frames.length;
    response.body = {
      totalFrames: frames.length,
      stackFrames: stackFrames(e, frames.slice(start, start + count), start, (file) => this.source(file), (line) => this.convertDebuggerLineToClient(line)),
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const frames = this.frameCache ??= e.frames();
    const scopes = frameScopes(e, frames, Number(args?.frameId) || 0, this.lastStop?.exit ?? e.latestExit, (nodes) => this.handles.create(nodes));
    response.body = { scopes };
    this.sendResponse(response);
  }

  private nodesOf(ref: number): Node[] | null {
    const get = this.handles.get(ref);
    return get ? get() : null;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const ref = Number(args?.variablesReference);
    // A reference from an earlier stop, or asked for while the guest runs (a request sent just
    // before a step or continue): nothing to show, which is not an error the user should see.
    if (this.handles.issued(ref) && (!this.handles.get(ref) || this.engine?.running)) {
      response.body = { variables: [] };
      this.sendResponse(response);
      return;
    }
    const e = this.stopped(response);
    if (!e) return;
    const nodes = this.nodesOf(ref);
    if (!nodes) { this.fail(response, `no variables with reference ${args?.variablesReference}`); return; }
    response.body = {
      variables: nodes.map((n) => {
        const v: DebugProtocol.Variable = { name: n.name, value: formatNodeValue(n.value, args.format), variablesReference: n.children ? this.handles.create(n.children) : 0 };
        if (n.type) v.type = n.type;
        if (n.memory !== undefined) v.memoryReference = addressRef(n.memory);
        if (!n.set) v.presentationHint = { attributes: ['readOnly'] };
        return v;
      }),
    };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const nodes = this.nodesOf(Number(args?.variablesReference));
    const node = nodes?.find((n) => n.name === args.name);
    if (!node) { this.fail(response, `no variable '${args?.name}' here`); return; }
    if (!node.set && !node.setWide) { this.fail(response, `'${args.name}' is read-only`); return; }
    let value: number;
    try {
      if (node.setWide) {
        // A 64-bit register takes all 64 bits of the value.
        const wide = e.inspect.evaluateBig(String(args.value));
        value = Number(wide & 0xffffffffn);
        node.setWide(wide);
      } else {
        value = e.evaluateNumber(String(args.value));
      }
    } catch (err) { this.fail(response, `cannot set '${args.name}': ${(err as Error).message}`); return; }
    try { if (!node.setWide) node.set!(value); } catch (err) { this.fail(response, `cannot set '${args.name}': ${(err as Error).message}`); return; }
    e.stateEdited();
    const updated = this.nodesOf(Number(args.variablesReference))?.find((n) => n.name === args.name);
    response.body = { value: updated?.value ?? hex(value) };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    try {
      const expr = String(args?.expression ?? '');
      response.body = evaluateBody(e, expr, args?.format, frameContext(e, () => (this.frameCache ??= e.frames()), args?.frameId), (children) => this.handles.create(children));
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, (err as Error).message, 3000);
    }
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const body = readMemoryBody(e, args);
    if ('error' in body) { this.fail(response, body.error); return; }
    response.body = body;
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const body = writeMemoryBody(e, args);
    if ('error' in body) { this.fail(response, body.error); return; }
    e.stateEdited();
    response.body = body;
    this.sendResponse(response);
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    const e = this.stopped(response);
    if (!e) return;
    const bits = codeBits(e.machine);
    const base = parseAddress(args?.memoryReference);
    const count = Number(args?.instructionCount);
    if (base === null) { this.fail(response, `memoryReference '${args?.memoryReference}' is not an address`); return; }
    if (!Number.isInteger(count) || count < 0 || count > 10000) { this.fail(response, 'instructionCount must be a whole number from 0 to 10000'); return; }
    try { this.disasm ??= new Disassembler(this.config!.disassemblySyntax); } catch (err) { this.fail(response, (err as Error).message); return; }
    const offset = Math.trunc(Number(args.offset) || 0);
    const addr = bits === 64 ? base + offset : (base + offset) >>> 0;
    const ioff = Math.max(-10000, Math.min(10000, Math.trunc(Number(args.instructionOffset) || 0)));
    response.body = {
      instructions: disassembleAround(e, this.disasm, addr, ioff, count, bits, (file, line) => ({ source: this.source(file), line: this.convertDebuggerLineToClient(line) })),
    };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const e = this.engine;
    const s = this.lastStop;
    if (!e || !s || s.kind !== 'exception') { this.fail(response, 'the guest did not stop on an exception filter'); return; }
    response.body = exceptionInfoBody(s, (a) => e.symbols.describe(a));
    this.sendResponse(response);
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    const e = this.engine;
    if (!e) { this.fail(response, 'no guest is loaded'); return; }
    response.body = { sources: e.lines.files().map((f) => this.source(f)) };
    this.sendResponse(response);
  }

  /** `paravirt.vgaText` (for the extension's Guest Screen; see vga-text-request.ts). */
  private vgaTextRequest(response: DebugProtocol.Response): void {
    const body = this.engine ? vgaTextBody(this.engine.machine) : null;
    if (!body) { this.fail(response, 'no guest is loaded'); return; }
    response.body = body;
    this.sendResponse(response);
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === 'paravirt.vgaText') { this.vgaTextRequest(response); return; }
    if (command === KERNEL_LOG_REQUEST || command === TASKS_REQUEST || command === EXIT_PROFILE_REQUEST) {
      if (!this.engine) { this.fail(response, 'no guest is loaded'); return; }
      const body = command === EXIT_PROFILE_REQUEST
        ? exitProfileBody(this.engine, !!this.config?.profile, args, (a) => this.functionName(a), (a) => this.profileLine(a))
        : linuxViewBody(this.engine, command);
      if ('error' in body) { this.fail(response, body.error); return; }
      response.body = body;
      this.sendResponse(response);
      return;
    }
    if (command === 'paravirt.runStats') {
      // Where the latest continue or step spent its time (the bench reads the debugger's own share from it).
      if (!this.engine) { this.fail(response, 'no guest is loaded'); return; }
      // With what the reverse-execution history holds now (null: no history is kept).
      response.body = { ...(this.engine.lastRun ?? {}), history: this.engine.history?.stats() ?? null };
      this.sendResponse(response);
      return;
    }
    if (command !== EXIT_LOG_REQUEST) { super.customRequest(command, response, args); return; }
    if (!this.engine) { this.fail(response, 'no guest is loaded'); return; }
    const body = exitLogBody(this.engine, args, (r) => this.exitWithSource(r));
    if ('error' in body) { this.fail(response, body.error); return; }
    response.body = body;
    this.sendResponse(response);
  }
}
