// The allowlist file's schema (zod). Pure: no I/O. The loader in
// allowlist-load.ts turns TOML text into this shape or a located error.
import * as z from "zod";
import "../common/zod-config.js";
import { otelConfigSchema } from "../common/otel-config.js";
import { ipFamily, parseCidr } from "./net-address.js";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** An exact DNS name: lowercase labels, at least two, at most 253 characters. */
export function isDomainName(s: string): boolean {
  if (s.length === 0 || s.length > 253 || s !== s.toLowerCase()) return false;
  const labels = s.split(".");
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/** `*.example.com`: a wildcard for any names below that suffix. */
export function isWildcardPattern(s: string): boolean {
  return s.startsWith("*.") && isDomainName(s.slice(2));
}

const domain = z.string().refine(isDomainName, {
  message: "is not a valid DNS name (lowercase letters, digits and hyphens; at least two labels)",
});
const pattern = z.string().refine((s) => isDomainName(s) || isWildcardPattern(s), {
  message: "is not a valid DNS name or wildcard pattern (*.example.com)",
});
const cidr = z.string().refine(
  (s) => {
    try {
      parseCidr(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "is not a valid IPv4 or IPv6 CIDR" },
);
const ip = z.string().refine((s) => ipFamily(s) !== null, { message: "is not an IPv4 or IPv6 address" });
const port = z.number().int().min(1).max(65535);
const target = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return ["http:", "https:", "tcp:"].includes(u.protocol) && u.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: "is not a target URL (http://, https:// or tcp://host:port)" },
);

export const CidrSourceSchema = z
  .strictObject({
    name: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }).optional(),
    file: z.string().startsWith("/").optional(),
    /** For JSON documents such as GitHub's meta: which top-level keys hold CIDR lists. */
    keys: z.array(z.string().min(1)).optional(),
    timeout_ms: z.number().int().min(100).max(60_000).default(5000),
    retries: z.number().int().min(0).max(10).default(2),
    required: z.boolean().default(false),
  })
  .refine((s) => Boolean(s.url) !== Boolean(s.file), { message: "needs exactly one of url or file" });

export const AllowlistSchema = z
  .strictObject({
    version: z.literal(1),
    dns: z
      .strictObject({
        /** "system" = /etc/resolv.conf (and, behind Docker's embedded DNS, its upstream servers). */
        resolvers: z
          .array(z.union([z.literal("system"), ip]))
          .min(1)
          .default(["system"]),
        /**
         * "forwarder": the container resolves through cordon's forwarder, which answers allowed
         * names only and admits their addresses before answering; no other process may send DNS
         * anywhere. "refresher": processes ask the resolvers directly; addresses follow by TTL.
         */
        mode: z.enum(["forwarder", "refresher"]).default("refresher"),
        /** How the forwarder answers a name that is not allowed. */
        refuse_with: z.enum(["refused", "nxdomain"]).default("refused"),
      })
      .default({ resolvers: ["system"], mode: "refresher", refuse_with: "refused" }),
    allow: z
      .strictObject({
        names: z.array(pattern).default([]),
        /** Names that must resolve for the firewall to start; each must be in `names`. */
        required: z.array(domain).default([]),
      })
      .default({ names: [], required: [] }),
    cidrs: z
      .strictObject({
        static: z.array(cidr).default([]),
        sources: z.array(CidrSourceSchema).default([]),
      })
      .default({ static: [], sources: [] }),
    host: z
      .strictObject({
        /** TCP ports on the Docker host (the default gateway) the container may reach. None by default. */
        ports: z.array(port).default([]),
      })
      .default({ ports: [] }),
    self_check: z
      .strictObject({
        must_fail: z.array(target).default([]),
        must_succeed: z.array(target).default([]),
        timeout_ms: z.number().int().min(100).max(30_000).default(3000),
      })
      .default({ must_fail: [], must_succeed: [], timeout_ms: 3000 }),
    refresher: z
      .strictObject({
        min_ttl: z.number().int().min(1).default(30),
        max_ttl: z.number().int().min(1).default(3600),
        grace: z.number().int().min(0).max(3600).default(60),
        max_addresses_per_name: z.number().int().min(1).max(1000).default(64),
        /** Seconds: no name is re-resolved more often than this, whatever its TTL. */
        min_interval: z.number().min(0.25).max(3600).default(5),
        /** Keep addresses in step with DNS after bring-up (the dns refresher daemon). */
        enabled: z.boolean().default(true),
      })
      .refine((r) => r.min_ttl <= r.max_ttl, { message: "min_ttl must not exceed max_ttl" })
      .default({ min_ttl: 30, max_ttl: 3600, grace: 60, max_addresses_per_name: 64, min_interval: 5, enabled: true }),
    /** The firewall's own telemetry (bring-up and refresher, service cordon-dns): [otel] without prompts. */
    telemetry: otelConfigSchema().omit({ log_user_prompt: true }).optional(),
    rebind: z
      .strictObject({
        /** Private/reserved ranges that answers may still point into (dnsmasq's --rebind-domain-ok, by CIDR). */
        exempt_cidrs: z.array(cidr).default([]),
        exempt_names: z.array(domain).default([]),
      })
      .default({ exempt_cidrs: [], exempt_names: [] }),
  })
  .superRefine((a, ctx) => {
    const names = new Set(a.allow.names);
    a.allow.required.forEach((n, i) => {
      if (!names.has(n)) {
        ctx.addIssue({
          code: "custom",
          path: ["allow", "required", i],
          message: `"${n}" is required but not listed in allow.names`,
        });
      }
    });
  });

export type Allowlist = z.output<typeof AllowlistSchema>;
export type CidrSource = z.output<typeof CidrSourceSchema>;
