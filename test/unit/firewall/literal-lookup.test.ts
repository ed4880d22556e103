// The UDP sockets' lookup (the forwarder's replies, the resolver's questions): IP literals only,
// answered at once, and a name is never resolved.
import { describe, expect, it, vi } from "vitest";
import { literalOnly } from "../../../firewall/dns/literal-lookup.js";

const ask = (host: string) => {
  const calls: unknown[][] = [];
  literalOnly(host, 0, (...args) => calls.push(args));
  return calls;
};

describe("the forwarder's reply lookup", () => {
  it("gives an IPv4 or IPv6 literal back as it is, synchronously", () => {
    expect(ask("192.0.2.7")).toEqual([[null, "192.0.2.7", 4]]);
    expect(ask("2001:db8::7")).toEqual([[null, "2001:db8::7", 6]]);
  });
  it("refuses a name (or anything else) with EINVAL instead of resolving it", () => {
    for (const host of ["localhost", "upstream.test", "", "192.0.2.256"]) {
      const [call, ...more] = ask(host);
      expect(more).toEqual([]);
      const [err, address, family] = call as [NodeJS.ErrnoException, string, number];
      expect({ code: err.code, message: err.message, address, family }).toEqual({
        code: "EINVAL",
        message: `not an IP address: ${host}`,
        address: "",
        family: 0,
      });
    }
  });
  it("answers an address asked again as the first time, and still refuses a name asked after it", () => {
    for (let i = 0; i < 3; i++) {
      expect(ask("192.0.2.7")).toEqual([[null, "192.0.2.7", 4]]);
      expect(ask("2001:db8::7")).toEqual([[null, "2001:db8::7", 6]]);
    }
    expect(ask("192.0.2.7")).toEqual([[null, "192.0.2.7", 4]]);
    expect((ask("192.0.2.7.test")[0] as [NodeJS.ErrnoException])[0].code).toBe("EINVAL");
    expect((ask("")[0] as [NodeJS.ErrnoException])[0].code).toBe("EINVAL");
    expect(ask("192.0.2.7")).toEqual([[null, "192.0.2.7", 4]]);
  });
  it("refuses an empty host asked first, before any address was checked", async () => {
    vi.resetModules();
    const fresh = await import("../../../firewall/dns/literal-lookup.js");
    const calls: unknown[][] = [];
    fresh.literalOnly("", 0, (...args) => calls.push(args));
    expect((calls[0] as [NodeJS.ErrnoException])[0].code).toBe("EINVAL");
  });
});
