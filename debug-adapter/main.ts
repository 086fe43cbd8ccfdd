// dist/debug-adapter.js: the Paravirt debug adapter speaking DAP over stdin/stdout. The same
// bundle runs the adapter's worker threads (name-index-worker.ts).
import { DebugSession } from '@vscode/debugadapter';
import { isMainThread, workerData } from 'node:worker_threads';
import { ParavirtSession } from './session';
import { isIndexJob, runIndexJob } from './name-index-worker';

if (!isMainThread && isIndexJob(workerData)) runIndexJob(workerData);
else DebugSession.run(ParavirtSession);
