// The debug adapter's session class, constructed inside the extension host (no process to
// start). Kept in its own file so the factory does not change when the adapter's export does.

import type * as vscode from 'vscode';
import { ParavirtSession } from '../debug-adapter/session';

export function createInlineSession(): vscode.DebugAdapter {
  // @vscode/debugadapter's sessions implement the message-passing half of vscode.DebugAdapter
  // (handleMessage, onDidSendMessage, dispose); the types come from different packages.
  return new ParavirtSession() as unknown as vscode.DebugAdapter;
}
