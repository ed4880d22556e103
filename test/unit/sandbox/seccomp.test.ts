import { describe, expect, it } from "vitest";
import {
  ALWAYS_DENIED,
  ARCHES,
  buildFilter,
  encodeFilter,
  evaluate,
  EPERM,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
} from "../../../agent/sandbox/seccomp-bpf.js";

const X64 = ARCHES.x64!;
const deny = SECCOMP_RET_ERRNO | EPERM;

describe.each(["x64", "arm64"])("seccomp filter (%s)", (arch) => {
  const t = ARCHES[arch]!;
  const off = buildFilter({ arch, network: false });
  const on = buildFilter({ arch, network: true });
  it.each(ALWAYS_DENIED.map((n) => [n]))("denies %s with EPERM", (name) => {
    expect(evaluate(off, { arch: t.auditArch, nr: t.nr[name]! })).toBe(deny);
    expect(evaluate(on, { arch: t.auditArch, nr: t.nr[name]! })).toBe(deny);
  });
  it("allows ordinary calls (read=0/63, write=1/64, openat=257/56, execve=59/221)", () => {
    const ordinary = arch === "x64" ? [0, 1, 257, 59, 56 /* clone */] : [63, 64, 56, 221, 220];
    for (const nr of ordinary) expect(evaluate(off, { arch: t.auditArch, nr })).toBe(SECCOMP_RET_ALLOW);
  });
  it("with the network off allows only AF_UNIX sockets; with it on, any", () => {
    const sock = t.nr.socket!;
    expect(evaluate(off, { arch: t.auditArch, nr: sock, args: [1] })).toBe(SECCOMP_RET_ALLOW);
    for (const af of [2, 10, 16, 17]) expect(evaluate(off, { arch: t.auditArch, nr: sock, args: [af] })).toBe(deny);
    for (const af of [1, 2, 10])
      expect(evaluate(on, { arch: t.auditArch, nr: sock, args: [af] })).toBe(SECCOMP_RET_ALLOW);
  });
  it("kills a call made through another architecture's ABI", () => {
    expect(evaluate(off, { arch: 0x40000003 /* i386 */, nr: 1 })).toBe(SECCOMP_RET_KILL_PROCESS);
  });
});

describe("seccomp encoding", () => {
  it("x32 syscalls on x86_64 are refused", () => {
    expect(evaluate(buildFilter({ arch: "x64", network: true }), { arch: X64.auditArch, nr: 0x40000000 + 1 })).toBe(
      deny,
    );
  });
  it("encodes 8 bytes per instruction, little-endian", () => {
    const prog = buildFilter({ arch: "x64", network: false });
    const b = encodeFilter(prog);
    expect(b.length).toBe(prog.length * 8);
    expect(b.readUInt16LE(0)).toBe(0x20); // ld [arch]
    expect(b.readUInt32LE(4)).toBe(4);
    expect(b.readUInt32LE(b.length - 4)).toBe(SECCOMP_RET_ALLOW);
    expect(prog.length).toBeLessThan(256); // jump offsets are 8-bit; the layout keeps them local
  });
  it("refuses an unknown architecture", () => {
    expect(() => buildFilter({ arch: "mips", network: false })).toThrow(/no seccomp syscall table/);
  });
});
