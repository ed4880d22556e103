// The refresher's pure parts on an injected clock: scheduling, the address
// book (shared addresses, lingering, expiry) and the refresh loop's decisions
// (what is written to nft, what is kept on failure, what is never widened).
import { describe, expect, it } from "vitest";
import { seededInts } from "../../support/seeded-random.js";
import {
  AddressBook,
  elementsFor,
  latestHolds,
  prune,
  recordAnswer,
} from "../../../firewall/dns-refresher/address-book.js";
import {
  createRefresher,
  type RefresherDeps,
  type RefresherEvent,
} from "../../../firewall/dns-refresher/refresh-loop.js";
import {
  clampTtl,
  earlyWindowMs,
  firstRefreshDelayMs,
  refreshDelayMs,
  retryDelayMs,
} from "../../../firewall/dns-refresher/schedule.js";
import {
  refresherHealth,
  snapshot,
  namesJsonParts,
  namesJsonCache,
  snapshotNames,
  statusHead,
  statusText,
  type RefresherStatus,
} from "../../../firewall/dns-refresher/refresher-status.js";
import type { NameResolution } from "../../../firewall/dns/resolve-names.js";

const cfg = { minTtl: 30, maxTtl: 3600, grace: 60, minInterval: 5 };

describe("schedule", () => {
  it.each([
    [1, 30],
    [30, 30],
    [300, 300],
    [86400, 3600],
  ])("clamps TTL %i to %i", (ttl, want) => expect(clampTtl(ttl, cfg)).toBe(want));
  it("refreshes between 0.675 and 0.75 of the TTL, never below the floor", () => {
    expect(refreshDelayMs(100, cfg, () => 0)).toBe(75_000);
    expect(refreshDelayMs(100, cfg, () => 1)).toBeCloseTo(67_500);
    expect(refreshDelayMs(4, cfg, () => 0)).toBe(5000); // floor
    expect(refreshDelayMs(4, { ...cfg, minInterval: 0.5 }, () => 0)).toBe(3000);
  });
  it("spreads the first refresh after bring-up from half the usual delay to all of it, never below the floor", () => {
    const cfg = { minTtl: 30, maxTtl: 3600, grace: 60, minInterval: 5 };
    expect(firstRefreshDelayMs(30, cfg, () => 0)).toBe(22_500);
    expect(firstRefreshDelayMs(30, cfg, () => 0.5)).toBeCloseTo(21_375 * 0.75);
    expect(firstRefreshDelayMs(8, { ...cfg, minInterval: 5 }, () => 0.999)).toBe(5000);
    // 1000 names answered at one instant: their first refreshes cover the whole range, not one burst.
    const int = seededInts(7);
    const next = Array.from({ length: 1000 }, () => {
      const x = int(1_000_000) / 1_000_000;
      return firstRefreshDelayMs(30, cfg, () => x);
    });
    expect(Math.min(...next)).toBeLessThan(12_000);
    expect(Math.max(...next)).toBeGreaterThan(21_000);
  });

  it("lets a refresh go a twentieth of its TTL early, never sooner than the floor after the last answer", () => {
    const floor5 = { minInterval: 5 };
    expect(earlyWindowMs(30, 21_000, floor5)).toBe(1500);
    expect(earlyWindowMs(300, 210_000, floor5)).toBe(15_000);
    expect(earlyWindowMs(8, 5_400, floor5)).toBe(400);
    expect(earlyWindowMs(8, 5_000, floor5)).toBe(0); // due at the floor already
    expect(earlyWindowMs(1, 700, { minInterval: 0.5 })).toBe(50);
    expect(earlyWindowMs(1, 520, { minInterval: 0.5 })).toBe(20); // only down to the floor
  });

  it("backs off after failures from 1 s, doubling, capped at 30 s", () => {
    const c = { ...cfg, minInterval: 0.5 };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((f) => retryDelayMs(f, c, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(retryDelayMs(1, cfg, () => 1)).toBe(5000); // never below the floor
  });
});

describe("address book", () => {
  it("keeps a shared address until the last name holding it expires", () => {
    const b = new AddressBook();
    recordAnswer(b, "a.test", [{ address: "192.0.2.1", family: 4, ttl: 30 }], 0, 10);
    recordAnswer(b, "b.test", [{ address: "192.0.2.1", family: 4, ttl: 300 }], 0, 10);
    expect(elementsFor(b, ["192.0.2.1"], 0).v4).toEqual([{ address: "192.0.2.1", timeout: 310 }]);
    // a.test drops it; b.test still holds it.
    recordAnswer(b, "a.test", [{ address: "192.0.2.2", family: 4, ttl: 30 }], 1000, 10);
    prune(b, 41_000);
    expect(elementsFor(b, ["192.0.2.1"], 41_000).v4).toEqual([{ address: "192.0.2.1", timeout: 269 }]);
    expect(b.get("a.test")?.has("192.0.2.1")).toBe(false);
    prune(b, 310_000);
    expect(elementsFor(b, ["192.0.2.1"], 310_000).v4).toEqual([]);
  });
  it("gives each asked address once, in the order asked, from the book or a longer hold elsewhere; nothing for the rest", () => {
    const b = new AddressBook();
    recordAnswer(b, "a.test", [{ address: "192.0.2.1", family: 4, ttl: 30 }], 0, 0);
    recordAnswer(b, "b.test", [{ address: "2001:db8::1", family: 6, ttl: 60 }], 0, 0);
    recordAnswer(b, "c.test", [{ address: "192.0.2.9", family: 4, ttl: 90 }], 0, 0);
    const elsewhere = (x: string) =>
      x === "192.0.2.1" || x === "192.0.2.5"
        ? { family: 4 as const, ttl: 0, expiresAt: 100_000, listed: true }
        : undefined;
    expect(
      elementsFor(b, ["2001:db8::1", "192.0.2.5", "192.0.2.1", "192.0.2.1", "198.51.100.1"], 0, elsewhere),
    ).toEqual({
      v4: [
        { address: "192.0.2.5", timeout: 100 },
        { address: "192.0.2.1", timeout: 100 },
      ],
      v6: [{ address: "2001:db8::1", timeout: 60 }],
    });
    expect(elementsFor(b, [], 0)).toEqual({ v4: [], v6: [] });
  });
  it("lets an address no longer listed linger, unlisted, until its old expiry", () => {
    const b = new AddressBook();
    recordAnswer(b, "a.test", [{ address: "2001:db8::1", family: 6, ttl: 30 }], 0, 0);
    recordAnswer(b, "a.test", [{ address: "2001:db8::2", family: 6, ttl: 30 }], 20_000, 0);
    expect(b.get("a.test")?.get("2001:db8::1")).toMatchObject({ listed: false, expiresAt: 30_000 });
    expect(elementsFor(b, ["2001:db8::2"], 20_000).v6).toEqual([{ address: "2001:db8::2", timeout: 30 }]);
    expect(prune(b, 30_000)).toBe(1);
  });
});

describe("address book's reverse index", () => {
  /** What latestHolds gives, by walking every name's addresses (the book without its index). */
  const naive = (b: AddressBook, wanted: string[], now: number) => {
    const out: { address: string; family: 4 | 6; expiresAt: number }[] = [];
    for (const address of new Set(wanted)) {
      let best: { family: 4 | 6; expiresAt: number } | undefined;
      b.forEach((held) => {
        const h = held.get(address);
        if (h && (!best || h.expiresAt > best.expiresAt)) best = h;
      });
      if (best && best.expiresAt > now) out.push({ address, family: best.family, expiresAt: best.expiresAt });
    }
    return out;
  };
  /** address -> names, read off the book itself. */
  const reverse = (b: AddressBook) => {
    const m = new Map<string, string[]>();
    b.forEach((held, name) => held.forEach((_, a) => m.set(a, [...(m.get(a) ?? []), name].sort())));
    return m;
  };

  it("stays in step with the book through answers, changed answers and prunes, and gives what a whole walk gives", () => {
    const rand = seededInts(7);
    const b = new AddressBook();
    const addr = (i: number) => `192.0.2.${i}`;
    // What the bring-up resolved, put back as a whole map (the daemon's start).
    b.set("n0.test", new Map([[addr(1), { family: 4, ttl: 5, expiresAt: 5000, listed: true }]]));
    expect(b.holders).toEqual(new Map([[addr(1), new Set(["n0.test"])]]));
    let now = 0;
    for (let round = 0; round < 400; round++) {
      now += rand(3000);
      const name = `n${rand(12)}.test`;
      const fresh = Array.from({ length: rand(4) }, () => ({
        address: addr(rand(10)),
        family: 4 as const,
        ttl: 1 + rand(20),
      }));
      recordAnswer(b, name, fresh, now, rand(3));
      if (rand(4) === 0) prune(b, now);
      const wanted = Array.from({ length: rand(6) }, () => addr(rand(12)));
      expect(latestHolds(b, wanted, now)).toEqual(naive(b, wanted, now));
      const index = new Map([...b.holders].map(([a, names]) => [a, [...names].sort()]));
      expect(index).toEqual(reverse(b));
    }
    prune(b, now + 3600_000);
    expect({ names: [...b.values()].every((h) => h.size === 0), holders: b.holders.size }).toEqual({
      names: true,
      holders: 0,
    });
  });
});

function res(
  name: string,
  v4: string[],
  ttl = 60,
  problems: string[] = [],
  dropped: NameResolution["dropped"] = [],
): NameResolution {
  return { name, v4: v4.map((address) => ({ address, ttl })), v6: [], chain: [name], dropped, problems };
}

/** A name the bring-up answered at `resolvedAt` with one IPv4 address for `ttl` (+ 2 s of grace). */
function answeredName(name: string, resolvedAt: number, ttl: number, address = "198.51.100.10") {
  return {
    name,
    required: false,
    chain: [name],
    resolvedAt,
    addresses: [{ address, family: 4 as const, ttl, expiresAt: resolvedAt + (ttl + 2) * 1000 }],
  };
}

function harness(answers: (names: string[], now: number) => NameResolution[], opts: { failApply?: boolean } = {}) {
  let now = 1_000_000;
  const scripts: string[] = [];
  const logs: string[] = [];
  const asked: string[][] = [];
  const deps: RefresherDeps = {
    now: () => now,
    rand: () => 0,
    log: (l) => logs.push(l),
    resolve: (names) => {
      asked.push(names);
      return Promise.resolve(answers(names, now));
    },
    apply: (s) => {
      if (opts.failApply) return Promise.reject(new Error("nft: Operation not permitted"));
      scripts.push(s);
      return Promise.resolve();
    },
  };
  return {
    deps,
    scripts,
    logs,
    asked,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe("refresh loop", () => {
  const c = { minTtl: 1, maxTtl: 3600, grace: 2, minInterval: 0.5 };

  it("re-resolves a name at 0.75 x TTL and writes the refreshed timeout in one transaction", async () => {
    const h = harness((names) => names.map((n) => res(n, ["198.51.100.10", "198.51.100.11"], 8)));
    const r = createRefresher(c, h.deps, [
      {
        name: "a.test",
        required: true,
        chain: ["a.test"],
        resolvedAt: h.now(),
        addresses: [{ address: "198.51.100.10", family: 4, ttl: 8, expiresAt: h.now() + 10_000 }],
      },
    ]);
    expect(r.nextDueAt()).toBe(h.now() + 6000);
    h.advance(5000);
    expect(await r.step()).toBe(0);
    h.advance(800);
    expect(await r.step()).toBe(1); // due within the 250 ms window
    expect(h.scripts).toHaveLength(1);
    expect(h.scripts[0]).toContain(
      "add element inet cordon allow4 { 198.51.100.10 timeout 10s, 198.51.100.11 timeout 10s }",
    );
    expect(h.logs.join("\n")).toMatch(/a\.test: new address 198\.51\.100\.11/);
    expect(r.names.get("a.test")).toMatchObject({ ttl: 8, failures: 0, lastError: null });
  });

  it("defers unchanged addresses' extensions until the kernel's hold runs short, then writes them together; a new address at once", async () => {
    // 4 s TTL + 2 s grace: refreshed every 3 s, the write-ahead is 2 s.
    let extra = false;
    const h = harness((names) =>
      names.map((n) =>
        res(
          n,
          n === "a.test" && extra
            ? ["198.51.100.10", "198.51.100.30"]
            : [n === "a.test" ? "198.51.100.10" : "198.51.100.20"],
          4,
        ),
      ),
    );
    const t = h.now();
    const held = (address: string) => [{ address, family: 4 as const, ttl: 4, expiresAt: t + 6000 }];
    const r = createRefresher(c, h.deps, [
      { name: "a.test", required: false, chain: ["a.test"], resolvedAt: t, addresses: held("198.51.100.10") },
      { name: "b.test", required: false, chain: ["b.test"], resolvedAt: t, addresses: held("198.51.100.20") },
    ]);
    h.advance(3000);
    expect(await r.step()).toBe(2); // both refreshed; the kernel still holds both 3 s more
    expect(h.scripts).toEqual([]);
    expect(r.nextDueAt()).toBe(t + 4000); // the bring-up's 6 s hold, less the 2 s write-ahead
    h.advance(1000);
    expect(await r.step()).toBe(0);
    expect(h.scripts).toHaveLength(1); // both extensions in one transaction, to the refreshed expiry
    expect(h.scripts[0]).toContain(
      "add element inet cordon allow4 { 198.51.100.10 timeout 5s, 198.51.100.20 timeout 5s }",
    );
    expect(r.kernel.get("198.51.100.10")).toEqual({ family: 4, want: t + 9000, written: t + 9000 });
    extra = true;
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    expect(h.scripts).toHaveLength(2); // a new address is written with the refresh that brought it
    expect(h.scripts[1]).toContain("198.51.100.30 timeout 6s");
    expect(h.scripts[1]).toContain("198.51.100.10 timeout 6s");
  });

  it("reports address changes, new drops and each question's outcome for telemetry", async () => {
    let round = 0;
    const h = harness((names) =>
      names.map((n) =>
        round === 0
          ? res(n, ["198.51.100.10", "198.51.100.11"], 8, [], [{ address: "10.0.0.1", reason: "private range" }])
          : res(n, [], 0, ["a.test: server answered SERVFAIL"]),
      ),
    );
    const events: RefresherEvent[] = [];
    const r = createRefresher(c, { ...h.deps, report: (e) => events.push(e) }, [
      {
        name: "a.test",
        required: false,
        chain: ["a.test"],
        resolvedAt: h.now(),
        addresses: [
          { address: "198.51.100.10", family: 4, ttl: 8, expiresAt: h.now() + 10_000 },
          { address: "198.51.100.12", family: 4, ttl: 8, expiresAt: h.now() + 10_000 },
        ],
      },
    ]);
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    round = 1;
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    expect(events).toEqual([
      { kind: "drop", name: "a.test", address: "10.0.0.1", reason: "private range" },
      { kind: "query", name: "a.test", outcome: "answered" },
      { kind: "address_change", name: "a.test", added: ["198.51.100.11"], removed: ["198.51.100.12"] },
      { kind: "query", name: "a.test", outcome: "failed" },
    ]);
  });

  it("asks at most 64 names a step and keeps the rest due for the next steps", async () => {
    const h = harness((names) => names.map((n) => res(n, ["198.51.100.10"], 60)));
    const t = h.now();
    // 150 names that did not resolve at bring-up (due again in 1 s), and one not due for 45 s.
    const initial = Array.from({ length: 150 }, (_, i) => ({
      name: `n${i}.test`,
      required: false,
      chain: [`n${i}.test`],
      resolvedAt: null,
      addresses: [],
    }));
    const r = createRefresher(c, h.deps, [...initial, answeredName("later.test", t, 60)]);
    expect(await r.step()).toBe(0);
    h.advance(1000);
    expect(await r.step()).toBe(64);
    expect(await r.step()).toBe(64);
    expect(await r.step()).toBe(22);
    expect(await r.step()).toBe(0);
    expect(h.asked.flat().sort()).toEqual(initial.map((n) => n.name).sort());
    expect(r.nextDueAt()).toBe(t + 45_000); // later.test at 0.75 x 60 s
  });

  it("asks again at the next step a name the resolver gave no answer for", async () => {
    let skip = true;
    const h = harness((names) =>
      names.filter((n) => !(skip && n === "b.test")).map((n) => res(n, ["198.51.100.10"], 60)),
    );
    const t = h.now();
    const r = createRefresher(c, h.deps, [
      answeredName("a.test", t - 60_000, 60),
      answeredName("b.test", t - 60_000, 60),
    ]);
    expect(await r.step()).toBe(2);
    skip = false;
    expect(await r.step()).toBe(1);
    expect(h.asked).toEqual([["a.test", "b.test"], ["b.test"]]);
    expect(r.nextDueAt()).toBeGreaterThan(h.now() + 30_000);
  });

  it("asks a name with one due earlier when its own time is within a twentieth of its TTL, and not before", async () => {
    const h = harness((names) => names.map((n) => res(n, ["198.51.100.10"], 40)));
    const t = h.now();
    // TTL 40 s: due 30 s after the answer (rand 0), early by up to 2 s (+ the 250 ms every step takes).
    const r = createRefresher(c, h.deps, [
      answeredName("a.test", t, 40),
      answeredName("b.test", t + 2000, 40),
      answeredName("c.test", t + 2300, 40),
    ]);
    expect(r.nextDueAt()).toBe(t + 30_000);
    h.advance(30_000);
    expect(await r.step()).toBe(2);
    expect(h.asked).toEqual([["a.test", "b.test"]]); // b.test's 32 s is within 2.25 s; c.test's 32.3 s is not
    expect(r.names.get("b.test")?.lastRefreshAt).toBe(h.now()); // asked early: its next time counts from now
    expect(r.nextDueAt()).toBe(t + 32_300);
  });

  it("counts as notable a changed address, a new drop, a new error and a recovery, never a refresh that confirms what was known", async () => {
    let answer: NameResolution["v4"] | "servfail" | "down" = [{ address: "198.51.100.10", ttl: 4 }];
    let dropped: NameResolution["dropped"] = [];
    const h = harness((names) =>
      names.map((n) =>
        answer === "servfail"
          ? res(n, [], 0, ["a.test: server answered SERVFAIL"])
          : answer === "down"
            ? { ...res(n, [], 0, ["no answer from 192.0.2.53 within 1000 ms"]), unreachable: true }
            : { ...res(n, [], 4, [], dropped), v4: answer },
      ),
    );
    const r = createRefresher(c, h.deps, [answeredName("a.test", h.now(), 4)]);
    const counts: number[] = [];
    // Each call: the name's next refresh (a step for a kernel write alone would ask nothing).
    const next = async () => {
      h.advance((r.names.get("a.test")?.nextRefreshAt ?? 0) - h.now());
      expect(await r.step()).toBe(1);
      counts.push(r.notable);
    };
    await next(); // the same address again: routine
    await next(); // routine
    answer = [{ address: "198.51.100.11", ttl: 4 }];
    await next(); // changed
    await next(); // routine
    dropped = [{ address: "10.0.0.1", reason: "private range" }];
    await next(); // a new drop
    await next(); // the same drop again: routine
    answer = "servfail";
    await next(); // a new error
    await next(); // the same error again (backing off): routine
    answer = [{ address: "198.51.100.11", ttl: 4 }];
    // Resolves again; its address had expired while it failed, so it is listed anew, and the drop,
    // cleared by the failed answers, is new again: three.
    await next();
    answer = "down";
    await next(); // the resolver is down: the name's error changes, and the resolver is down
    await next(); // still down: routine
    expect(counts).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 6, 8, 8]);
  });

  it("on SERVFAIL or a dead resolver keeps the last good addresses only until expiry, backs off, never writes", async () => {
    let fail = true;
    const h = harness((names) =>
      names.map((n) => (fail ? res(n, [], 0, ["a.test: server answered SERVFAIL"]) : res(n, ["198.51.100.10"], 4))),
    );
    const r = createRefresher(c, h.deps, [answeredName("a.test", h.now(), 4)]);
    const gaps: number[] = [];
    for (let i = 0; i < 6; i++) {
      const due = r.nextDueAt();
      gaps.push(due - h.now());
      h.advance(due - h.now());
      await r.step();
    }
    expect(h.scripts).toEqual([]); // nothing widened, nothing extended
    expect(gaps.slice(1)).toEqual([1000, 2000, 4000, 8000, 16000]);
    const status = snapshot(r, { pid: 1, startedAt: 0, restarts: 0 }, h.now());
    expect(status.names["a.test"]?.addresses).toEqual([]); // expired by now
    expect(status.names["a.test"]?.lastError).toMatch(/SERVFAIL/);
    expect(h.logs.filter((l) => l.includes("SERVFAIL"))).toHaveLength(1); // logged once, not on every retry
    fail = false;
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    expect(h.scripts[0]).toContain("198.51.100.10 timeout 6s");
    expect(h.logs.at(-1)).toMatch(/resolves again/);
  });

  it("with no resolver answering, probes with one name per step and backs the others off; resumes when one answers", async () => {
    let down = true;
    const h = harness((names) =>
      names.map((n) =>
        down
          ? { ...res(n, [], 0, ["no answer from 192.0.2.53 within 800 ms"]), unreachable: true }
          : res(n, ["198.51.100.10"], 4),
      ),
    );
    const mk = (name: string) => ({ name, required: false, chain: [name], resolvedAt: null, addresses: [] });
    const r = createRefresher(c, h.deps, [mk("a.test"), mk("b.test"), mk("c.test")]);
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    expect(h.asked.at(-1)).toHaveLength(3);
    expect(r.resolverDown).toMatch(/no answer/);
    for (let i = 0; i < 3; i++) {
      h.advance(r.nextDueAt() - h.now());
      await r.step();
      expect(h.asked.at(-1)).toHaveLength(1);
    }
    expect([...r.names.values()].every((s) => /no answer/.test(s.lastError ?? ""))).toBe(true);
    down = false;
    h.advance(30_000); // everything due
    await r.step();
    expect(h.asked.at(-1)).toHaveLength(1); // the probe answers...
    expect(r.resolverDown).toBeNull();
    await r.step();
    expect(h.asked.at(-1)).toHaveLength(2); // ...then the rest are asked at once
    expect(h.logs.join("\n")).toMatch(/a resolver answers again/);
  });

  it("writes nothing for answers refused as rebinding and logs each drop once", async () => {
    const dropped = [{ address: "10.0.0.1", reason: "in the private/reserved range 10.0.0.0/8" }];
    const h = harness((names) => names.map((n) => res(n, [], 0, ["every answer was refused"], dropped)));
    const r = createRefresher(c, h.deps, [
      { name: "evil.test", required: false, chain: ["evil.test"], resolvedAt: null, addresses: [] },
    ]);
    for (let i = 0; i < 3; i++) {
      h.advance(r.nextDueAt() - h.now());
      await r.step();
    }
    expect(h.scripts).toEqual([]);
    expect(h.logs.filter((l) => l.startsWith("dropped 10.0.0.1 for evil.test"))).toHaveLength(1);
  });

  it("keeps an address shared with another name in the set when one name drops it", async () => {
    const h = harness((names) => names.map((n) => res(n, n === "x.test" ? ["198.51.100.20"] : ["198.51.100.12"], 4)));
    const t = h.now();
    const held = (ttl: number) => [
      { address: "198.51.100.12", family: 4 as const, ttl, expiresAt: t + (ttl + 2) * 1000 },
    ];
    const r = createRefresher(c, h.deps, [
      { name: "x.test", required: false, chain: ["x.test"], resolvedAt: t, addresses: held(4) },
      { name: "y.test", required: false, chain: ["y.test"], resolvedAt: t, addresses: held(4) },
    ]);
    h.advance(3000);
    await r.step(); // both due: x.test moved to .20, y.test still has .12
    expect(h.scripts[0]).toContain("198.51.100.12 timeout 6s");
    expect(h.logs.join("\n")).toMatch(/x\.test: 198\.51\.100\.12 is no longer listed/);
  });

  it("reports a failed nft transaction, retries, and stays unhealthy until one succeeds", async () => {
    const h = harness(
      (names) =>
        names.map((n) => (n === "a.test" ? res(n, ["198.51.100.10"], 4) : res(n, [], 0, ["server answered SERVFAIL"]))),
      { failApply: true },
    );
    const r = createRefresher(c, h.deps, [
      { name: "a.test", required: false, chain: ["a.test"], resolvedAt: null, addresses: [] },
      { name: "b.test", required: false, chain: ["b.test"], resolvedAt: null, addresses: [] },
    ]);
    h.advance(r.nextDueAt() - h.now());
    await r.step();
    expect(r.lastApplyError).toMatch(/Operation not permitted/);
    expect(r.names.get("a.test")).toMatchObject({ failures: 1, nextRefreshAt: h.now() + 1000 }); // its update did not land: retried after 1 s
    expect(r.names.get("b.test")).toMatchObject({ failures: 2, nextRefreshAt: h.now() + 2000 }); // its failed resolution counts once, not again for the nft failure
    const s = snapshot(r, { pid: process.pid, startedAt: h.now(), restarts: 0 }, Date.now());
    expect(refresherHealth(s, Date.now()).healthy).toBe(false);
    expect(refresherHealth(s, Date.now()).detail).toMatch(/nft updates fail/);
  });
});

describe("status file", () => {
  it("reads back whole from a head and the names serialized apart, and says until when the names' part holds", () => {
    const t = 1_700_000_000_000;
    const r = createRefresher(
      cfg,
      {
        now: () => t,
        rand: () => 0,
        log: () => {},
        resolve: () => Promise.resolve([]),
        apply: () => Promise.resolve(),
      },
      [
        {
          name: "a.test",
          required: true,
          chain: ["a.test"],
          resolvedAt: t,
          addresses: [
            { address: "192.0.2.1", family: 4, ttl: 30, expiresAt: t + 90_000 },
            { address: "2001:db8::1", family: 6, ttl: 10, expiresAt: t + 70_000 },
          ],
        },
        { name: "b.test", required: false, chain: ["b.test"], resolvedAt: null, addresses: [] },
      ],
    );
    const meta = { pid: 7, startedAt: t - 1000, restarts: 2 };
    const whole = snapshot(r, meta, t);
    expect(JSON.parse(statusText(statusHead(r, meta, t), JSON.stringify(snapshotNames(r, t))))).toEqual(whole);
    expect(whole.names["a.test"]?.addresses.map((a) => a.address)).toEqual(["192.0.2.1", "2001:db8::1"]);
    expect(snapshotNames(r, t + 80_000)["a.test"]?.addresses.map((a) => a.address)).toEqual(["192.0.2.1"]);
  });
});

describe("status file: names serialized per name", () => {
  it("gives what serializing the whole snapshot gives, after steps, failures and expiries, reusing untouched names", async () => {
    // a.test answers with a new address each time; b.test fails from the second ask on; c.test is never due.
    let round = 0;
    const h = harness((names) =>
      names.map((n) =>
        n === "a.test"
          ? res(n, [`198.51.100.${10 + round}`], 4)
          : round > 0
            ? res(n, [], 4, ["SERVFAIL"])
            : res(n, ["198.51.100.20"], 4),
      ),
    );
    const c = { minTtl: 1, maxTtl: 3600, grace: 2, minInterval: 0.5 };
    const mk = (name: string, resolvedAt: number | null, ttl: number) => ({
      name,
      required: false,
      chain: [name],
      resolvedAt,
      addresses:
        resolvedAt === null
          ? []
          : [{ address: "192.0.2.9", family: 4 as const, ttl, expiresAt: resolvedAt + (ttl + 2) * 1000 }],
    });
    const r = createRefresher(c, h.deps, [mk("a.test", null, 4), mk("b.test", null, 4), mk("c.test", h.now(), 3000)]);
    const cache = namesJsonCache();
    const whole = () => JSON.stringify(snapshotNames(r, h.now()));
    const namesJson = (now: number) => Buffer.concat(namesJsonParts(r, now, cache)).toString();
    expect(namesJson(h.now())).toBe(whole());
    const first = cache.parts.get("c.test");
    for (round = 0; round < 4; round++) {
      h.advance(5000); // past every 4 s TTL: a and b are due, and a's previous address lapses too
      await r.step();
      expect(namesJson(h.now())).toBe(whole());
    }
    expect(r.names.get("b.test")?.failures).toBeGreaterThan(0); // the failure path was taken
    // c.test was never refreshed and its address has not expired: its part was never rebuilt.
    expect(cache.parts.get("c.test")).toBe(first);
    // Its address expires (3000 s TTL + 2 s grace): rebuilt then, without any step.
    h.advance(3_100_000);
    expect(namesJson(h.now())).toBe(whole());
    expect(JSON.parse(namesJson(h.now()))["c.test"].addresses).toEqual([]);
  });
});

describe("refresher health", () => {
  const base: RefresherStatus = {
    pid: 42,
    startedAt: "2026-01-01T00:00:00Z",
    heartbeatAt: new Date(100_000).toISOString(),
    restarts: 1,
    lastApplyError: null,
    names: {},
  };
  it("is healthy with a live pid and a fresh heartbeat", () =>
    expect(refresherHealth(base, 105_000, () => true)).toMatchObject({ healthy: true }));
  it("is not when the heartbeat is stale", () =>
    expect(refresherHealth(base, 200_000, () => true).detail).toMatch(/stalled/));
  it("is not when the pid is gone", () =>
    expect(refresherHealth(base, 101_000, () => false).detail).toMatch(/not running/));
  it("is not without a status file", () => expect(refresherHealth(null, 0).healthy).toBe(false));
});
