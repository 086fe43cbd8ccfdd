// Entry point bundled to dist/language-server.js. Run with `--stdio` (also --node-ipc or
// --socket=N, as vscode-languageserver reads them from the command line).

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

if (!process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  process.stderr.write('usage: node dist/language-server.js --stdio\n');
  process.exit(2);
}
startServer(createConnection(ProposedFeatures.all));
