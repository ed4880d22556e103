import { defineConfig } from "vitest/config";

// Three suites: pure logic (unit), real bwrap/nft on this host (host), and a
// real Docker engine (container). `npm test` runs all three.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { test: { name: "host", include: ["test/host/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "container",
          include: ["test/container/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          // Suites share one Docker engine and image cache; run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
