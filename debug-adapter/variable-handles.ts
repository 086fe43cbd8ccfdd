// variablesReference handles. They stay valid while the guest runs after a stop (a client may
// still be fetching the last stop's variables when it sends the step), are dropped at the next
// stop, and are never reused: numbers keep growing across stops, so a late request for an old
// reference cannot be answered with whatever a new handle of the same number holds.

export class VariableHandles<T> {
  private next = 1000;
  private readonly live = new Map<number, T>();

  create(value: T): number {
    const h = this.next++;
    this.live.set(h, value);
    return h;
  }

  get(handle: number): T | undefined { return this.live.get(handle); }

  /** Was this number ever handed out (whether it is still live or not)? */
  issued(handle: number): boolean { return Number.isInteger(handle) && handle >= 1000 && handle < this.next; }

  /** At a stop: the previous stop's handles describe a state that is gone. */
  dropAll(): void { this.live.clear(); }
}
