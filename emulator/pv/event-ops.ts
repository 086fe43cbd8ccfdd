// event_channel_op: binding, sending, closing, unmasking and status of event channels.

import {
  DOMID_SELF, EFAULT, EINVAL, ENOSPC, ENOSYS, EEXIST, ENOENT, EOPNOTSUPP, ESRCH, EVTCHNOP, EVTCHNSTAT, NR_VIRQS,
} from './abi';
import { FIFO_LINK_BITS, FifoEvents } from './event-fifo';
import { MAX_PORTS } from './events';
import { EVTCHN_INIT_CONTROL } from './layouts';
import type { ConsoleBackend } from './console';
import type { EventChannels } from './events';
import type { XenDomainServices } from './services';
import type { XenstoreBackend } from './xenstore';

/** What event_channel_op reaches: the domain, its ports, and the backends behind interdomain ports. */
export interface EventOpContext {
  readonly host: XenDomainServices;
  readonly events: EventChannels;
  readonly console: ConsoleBackend;
  readonly xenstore: XenstoreBackend;
}
import { GuestFault } from './guest-access';

/** Our domain id as other domains would see it (dom0 is the console and xenstore backend). */
export const OUR_DOMID = 1;

export function eventChannelOp(x: EventOpContext, cmd: number, arg: number): number {
  try {
    return op(x, cmd, arg);
  } catch (e) {
    if (e instanceof GuestFault) return -EFAULT;
    throw e;
  }
}

function op(d: EventOpContext, cmd: number, arg: number): number {
  const a = d.host.guest, ev = d.events;
  const portOk = (p: number) => ev.portValid(p);
  switch (cmd) {
    case EVTCHNOP.bind_virq: {
      const virq = a.u32(arg), vcpu = a.u32(arg + 4);
      a.checkWritable(arg + 8, 4);
      if (virq >= NR_VIRQS) return -EINVAL;
      if (vcpu !== 0) return -ENOENT;
      if (ev.virqPort[virq] > 0) return -EEXIST;
      const port = ev.allocate();
      if (port < 0) return -ENOSPC;
      ev.state[port] = EVTCHNSTAT.virq; ev.virq[port] = virq; ev.virqPort[virq] = port;
      a.set32(arg + 8, port);
      return 0;
    }
    case EVTCHNOP.bind_ipi: {
      const vcpu = a.u32(arg);
      a.checkWritable(arg + 4, 4);
      if (vcpu !== 0) return -ENOENT;
      const port = ev.allocate();
      if (port < 0) return -ENOSPC;
      ev.state[port] = EVTCHNSTAT.ipi;
      a.set32(arg + 4, port);
      return 0;
    }
    case EVTCHNOP.alloc_unbound: {
      const dom = a.u16(arg), remote = a.u16(arg + 2);
      a.checkWritable(arg + 4, 4);
      if (dom !== DOMID_SELF && dom !== d.host.domid) return -ESRCH;
      const port = ev.allocate();
      if (port < 0) return -ENOSPC;
      ev.state[port] = EVTCHNSTAT.unbound; ev.remoteDom[port] = remote === DOMID_SELF ? d.host.domid : remote;
      a.set32(arg + 4, port);
      return 0;
    }
    case EVTCHNOP.bind_interdomain: {
      // No other domain offers ports to bind to.
      a.checkWritable(arg + 8, 4);
      return -EINVAL;
    }
    case EVTCHNOP.close: {
      const port = a.u32(arg);
      if (!portOk(port)) return -EINVAL;
      if (ev.state[port] === EVTCHNSTAT.closed) return -EINVAL;
      ev.close(port);
      return 0;
    }
    case EVTCHNOP.send: {
      const port = a.u32(arg);
      if (!portOk(port)) return -EINVAL;
      switch (ev.state[port]) {
        case EVTCHNSTAT.ipi: ev.setPending(port); return 0;
        case EVTCHNSTAT.interdomain:
          if (ev.backend[port] === 'console') d.console.drain();
          else if (ev.backend[port] === 'xenstore') d.xenstore.kick();
          return 0;
        case EVTCHNSTAT.unbound: return 0; // Xen drops a notification nobody is bound to hear
        default: return -EINVAL;
      }
    }
    case EVTCHNOP.status: {
      const dom = a.u16(arg), port = a.u32(arg + 4);
      a.checkWritable(arg + 8, 16);
      if (dom !== DOMID_SELF && dom !== d.host.domid) return -ESRCH;
      if (port >= ev.nrPorts) return -EINVAL;
      const st = port === 0 ? EVTCHNSTAT.closed : ev.state[port];
      a.set32(arg + 8, st);
      a.set32(arg + 12, ev.notifyVcpu[port]);
      a.set32(arg + 16, 0); a.set32(arg + 20, 0);
      if (st === EVTCHNSTAT.unbound) a.set16(arg + 16, ev.remoteDom[port]);
      else if (st === EVTCHNSTAT.interdomain) { a.set16(arg + 16, ev.remoteDom[port]); a.set32(arg + 20, ev.remotePort[port]); }
      else if (st === EVTCHNSTAT.virq) a.set32(arg + 16, ev.virq[port]);
      return 0;
    }
    case EVTCHNOP.bind_vcpu: {
      const port = a.u32(arg), vcpu = a.u32(arg + 4);
      if (!portOk(port) || ev.state[port] === EVTCHNSTAT.closed) return -EINVAL;
      if (vcpu !== 0) return -ENOENT;
      // Xen moves only VIRQs that are not per-vCPU (not the timer), unbound and interdomain ports, and PIRQs.
      if (ev.state[port] === EVTCHNSTAT.ipi || (ev.state[port] === EVTCHNSTAT.virq && ev.virq[port] === 0)) return -EINVAL;
      ev.notifyVcpu[port] = vcpu;
      return 0;
    }
    case EVTCHNOP.unmask: {
      const port = a.u32(arg);
      if (!portOk(port)) return -EINVAL;
      ev.unmask(port);
      return 0;
    }
    case EVTCHNOP.bind_pirq: return -EINVAL;  // no physical IRQs for an unprivileged domain
    case EVTCHNOP.init_control: {
      const gfn = a.u64(arg + EVTCHN_INIT_CONTROL.controlGfn), offset = a.u32(arg + EVTCHN_INIT_CONTROL.offset);
      const vcpu = a.u32(arg + EVTCHN_INIT_CONTROL.vcpu);
      a.checkWritable(arg, EVTCHN_INIT_CONTROL.SIZE);
      const first = ev.fifo === null;
      const fifo = ev.fifo ?? new FifoEvents(d.host, ev, MAX_PORTS);
      const rc = fifo.mapControlBlock(gfn, offset, vcpu);
      if (rc < 0) return rc;
      if (first) {
        // Xen's setup_ports: the ports bound so far keep their pending state and get the default priority.
        for (let p = 1; p < ev.nrPorts; p++) {
          if (ev.state[p] === EVTCHNSTAT.closed) continue;
          fifo.initPort(p);
          if (ev.pending2l(p)) fifo.held[p] = 1;
        }
        ev.fifo = fifo;
      }
      a.set8(arg + EVTCHN_INIT_CONTROL.linkBits, FIFO_LINK_BITS);
      return 0;
    }
    case EVTCHNOP.expand_array: {
      const gfn = a.u64(arg);
      return ev.fifo ? ev.fifo.expandArray(gfn) : -EOPNOTSUPP;
    }
    case EVTCHNOP.set_priority: {
      const port = a.u32(arg), priority = a.u32(arg + 4);
      if (!ev.fifo) return -ENOSYS; // the 2-level ABI has no priorities
      if (!portOk(port)) return -EINVAL;
      return ev.fifo.setPriority(port, priority);
    }
    default: return -ENOSYS;
  }
}
