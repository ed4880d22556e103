// Renders the `inet cordon` table as one nft script. Pure: plain data in, text
// out. The script deletes and recreates only our own table in one transaction,
// so Docker's tables (its embedded DNS NAT among them) are never touched and
// there is no instant with a half-built ruleset.

export const TABLE = "cordon";

export interface TimedElement {
  address: string;
  /** Seconds until the kernel drops the element on its own. */
  timeout: number;
}

export interface RulesetInput {
  /** "deny-all": loopback only. "resolving": plus DNS to the resolvers. "enforce": everything below. */
  phase: "deny-all" | "resolving" | "enforce";
  resolvers4: string[];
  resolvers6: string[];
  allow4: TimedElement[];
  allow6: TimedElement[];
  cidr4: string[];
  cidr6: string[];
  /** The Docker host as the container sees it (default gateway) and the ports allowed there. */
  hostGateway4?: string;
  hostGateway6?: string;
  hostPorts: number[];
  /**
   * DNS-forwarder mode: only root and the forwarder's user may send DNS anywhere; every other
   * process may send it to the forwarder alone, and none may send from port 53.
   */
  dnsGuard?: { forwarderUid: number; listen: string };
}

/** Nothing allowed but loopback: where every bring-up starts, and where a failed one ends. */
export const DENY_ALL: RulesetInput = {
  phase: "deny-all",
  resolvers4: [],
  resolvers6: [],
  allow4: [],
  allow6: [],
  cidr4: [],
  cidr6: [],
  hostPorts: [],
};

const elems = (xs: string[]) => (xs.length ? ` elements = { ${xs.join(", ")} }` : "");
const timed = (xs: TimedElement[]) => xs.map((e) => `${e.address} timeout ${Math.max(1, Math.ceil(e.timeout))}s`);

/** Set declarations: their shape never depends on the phase, so the refresher can always update them. */
function sets(i: RulesetInput): string[] {
  // Resolvers from "resolving" on; addresses only when enforcing.
  const dns = (xs: string[]) => (i.phase !== "deny-all" ? elems(xs) : "");
  const allow = (xs: string[]) => (i.phase === "enforce" ? elems(xs) : "");
  return [
    `  set resolvers4 { type ipv4_addr;${dns(i.resolvers4)} }`,
    `  set resolvers6 { type ipv6_addr;${dns(i.resolvers6)} }`,
    `  set allow4 { type ipv4_addr; flags timeout;${allow(timed(i.allow4))} }`,
    `  set allow6 { type ipv6_addr; flags timeout;${allow(timed(i.allow6))} }`,
    `  set cidr4 { type ipv4_addr; flags interval; auto-merge;${allow(i.cidr4)} }`,
    `  set cidr6 { type ipv6_addr; flags interval; auto-merge;${allow(i.cidr6)} }`,
  ];
}

/** The enforce phase's rules, in two chains the output chain jumps to (empty before enforce). */
const ESTABLISHED = "established";
const ALLOWED = "allowed";

function establishedRules(): string[] {
  return ["ct state established,related accept"];
}

function allowedRules(i: RulesetInput): string[] {
  const out = [
    "ip daddr @allow4 accept",
    "ip6 daddr @allow6 accept",
    "ip daddr @cidr4 accept",
    "ip6 daddr @cidr6 accept",
  ];
  if (i.hostPorts.length) {
    const ports = `{ ${i.hostPorts.join(", ")} }`;
    if (i.hostGateway4) out.push(`ip daddr ${i.hostGateway4} tcp dport ${ports} accept`);
    if (i.hostGateway6) out.push(`ip6 daddr ${i.hostGateway6} tcp dport ${ports} accept`);
  }
  return out;
}

/**
 * The full transaction: create-if-missing, delete, recreate. With `create`, only creates: the
 * transaction then fails, changing nothing, when the table exists (a container start has none, and
 * deleting a table, even an empty one, costs the kernel ~10 ms of RCU grace period).
 */
export function renderRuleset(i: RulesetInput, o: { create?: boolean } = {}): string {
  const enforce = i.phase === "enforce";
  const out: string[] = [];
  out.push(`# cordon egress firewall (${i.phase}); generated, do not edit`);
  if (o.create) out.push(`create table inet ${TABLE}`);
  else out.push(`table inet ${TABLE} {}`, `delete table inet ${TABLE}`);
  out.push(`table inet ${TABLE} {`);
  out.push(...sets(i));
  // The phase's own rules sit in chains of their own, so that going from "resolving" to "enforce"
  // only adds (renderEnforcement): deleting rules makes the kernel wait out an RCU grace period.
  const chain = (name: string, rules: string[]) => [`  chain ${name} {`, ...rules.map((r) => `    ${r}`), `  }`];
  out.push(...chain(ESTABLISHED, enforce ? establishedRules() : []));
  out.push(...chain(ALLOWED, enforce ? allowedRules(i) : []));
  out.push(
    `  chain output {`,
    `    type filter hook output priority filter; policy drop;`,
    `    oifname "lo" accept`,
    // IPv6 cannot work at all without neighbour discovery.
    `    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit } accept`,
    `    jump ${ESTABLISHED}`,
  );
  // DNS over TLS is never allowed, whatever the address.
  out.push(`    meta l4proto { tcp, udp } th dport 853 counter reject with icmpx admin-prohibited`);
  if (i.phase !== "deny-all") {
    out.push(
      `    ip daddr @resolvers4 meta l4proto { tcp, udp } th dport 53 accept`,
      `    ip6 daddr @resolvers6 meta l4proto { tcp, udp } th dport 53 accept`,
    );
  }
  // DNS anywhere else: refused, so tunnelling through other servers fails fast.
  out.push(`    meta l4proto { tcp, udp } th dport 53 counter reject with icmpx admin-prohibited`);
  out.push(`    jump ${ALLOWED}`);
  // Blocked connections fail in milliseconds: TCP reset, ICMP for the rest.
  out.push(
    `    meta l4proto tcp counter reject with tcp reset`,
    `    counter reject with icmpx admin-prohibited`,
    `  }`,
    `  chain input {`,
    `    type filter hook input priority filter; policy drop;`,
    `    iifname "lo" accept`,
    `    ct state established,related accept`,
    `    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter; policy drop;`,
    `  }`,
  );
  if (i.dnsGuard) out.push(...dnsGuard(i.dnsGuard));
  out.push(`}`);
  return `${out.join("\n")}\n`;
}

/**
 * From the "resolving" table (renderRuleset) to the enforcing one `i` describes, adding only: the
 * phase chains' rules and the sets' elements. The result equals renderRuleset(i) applied whole,
 * without the ~15 ms a whole-table replacement costs the kernel.
 */
export function renderEnforcement(i: RulesetInput): string {
  const rules = [
    ...establishedRules().map((r) => `add rule inet ${TABLE} ${ESTABLISHED} ${r}`),
    ...allowedRules(i).map((r) => `add rule inet ${TABLE} ${ALLOWED} ${r}`),
  ];
  return `${rules.join("\n")}\n${renderElementAdditions(i)}`;
}

/** Adds elements to the allow and CIDR sets (one transaction with whatever it is part of). */
export function renderElementAdditions(i: Pick<RulesetInput, "allow4" | "allow6" | "cidr4" | "cidr6">): string {
  const lines: string[] = [];
  for (const [set, xs] of [
    ["allow4", timed(i.allow4)],
    ["allow6", timed(i.allow6)],
    ["cidr4", i.cidr4],
    ["cidr6", i.cidr6],
  ] as const)
    if (xs.length) lines.push(`add element inet ${TABLE} ${set} { ${xs.join(", ")} }`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/**
 * Runs before Docker's DNS NAT (priority -100), which rewrites 127.0.0.11:53 to another port: at
 * this point the original destination port is still visible, so queries to Docker's embedded DNS
 * are caught too.
 */
function dnsGuard(g: { forwarderUid: number; listen: string }): string[] {
  const dns = `meta l4proto { tcp, udp } th dport 53`;
  return [
    `  chain dns_guard {`,
    `    type filter hook output priority -150; policy accept;`,
    `    meta skuid { 0, ${g.forwarderUid} } accept`,
    `    ip daddr ${g.listen} ${dns} accept`,
    `    ${dns} counter reject with icmpx admin-prohibited`,
    // Nobody else answers as a DNS server: not from the forwarder's address (bindable once the
    // forwarder is down), and not from 127.0.0.11:53 or any other port-53 socket, whose forged
    // replies could otherwise reach the forwarder's upstream sockets.
    `    meta l4proto { tcp, udp } th sport 53 counter reject with icmpx admin-prohibited`,
    `  }`,
  ];
}

/**
 * Creates elements the timed sets do not hold: `create` fails (File exists) rather than leave an
 * element that is there with its old timeout, so the caller learns its belief was wrong and writes
 * them again with renderSetUpdate. One command per set where the update takes three.
 */
export function renderSetCreate(add4: TimedElement[], add6: TimedElement[]): string {
  const lines: string[] = [];
  for (const [set, adds] of [
    ["allow4", add4],
    ["allow6", add6],
  ] as const)
    if (adds.length) lines.push(`create element inet ${TABLE} ${set} { ${timed(adds).join(", ")} }`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

/** Adds or refreshes elements in the timed sets (used by the refresher; one transaction). */
export function renderSetUpdate(
  add4: TimedElement[],
  add6: TimedElement[],
  del4: string[] = [],
  del6: string[] = [],
): string {
  const lines: string[] = [];
  // Re-adding an element that exists would keep its old timeout; delete first,
  // after an add that guarantees it exists (add-delete-add), so the batch never
  // fails on an element that expired meanwhile and nothing is missing between.
  for (const [set, adds] of [
    ["allow4", add4],
    ["allow6", add6],
  ] as const) {
    if (!adds.length) continue;
    const plain = adds.map((e) => e.address).join(", ");
    lines.push(`add element inet ${TABLE} ${set} { ${plain} }`);
    lines.push(`delete element inet ${TABLE} ${set} { ${plain} }`);
    lines.push(`add element inet ${TABLE} ${set} { ${timed(adds).join(", ")} }`);
  }
  for (const [set, dels] of [
    ["allow4", del4],
    ["allow6", del6],
  ] as const) {
    if (!dels.length) continue;
    lines.push(`add element inet ${TABLE} ${set} { ${dels.join(", ")} }`);
    lines.push(`delete element inet ${TABLE} ${set} { ${dels.join(", ")} }`);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
