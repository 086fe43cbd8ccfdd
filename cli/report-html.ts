// The comparison as one self-contained HTML page: no scripts, no external files, charts as
// inline SVG. Every number shown is also in the tables, labelled exact or estimated.

import type { Comparison, FlavourResult } from './comparison';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const HVM_COLOR = '#c0504d', PV_COLOR = '#4f81bd', GUEST_COLOR = '#9bbb59';

/** Horizontal grouped bars: one row per label, an HVM and a PV bar each (only PV's when `pvOnly`). */
function groupedBars(title: string, rows: Array<[string, number, number]>, unit: string, pvOnly = false): string {
  if (rows.length === 0) return `<p><em>${esc(title)}: nothing to show</em></p>`;
  const max = Math.max(1, ...rows.flatMap((r) => [r[1], r[2]]));
  const labelW = 210, barW = 420, rowH = pvOnly ? 20 : 34;
  const h = rows.length * rowH + 40;
  const parts: string[] = [`<svg role="img" aria-label="${esc(title)}" width="${labelW + barW + 120}" height="${h}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">`];
  parts.push(`<text x="0" y="14" font-weight="bold">${esc(title)}</text>`);
  rows.forEach(([label, a, b], i) => {
    const y = 26 + i * rowH;
    parts.push(`<text x="${labelW - 6}" y="${pvOnly ? y + 14 : y + 16}" text-anchor="end">${esc(label)}</text>`);
    const wa = (a / max) * barW, wb = (b / max) * barW;
    if (!pvOnly) {
      parts.push(`<rect x="${labelW}" y="${y + 2}" width="${wa.toFixed(1)}" height="12" fill="${HVM_COLOR}"><title>HVM ${int(a)} ${esc(unit)}</title></rect>`);
      parts.push(`<text x="${labelW + wa + 4}" y="${y + 12}">${int(a)}</text>`);
    }
    const yb = pvOnly ? y + 4 : y + 16;
    parts.push(`<rect x="${labelW}" y="${yb}" width="${wb.toFixed(1)}" height="12" fill="${PV_COLOR}"><title>PV ${int(b)} ${esc(unit)}</title></rect>`);
    parts.push(`<text x="${labelW + wb + 4}" y="${yb + 10}">${int(b)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One stacked bar per flavour: guest cycles and hypervisor cycles. */
function cycleBars(h: FlavourResult, p: FlavourResult): string {
  const max = Math.max(1, h.cycles.total, p.cycles.total);
  const barW = 520, parts: string[] = ['<svg role="img" aria-label="estimated cycles" width="760" height="110" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'];
  parts.push('<text x="0" y="14" font-weight="bold">Estimated cycles: guest (green) and hypervisor (red/blue)</text>');
  [[h, 'HVM', HVM_COLOR], [p, 'PV', PV_COLOR]].forEach(([f, name, color], i) => {
    const r = f as FlavourResult, y = 28 + i * 38;
    const g = (r.cycles.guest / max) * barW, hv = (r.cycles.hypervisor / max) * barW;
    parts.push(`<text x="40" y="${y + 14}" text-anchor="end">${name}</text>`);
    parts.push(`<rect x="50" y="${y}" width="${g.toFixed(1)}" height="20" fill="${GUEST_COLOR}"><title>guest ${int(r.cycles.guest)}</title></rect>`);
    parts.push(`<rect x="${(50 + g).toFixed(1)}" y="${y}" width="${hv.toFixed(1)}" height="20" fill="${color}"><title>hypervisor ${int(r.cycles.hypervisor)}</title></rect>`);
    parts.push(`<text x="${(56 + g + hv).toFixed(1)}" y="${y + 14}">${int(r.cycles.total)} (${r.cycles.total ? ((100 * r.cycles.hypervisor) / r.cycles.total).toFixed(1) : '0'}% hypervisor)</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c, i) => `<td${i > 0 && /^[\d,.%x-]+$/.test(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderReport(c: Comparison): string {
  const h = c.hvm, p = c.pv;
  const reasons = [...new Set([...Object.keys(h.exits.byReason), ...Object.keys(p.exits.byReason)])];
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const perf = table(['metric', 'HVM', 'PV', 'HVM/PV'], [
    ['instructions (exact)', int(h.instructions), int(p.instructions), ratio(h.instructions, p.instructions)],
    ['hypervisor entries (exact)', int(h.exits.total), int(p.exits.total), ratio(h.exits.total, p.exits.total)],
    ...reasons.map((r) => [`  ${r}`, int(h.exits.byReason[r] ?? 0), int(p.exits.byReason[r] ?? 0), '']),
    ['guest cycles (estimate)', int(h.cycles.guest), int(p.cycles.guest), ratio(h.cycles.guest, p.cycles.guest)],
    ['hypervisor cycles (estimate)', int(h.cycles.hypervisor), int(p.cycles.hypervisor), ratio(h.cycles.hypervisor, p.cycles.hypervisor)],
    ...reasons.map((r) => [`  ${r}`, int(h.exits.cyclesByReason[r] ?? 0), int(p.exits.cyclesByReason[r] ?? 0), '']),
    ['total cycles (estimate)', int(h.cycles.total), int(p.cycles.total), ratio(h.cycles.total, p.cycles.total)],
  ]);
  const hc = Object.entries(p.hypercalls).sort((a, b) => b[1] - a[1]);
  const compat = c.compatibility.kinds.length === 0 ? '<p>None executed.</p>' : table(['instruction', 'class', 'executions', 'sites', 'PV replacement'],
    c.compatibility.kinds.map((k) => [k.id, k.cls, int(k.count), k.sites.map((s) => `${s.symbol ?? '0x' + s.eip.toString(16)} (${s.count})`).join(', '), k.replacement]));
  const surfaceRows = (f: FlavourResult, name: string) => Object.entries(f.surface).map(([k, v]) => [name, k, String(v.length), v.join(', ') || '-']);
  const surfaceCounts: Array<[string, number, number]> = [
    ['distinct entry kinds', Object.keys(h.exits.byReason).length, Object.keys(p.exits.byReason).length],
    ['device models / hypercalls', h.surface['device models']?.length ?? 0, p.surface.hypercalls?.length ?? 0],
    ['I/O ports / priv-op emulations', h.surface['I/O ports']?.length ?? 0, p.surface['privileged-op emulations']?.length ?? 0],
    ['MSRs + MMIO pages / trap vectors', (h.surface.MSRs?.length ?? 0) + (h.surface['MMIO pages']?.length ?? 0), p.surface['trap bounces']?.length ?? 0],
  ];
  const resKeys = [...new Set([...Object.keys(h.resources), ...Object.keys(p.resources)])];
  const res = table(['resource', 'HVM', 'PV'], resKeys.map((k) => [k, h.resources[k] === undefined ? '-' : int(h.resources[k]), p.resources[k] === undefined ? '-' : int(p.resources[k])]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Paravirt comparison: ${esc(h.kernel)} vs ${esc(p.kernel)}</title>
<style>
body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eee}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:240px}
</style></head><body>
<h1>HVM vs PV: the same kernel, two ways</h1>
<p>HVM: <code>${esc(h.kernel)}</code> (stop: ${esc(h.stop.kind)}${h.stop.detail ? ', ' + esc(h.stop.detail) : ''}).
PV: <code>${esc(p.kernel)}</code> (stop: ${esc(p.stop.kind)}${p.stop.detail ? ', ' + esc(p.stop.detail) : ''}).
${c.sameOutput ? 'Both printed the same output.' : '<strong>The two flavours printed different output.</strong>'}</p>
<p class="legend"><span style="background:${HVM_COLOR}"></span>HVM<span style="background:${PV_COLOR}"></span>PV<span style="background:${GUEST_COLOR}"></span>guest</p>
<p><em>${esc(c.costNote)}.</em></p>
<h2>Performance</h2>
${groupedBars('Hypervisor entries by kind (exact counts)', reasons.map((r) => [r, h.exits.byReason[r] ?? 0, p.exits.byReason[r] ?? 0]), 'exits')}
${cycleBars(h, p)}
${perf}
<h3>PV hypercalls by name</h3>
${groupedBars('Hypercalls (exact counts; multicall entries included)', hc.map(([n, v]) => [n, 0, v]), 'calls', true)}
<h2>Compatibility</h2>
<p>Privileged and sensitive instructions the HVM flavour executed (${int(c.compatibility.instructions)} instructions audited${c.compatibility.complete ? ', the whole run' : ', up to the audit limit'}): each must be replaced in a PV kernel.</p>
${compat}
<h2>Security: attack surface reached</h2>
${groupedBars('Distinct hypervisor entry points touched', surfaceCounts, 'distinct')}
${table(['flavour', 'surface', 'count', 'which'], [...surfaceRows(h, 'HVM'), ...surfaceRows(p, 'PV')])}
<h2>Resource use</h2>
${res}
<h2>Output</h2>
<h3>HVM</h3><pre>${esc(h.serial)}</pre>
<h3>PV</h3><pre>${esc(p.serial)}</pre>
</body></html>
`;
}
