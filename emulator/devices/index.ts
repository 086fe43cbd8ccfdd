// The platform's entry point for the machine.

import type { Platform, PlatformOptions } from './platform-api';
import { PcPlatform } from './platform';

export type { Platform, PlatformOptions } from './platform-api';
export { PcPlatform } from './platform';
export { INSTRUCTION_NS, INSTRUCTIONS_PER_SECOND, PIT_HZ } from './timebase';
export { RTC_START_EPOCH_SECONDS } from './cmos-rtc';
export { APIC_BASE } from './local-apic';

/** All PC devices wired together; see platform.ts. Throws a clear error on bad options. */
export function createPcPlatform(opts: PlatformOptions): Platform {
  return new PcPlatform(opts);
}
