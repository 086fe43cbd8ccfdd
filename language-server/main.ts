// Entry point bundled to dist/language-server.js. Run with `--stdio` (also --node-ipc or
// --socket=N, as vscode-languageserver reads them from the command line).

import { format } from 'node:util';
import { createConnection, ProposedFeatures, type MessageReader } from 'vscode-languageserver/node';
import { startServer } from './server';
import { StdioMessageWriter } from './stdio-writer';

if (!process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  process.stderr.write('usage: node dist/language-server.js --stdio\n');
  process.exit(2);
}

if (process.argv.includes('--stdio')) {
  // Our writer sends cached diagnostics JSON without re-serializing it. stdin is passed as a
  // stream (vscode-languageserver accepts one there at run time and exits when it ends),
  // which its typings only declare paired with an output stream.
  const connection = createConnection(ProposedFeatures.all, process.stdin as unknown as MessageReader, new StdioMessageWriter(process.stdout));
  // stdout carries the protocol: console output goes to the client's log instead.
  console.log = console.info = (...a: unknown[]) => connection.console.log(format(...a));
  console.debug = (...a: unknown[]) => connection.console.log(format(...a));
  console.warn = (...a: unknown[]) => connection.console.warn(format(...a));
  console.error = (...a: unknown[]) => connection.console.error(format(...a));
  startServer(connection, true);
} else {
  startServer(createConnection(ProposedFeatures.all), false);
}
