// The language client for dist/language-server.js. The selector covers the language ids the
// popular assembly extensions use as well as ours, and file patterns for editors where the
// file got no assembly language id at all.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions, type DocumentSelector } from 'vscode-languageclient/node';

export const ASM_LANGUAGE_IDS = ['asm', 'asm-intel-x86-generic', 'nasm', 'gas'] as const;
export const ASM_PATTERNS = ['**/*.asm', '**/*.nasm', '**/*.s', '**/*.S', '**/*.inc'] as const;

export function documentSelector(): DocumentSelector {
  return [
    ...ASM_LANGUAGE_IDS.map((language) => ({ scheme: 'file', language })),
    ...ASM_PATTERNS.map((pattern) => ({ scheme: 'file', pattern })),
    { scheme: 'file', language: 'c' },
    { scheme: 'file', language: 'cpp' },
    ...ASM_LANGUAGE_IDS.map((language) => ({ scheme: 'untitled', language })),
  ];
}

export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const module = context.asAbsolutePath('dist/language-server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    synchronize: {
      configurationSection: 'paravirt',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/.paravirt/last-run.json'),
    },
    initializationOptions: { settings: vscode.workspace.getConfiguration('paravirt') },
    outputChannelName: 'Paravirt Language Server',
  };
  return new LanguageClient('paravirt', 'Paravirt Language Server', serverOptions, clientOptions);
}
