// The comparison as one self-contained HTML page: no scripts, no external files, charts as
// inline SVG. Every number shown is also in the tables, labelled exact or estimated. Two or
// three flavours (HVM, PV, PVH), each in its own colour.

import type { Comparison, FlavourMode, FlavourResult } from './comparison';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const COLOR: Record<FlavourMode, string> = { hvm: '#c0504d', pv: '#4f81bd', pvh: '#8064a2' };
const LABEL: Record<FlavourMode, string> = { hvm: 'HVM', pv: 'PV', pvh: 'PVH' };
const GUEST_COLOR = '#9bbb59';

/** Horizontal grouped bars: one row per label, one bar per flavour in `modes`. */
function groupedBars(title: string, modes: FlavourMode[], rows: Array<[string, number[]]>, unit: string): string {
  if (rows.length === 0) return `<p><em>${esc(title)}: nothing to show</em></p>`;
  const max = Math.max(1, ...rows.flatMap((r) => r[1]));
  const labelW = 210, barW = 420, bar = 14, rowH = modes.length * bar + 8;
  const h = rows.length * rowH + 40;
  const parts: string[] = [`<svg role="img" aria-label="${esc(title)}" width="${labelW + barW + 120}" height="${h}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`];
  parts.push(`<text x="0" y="14" font-weight="bold">${esc(title)}</text>`);
  rows.forEach(([label, values], i) => {
    const y = 26 + i * rowH;
    parts.push(`<text x="${labelW - 6}" y="${y + (modes.length * bar) / 2 + 6}" text-anchor="end">${esc(label)}</text>`);
    values.forEach((v, k) => {
      const w = (v / max) * barW, yb = y + 2 + k * bar;
      parts.push(`<rect x="${labelW}" y="${yb}" width="${w.toFixed(1)}" height="12" fill="${COLOR[modes[k]]}"><title>${LABEL[modes[k]]} ${int(v)} ${esc(unit)}</title></rect>`);
      parts.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${yb + 10}">${int(v)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One stacked bar per flavour: guest cycles and hypervisor cycles. */
function cycleBars(fs: FlavourResult[]): string {
  const max = Math.max(1, ...fs.map((f) => f.cycles.total));
  const barW = 520, parts: string[] = [`<svg role="img" aria-label="estimated cycles" width="760" height="${40 + fs.length * 38}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`];
  parts.push('<text x="0" y="14" font-weight="bold">Estimated cycles: guest (green) and hypervisor (the flavour\'s colour)</text>');
  fs.forEach((r, i) => {
    const y = 28 + i * 38;
    const g = (r.cycles.guest / max) * barW, hv = (r.cycles.hypervisor / max) * barW;
    parts.push(`<text x="40" y="${y + 14}" text-anchor="end">${LABEL[r.mode]}</text>`);
    parts.push(`<rect x="50" y="${y}" width="${g.toFixed(1)}" height="20" fill="${GUEST_COLOR}"><title>guest ${int(r.cycles.guest)}</title></rect>`);
    parts.push(`<rect x="${(50 + g).toFixed(1)}" y="${y}" width="${hv.toFixed(1)}" height="20" fill="${COLOR[r.mode]}"><title>hypervisor ${int(r.cycles.hypervisor)}</title></rect>`);
    parts.push(`<text x="${(56 + g + hv).toFixed(1)}" y="${y + 14}">${int(r.cycles.total)} (${r.cycles.total ? ((100 * r.cycles.hypervisor) / r.cycles.total).toFixed(1) : '0'}% hypervisor)</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c, i) => `<td${i > 0 && /^[\d,.%x-]+$/.test(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The surface counts that mean the same thing in every mode: distinct entry points of each kind. */
function surfaceCount(f: FlavourResult, keys: string[]): number {
  return keys.reduce((a, k) => a + (f.surface[k]?.length ?? 0), 0);
}

export function renderReport(c: Comparison): string {
  const fs = c.flavours;
  const modes = fs.map((f) => f.mode);
  const names = modes.map((m) => LABEL[m]);
  const union = (get: (f: FlavourResult) => Record<string, number>) => [...new Set(fs.flatMap((f) => Object.keys(get(f))))];
  const reasons = union((f) => f.exits.byReason);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const row = (name: string, get: (f: FlavourResult) => number, withRatio = true) => {
    const v = fs.map(get);
    return [name, ...v.map(int), ...v.slice(1).map((x) => (withRatio ? ratio(v[0], x) : ''))];
  };
  const perf = table(['metric', ...names, ...names.slice(1).map((n) => `${names[0]}/${n}`)], [
    row('instructions (exact)', (f) => f.instructions),
    row('hypervisor entries (exact)', (f) => f.exits.total),
    ...reasons.map((r) => row(`  ${r}`, (f) => f.exits.byReason[r] ?? 0, false)),
    row('guest cycles (estimate)', (f) => f.cycles.guest),
    row('hypervisor cycles (estimate)', (f) => f.cycles.hypervisor),
    ...reasons.map((r) => row(`  ${r}`, (f) => f.exits.cyclesByReason[r] ?? 0, false)),
    row('total cycles (estimate)', (f) => f.cycles.total),
  ]);
  const hcModes = fs.filter((f) => Object.keys(f.hypercalls).length > 0);
  const hcNames = union((f) => f.hypercalls).sort((a, b) => fs.reduce((s, f) => s + (f.hypercalls[b] ?? 0), 0) - fs.reduce((s, f) => s + (f.hypercalls[a] ?? 0), 0));
  const audited = LABEL[c.compatibility.flavour ?? 'hvm'];
  const compat = c.compatibility.kinds.length === 0 ? '<p>None executed.</p>' : table(['instruction', 'class', 'executions', 'sites', 'PV replacement'],
    c.compatibility.kinds.map((k) => [k.id, k.cls, int(k.count), k.sites.map((s) => `${s.symbol ?? '0x' + s.eip.toString(16)} (${s.count})`).join(', '), k.replacement]));
  const surfaceRows = (f: FlavourResult) => Object.entries(f.surface).map(([k, v]) => [LABEL[f.mode], k, String(v.length), v.join(', ') || '-']);
  const surfaceCounts: Array<[string, number[]]> = [
    ['distinct entry kinds', fs.map((f) => Object.keys(f.exits.byReason).length)],
    ['device models', fs.map((f) => surfaceCount(f, ['device models']))],
    ['I/O ports and MMIO pages', fs.map((f) => surfaceCount(f, ['I/O ports', 'MMIO pages']))],
    ['hypercalls', fs.map((f) => surfaceCount(f, ['hypercalls']))],
    ['MSRs, priv-op emulations, trap vectors', fs.map((f) => surfaceCount(f, ['MSRs', 'privileged-op emulations', 'trap bounces']))],
    ['event channels', fs.map((f) => surfaceCount(f, ['event channels']))],
  ];
  const resKeys = union((f) => f.resources);
  const res = table(['resource', ...names], resKeys.map((k) => [k, ...fs.map((f) => (f.resources[k] === undefined ? '-' : int(f.resources[k])))]));
  const until = fs[0].until;
  const title = fs.map((f) => `${LABEL[f.mode]} ${f.kernel}`).join(' vs ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Paravirt comparison: ${esc(title)}</title>
<style>
body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:240px}
</style></head><body>
<h1>${names.join(' vs ')}: the same kernel, ${fs.length === 2 ? 'two' : 'three'} ways</h1>
<p>${fs.map((f) => `${LABEL[f.mode]}: <code>${esc(f.kernel)}</code> (stop: ${esc(f.stop.kind)}${f.stop.detail ? ', ' + esc(f.stop.detail) : ''}).`).join('\n')}
${until ? `Each run ended at its first hypervisor entry after printing <code>${esc(until.output)}</code>${fs.every((f) => f.until?.reached) ? '' : ` (<strong>not reached by ${fs.filter((f) => !f.until?.reached).map((f) => LABEL[f.mode]).join(', ')}</strong>)`}.` : ''}
${c.sameOutput ? `${fs.length === 2 ? 'Both' : 'All three'} printed the same output.` : '<strong>The flavours printed different output.</strong>'}</p>
<p class="legend">${fs.map((f) => `<span style="background:${COLOR[f.mode]}"></span>${LABEL[f.mode]}`).join('')}<span style="background:${GUEST_COLOR}"></span>guest</p>
<p><em>${esc(c.costNote)}.</em></p>
<h2>Performance</h2>
${groupedBars('Hypervisor entries by kind (exact counts)', modes, reasons.map((r) => [r, fs.map((f) => f.exits.byReason[r] ?? 0)]), 'exits')}
${cycleBars(fs)}
${perf}
<h3>Hypercalls by name</h3>
${hcModes.length ? groupedBars('Hypercalls (exact counts; multicall entries included)', hcModes.map((f) => f.mode), hcNames.map((n) => [n, hcModes.map((f) => f.hypercalls[n] ?? 0)]), 'calls') : '<p>No hypercalls.</p>'}
<h2>Compatibility</h2>
<p>Privileged and sensitive instructions the ${audited} flavour executed (${int(c.compatibility.instructions)} instructions audited${c.compatibility.complete ? ', the whole run' : ', up to the audit limit'}): each must be replaced in a PV kernel.</p>
${compat}
<h2>Security: attack surface reached</h2>
${groupedBars('Distinct hypervisor entry points touched', modes, surfaceCounts, 'distinct')}
${table(['flavour', 'surface', 'count', 'which'], fs.flatMap(surfaceRows))}
<h2>Resource use: memory the hypervisor held</h2>
${res}
<h2>Output</h2>
${fs.map((f) => `<h3>${LABEL[f.mode]}</h3><pre>${esc(f.serial)}</pre>`).join('\n')}
</body></html>
`;
}
