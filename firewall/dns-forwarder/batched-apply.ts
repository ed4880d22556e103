// nft transactions from the forwarder, batched: while one `nft -f` runs, the
// scripts that arrive wait and then go together in the next one. Under load
// that makes one nft process per batch instead of per name; when idle a
// script goes at once. If a batch fails, its scripts are retried one by one,
// so one bad element fails only the query that brought it.
export function batchedApply(apply: (script: string) => Promise<void>): (script: string) => Promise<void> {
  let queue: { script: string; done: (e?: Error) => void }[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        await apply(batch.map((b) => b.script).join(""));
        batch.forEach((b) => b.done());
      } catch {
        for (const b of batch) {
          try {
            await apply(b.script);
            b.done();
          } catch (e) {
            b.done(e as Error);
          }
        }
      }
    }
    running = false;
  };
  return (script) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ script, done: (e) => (e ? reject(e) : resolve()) });
      if (!running) void drain();
    });
}
