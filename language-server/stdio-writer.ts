// The stdio message writer: the same framing as vscode-jsonrpc's stream writer
// (Content-Length header, UTF-8 JSON body), but a message whose params were registered with
// preEncode() is written from those bytes instead of through JSON.stringify. The server uses
// it for publishDiagnostics, whose JSON it keeps cached per finding (diagnostics-json.ts).
// Other transports never see the registration and serialize the params object as usual.

import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-languageserver/node';

const encoded = new WeakMap<object, () => Buffer[]>();

/** Register `params` (sent next as the params of a notification) with a producer of its JSON, in chunks. */
export function preEncode<T extends object>(params: T, json: () => Buffer[]): T {
  encoded.set(params, json);
  return params;
}

/** The message's JSON in chunks: from registered params when there are any, else JSON.stringify. */
export function encodeMessage(msg: Message): Buffer[] {
  const m = msg as { method?: unknown; params?: unknown; id?: unknown };
  const enc = m.params && typeof m.params === 'object' && m.id === undefined && typeof m.method === 'string' ? encoded.get(m.params) : undefined;
  if (!enc) return [Buffer.from(JSON.stringify(msg), 'utf8')];
  const head = Buffer.from(`{"jsonrpc":${JSON.stringify(msg.jsonrpc)},"method":${JSON.stringify(m.method)},"params":`, 'utf8');
  return [head, ...enc(), CLOSE];
}

const CLOSE = Buffer.from('}');

export class StdioMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on('error', (e: Error) => this.fireError(e));
    out.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    let chunks: Buffer[];
    try { chunks = encodeMessage(msg); } catch (e) { this.fireError(e, msg, ++this.errors); return Promise.reject(e); }
    let length = 0;
    for (const c of chunks) length += c.length;
    const last = chunks.pop()!;
    // Every chunk is queued at once, in call order, so messages never interleave.
    return new Promise((resolve, reject) => {
      this.out.write(Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'ascii'));
      for (const c of chunks) this.out.write(c);
      this.out.write(last, (err?: Error | null) => {
        if (err) { this.fireError(err, msg, ++this.errors); reject(err); } else resolve();
      });
    });
  }

  end(): void { this.out.end(); }
}
