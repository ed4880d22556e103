import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { ipVersion } from "../../../firewall/ip-syntax.js";
import { seededInts } from "../../support/seeded-random.js";

const CASES = [
  "0.0.0.0",
  "255.255.255.255",
  "256.1.1.1",
  "01.2.3.4",
  "1.2.3",
  "1.2.3.4.5",
  "1..3.4",
  " 1.2.3.4",
  "1.2.3.4 ",
  "::",
  "::1",
  "1::",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7:8::",
  "1::2::3",
  ":::",
  "1:::2",
  ":1::",
  "1:",
  ":1",
  "::ffff:1.2.3.4",
  "::1.2.3.4",
  "1.2.3.4::",
  "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5::1.2.3.4",
  "1:2:3:4:5:6::1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "fe80::1%eth0",
  "fe80::1%",
  "fe80::1%a b",
  "fe80::1%en-0.1:x",
  "12345::",
  "g::",
  "FFFF::",
  "::ffff:01.2.3.4",
  "1.2.3.4%eth0",
  "::1.2.3",
  "",
  ":",
  ".",
  "%",
  "1:2:3:4:5:6:7:8%z",
  "::1.2.3.4.5",
  "1:2::3:1.2.3.4",
  "a:b:c:d:e:f:1.2.3.4",
  "a:b:c:d:e::f:1.2.3.4",
];

describe("ipVersion: net.isIP's grammar without its regular expression", () => {
  it("answers as net.isIP on edge cases of both families", () => {
    expect(CASES.map(ipVersion)).toEqual(CASES.map(isIP));
  });
  it("answers as net.isIP on 200,000 seeded random texts built from address pieces", () => {
    const rnd = seededInts(20261130);
    const pieces = [
      "0",
      "1",
      "ff",
      "FFFF",
      "12345",
      "abcd",
      "g",
      ":",
      "::",
      ".",
      "1.2.3.4",
      "255",
      "256",
      "01",
      "%",
      "eth0",
      "-",
      " ",
    ];
    const differ: string[] = [];
    for (let i = 0; i < 200_000 && differ.length < 5; i++) {
      let s = "";
      const n = 1 + rnd(12);
      for (let k = 0; k < n; k++) s += pieces[rnd(pieces.length)];
      if (ipVersion(s) !== isIP(s)) differ.push(s);
    }
    expect(differ).toEqual([]);
  });
  it("answers as net.isIP on every valid address form, and on each with one character changed", () => {
    const rnd = seededInts(7);
    const hex = () => rnd(0x10000).toString(16);
    const differ: string[] = [];
    for (let i = 0; i < 20_000 && differ.length < 5; i++) {
      const groups = Array.from({ length: 8 }, hex);
      const cut = rnd(9);
      const len = rnd(9 - cut);
      let s = rnd(2) ? groups.join(":") : `${groups.slice(0, cut).join(":")}::${groups.slice(cut + len).join(":")}`;
      if (rnd(4) === 0) s = `${s.replace(/:[^:]*:[^:]*$/, "")}:${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
      const pos = rnd(s.length + 1);
      const t = `${s.slice(0, pos)}${":.0f%g"[rnd(6)]}${s.slice(pos + rnd(2))}`;
      for (const x of [s, t]) if (ipVersion(x) !== isIP(x)) differ.push(x);
    }
    expect(differ).toEqual([]);
  });
});
