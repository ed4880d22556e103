// The refresher's plan of what the kernel sets hold: when an extension must be
// written, that pending ones go together, and that the kernel is never told an
// expiry later than the answers give (a stopped daemon leaves nothing behind
// past TTL + grace) nor left to drop an address the daemon still keeps.
import { describe, expect, it } from "vitest";
import { seededInts } from "../../support/seeded-random.js";
import {
  deadline,
  dueWrite,
  KERNEL_SLACK_MS,
  markWritten,
  mayHold,
  nextDeadline,
  setWant,
  type KernelEntry,
  type KernelPlan,
} from "../../../firewall/dns-refresher/kernel-plan.js";

const AHEAD = 2000;
const SLACK = 250;

describe("kernel plan", () => {
  it("writes at once what the kernel lacks or holds too long, waits for an extension until it is due, never rewrites an agreed one", () => {
    expect(deadline({ family: 4, want: 10_000, written: null }, AHEAD)).toBe(-Infinity);
    expect(deadline({ family: 4, want: 10_000, written: 12_000 }, AHEAD)).toBe(-Infinity);
    expect(deadline({ family: 4, want: 10_000, written: 6000 }, AHEAD)).toBe(4000);
    expect(deadline({ family: 4, want: 10_000, written: 10_000 }, AHEAD)).toBe(Infinity);
  });

  it("writes nothing while every deadline is ahead, then every pending entry in one write, each with its current expiry", () => {
    const plan: KernelPlan = new Map([
      ["192.0.2.1", { family: 4, want: 20_000, written: 10_000 }], // extension due at 8 s
      ["2001:db8::1", { family: 6, want: 30_000, written: 25_000 }], // extension due at 23 s
      ["192.0.2.2", { family: 4, want: 15_000, written: 15_000 }], // in step
    ]);
    expect(nextDeadline(plan, AHEAD)).toBe(8000);
    expect(dueWrite(plan, 7000, AHEAD, SLACK)).toBeNull();
    const w = dueWrite(plan, 7800, AHEAD, SLACK); // within the slack of 8 s
    expect(w).toEqual({
      v4: [{ address: "192.0.2.1", timeout: 13 }],
      v6: [{ address: "2001:db8::1", timeout: 23 }],
      del4: [],
      del6: [],
      expiries: new Map([
        ["192.0.2.1", 20_000],
        ["2001:db8::1", 30_000],
      ]),
    });
    markWritten(plan, (w as NonNullable<typeof w>).expiries);
    expect(nextDeadline(plan, AHEAD)).toBe(Infinity);
    expect(dueWrite(plan, 7900, AHEAD, SLACK)).toBeNull();
  });

  it("writes a new address at once, and a shorter expiry (a lower TTL now) at once", () => {
    const plan: KernelPlan = new Map([["192.0.2.1", { family: 4, want: 50_000, written: 50_000 }]]);
    setWant(plan, "192.0.2.1", 4, 20_000);
    setWant(plan, "192.0.2.9", 4, 20_000);
    expect(dueWrite(plan, 10_000, AHEAD, SLACK)?.v4).toEqual([
      { address: "192.0.2.1", timeout: 10 },
      { address: "192.0.2.9", timeout: 10 },
    ]);
    expect(plan.get("192.0.2.9")).toEqual({ family: 4, want: 20_000, written: null }); // until the write lands
  });

  it("forgets what has expired, and deletes what the kernel was told to keep longer than its expiry", () => {
    const plan: KernelPlan = new Map([
      ["192.0.2.1", { family: 4, want: 5000, written: 5000 }],
      ["192.0.2.2", { family: 4, want: 5000, written: null }],
      ["2001:db8::2", { family: 6, want: 5000, written: 9000 }],
    ]);
    const w = dueWrite(plan, 6000, AHEAD, SLACK);
    expect(w).toEqual({ v4: [], v6: [], del4: [], del6: ["2001:db8::2"], expiries: new Map([["2001:db8::2", 5000]]) });
    expect([...plan.keys()]).toEqual(["2001:db8::2"]);
    markWritten(plan, (w as NonNullable<typeof w>).expiries);
    expect(dueWrite(plan, 6100, AHEAD, SLACK)).toBeNull();
    expect(plan.size).toBe(0);
  });

  it("over a minute of 1 s TTLs refreshed every 0.7 s: never longer than the answer allows, never short of the write-ahead, a fraction of the writes", () => {
    const ttl = 1;
    const grace = 5;
    const plan: KernelPlan = new Map();
    let kernel = 0; // when the kernel drops the element, as last written
    let wantNow = 0;
    let writes = 0;
    let refreshes = 0;
    let nextRefresh = 0;
    for (let now = 0; now <= 60_000; now += 100) {
      if (now >= nextRefresh) {
        wantNow = now + (ttl + grace) * 1000;
        setWant(plan, "192.0.2.1", 4, wantNow);
        refreshes++;
        nextRefresh = now + 700;
      }
      const w = dueWrite(plan, now, AHEAD, SLACK);
      if (w) {
        const el = w.v4[0];
        if (el) kernel = now + el.timeout * 1000;
        writes++;
        markWritten(plan, w.expiries);
      }
      // The kernel's hold is whole seconds from the write: at most 1 s past the wanted expiry.
      expect(kernel).toBeLessThanOrEqual(wantNow + 1000);
      expect(kernel - now).toBeGreaterThanOrEqual(AHEAD - SLACK - 100);
    }
    expect(refreshes).toBe(86);
    expect(writes).toBeLessThanOrEqual(Math.ceil(refreshes / 4));
    expect(writes).toBeGreaterThan(1);
  });

  it("says the kernel may hold an address while the plan's write or another writer's expiry, plus slack, has not passed", () => {
    const plan: KernelPlan = new Map();
    setWant(plan, "198.51.100.1", 4, 10_000); // wanted but never written
    setWant(plan, "198.51.100.2", 4, 10_000);
    markWritten(plan, new Map([["198.51.100.2", 10_000]]));
    const at = (now: number, other?: number) =>
      ["198.51.100.1", "198.51.100.2", "198.51.100.3"].map((a) => mayHold(plan, a, now, other));
    expect(at(5_000)).toEqual([false, true, false]);
    // Whole-second timeouts may run up to the slack past the recorded expiry.
    expect(at(10_000 + KERNEL_SLACK_MS - 1)).toEqual([false, true, false]);
    expect(at(10_000 + KERNEL_SLACK_MS)).toEqual([false, false, false]);
    // The forwarder's own record counts the same way.
    expect(at(20_000, 19_000)).toEqual([true, true, true]);
    expect(at(20_000, 20_000 - KERNEL_SLACK_MS)).toEqual([false, false, false]);
  });
});

describe("the plan's scans, without arithmetic per entry", () => {
  it("nextDeadline is the earliest deadline, and dueWrite is due exactly when some entry's deadline has come", () => {
    const rand = seededInts(11);
    const base = 1_800_000_000_000;
    for (let round = 0; round < 300; round++) {
      const plan = new Map<string, KernelEntry>();
      for (let i = 0, n = rand(6); i < n; i++) {
        const want = base + rand(60_000);
        const written = [null, want, want - rand(30_000), want + rand(30_000)][rand(4)] as number | null;
        plan.set(`192.0.2.${i}`, { family: 4, want, written });
      }
      const wa = rand(30_000);
      const now = base + rand(60_000);
      const slack = rand(500);
      const earliest = Math.min(Infinity, ...[...plan.values()].map((e) => deadline(e, wa)));
      expect(nextDeadline(plan, wa)).toBe(earliest);
      const due = [...plan.values()].some((e) =>
        e.want <= now ? e.written !== null && e.written > now : deadline(e, wa) <= now + slack,
      );
      expect(dueWrite(new Map(plan), now, wa, slack) !== null).toBe(due);
    }
  });
});
