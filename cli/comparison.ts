// What `paravirt compare` produces: its --json output's shape (public: the field names stay)
// and what the HTML report renders. Apart from compare.ts so the report needs nothing of it.

export interface FlavourResult {
  kernel: string;
  mode: 'hvm' | 'pv';
  stop: { kind: string; detail?: string; code?: number };
  instructions: number;
  serial: string;
  exits: { total: number; byReason: Record<string, number>; cyclesByReason: Record<string, number> };
  hypercalls: Record<string, number>;
  hypercallErrors: Record<string, number>;
  cycles: { guest: number; hypervisor: number; total: number };
  surface: Record<string, string[]>;
  resources: Record<string, number>;
}

export interface CompatSite { id: string; title: string; cls: string; count: number; sites: Array<{ eip: number; symbol?: string; count: number }>; replacement: string }

export interface Comparison {
  hvm: FlavourResult;
  pv: FlavourResult;
  sameOutput: boolean;
  compatibility: { instructions: number; complete: boolean; kinds: CompatSite[] };
  costNote: string;
}
