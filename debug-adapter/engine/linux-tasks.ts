// The task list as `ps` (and the kernel's gdb command lx-ps) shows it: every thread group
// from init_task.tasks, each thread of a group (thread_group, or signal->thread_head with
// thread_node in 6.7 and later), with its PID, thread group id, state and command. The state
// letter is the one /proc/<pid>/stat gives (task_state_index: __state | exit_state within the
// reportable bits; TASK_IDLE shows as I). Layouts come from the kernel's debug information.

import { KStruct, KernelDataError, addAddress, pointee, type ReadMemory } from './kernel-data';
import type { KernelGlobals } from './linux-log';

export interface TaskInfo {
  /** Address of the task_struct, 0x + 16 hex digits. */
  address: string;
  pid: number;
  tgid: number;
  /** The raw state word (__state, or state before 5.14) and exit_state. */
  state: number;
  exitState: number;
  /** ps's letter: R S D T t X Z P I. */
  stateLetter: string;
  comm: string;
  /** A kernel thread (PF_KTHREAD): ps shows its command in brackets. */
  kernelThread: boolean;
  /** The CPU it last ran on, when the kernel records it in the task. */
  cpu?: number;
  /** The task the stopped CPU is running. */
  current: boolean;
}

const TASK_REPORT = 0x7f, TASK_IDLE = 0x402, PF_KTHREAD = 0x00200000;
const LETTERS = 'RSDTtXZPI';
/** Tasks listed at most: the list lives in guest memory and may be corrupt or cyclic. */
const MAX_TASKS = 65536;

export function stateLetter(state: number, exitState: number): string {
  if (state === TASK_IDLE) return 'I';
  const s = (state | exitState) & TASK_REPORT;
  return LETTERS[s === 0 ? 0 : 32 - Math.clz32(s)] ?? '?';
}

export function readTaskList(k: KernelGlobals, read: ReadMemory, currentTask: number | null): TaskInfo[] {
  const g = k.global('init_task');
  const at = k.addressOf('init_task');
  if (!g || at === undefined) throw new KernelDataError("no task list: the debug information has no 'init_task' (a Linux kernel with its debug file loaded)");
  const type = g.type;
  const init = new KStruct(type, at, read, 'init_task');
  const offsetOf = (path: string) => init.member(path).offset;
  const tasksOff = offsetOf('tasks');
  const threads = init.has('thread_group') ? { head: null, node: offsetOf('thread_group') }
    : init.has('signal') && init.has('thread_node') ? { head: 'signal', node: offsetOf('thread_node') } : null;
  const out: TaskInfo[] = [];
  const seen = new Set<number>();
  const task = (addr: number): KStruct => new KStruct(type, addr, read, `task 0x${BigInt.asUintN(64, BigInt(addr)).toString(16)}`);
  const add = (t: KStruct) => {
    if (seen.has(t.address)) return false;
    seen.add(t.address);
    if (out.length >= MAX_TASKS) throw new KernelDataError(`the task list has more than ${MAX_TASKS} entries (corrupt or cyclic)`);
    out.push(describe(t, currentTask));
    return true;
  };
  let leader = at;
  for (let n = 0; n <= MAX_TASKS; n++) {
    const l = task(leader);
    add(l);
    if (threads) for (const t of threadsOf(l, threads, read, task)) add(t);
    const next = addAddress(l.pointer('tasks.next'), -tasksOff);
    if (next === at) break;
    if (seen.has(next) && next !== at) throw new KernelDataError(`the task list loops at 0x${BigInt.asUintN(64, BigInt(next)).toString(16)} without returning to init_task`);
    leader = next;
  }
  return out;
}

/** The other threads of a thread group leader. */
function threadsOf(leader: KStruct, threads: { head: string | null; node: number }, read: ReadMemory, task: (a: number) => KStruct): KStruct[] {
  const out: KStruct[] = [];
  if (threads.head === null) {
    // thread_group: a ring through every thread of the group, the leader included.
    let p = leader.pointer('thread_group.next');
    for (let n = 0; n < MAX_TASKS && p !== leader.addressOf('thread_group'); n++) {
      const t = task(addAddress(p, -threads.node));
      out.push(t);
      p = t.pointer('thread_group.next');
    }
    return out;
  }
  // signal->thread_head: a list head in the shared signal_struct, thread_node in each task.
  const sigAddr = leader.pointer('signal');
  if (!sigAddr) return out;
  const sig = new KStruct(pointee(leader.member('signal').type), sigAddr, read, 'signal');
  if (!sig.has('thread_head')) return out;
  const head = sig.addressOf('thread_head');
  let p = sig.pointer('thread_head.next');
  for (let n = 0; n < MAX_TASKS && p !== head; n++) {
    const t = task(addAddress(p, -threads.node));
    if (t.address !== leader.address) out.push(t);
    p = t.pointer('thread_node.next');
  }
  return out;
}

function describe(t: KStruct, currentTask: number | null): TaskInfo {
  const state = t.has('__state') ? t.num('__state') : t.has('state') ? t.num('state') : 0;
  const exitState = t.has('exit_state') ? t.num('exit_state') : 0;
  const cpu = t.has('thread_info.cpu') ? t.num('thread_info.cpu') : t.has('cpu') ? t.num('cpu') : undefined;
  return {
    address: '0x' + BigInt.asUintN(64, BigInt(t.address)).toString(16).padStart(16, '0'),
    pid: t.int('pid'), tgid: t.has('tgid') ? t.int('tgid') : t.int('pid'),
    state, exitState, stateLetter: stateLetter(state, exitState),
    comm: t.string('comm'),
    kernelThread: t.has('flags') ? (t.num('flags') & PF_KTHREAD) !== 0 : false,
    ...(cpu !== undefined ? { cpu } : {}),
    current: currentTask !== null && t.address === currentTask,
  };
}
