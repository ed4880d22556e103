// Whether a text is an IPv4 or IPv6 address, by the same grammar as node:net's isIP (dotted
// quads without leading zeros; IPv6 with one "::" at most, an IPv4 tail, a %zone), read by hand.
// isIP matches IPv6 with one very long regular expression, which V8 compiles on first use and
// again when it tiers up: 4-5 ms of every bring-up's and daemon's start. A differential test
// holds this to isIP's answers.

const HEX = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z\-.:]+$/;

/** 0..255 written without leading zeros. */
function isOctet(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 3) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n > 1 && s.charCodeAt(0) === 48) return false;
  return Number(s) <= 255;
}

export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every(isOctet);
}

export function isIpv6(text: string): boolean {
  let s = text;
  const pct = s.indexOf("%");
  if (pct >= 0) {
    if (!ZONE.test(s.slice(pct + 1))) return false;
    s = s.slice(0, pct);
  }
  const gap = s.indexOf("::");
  if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) return false;
  const head = gap >= 0 ? s.slice(0, gap) : s;
  const tail = gap >= 0 ? s.slice(gap + 2) : "";
  const groups = [...(head ? head.split(":") : []), ...(tail ? tail.split(":") : [])];
  if (gap < 0 && head === "") return false;
  // An IPv4 tail (two groups' worth) may end the address, never a "::" that ends it.
  const last = groups[groups.length - 1];
  const v4Tail = last !== undefined && last.includes(".") && (gap < 0 || tail !== "");
  if (v4Tail && !isIpv4(last)) return false;
  for (let i = 0; i < groups.length - (v4Tail ? 1 : 0); i++) if (!HEX.test(groups[i] as string)) return false;
  const width = groups.length + (v4Tail ? 1 : 0);
  return gap >= 0 ? width <= 7 : width === 8;
}

/** 4, 6, or 0 when the text is not an address: what net.isIP answers. */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (isIpv4(s)) return 4;
  return s.includes(":") && isIpv6(s) ? 6 : 0;
}
