// Snapshots of device state for the machine's snapshot/restore (reverse execution).
// A device's state is its own fields holding numbers, booleans, strings, typed arrays and
// arrays of numbers; fields holding functions or other objects (wiring to other devices,
// callbacks) are not state and are skipped, so the wiring survives a restore.

type Bag = Record<string, unknown>;

function isPlainNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** `except`: fields the caller saves its own way. */
export function saveFields(obj: object, except: readonly string[] = []): Bag {
  const out: Bag = {};
  for (const [k, v] of Object.entries(obj)) {
    if (except.length > 0 && except.includes(k)) continue;
    const t = typeof v;
    if (t === 'number' || t === 'boolean' || t === 'string' || v === null) out[k] = v;
    else if (ArrayBuffer.isView(v)) out[k] = (v as Uint8Array).slice();
    else if (isPlainNumberArray(v)) out[k] = v.slice();
  }
  return out;
}

export function loadFields(obj: object, saved: Bag): void {
  const target = obj as Bag;
  for (const [k, v] of Object.entries(saved)) {
    if (!(k in target)) continue;
    const cur = target[k];
    if (ArrayBuffer.isView(cur) && ArrayBuffer.isView(v)) (cur as Uint8Array).set(v as Uint8Array);
    else if (Array.isArray(cur) && Array.isArray(v)) { cur.length = 0; cur.push(...v); }
    else if (typeof cur === typeof v || cur === null || v === null) target[k] = v;
  }
}
