import { describe, expect, it } from "vitest";
import { commandDefinitions, loadCommands } from "../../src/commands.js";
import { parseCommandLine } from "../../src/console/parse.js";

const definitions = commandDefinitions(await loadCommands());
const parse = (line: string) => parseCommandLine(line, definitions);

describe("the console's command line", () => {
  it("reads options as Discord delivers them", () => {
    expect(parse("/explain topic:event loop")).toEqual({ ok: true, name: "explain", options: { topic: "event loop" } });
    expect(parse("/explain event loop")).toEqual({ ok: true, name: "explain", options: { topic: "event loop" } });
    expect(parse("/run code:print('a:b')")).toEqual({ ok: true, name: "run", options: { code: "print('a:b')" } });
    expect(parse("/daily setup channel:#general time:09:00 timezone:UTC ping-role:@learners")).toEqual({
      ok: true,
      name: "daily",
      options: { subcommand: "setup", channel: "general", time: "09:00", timezone: "UTC", "ping-role": "learners" },
    });
  });

  it("takes a choice by the name Discord shows, or by its value", () => {
    expect(parse("/quiz difficulty:beginner")).toMatchObject({ ok: true, options: { difficulty: 1 } });
    expect(parse("/quiz difficulty:Advanced")).toMatchObject({ ok: true, options: { difficulty: 3 } });
    expect(parse("/quiz difficulty:2")).toMatchObject({ ok: true, options: { difficulty: 2 } });
    expect(parse("/leaderboard period:all time")).toMatchObject({ ok: true, options: { period: "all" } });
  });

  it("says what is wrong with a line it cannot read", () => {
    expect(parse("/")).toEqual({ ok: false, problem: "type a command such as /explain topic:gather" });
    expect(parse("/nonsense")).toMatchObject({ ok: false, problem: expect.stringMatching(/^there is no \/nonsense; try /) });
    expect(parse("/daily sometimes")).toEqual({ ok: false, problem: "/daily needs one of: setup, status, pause, resume, off" });
  });
});
