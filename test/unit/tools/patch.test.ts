// apply_patch in memory: the format as models write it, hunks applied to text, where a patch may write.
import { describe, expect, it } from "vitest";
import type { SandboxPolicy } from "../../../agent/sandbox/policy.js";
import { applyHunks } from "../../../agent/tools/patch-hunks.js";
import { parsePatch, PatchError } from "../../../agent/tools/patch-parse.js";
import { patchPathRefusal } from "../../../agent/tools/patch-policy.js";

describe("apply_patch format", () => {
  it("parses add, update with move and context, delete", () => {
    const ops = parsePatch(
      "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Update File: b.ts\n*** Move to: c.ts\n@@ function f\n ctx\n-old\n+new\n*** Delete File: d.txt\n*** End Patch",
    );
    expect(ops).toEqual([
      { kind: "add", path: "a.txt", content: "one\ntwo\n" },
      {
        kind: "update",
        path: "b.ts",
        moveTo: "c.ts",
        hunks: [
          {
            anchor: "function f",
            oldLines: ["ctx", "old"],
            newLines: ["ctx", "new"],
            changes: [
              { kind: " ", text: "ctx" },
              { kind: "-", text: "old" },
              { kind: "+", text: "new" },
            ],
          },
        ],
      },
      { kind: "delete", path: "d.txt" },
    ]);
  });
  it.each([
    ["no begin", "*** Add File: a\n+x\n*** End Patch", /starts with '\*\*\* Begin Patch'/],
    ["no end", "*** Begin Patch\n*** Add File: a\n+x", /ends with '\*\*\* End Patch'/],
    ["bad add line", "*** Begin Patch\n*** Add File: a\nx\n*** End Patch", /line 3: expected '\*\*\* Add File:'/],
    ["bad header", "*** Begin Patch\n*** Rename File: a\n*** End Patch", /line 2: expected/],
    [
      "bad change line",
      "*** Begin Patch\n*** Update File: a\n@@\n?x\n*** End Patch",
      /line 4: a change line starts with/,
    ],
    ["empty", "*** Begin Patch\n*** End Patch", /changes nothing/],
  ])("rejects %s", (_, text, msg) => expect(() => parsePatch(text)).toThrow(msg));
  it("applies hunks in order, using the anchor and tolerating trailing whitespace", () => {
    const src = "a\nfunction f() {\n  x = 1;  \n}\nfunction g() {\n  x = 1;\n}\n";
    const out = applyHunks("f.ts", src, [{ anchor: "function g() {", oldLines: ["  x = 1;"], newLines: ["  x = 2;"] }]);
    expect(out).toBe("a\nfunction f() {\n  x = 1;  \n}\nfunction g() {\n  x = 2;\n}\n");
    expect(applyHunks("f", "x\n", [{ anchor: "", oldLines: [], newLines: ["y"] }])).toBe("x\ny\n");
  });
  it("names the hunk whose context is missing", () => {
    expect(() =>
      applyHunks("f.ts", "a\nb\n", [
        { anchor: "", oldLines: ["a"], newLines: ["A"] },
        { anchor: "", oldLines: ["zzz"], newLines: [] },
      ]),
    ).toThrow(PatchError);
    expect(() => applyHunks("f.ts", "a\n", [{ anchor: "", oldLines: ["zzz"], newLines: [] }])).toThrow(
      /f\.ts: hunk 1 does not match/,
    );
  });
});

describe("where a patch may write", () => {
  const p: SandboxPolicy = {
    mode: "workspace-write",
    cwd: "/w/repo",
    writableRoots: ["/tmp", "/w/repo"],
    readOnlyPaths: ["/w/repo/vendor"],
    denyRead: ["/w/repo/secrets", "/w/repo/**/*.pem"],
    network: false,
    globScanMaxDepth: 8,
    allowLoginShell: false,
    permissionsProfile: null,
    profile: null,
    protectedNames: [".git", ".agents", ".cordon", ".codex"],
    hostTrustedPaths: ["/w/repo/.vscode"],
    privatePaths: ["/home/u/.cordon"],
  };
  it.each([["src/a.ts"], ["/w/repo/b"], ["/tmp/x"], ["./deep/er/f"]])("allows %s", (path) =>
    expect(patchPathRefusal(path, p)).toBeNull(),
  );
  it.each([
    ["../x", /outside the writable roots/],
    ["/etc/passwd", /outside the writable roots/],
    [".git/config", /inside \.git, which is protected/],
    ["sub/.git/HEAD", /\.git/],
    [".cordon/config.toml", /\.cordon/],
    [".agents/x", /\.agents/],
    [".codex/x", /\.codex/],
    ["vendor/lib.js", /read-only path/],
    ["secrets/key", /deny-read/],
    ["a/b/c.pem", /deny-read/],
    ["/w/repo/../other/x", /outside/],
  ])("refuses %s", (path, why) => expect(patchPathRefusal(path, p)).toMatch(why));
  it("refuses everything in read-only mode and nothing in full access", () => {
    expect(patchPathRefusal("a", { ...p, mode: "read-only" })).toMatch(/read-only/);
    expect(patchPathRefusal("/etc/x", { ...p, mode: "danger-full-access" })).toBeNull();
  });
});
