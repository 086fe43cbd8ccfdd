// dist/debug-adapter.js: the Paravirt debug adapter speaking DAP over stdin/stdout.
import { DebugSession } from '@vscode/debugadapter';
import { ParavirtSession } from './session';

DebugSession.run(ParavirtSession);
