// "Paravirt: Compare HVM and PV": runs the CLI's compare engine (dist/cli.js, the same code
// as `paravirt compare`) on an HVM and a PV build of one kernel (and a PVH one when the
// command is given it) and shows its HTML report.

import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { autoPick, findKernels, guessMode, kernelKind, kernelLabel } from './find-kernels';

const TIMEOUT_MS = 120_000;

async function pick(kind: 'HVM' | 'PV', candidates: string[], root: string | undefined, partner?: string): Promise<string | undefined> {
  const want = kind === 'PV' ? 'pv' : 'hvm';
  const auto = autoPick(want, candidates, partner);
  if (auto) return auto;
  const partnerKind = partner ? kernelKind(partner) : undefined;
  const rank = (p: string) => Number(guessMode(p) === want) * 2 + Number(partnerKind !== undefined && kernelKind(p) === partnerKind);
  const sorted = [...candidates].sort((a, b) => rank(b) - rank(a));
  if (sorted.length) {
    const items = [...sorted.map((p) => ({ label: root ? relative(root, p) : p, description: kernelLabel(p), path: p })), { label: 'Browse…', description: '', path: '' }];
    const p = await vscode.window.showQuickPick(items, { placeHolder: `The ${kind} flavour of the kernel` });
    if (!p) return undefined;
    if (p.path) return p.path;
  }
  const uris = await vscode.window.showOpenDialog({ canSelectMany: false, title: `The ${kind} flavour (ELF or bzImage)`, openLabel: `Use as ${kind}` });
  return uris?.[0]?.fsPath;
}

function runCompare(cli: string, kernels: string[], report: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'compare', ...kernels, '--report', report], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      if (err) reject(new Error((stderr || err.message).trim().split('\n').slice(-3).join(' ')));
      else resolve(stdout);
    });
  });
}

export async function compareCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel, args?: { hvm?: string; pv?: string; pvh?: string }): Promise<vscode.WebviewPanel | undefined> {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const found = root ? findKernels(root) : [];
  const hvm = args?.hvm ?? await pick('HVM', found, root);
  if (!hvm) return undefined;
  const pv = args?.pv ?? await pick('PV', found.filter((p) => p !== hvm), root, hvm);
  if (!pv) return undefined;
  // A PVH build of the same kind joins as the third flavour when there is exactly one.
  const pvhs = found.filter((p) => guessMode(p) === 'pvh' && kernelKind(p) === kernelKind(hvm));
  const pvh = args?.pvh ?? (pvhs.length === 1 ? pvhs[0] : undefined);
  const dir = mkdtempSync(join(tmpdir(), 'paravirt-compare-'));
  const report = join(dir, 'report.html');
  try {
    const text = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: pvh ? 'Paravirt: running the three flavours…' : 'Paravirt: running both flavours…' },
      () => runCompare(context.asAbsolutePath('dist/cli.js'), pvh ? [hvm, pv, pvh] : [hvm, pv], report));
    output.appendLine(text);
    const html = readFileSync(report, 'utf8');
    const panel = vscode.window.createWebviewPanel('paravirt.compare', pvh ? 'Paravirt: HVM vs PV vs PVH' : 'Paravirt: HVM vs PV', vscode.ViewColumn.Active, { enableScripts: false });
    // The report is self-contained (inline CSS and SVG) and runs no script.
    const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;">`;
    panel.webview.html = html.includes('<head>') ? html.replace('<head>', `<head>${csp}`) : csp + html;
    return panel;
  } catch (e) {
    void vscode.window.showErrorMessage(`Paravirt compare failed: ${(e as Error).message}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
