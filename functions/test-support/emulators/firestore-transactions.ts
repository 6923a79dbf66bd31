import type { Server } from '@grpc/grpc-js';

/* The emulator's request objects (protobuf-ts classes), as far as we read them. */
interface WireWrite {
  has_update: boolean;
  update: { name: string };
  has_delete: boolean;
  delete: string;
}
interface Call<Req> {
  request: Req;
  write?: (resp: { transaction?: Uint8Array }) => boolean;
}
type Callback = (err: { code: number; message: string } | null, resp?: unknown) => void;
type Handler = (call: Call<unknown>, callback?: Callback) => void;

const ABORTED = 10;
const PREFIX = '/google.firestore.v1.Firestore/';

/**
 * Gives @firestore-emulator/server's transactions optimistic concurrency, as real Firestore has:
 * the emulator hands every transaction the same dummy id and applies every commit, so concurrent
 * read-modify-writes lose updates (our full-chain test saw a webhook-state write undo `settled`).
 * We wrap its gRPC handlers (grpc-js keeps them in a private map): each transaction gets its own id,
 * the documents it reads are stamped with a per-document write counter, and a commit whose reads
 * have since been written answers ABORTED, which the SDK retries (runTransaction). Reads made by
 * queries inside a transaction are not tracked: our adapters read documents by id.
 */
export function addOptimisticConcurrency(server: Server): void {
  const handlers = (server as unknown as { handlers: Map<string, { func: Handler }> }).handlers;
  const wrap = (method: string, make: (original: Handler) => Handler): void => {
    const h = handlers.get(PREFIX + method);
    if (!h) throw new Error(`Firestore emulator: no ${method} handler to wrap`);
    h.func = make(h.func);
  };
  const versions = new Map<string, number>();
  const reads = new Map<string, Map<string, number>>();
  let seq = 0;
  const newId = (): Uint8Array => {
    seq += 1;
    const id = new Uint8Array(8);
    new DataView(id.buffer).setBigUint64(0, BigInt(seq));
    return id;
  };
  const key = (id: Uint8Array): string => Buffer.from(id).toString('hex');
  const readsOf = (id: Uint8Array): Map<string, number> => {
    let m = reads.get(key(id));
    if (!m) reads.set(key(id), (m = new Map()));
    return m;
  };
  const written = (writes: WireWrite[]): string[] =>
    writes.flatMap((w) => (w.has_update ? [w.update.name] : w.has_delete ? [w.delete] : []));

  wrap('BeginTransaction', (original) => (call, callback) => {
    original(call, (err, resp) => {
      const id = newId();
      readsOf(id);
      if (resp) (resp as { transaction: Uint8Array }).transaction = id;
      callback?.(err, resp);
    });
  });

  wrap('BatchGetDocuments', (original) => (call) => {
    const req = call.request as {
      documents: string[];
      has_new_transaction: boolean;
      has_transaction: boolean;
      transaction: Uint8Array;
    };
    const id = req.has_new_transaction ? newId() : req.has_transaction ? req.transaction : null;
    if (id) {
      const seen = readsOf(id);
      for (const doc of req.documents) if (!seen.has(doc)) seen.set(doc, versions.get(doc) ?? 0);
    }
    if (req.has_new_transaction && id && call.write) {
      const write = call.write.bind(call);
      call.write = (resp) => {
        if (resp.transaction && resp.transaction.length > 0) resp.transaction = id;
        return write(resp);
      };
    }
    original(call);
  });

  wrap('Commit', (original) => (call, callback) => {
    const req = call.request as { writes: WireWrite[]; transaction: Uint8Array };
    const tx = req.transaction.length > 0 ? key(req.transaction) : null;
    const seen = tx === null ? undefined : reads.get(tx);
    if (tx !== null) reads.delete(tx);
    if (seen) {
      for (const [doc, version] of seen) {
        if ((versions.get(doc) ?? 0) !== version) {
          callback?.({ code: ABORTED, message: `transaction aborted: ${doc} changed` });
          return;
        }
      }
    }
    for (const doc of written(req.writes)) versions.set(doc, (versions.get(doc) ?? 0) + 1);
    original(call, callback);
  });

  wrap('Rollback', (original) => (call, callback) => {
    const req = call.request as { transaction: Uint8Array };
    reads.delete(key(req.transaction));
    original(call, callback);
  });
}
