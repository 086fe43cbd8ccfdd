export function decodeInfo(_b: Uint8Array, _is32: boolean): { length: number; mnemonic: string } | null { return null; }
