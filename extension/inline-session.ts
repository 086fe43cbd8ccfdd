// The debug adapter's session class, constructed inside the extension host. Kept in its own
// file so the factory does not change when the adapter's export does. Returns null while the
// adapter offers no inline session, and the factory then starts the executable instead.

import type * as vscode from 'vscode';

export function createInlineSession(): vscode.DebugAdapter | null {
  return null;
}
