// "Kernel Log" and "Tasks" in the Run and Debug container: a Linux guest's dmesg and its task
// list, as the kernel's gdb commands lx-dmesg and lx-ps show them, read by the adapter
// (`paravirt.kernelLog`, `paravirt.tasks`) from the kernel's own structures on every stop.
// While the guest runs they keep the last stop's contents; a guest that is not Linux (or
// has no debug information loaded) shows why.

import * as vscode from 'vscode';
import { KERNEL_LOG_REQUEST, TASKS_REQUEST, isKernelLogBody, isTasksBody, type TaskInfo } from '../debug-adapter/custom-protocol';

type Item = { kind: 'line'; text: string; level?: number } | { kind: 'task'; task: TaskInfo } | { kind: 'note'; text: string };

/** syslog levels as dmesg names them. */
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

abstract class StopRefreshedView implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<Item | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  protected items: Item[] = [];
  /** What the view shows now, in a word (for tests and the view's message). */
  lastStatus = 'no session';
  private generation = 0;

  constructor(private readonly idle: string) {}

  dispose(): void { this.changed.dispose(); }
  getChildren(item?: Item): Item[] {
    if (item) return [];
    return this.items.length ? this.items : [{ kind: 'note', text: this.lastStatus === 'no session' ? this.idle : this.lastStatus }];
  }
  abstract getTreeItem(item: Item): vscode.TreeItem;
  protected abstract load(session: vscode.DebugSession): Promise<{ items: Item[]; status: string }>;

  /** On every stop: ask the adapter, show the answer (or why there is none). */
  async refresh(session: vscode.DebugSession | undefined = vscode.debug.activeDebugSession): Promise<void> {
    if (!session || session.type !== 'paravirt') return;
    const gen = ++this.generation;
    try {
      const r = await this.load(session);
      if (gen !== this.generation) return;
      this.items = r.items;
      this.lastStatus = r.status;
    } catch (e) {
      if (gen !== this.generation || vscode.debug.activeDebugSession !== session) return;
      this.items = [];
      this.lastStatus = `unavailable: ${(e as Error).message}`;
    }
    this.changed.fire(undefined);
  }

  sessionStarted(): void { this.items = []; this.lastStatus = 'running'; this.changed.fire(undefined); }
  sessionEnded(): void { this.lastStatus = this.items.length ? 'session ended (last stop kept)' : 'no session'; this.changed.fire(undefined); }
}

export class KernelLogView extends StopRefreshedView {
  static readonly viewId = 'paravirt.kernelLog';
  /** The lines shown, oldest first (what a test compares with the console). */
  lines: string[] = [];

  constructor() { super('The kernel log of a Linux guest appears here when it stops.'); }

  protected async load(session: vscode.DebugSession): Promise<{ items: Item[]; status: string }> {
    const body: unknown = await session.customRequest(KERNEL_LOG_REQUEST);
    if (!isKernelLogBody(body)) throw new Error('the adapter sent no kernel log');
    if (!body.available) { this.lines = []; return { items: [], status: body.reason ?? 'no kernel log' }; }
    this.lines = body.lines;
    // Records carry the level; lines of a multi-line record share it.
    const levelOf: number[] = [];
    for (const r of body.records) for (let i = 0; i < Math.max(1, r.text.replace(/\n$/, '').split('\n').length); i++) levelOf.push(r.level);
    const items: Item[] = body.lines.map((text, i) => ({ kind: 'line', text, ...(levelOf[i] !== undefined ? { level: levelOf[i] } : {}) }));
    const dropped = body.firstSeq ? ` (records before #${body.firstSeq} overwritten)` : '';
    return { items, status: `${body.records.length} records${dropped}` };
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if (item.kind !== 'line') return new vscode.TreeItem(item.kind === 'note' ? item.text : '');
    const t = new vscode.TreeItem(item.text);
    if (item.level !== undefined) {
      t.tooltip = `${LEVELS[item.level] ?? item.level}: ${item.text}`;
      if (item.level <= 3) t.iconPath = new vscode.ThemeIcon('error');
      else if (item.level === 4) t.iconPath = new vscode.ThemeIcon('warning');
    }
    return t;
  }
}

export class TasksView extends StopRefreshedView {
  static readonly viewId = 'paravirt.tasks';
  tasks: TaskInfo[] = [];

  constructor() { super('The task list of a Linux guest appears here when it stops.'); }

  protected async load(session: vscode.DebugSession): Promise<{ items: Item[]; status: string }> {
    const body: unknown = await session.customRequest(TASKS_REQUEST);
    if (!isTasksBody(body)) throw new Error('the adapter sent no task list');
    this.tasks = body.available ? body.tasks : [];
    if (!body.available) return { items: [], status: body.reason ?? 'no task list' };
    return { items: body.tasks.map((task) => ({ kind: 'task', task })), status: `${body.tasks.length} tasks` };
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if (item.kind !== 'task') return new vscode.TreeItem(item.kind === 'note' ? item.text : item.text);
    const k = item.task;
    // As ps prints it: PID, state letter, the command (kernel threads in brackets).
    const t = new vscode.TreeItem(`${String(k.pid).padStart(5)} ${k.stateLetter} ${k.kernelThread ? `[${k.comm}]` : k.comm}`);
    t.description = `${k.current ? 'current · ' : ''}${k.tgid !== k.pid ? `thread of ${k.tgid} · ` : ''}${k.cpu !== undefined ? `cpu ${k.cpu} · ` : ''}${k.address}`;
    t.tooltip = `task_struct at ${k.address}\npid ${k.pid}, tgid ${k.tgid}\nstate 0x${k.state.toString(16)}${k.exitState ? `, exit_state 0x${k.exitState.toString(16)}` : ''} (${k.stateLetter})`;
    if (k.current) t.iconPath = new vscode.ThemeIcon('debug-stackframe');
    return t;
  }
}
