// One sleep: resolves after `ms`, or rejects with the signal's reason when it is aborted first.
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((res, rej) => {
    if (signal?.aborted) return rej(signal.reason as Error);
    const t = setTimeout(res, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        rej(signal.reason as Error);
      },
      { once: true },
    );
  });
}
